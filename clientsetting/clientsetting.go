// Package clientsetting builds the display settings that travel inside an
// embed token: Youshu's clientSetting (the report integration page and the
// ChatBI page) and Tencent Cloud BI's ChatBI ConfigParam.
//
// Optional settings are pointers, slices and maps: nil leaves the key out so
// the server default applies; a pointer to false sends false (Ptr makes one:
// chatBi.hideGraphicMax defaults to true, so only HideGraphicMax: Ptr(false)
// shows the full-screen button), and an empty slice or map is sent as [] or
// {} ("" for an IDList). Decoding keeps the difference, so a stored setting
// round-trips.
package clientsetting

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/biembed/biembed-go/internal/validate"
)

// Ptr returns a pointer to v, for the optional settings.
func Ptr[T any](v T) *T { return &v }

// ClientSetting is genToken's clientSetting: display settings inside the
// token, where the person viewing the page cannot change them.
type ClientSetting struct {
	Integrate *Integrate `json:"integrate,omitempty"`
	ChatBI    *ChatBI    `json:"chatBi,omitempty"`
}

// Integrate configures the report integration page.
type Integrate struct {
	IgnoreSearch       *bool                    `json:"ignoreSearch,omitempty"`       // ignore the URL's search part (default false)
	Mode               string                   `json:"mode,omitempty"`               // integration mode, such as "simple"
	Toolbar            []string                 `json:"toolbar,omitzero"`             // print, refresh, export ...; nil: server default, empty: [] (no tools)
	Side               *bool                    `json:"side,omitempty"`               // show the side bar
	HidePublic         *bool                    `json:"hidePublic,omitempty"`         // hide the public folder
	HidePrivate        *bool                    `json:"hidePrivate,omitempty"`        // hide the private folder
	HideTitle          *bool                    `json:"hideTitle,omitempty"`          // hide the title bar
	HideScaleBar       *bool                    `json:"hideScaleBar,omitempty"`       // hide the tab zoom bar
	TabColor           string                   `json:"tabColor,omitempty"`           // tab page color, e.g. "red"
	HidePageBar        *bool                    `json:"hidePageBar,omitempty"`        // hide the whole bottom tool bar
	EnableReportDetail *bool                    `json:"enableReportDetail,omitempty"` // show report details
	HideProgressBar    *bool                    `json:"hideProgressBar,omitempty"`    // hide the top progress bar
	Scale              *int                     `json:"scale,omitempty"`              // zoom, in percent
	BottomBarPos       string                   `json:"bottomBarPos,omitempty"`       // "top" moves the bottom bar to the top
	DisableGraphicJump *bool                    `json:"disableGraphicJump,omitempty"` // mobile: no jump on double tap
	Fit                *bool                    `json:"fit,omitempty"`                // fit width without margins (default false)
	Defaults           map[string]FilterDefault `json:"defaults,omitzero"`            // filter defaults, keyed by filter control id; nil: left out, empty: {}
	CustomCSSID        string                   `json:"customCssId,omitempty"`        // custom CSS to use
	Permission         *ChartPermission         `json:"permission,omitempty"`         // chart features
}

// FilterDefault is the default of one filter control: a list filter's
// Selected and Exclude (ListDefault), or a date filter's Type and bounds
// (StaticTimeDefault).
type FilterDefault struct {
	Selected []string `json:"selected,omitzero"` // nil: left out (a date default), empty: [] (select nothing)
	Exclude  *bool    `json:"exclude,omitempty"`
	Type     string   `json:"type,omitempty"`
	MinBound string   `json:"minBound,omitempty"`
	MaxBound string   `json:"maxBound,omitempty"`
}

// ListDefault returns a list filter default: selected values kept or
// (exclude) dropped; with none it sends [].
func ListDefault(exclude bool, selected ...string) FilterDefault {
	return FilterDefault{Selected: append([]string{}, selected...), Exclude: &exclude}
}

// StaticTime is the date filter default type the Youshu document shows:
// fixed bounds written in BoundLayout ("2016-07-01 00:00:00").
const (
	StaticTime  = "StaticTime"
	BoundLayout = "2006-01-02 15:04:05"
)

// StaticTimeDefault returns the StaticTime default from from to to.
func StaticTimeDefault(from, to time.Time) FilterDefault {
	return FilterDefault{Type: StaticTime, MinBound: from.Format(BoundLayout), MaxBound: to.Format(BoundLayout)}
}

// ExportFormat is one format a chart may be exported to.
type ExportFormat string

// The export formats Youshu documents.
const (
	ExportImage ExportFormat = "image"
	ExportExcel ExportFormat = "excel"
	ExportPDF   ExportFormat = "pdf"
)

// ChartPermission configures chart features on the integration page.
type ChartPermission struct {
	CloseMoreMenu *bool             `json:"closeMoreMenu,omitempty"` // close the chart's "more" menu
	Global        *GlobalPermission `json:"global,omitempty"`
}

