package clientsetting_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

func seedClientSetting(t *testing.T) []byte {
	t.Helper()
	var body struct {
		ClientSetting json.RawMessage `json:"clientSetting"`
	}
	require.NoError(t, json.Unmarshal(seeds.YoushuGenTokenPassword, &body))
	require.NotEmpty(t, body.ClientSetting)
	return body.ClientSetting
}

func TestGoldenClientSetting(t *testing.T) {
	t.Parallel()
	block := seedClientSetting(t)
	var cs clientsetting.ClientSetting
	require.NoError(t, json.Unmarshal(block, &cs))
	out, err := json.Marshal(cs)
	require.NoError(t, err)
	assert.JSONEq(t, string(block), string(out))
	require.NoError(t, cs.Validate())

	in := cs.Integrate
	require.NotNil(t, in)
	assert.Equal(t, "simple", in.Mode)
	assert.Equal(t, 50, *in.Scale)
	assert.Equal(t, clientsetting.ListDefault(false), in.Defaults["列表筛选器控件id"])
	assert.Equal(t, clientsetting.StaticTimeDefault(time.Date(2016, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2016, 7, 1, 0, 0, 0, 0, time.UTC)),
		in.Defaults["日期筛选器控件id"])
	assert.False(t, *in.Permission.CloseMoreMenu)
	assert.Equal(t, []clientsetting.ExportFormat{clientsetting.ExportImage, clientsetting.ExportExcel, clientsetting.ExportPDF}, in.Permission.Global.Export)

	chat := cs.ChatBI
	require.NotNil(t, chat)
	assert.Equal(t, clientsetting.IDList{1, 2, 3}, chat.DataModelIDs)
	assert.Equal(t, int64(-1), *chat.DataModelID)
	assert.Equal(t, "", *chat.IndicatorName, "an empty string that was sent stays sent")
	assert.False(t, *chat.HideApp)
	assert.True(t, *chat.HideGraphicMax)
	assert.Equal(t, clientsetting.ChatCredible, chat.DefaultChatMode)
	assert.Equal(t, clientsetting.TopicDataModel, chat.ChatTopic)
}

func TestGoldenConfigParam(t *testing.T) {
	t.Parallel()
	c, err := clientsetting.ParseChatBIConfig(string(seeds.TencentConfigParam))
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	assert.Equal(t, clientsetting.NewChatBIConfig(clientsetting.TableFilter("26513"), clientsetting.SQLView(false)), c)
	s, err := c.Encode()
	require.NoError(t, err)
	assert.JSONEq(t, string(seeds.TencentConfigParam), s)
}

func TestConfigParamEmptyAndBroken(t *testing.T) {
	t.Parallel()
	s, err := (*clientsetting.ChatBIConfig)(nil).Encode()
	require.NoError(t, err)
	assert.Empty(t, s)
	c, err := clientsetting.ParseChatBIConfig(" ")
	require.NoError(t, err)
	assert.Nil(t, c)
	_, err = clientsetting.ParseChatBIConfig(`[`)
	assert.ErrorContains(t, err, "parse ConfigParam")
	_, err = clientsetting.NewChatBIConfig(clientsetting.TableFilter()).Encode()
	assert.ErrorIs(t, err, biembed.ErrInvalid)
}

func TestUnsetAndFalseDifferOnTheWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   clientsetting.ChatBI
		want string
	}{
		{"unset is left out", clientsetting.ChatBI{}, `{}`},
		{"false is sent", clientsetting.ChatBI{HideGraphicMax: clientsetting.Ptr(false)}, `{"hideGraphicMax":false}`},
		{"true is sent", clientsetting.ChatBI{HideGraphicMax: clientsetting.Ptr(true)}, `{"hideGraphicMax":true}`},
		{"zero id is sent", clientsetting.ChatBI{TagID: clientsetting.Ptr(int64(0))}, `{"tagId":0}`},
		{"empty question is sent", clientsetting.ChatBI{Question: clientsetting.Ptr("")}, `{"question":""}`},
		{"empty id list is sent", clientsetting.ChatBI{DataModelIDs: clientsetting.IDList{}}, `{"dataModelIds":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.in)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b))
		})
	}
}

func TestFilterDefaultConstructors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   clientsetting.FilterDefault
		want string
	}{
		{"list, nothing selected, still sends []", clientsetting.ListDefault(false), `{"selected":[],"exclude":false}`},
		{"list, excluded values", clientsetting.ListDefault(true, "东北", "华北"), `{"selected":["东北","华北"],"exclude":true}`},
		{"date", clientsetting.FilterDefault{Type: clientsetting.StaticTime, MinBound: "2016-07-01 00:00:00", MaxBound: "2016-07-31 23:59:59"},
			`{"type":"StaticTime","minBound":"2016-07-01 00:00:00","maxBound":"2016-07-31 23:59:59"}`},
		{"date from time", clientsetting.StaticTimeDefault(time.Date(2016, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2016, 7, 31, 23, 59, 59, 0, time.UTC)),
			`{"type":"StaticTime","minBound":"2016-07-01 00:00:00","maxBound":"2016-07-31 23:59:59"}`},
		{"date, open end", clientsetting.FilterDefault{Type: clientsetting.StaticTime, MinBound: "2016-07-01 00:00:00"},
			`{"type":"StaticTime","minBound":"2016-07-01 00:00:00"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, tt.in.Validate())
			b, err := json.Marshal(tt.in)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b))
		})
	}
}

func TestListDefaultCopiesValues(t *testing.T) {
	t.Parallel()
	values := []string{"a", "b"}
	d := clientsetting.ListDefault(false, values...)
	values[0] = "changed"
	assert.Equal(t, []string{"a", "b"}, d.Selected)
}

func TestIDListWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    clientsetting.IDList
		wantErr bool
	}{
		{in: `"1,2,3"`, want: clientsetting.IDList{1, 2, 3}},
		{in: `" 700284409 , 2 "`, want: clientsetting.IDList{700284409, 2}},
		{in: `""`, want: clientsetting.IDList{}},
		{in: `null`, want: nil},
		{in: `"1,,2"`, wantErr: true},
		{in: `"1,a"`, wantErr: true},
		{in: `"99999999999999999999"`, wantErr: true},
		{in: `[1,2]`, wantErr: true},
		{in: `12`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var c clientsetting.ChatBI
			err := json.Unmarshal([]byte(`{"dataModelIds":`+tt.in+`}`), &c)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.DataModelIDs)
		})
	}
	b, err := json.Marshal(clientsetting.IDList{1, 2, 3})
	require.NoError(t, err)
	assert.Equal(t, `"1,2,3"`, string(b))
	assert.Equal(t, "700284409", clientsetting.IDList{700284409}.String())
}

