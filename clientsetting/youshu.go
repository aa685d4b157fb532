package clientsetting

// ClientSetting is genToken's clientSetting: display settings that used to
// travel in the integration URL and now travel inside the token, where the
// person viewing the page cannot change them.
type ClientSetting struct {
	Integrate *Integrate `json:"integrate,omitempty"`
	ChatBI    *ChatBI    `json:"chatBi,omitempty"`
}

// Mode is the integration mode of a report page.
type Mode string

// ModeSimple is the integration mode the Youshu document shows.
const ModeSimple Mode = "simple"

// ToolbarItem is one tool offered on the report integration page.
type ToolbarItem string

// The toolbar items the Youshu document names (print, refresh, export).
const (
	ToolbarPrint   ToolbarItem = "print"
	ToolbarRefresh ToolbarItem = "refresh"
	ToolbarExport  ToolbarItem = "export"
)

// BarPosition is where the report's bottom bar sits.
type BarPosition string

// BarTop moves the bottom bar to the top, the one documented position.
const BarTop BarPosition = "top"

// Integrate configures the report integration page. A nil field leaves the
// key out, so the server default applies; an empty non-nil slice or map is
// sent as [] or {} (Toolbar: []ToolbarItem{} means no toolbar at all).
type Integrate struct {
	IgnoreSearch       *bool                    `json:"ignoreSearch,omitempty"`       // ignore the URL's search part (default false)
	Mode               Mode                     `json:"mode,omitempty"`               // integration mode
	Toolbar            []ToolbarItem            `json:"toolbar,omitzero"`             // print, refresh, export ...; nil: server default, empty: [] (no tools)
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
	BottomBarPos       BarPosition              `json:"bottomBarPos,omitempty"`       // move the bottom bar
	DisableGraphicJump *bool                    `json:"disableGraphicJump,omitempty"` // mobile: no jump on double tap
	Fit                *bool                    `json:"fit,omitempty"`                // fit width without margins (default false)
	Defaults           map[string]FilterDefault `json:"defaults,omitzero"`            // filter defaults, keyed by filter control id; nil: left out, empty: {}
	CustomCSSID        string                   `json:"customCssId,omitempty"`        // custom CSS to use
	Permission         *ChartPermission         `json:"permission,omitempty"`         // chart features
}

// FilterDefault is the default of one filter control: a list filter's
// Selected values and Exclude flag, or a date filter's Type and bounds. Build
// it with ListDefault or DateDefault.
type FilterDefault struct {
	// Selected is the list default's values: nil leaves the key out (a date
	// default), an empty non-nil slice sends [] (select nothing).
	Selected []string `json:"selected,omitzero"`
	Exclude  *bool    `json:"exclude,omitempty"`
	Type     string   `json:"type,omitempty"`
	MinBound string   `json:"minBound,omitempty"`
	MaxBound string   `json:"maxBound,omitempty"`
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

// GlobalPermission turns chart features on or off for every chart.
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

// ChatBI configures the ChatBI integration page. A nil field leaves the key
// out, so the server default applies. The fields from HideQueryExplanation on
// take effect only on the chatbi/dialogIntegration route.
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

	HideQueryExplanation  *bool   `json:"hideQueryExplanation,omitempty"`  // dialog only: query explanation
	HideQueryTable        *bool   `json:"hideQueryTable,omitempty"`        // dialog only: query table
	HideQueryToolbarMore  *bool   `json:"hideQueryToolbarMore,omitempty"`  // dialog only: "more" of the query tool bar
	HideGraphicChangeType *bool   `json:"hideGraphicChangeType,omitempty"` // dialog only: chart type switch
	HideQueryForecast     *bool   `json:"hideQueryForcast,omitempty"`      // dialog only: forecast (the wire key is spelled "Forcast")
	HideGraphicToolbar    *bool   `json:"hideGraphicToolbar,omitempty"`    // dialog only: chart tool bar
	HideGraphicMax        *bool   `json:"hideGraphicMax,omitempty"`        // dialog only: full screen (server default: hidden)
	HideGraphicRefresh    *bool   `json:"hideGraphicRefresh,omitempty"`    // dialog only: refresh (server default: hidden)
	HideGraphicRefLine    *bool   `json:"hideGraphicRefLine,omitempty"`    // dialog only: reference lines
	HideAskInfo           *bool   `json:"hideAskInfo,omitempty"`           // dialog only: the ask chat item
	DataModelIDs          IDList  `json:"dataModelIds,omitzero"`           // dialog only: models to query; nil: left out, empty: ""
	Question              *string `json:"question,omitempty"`              // dialog only: the question to ask
	DialogID              *string `json:"dialogId,omitempty"`              // dialog only: continue this conversation
}

// IDList is a list of ids that Youshu writes as one comma-separated string
// ("1,2,3"), as in chatBi.dataModelIds.
type IDList []int64