// GlobalPermission turns features on or off for every chart.
type GlobalPermission struct {
	Export        []ExportFormat `json:"export,omitzero"`         // allowed export formats; nil: server default, empty: [] (no export)
	View          *bool          `json:"view,omitempty"`          // view data
	SortPriority  *bool          `json:"sortPriority,omitempty"`  // sort levels
	InteExplore   *bool          `json:"inteExplore,omitempty"`   // smart analysis
	RefreshHist   *bool          `json:"refreshHist,omitempty"`   // refresh history
	SetWarning    *bool          `json:"setWarning,omitempty"`    // measure alerts
	ViewMaxReport *bool          `json:"viewMaxReport,omitempty"` // maximise
	DataDoctor    *bool          `json:"dataDoctor,omitempty"`    // data doctor
	CopyData      *bool          `json:"copyData,omitempty"`      // copy data
	GraphicLink   *bool          `json:"graphicLink,omitempty"`   // chart links
}

// ChatMode is ChatBI's default question-answering mode.
type ChatMode string

// The ChatBI modes Youshu documents.
const (
	ChatCredible     ChatMode = "credible" // the server default
	ChatProfessional ChatMode = "professional"
)

// ChatTopic is what ChatBI conversations are about.
type ChatTopic string

// The ChatBI topics Youshu documents.
const (
	TopicDataModel ChatTopic = "dataModel" // the server default
	TopicIndicator ChatTopic = "indicator"
)

// ChatBI configures the ChatBI integration page; "dialog only" fields take
// effect only on the chatbi/dialogIntegration route.
type ChatBI struct {
	HideApp                *bool     `json:"hideApp,omitempty"`                // mobile QR code
	HideExport             *bool     `json:"hideExport,omitempty"`             // export management
	HideHelp               *bool     `json:"hideHelp,omitempty"`               // help center and its links
	HidePopo               *bool     `json:"hidePopo,omitempty"`               // technical support
	HideUser               *bool     `json:"hideUser,omitempty"`               // current user
	HideFavorite           *bool     `json:"hideFavorite,omitempty"`           // favorites
	HideHistory            *bool     `json:"hideHistory,omitempty"`            // conversation history
	HideMyShare            *bool     `json:"hideMyShare,omitempty"`            // my shares
	HideFilterSet          *bool     `json:"hideFilterSet,omitempty"`          // filter sets
	HideChatModeSwitcher   *bool     `json:"hideChatModeSwitcher,omitempty"`   // chat mode switch
	HideDataModelSelector  *bool     `json:"hideDataModelSelector,omitempty"`  // data model selector
	CanEditCalculatedField *bool     `json:"canEditCalculatedField,omitempty"` // may edit calculated fields
	HideAccountLogo        *bool     `json:"hideAccountLogo,omitempty"`        // account logo
	ShowCloseIcon          *bool     `json:"showCloseIcon,omitempty"`          // close button, top right
	ShowInHistory          *bool     `json:"showInHistory,omitempty"`          // list integrated chats in history (default false)
	DefaultChatMode        ChatMode  `json:"defaultChatMode,omitempty"`        // credible (default) or professional
	ChatTopic              ChatTopic `json:"chatTopic,omitempty"`              // dataModel (default) or indicator
	IndicatorName          *string   `json:"indicatorName,omitempty"`          // indicator name
	DataModelID            *int64    `json:"dataModelId,omitempty"`            // data model id (-1: none)
	TagID                  *int64    `json:"tagId,omitempty"`                  // limit to models with this tag (-1: none)
	IgnoreAIUserCorrect    *bool     `json:"ignoreAiUserCorrect,omitempty"`    // skip choosing tables, fields, members
	HideQueryExplanation   *bool     `json:"hideQueryExplanation,omitempty"`   // dialog only: query explanation
	HideQueryTable         *bool     `json:"hideQueryTable,omitempty"`         // dialog only: query table
	HideQueryToolbarMore   *bool     `json:"hideQueryToolbarMore,omitempty"`   // dialog only: "more" of the query tool bar
	HideGraphicChangeType  *bool     `json:"hideGraphicChangeType,omitempty"`  // dialog only: chart type switch
	HideQueryForecast      *bool     `json:"hideQueryForcast,omitempty"`       // dialog only: forecast (the wire key is spelled "Forcast")
	HideGraphicToolbar     *bool     `json:"hideGraphicToolbar,omitempty"`     // dialog only: chart tool bar
	HideGraphicMax         *bool     `json:"hideGraphicMax,omitempty"`         // dialog only: full screen (server default: hidden)
	HideGraphicRefresh     *bool     `json:"hideGraphicRefresh,omitempty"`     // dialog only: refresh (server default: hidden)
	HideGraphicRefLine     *bool     `json:"hideGraphicRefLine,omitempty"`     // dialog only: reference lines
	HideAskInfo            *bool     `json:"hideAskInfo,omitempty"`            // dialog only: the ask chat item
	DataModelIDs           IDList    `json:"dataModelIds,omitzero"`            // dialog only: models to query; nil: left out, empty: ""
	Question               *string   `json:"question,omitempty"`               // dialog only: the question to ask
	DialogID               *string   `json:"dialogId,omitempty"`               // dialog only: continue this conversation
}

