// Package clientsetting builds the display settings that travel inside an
// embed token: Youshu's clientSetting (the report integration page and the
// ChatBI page) and Tencent Cloud BI's ChatBI ConfigParam.
//
// Optional settings are pointers: nil leaves the key out of the JSON so the
// server default applies, and a pointer to false sends false. Bool, Int and
// String make such pointers in one call. This matters: chatBi.hideGraphicMax
// defaults to true on the server, so only HideGraphicMax: Bool(false) shows the
// full-screen button.
//
// Slices and maps follow the same rule: nil leaves the key out (server
// default), an empty non-nil value is sent as [] or {} ("" for an IDList). So
// Integrate.Toolbar nil keeps the server's toolbar and []ToolbarItem{} shows
// none. Decoding keeps the difference, so a stored setting round-trips.
//
// Filter control defaults are list defaults (ListDefault, which always sends
// "selected", even as []) or date defaults (DateDefault, StaticTimeDefault).
// IDList writes id lists as the comma-separated string Youshu expects
// ("1,2,3").
//
// ClientSetting.Validate reports paths relative to clientSetting
// (integrate.scale, chatBi.dataModelIds[0]); ChatBIConfig.Validate reports
// paths relative to ConfigParam (ChatBIConfigList[1].ConfigType).
package clientsetting

// Ptr returns a pointer to v, for optional settings:
// clientsetting.Ptr(false) sends false, where nil leaves the key out.
func Ptr[T any](v T) *T { return &v }
