package clientsetting_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/internal/testkit/jsontest"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

func FuzzClientSetting(f *testing.F) {
	var body struct {
		ClientSetting json.RawMessage `json:"clientSetting"`
	}
	require.NoError(f, json.Unmarshal(seeds.YoushuGenTokenPassword, &body))
	f.Add([]byte(body.ClientSetting))
	for _, s := range []string{
		`null`, `{}`, `{"integrate":null,"chatBi":{}}`,
		`{"integrate":{"toolbar":[],"defaults":{},"permission":{"global":{"export":[]}}}}`,
		`{"integrate":{"defaults":{"a":{"selected":null,"exclude":null},"b":{}}}}`,
		`{"chatBi":{"dataModelIds":"","hideGraphicMax":false,"tagId":0}}`,
		`{"chatBi":{"dataModelIds":" 1 ,+2"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkStable[clientsetting.ClientSetting](t, data) })
}

func FuzzChatBIConfig(f *testing.F) {
	f.Add(string(seeds.TencentConfigParam))
	f.Add(`{"ChatBIConfigList":[{"ConfigType":"SqlView","ConfigDetails":{"Values":[],"Enabled":null}}]}`)
	f.Add(`{"ChatBIConfigList":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := clientsetting.ParseChatBIConfig(s)
		if err != nil || c == nil {
			return
		}
		_ = c.Validate()
		checkStable[clientsetting.ChatBIConfig](t, []byte(s))
	})
}

// FuzzIDList proves that every id list that decodes survives String and
// decoding again.
func FuzzIDList(f *testing.F) {
	for _, s := range []string{"1,2,3", "", " 7 ", "1,,2", "-1,+2", "9223372036854775807", "x"} {
		f.Add(s)
	}
	// parse decodes s as the JSON string an IDList travels in.
	parse := func(t *testing.T, s string) (clientsetting.IDList, error) {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var ids clientsetting.IDList
		return ids, json.Unmarshal(b, &ids)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := parse(t, s)
		if err != nil {
			return
		}
		again, err := parse(t, ids.String())
		require.NoError(t, err)
		require.Equal(t, ids, again)
	})
}

// checkStable fails t when data decodes into a T that does not survive a
// JSON round trip (see jsontest.Stable).
func checkStable[T any](t *testing.T, data []byte) {
	t.Helper()
	require.NoError(t, jsontest.Stable[T](data))
}
