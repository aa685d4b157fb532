package seeds

import (
	"encoding/json"
	"testing"
)

func TestEveryFixtureIsValidJSON(t *testing.T) {
	t.Parallel()
	fixtures := map[string][]byte{
		"YoushuGenTokenPassword": YoushuGenTokenPassword, "YoushuGenTokenSSO": YoushuGenTokenSSO,
		"YoushuGenTokenSuccess": YoushuGenTokenSuccess, "YoushuGenTokenError743": YoushuGenTokenError743,
		"YoushuRmTokenSuccess": YoushuRmTokenSuccess, "TencentCreateEmbedTokenRequest": TencentCreateEmbedTokenRequest,
		"TencentCreateEmbedTokenResponse": TencentCreateEmbedTokenResponse, "TencentGlobalParam": TencentGlobalParam,
		"TencentConfigParam": TencentConfigParam,
	}
	for name, b := range fixtures {
		if len(b) == 0 || !json.Valid(b) {
			t.Errorf("%s: empty or not valid JSON", name)
		}
	}
}
