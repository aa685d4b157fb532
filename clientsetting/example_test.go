package clientsetting_test

import (
	"encoding/json"
	"fmt"

	"github.com/biembed/biembed-go/clientsetting"
)

// A report page for a regional manager: no side bar, export only, the region
// filter preset to the North-East and North, a fixed date range; and a ChatBI
// dialog limited to two data models that keeps full screen available.
func Example() {
	cs := clientsetting.ClientSetting{
		Integrate: &clientsetting.Integrate{
			Side:    clientsetting.Ptr(false),
			Toolbar: []string{"export"},
			Scale:   clientsetting.Ptr(100),
			Defaults: map[string]clientsetting.FilterDefault{
				"region-filter": clientsetting.ListDefault(false, "东北", "华北"),
				"date-filter":   {Type: clientsetting.StaticTime, MinBound: "2016-07-01 00:00:00", MaxBound: "2016-07-31 23:59:59"},
			},
		},
		ChatBI: &clientsetting.ChatBI{
			DefaultChatMode: clientsetting.ChatProfessional,
			DataModelIDs:    clientsetting.IDList{700284409, 700288358},
			HideGraphicMax:  clientsetting.Ptr(false), // the server hides it unless told otherwise
		},
	}
	if err := cs.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.MarshalIndent(cs, "", "  ")
	fmt.Println(string(b))
	// Output:
	// {
	//   "integrate": {
	//     "toolbar": [
	//       "export"
	//     ],
	//     "side": false,
	//     "scale": 100,
	//     "defaults": {
	//       "date-filter": {
	//         "type": "StaticTime",
	//         "minBound": "2016-07-01 00:00:00",
	//         "maxBound": "2016-07-31 23:59:59"
	//       },
	//       "region-filter": {
	//         "selected": [
	//           "东北",
	//           "华北"
	//         ],
	//         "exclude": false
	//       }
	//     }
	//   },
	//   "chatBi": {
	//     "defaultChatMode": "professional",
	//     "hideGraphicMax": false,
	//     "dataModelIds": "700284409,700288358"
	//   }
	// }
}

// Tencent Cloud BI's ChatBI ConfigParam: list one table and turn SQL view off.
func ExampleChatBIConfig_Encode() {
	s, err := clientsetting.NewChatBIConfig(clientsetting.TableFilter("26513"), clientsetting.SQLView(false)).Encode()
	fmt.Println(s, err)
	// Output:
	// {"ChatBIConfigList":[{"ConfigType":"TableFilter","ConfigDetails":{"Values":["26513"]}},{"ConfigType":"SqlView","ConfigDetails":{"Enabled":false}}]} <nil>
}

// Validate names the first setting that breaks a rule.
func ExampleClientSetting_Validate() {
	cs := clientsetting.ClientSetting{ChatBI: &clientsetting.ChatBI{ChatTopic: "report"}}
	fmt.Println(cs.Validate())
	// Output:
	// invalid chatBi.chatTopic: must be dataModel or indicator; got "report"
}

// A list default with nothing selected still sends "selected": [].
func ExampleListDefault() {
	b, _ := json.Marshal(clientsetting.ListDefault(false))
	fmt.Println(string(b))
	// Output:
	// {"selected":[],"exclude":false}
}