func TestValidate(t *testing.T) {
	t.Parallel()
	chat := func(change func(*clientsetting.ChatBI)) *clientsetting.ClientSetting {
		c := &clientsetting.ChatBI{DefaultChatMode: clientsetting.ChatProfessional, ChatTopic: clientsetting.TopicIndicator,
			DataModelID: clientsetting.Ptr(int64(-1)), TagID: clientsetting.Ptr(int64(7)), DataModelIDs: clientsetting.IDList{1, 2}}
		change(c)
		return &clientsetting.ClientSetting{ChatBI: c}
	}
	integrate := func(change func(*clientsetting.Integrate)) *clientsetting.ClientSetting {
		in := &clientsetting.Integrate{Scale: clientsetting.Ptr(100), Toolbar: []string{"export"},
			Defaults:   map[string]clientsetting.FilterDefault{"list": clientsetting.ListDefault(false), "date": {Type: clientsetting.StaticTime}},
			Permission: &clientsetting.ChartPermission{Global: &clientsetting.GlobalPermission{Export: []clientsetting.ExportFormat{clientsetting.ExportPDF}}}}
		change(in)
		return &clientsetting.ClientSetting{Integrate: in}
	}
	keepChat, keepIntegrate := func(*clientsetting.ChatBI) {}, func(*clientsetting.Integrate) {}
	for name, v := range map[string]*clientsetting.ClientSetting{
		"nil": nil, "empty": {}, "chat": chat(keepChat), "integrate": integrate(keepIntegrate),
		"dataModelId positive": chat(func(c *clientsetting.ChatBI) { c.DataModelID = clientsetting.Ptr(int64(700284409)) }),
	} {
		assert.NoError(t, v.Validate(), name)
	}

	tests := []struct {
		name  string
		v     *clientsetting.ClientSetting
		field string
	}{
		{"scale zero", integrate(func(in *clientsetting.Integrate) { in.Scale = clientsetting.Ptr(0) }), "integrate.scale"},
		{"scale negative", integrate(func(in *clientsetting.Integrate) { in.Scale = clientsetting.Ptr(-50) }), "integrate.scale"},
		{"toolbar item empty", integrate(func(in *clientsetting.Integrate) { in.Toolbar = append(in.Toolbar, "") }), "integrate.toolbar[1]"},
		{"default key empty", integrate(func(in *clientsetting.Integrate) { in.Defaults[""] = clientsetting.ListDefault(true) }), `integrate.defaults[""]`},
		{"default list and date", integrate(func(in *clientsetting.Integrate) {
			d := clientsetting.ListDefault(true)
			d.MinBound = "2016-07-01 00:00:00"
			in.Defaults["list"] = d
		}), `integrate.defaults["list"].type`},
		{"default neither", integrate(func(in *clientsetting.Integrate) { in.Defaults["list"] = clientsetting.FilterDefault{} }), `integrate.defaults["list"].selected`},
		{"default exclude without selected", integrate(func(in *clientsetting.Integrate) {
			in.Defaults["list"] = clientsetting.FilterDefault{Exclude: clientsetting.Ptr(true)}
		}), `integrate.defaults["list"].selected`},
		{"date default without type", integrate(func(in *clientsetting.Integrate) {
			in.Defaults["date"] = clientsetting.FilterDefault{MinBound: "2016-07-01 00:00:00"}
		}), `integrate.defaults["date"].type`},
		{"unknown export format", integrate(func(in *clientsetting.Integrate) {
			in.Permission.Global.Export = append(in.Permission.Global.Export, "csv")
		}), "integrate.permission.global.export[1]"},
		{"unknown chat mode", chat(func(c *clientsetting.ChatBI) { c.DefaultChatMode = "fast" }), "chatBi.defaultChatMode"},
		{"unknown chat topic", chat(func(c *clientsetting.ChatBI) { c.ChatTopic = "report" }), "chatBi.chatTopic"},
		{"dataModelId zero", chat(func(c *clientsetting.ChatBI) { c.DataModelID = clientsetting.Ptr(int64(0)) }), "chatBi.dataModelId"},
		{"tagId below -1", chat(func(c *clientsetting.ChatBI) { c.TagID = clientsetting.Ptr(int64(-2)) }), "chatBi.tagId"},
		{"dataModelIds not positive", chat(func(c *clientsetting.ChatBI) { c.DataModelIDs = clientsetting.IDList{1, 0} }), "chatBi.dataModelIds[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.v.Validate()
			require.Error(t, err)
			assert.ErrorIs(t, err, biembed.ErrInvalid)
			var ve *biembed.ValidationError
			require.True(t, errors.As(err, &ve))
			assert.Equal(t, tt.field, ve.Field, ve.Rule)
		})
	}
}

func TestValidateConfigParam(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		item  clientsetting.ChatBIConfigItem
		field string
	}{
		{"unknown type", clientsetting.ChatBIConfigItem{ConfigType: "Theme"}, "ChatBIConfigList[1].ConfigType"},
		{"table filter without ids", clientsetting.TableFilter(), "ChatBIConfigList[1].ConfigDetails.Values"},
		{"table filter empty id", clientsetting.TableFilter("1", " "), "ChatBIConfigList[1].ConfigDetails.Values[1]"},
		{"sql view without enabled", clientsetting.ChatBIConfigItem{ConfigType: clientsetting.ConfigSQLView}, "ChatBIConfigList[1].ConfigDetails.Enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := clientsetting.NewChatBIConfig(clientsetting.SQLView(true), tt.item).Validate()
			var ve *biembed.ValidationError
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.Equal(t, tt.field, ve.Field)
		})
	}
}
