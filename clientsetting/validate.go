package clientsetting

import (
	"maps"
	"slices"
	"strings"

	"github.com/biembed/biembed-go/internal/validate"
)

// Validate reports the first setting of c that breaks a documented rule.
// Field paths are relative to clientSetting, e.g. integrate.scale or
// chatBi.dataModelIds[0]. A nil c is valid.
func (c *ClientSetting) Validate() error {
	if c == nil {
		return nil
	}
	if err := c.Integrate.validate(); err != nil {
		return validate.Within("integrate", err)
	}
	return validate.Within("chatBi", c.ChatBI.validate())
}

// Validate reports the first setting of s that breaks a documented rule:
// toolbar items not empty, scale above 0, every filter default keyed by a
// control id and either a list or a date default, known export formats. Mode,
// toolbar items and bottomBarPos are not limited to the documented examples,
// since the document does not list them all. A nil s is valid.
func (s *Integrate) validate() error {
	if s == nil {
		return nil
	}
	for i, item := range s.Toolbar {
		if strings.TrimSpace(string(item)) == "" {
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
	return validate.Within("permission", s.Permission.validate())
}

// Validate reports whether d is a list default (selected, with exclude
// optional) or a date default (type, with optional bounds), and not both.
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

// Validate reports the first chart setting of p that breaks a documented
// rule. A nil p is valid.
func (p *ChartPermission) validate() error {
	if p == nil {
		return nil
	}
	return validate.Within("global", p.Global.validate())
}

// Validate reports an export format other than image, excel and pdf. A nil g
// is valid.
func (g *GlobalPermission) validate() error {
	if g == nil {
		return nil
	}
	for i, f := range g.Export {
		if !validate.OneOf(f, ExportImage, ExportExcel, ExportPDF) {
			return validate.Fieldf(validate.Index("export", i), "must be image, excel or pdf; got %q", f)
		}
	}
	return nil
}

// Validate reports the first setting of c that breaks a documented rule:
// defaultChatMode credible or professional, chatTopic dataModel or
// indicator, dataModelId and tagId -1 (none) or positive, dataModelIds
// positive. A nil c is valid.
func (c *ChatBI) validate() error {
	if c == nil {
		return nil
	}
	if c.DefaultChatMode != "" && !validate.OneOf(c.DefaultChatMode, ChatCredible, ChatProfessional) {
		return validate.Fieldf("defaultChatMode", "must be credible or professional; got %q", c.DefaultChatMode)
	}
	if c.ChatTopic != "" && !validate.OneOf(c.ChatTopic, TopicDataModel, TopicIndicator) {
		return validate.Fieldf("chatTopic", "must be dataModel or indicator; got %q", c.ChatTopic)
	}
	if err := checkOptionalID("dataModelId", c.DataModelID); err != nil {
		return err
	}
	if err := checkOptionalID("tagId", c.TagID); err != nil {
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
