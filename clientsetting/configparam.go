package clientsetting

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/biembed/biembed-go/internal/validate"
)

// ConfigType names one Tencent Cloud BI ChatBI display configuration.
type ConfigType string

// The ChatBI configuration types Tencent Cloud BI documents.
const (
	ConfigTableFilter ConfigType = "TableFilter" // limit the data tables ChatBI lists
	ConfigSQLView     ConfigType = "SqlView"     // turn the SQL view feature on or off
)

// ConfigDetails holds the settings of one ChatBIConfigItem. An empty Values
// is left out like nil: Encode requires ids for TableFilter, none for SqlView.
type ConfigDetails struct {
	Values  []string `json:"Values,omitempty"`  // TableFilter: the table ids
	Enabled *bool    `json:"Enabled,omitempty"` // SqlView: on or off
}

// ChatBIConfigItem is one entry of ChatBIConfigList (see TableFilter, SQLView).
type ChatBIConfigItem struct {
	ConfigType    ConfigType    `json:"ConfigType"`
	ConfigDetails ConfigDetails `json:"ConfigDetails"`
}

// ChatBIConfig is the ConfigParam field of CreateEmbedToken for ChatBI
// embedding, which the API takes as a JSON string (see Encode).
type ChatBIConfig struct {
	ChatBIConfigList []ChatBIConfigItem `json:"ChatBIConfigList"`
}

// TableFilter returns the item that limits ChatBI to the given data tables.
func TableFilter(tableIDs ...string) ChatBIConfigItem {
	return ChatBIConfigItem{ConfigType: ConfigTableFilter, ConfigDetails: ConfigDetails{Values: tableIDs}}
}

// SQLView returns the item that turns ChatBI's SQL view on or off.
func SQLView(enabled bool) ChatBIConfigItem {
	return ChatBIConfigItem{ConfigType: ConfigSQLView, ConfigDetails: ConfigDetails{Enabled: &enabled}}
}

// NewChatBIConfig returns a ChatBIConfig holding items in order.
func NewChatBIConfig(items ...ChatBIConfigItem) *ChatBIConfig {
	return &ChatBIConfig{ChatBIConfigList: items}
}

// Encode returns the JSON string CreateEmbedToken expects in its ConfigParam
// field; a nil c encodes to "". It first reports the first item of c that
// breaks a documented rule: a known ConfigType, at least one table id for
// TableFilter, Enabled set for SqlView, and no detail that belongs to the
// other type. Field paths are relative to ConfigParam, e.g.
// ChatBIConfigList[1].ConfigType.
func (c *ChatBIConfig) Encode() (string, error) {
	if c == nil {
		return "", nil
	}
	if err := c.validate(); err != nil {
		return "", err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("clientsetting: encode ConfigParam: %w", err)
	}
	return string(b), nil
}

// ParseChatBIConfig decodes the JSON string form of ConfigParam. An empty
// string yields nil.
func ParseChatBIConfig(s string) (*ChatBIConfig, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var c ChatBIConfig
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("clientsetting: parse ConfigParam: %w", err)
	}
	return &c, nil
}

func (c *ChatBIConfig) validate() error {
	for i, item := range c.ChatBIConfigList {
		if err := item.validate(); err != nil {
			return validate.Within(validate.Index("ChatBIConfigList", i), err)
		}
	}
	return nil
}

func (item ChatBIConfigItem) validate() error {
	d := item.ConfigDetails
	switch item.ConfigType {
	case ConfigTableFilter:
		if len(d.Values) == 0 {
			return validate.Fieldf("ConfigDetails.Values", "must hold at least one table id for TableFilter")
		}
		for i, v := range d.Values {
			if strings.TrimSpace(v) == "" {
				return validate.Fieldf(validate.Index("ConfigDetails.Values", i), "must not be empty")
			}
		}
		if d.Enabled != nil {
			return validate.Fieldf("ConfigDetails.Enabled", "belongs to SqlView, not TableFilter")
		}
	case ConfigSQLView:
		switch {
		case d.Enabled == nil:
			return validate.Fieldf("ConfigDetails.Enabled", "must be set for SqlView")
		case d.Values != nil:
			return validate.Fieldf("ConfigDetails.Values", "belongs to TableFilter, not SqlView")
		}
	default:
		return validate.Fieldf("ConfigType", "must be TableFilter or SqlView; got %q", item.ConfigType)
	}
	return nil
}