// IDList is a list of ids Youshu writes as one string, "1,2,3".
type IDList []int64

// String returns l as Youshu writes it: ids joined by commas, e.g. "1,2,3".
func (l IDList) String() string {
	s := make([]string, len(l))
	for i, id := range l {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// MarshalJSON encodes l as one JSON string, l.String().
func (l IDList) MarshalJSON() ([]byte, error) { return json.Marshal(l.String()) }

// UnmarshalJSON decodes a string of comma-separated decimal ids (spaces
// allowed); a blank one yields an empty list, JSON null leaves l unchanged.
func (l *IDList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("clientsetting: id list must be a string of comma-separated ids: %w", err)
	}
	ids := IDList{}
	if strings.TrimSpace(s) != "" {
		for i, p := range strings.Split(s, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil {
				return fmt.Errorf("clientsetting: id %d of %.64q is not a decimal id", i+1, s) // at most 64 runes of s
			}
			ids = append(ids, id)
		}
	}
	*l = ids
	return nil
}

// Validate reports the first setting of c that breaks a documented rule, by
// a path such as chatBi.dataModelIds[0]. A nil c is valid.
func (c *ClientSetting) Validate() error {
	if c == nil {
		return nil
	}
	return cmp.Or(validate.Within("integrate", c.Integrate.validate()), validate.Within("chatBi", c.ChatBI.validate()))
}

// validate leaves mode, toolbar items and bottomBarPos open: the document lists no closed set.
func (s *Integrate) validate() error {
	if s == nil {
		return nil
	}
	for i, item := range s.Toolbar {
		if strings.TrimSpace(item) == "" {
			return validate.Fieldf(validate.Index("toolbar", i), "must not be empty")
		}
	}
	if s.Scale != nil && *s.Scale <= 0 {
		return validate.Fieldf("scale", "must be above 0 (percent); got %d", *s.Scale)
	}
	for _, id := range slices.Sorted(maps.Keys(s.Defaults)) {
		if strings.TrimSpace(id) == "" {
			return validate.Fieldf(validate.Key("defaults", id), "key must be a filter control id")
		}
		if err := s.Defaults[id].validate(); err != nil {
			return validate.Within(validate.Key("defaults", id), err)
		}
	}
	if p := s.Permission; p != nil && p.Global != nil {
		for i, f := range p.Global.Export {
			if !validate.OneOf(f, ExportImage, ExportExcel, ExportPDF) {
				return validate.Fieldf(validate.Index("permission.global.export", i), "must be image, excel or pdf; got %q", f)
			}
		}
	}
	return nil
}

// validate requires a list default (selected) or a date default (type), not both.
func (d FilterDefault) validate() error {
	list := d.Selected != nil || d.Exclude != nil
	date := d.Type != "" || d.MinBound != "" || d.MaxBound != ""
	switch {
	case list && date:
		return validate.Fieldf("type", "must be empty in a list default (selected, exclude); a default is a list or a date default, not both")
	case list && d.Selected == nil:
		return validate.Fieldf("selected", "must be set in a list default; use [] to select nothing")
	case date && strings.TrimSpace(d.Type) == "":
		return validate.Fieldf("type", "must be set in a date default, e.g. %q", StaticTime)
	case !list && !date:
		return validate.Fieldf("selected", "must be set for a list default, or type for a date default")
	}
	return nil
}

func (c *ChatBI) validate() error {
	switch {
	case c == nil:
		return nil
	case c.DefaultChatMode != "" && !validate.OneOf(c.DefaultChatMode, ChatCredible, ChatProfessional):
		return validate.Fieldf("defaultChatMode", "must be credible or professional; got %q", c.DefaultChatMode)
	case c.ChatTopic != "" && !validate.OneOf(c.ChatTopic, TopicDataModel, TopicIndicator):
		return validate.Fieldf("chatTopic", "must be dataModel or indicator; got %q", c.ChatTopic)
	}
	if err := cmp.Or(checkOptionalID("dataModelId", c.DataModelID), checkOptionalID("tagId", c.TagID)); err != nil {
		return err
	}
	for i, id := range c.DataModelIDs {
		if id <= 0 {
			return validate.Fieldf(validate.Index("dataModelIds", i), "must be a positive data model id; got %d", id)
		}
	}
	return nil
}

// checkOptionalID accepts nil, -1 (none) and positive ids.
func checkOptionalID(field string, id *int64) error {
	if id != nil && *id != -1 && *id <= 0 {
		return validate.Fieldf(field, "must be -1 (none) or a positive id; got %d", *id)
	}
	return nil
}
