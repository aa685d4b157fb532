package leaktest

import (
	"reflect"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/embedhttp"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/fakestate"
	"github.com/biembed/biembed-go/internal/pipeline"
	"github.com/biembed/biembed-go/internal/safetext"
	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/internal/testkit/storetest"
	"github.com/biembed/biembed-go/internal/warn"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// registry lists every exported type of the module's packages;
// TestRegistryListsEveryExportedType keeps it complete.
var registry = []Type{
	{Name: "biembed.RateLimiter", Type: reflect.TypeFor[biembed.RateLimiter]()},
	{Name: "biembed.Secret", Type: reflect.TypeFor[biembed.Secret]()},
	{Name: "biembed.ValidationError", Type: reflect.TypeFor[biembed.ValidationError]()},
	{Name: "biembedtest.Clock", Type: reflect.TypeFor[biembedtest.Clock]()},
	{Name: "clientsetting.ChartPermission", Type: reflect.TypeFor[clientsetting.ChartPermission]()},
	{Name: "clientsetting.ChatBI", Type: reflect.TypeFor[clientsetting.ChatBI]()},
	{Name: "clientsetting.ChatBIConfig", Type: reflect.TypeFor[clientsetting.ChatBIConfig]()},
	{Name: "clientsetting.ChatBIConfigItem", Type: reflect.TypeFor[clientsetting.ChatBIConfigItem]()},
	{Name: "clientsetting.ChatMode", Type: reflect.TypeFor[clientsetting.ChatMode]()},
	{Name: "clientsetting.ChatTopic", Type: reflect.TypeFor[clientsetting.ChatTopic]()},
	{Name: "clientsetting.ClientSetting", Type: reflect.TypeFor[clientsetting.ClientSetting]()},
	{Name: "clientsetting.ConfigDetails", Type: reflect.TypeFor[clientsetting.ConfigDetails]()},
	{Name: "clientsetting.ConfigType", Type: reflect.TypeFor[clientsetting.ConfigType]()},
	{Name: "clientsetting.ExportFormat", Type: reflect.TypeFor[clientsetting.ExportFormat]()},
	{Name: "clientsetting.FilterDefault", Type: reflect.TypeFor[clientsetting.FilterDefault]()},
	{Name: "clientsetting.GlobalPermission", Type: reflect.TypeFor[clientsetting.GlobalPermission]()},
	{Name: "clientsetting.IDList", Type: reflect.TypeFor[clientsetting.IDList]()},
	{Name: "clientsetting.Integrate", Type: reflect.TypeFor[clientsetting.Integrate]()},
	{Name: "embedhttp.Handler", Type: reflect.TypeFor[embedhttp.Handler]()},
	{Name: "embedhttp.Options", Type: reflect.TypeFor[embedhttp.Options]()},
	{Name: "filtermap.ApplyRange", Type: reflect.TypeFor[filtermap.ApplyRange]()},
	{Name: "filtermap.ColumnFilter", Type: reflect.TypeFor[filtermap.ColumnFilter]()},
	{Name: "filtermap.ColumnFilterMap", Type: reflect.TypeFor[filtermap.ColumnFilterMap]()},
	{Name: "filtermap.ColumnFilters", Type: reflect.TypeFor[filtermap.ColumnFilters]()},
	{Name: "filtermap.Condition", Type: reflect.TypeFor[filtermap.Condition]()},
	{Name: "filtermap.DataMask", Type: reflect.TypeFor[filtermap.DataMask]()},
	{Name: "filtermap.DataModelFilter", Type: reflect.TypeFor[filtermap.DataModelFilter]()},
	{Name: "filtermap.DataType", Type: reflect.TypeFor[filtermap.DataType]()},
	{Name: "filtermap.Dim", Type: reflect.TypeFor[filtermap.Dim]()},
	{Name: "filtermap.FilterMap", Type: reflect.TypeFor[filtermap.FilterMap]()},
	{Name: "filtermap.Flag", Type: reflect.TypeFor[filtermap.Flag]()},
	{Name: "filtermap.GlobalParam", Type: reflect.TypeFor[filtermap.GlobalParam]()},
	{Name: "filtermap.GlobalParams", Type: reflect.TypeFor[filtermap.GlobalParams]()},
	{Name: "filtermap.Operator", Type: reflect.TypeFor[filtermap.Operator]()},
	{Name: "filtermap.Permission", Type: reflect.TypeFor[filtermap.Permission]()},
	{Name: "filtermap.ReportDataFilter", Type: reflect.TypeFor[filtermap.ReportDataFilter]()},
	{Name: "filtermap.ReportDataFilters", Type: reflect.TypeFor[filtermap.ReportDataFilters]()},
	{Name: "filtermap.ResourcePermission", Type: reflect.TypeFor[filtermap.ResourcePermission]()},
	{Name: "filtermap.ResourcePermissions", Type: reflect.TypeFor[filtermap.ResourcePermissions]()},
	{Name: "filtermap.ResourceType", Type: reflect.TypeFor[filtermap.ResourceType]()},
	{Name: "filtermap.RowFilter", Type: reflect.TypeFor[filtermap.RowFilter]()},
	{Name: "filtermap.RowFilterBody", Type: reflect.TypeFor[filtermap.RowFilterBody]()},
	{Name: "filtermap.RowFilters", Type: reflect.TypeFor[filtermap.RowFilters]()},
	{Name: "filtermap.Rule", Type: reflect.TypeFor[filtermap.Rule]()},
	{Name: "filtermap.SelectType", Type: reflect.TypeFor[filtermap.SelectType]()},
	{Name: "filtermap.Table", Type: reflect.TypeFor[filtermap.Table]()},
	{Name: "filtermap.TableFilter", Type: reflect.TypeFor[filtermap.TableFilter]()},
	{Name: "filtermap.TableFilterMap", Type: reflect.TypeFor[filtermap.TableFilterMap]()},
	{Name: "filtermap.TableFilters", Type: reflect.TypeFor[filtermap.TableFilters]()},
	{Name: "filtermap.TreeCond", Type: reflect.TypeFor[filtermap.TreeCond]()},
	{Name: "filtermap.TreeGroup", Type: reflect.TypeFor[filtermap.TreeGroup]()},
	{Name: "filtermap.Where", Type: reflect.TypeFor[filtermap.Where]()},
	{Name: "fakestate.Fault", Type: reflect.TypeFor[fakestate.Fault]()},
	{Name: "fakestate.Grant", Type: reflect.TypeFor[fakestate.Grant]()},
	{Name: "fakestate.PageError", Type: reflect.TypeFor[fakestate.PageError]()},
	{Name: "pipeline.Attempt", Type: reflect.TypeFor[pipeline.Attempt]()},
	{Name: "pipeline.Limiter", Type: reflect.TypeFor[pipeline.Limiter]()},
	{Name: "pipeline.Policy", Type: reflect.TypeFor[pipeline.Policy]()},
	{Name: "pipeline.Transport", Type: reflect.TypeFor[pipeline.Transport]()},
	{Name: "safetext.Scrubber", Type: reflect.TypeFor[safetext.Scrubber]()},
	{Name: "benchtest.Floor", Type: reflect.TypeFor[benchtest.Floor]()},
	{Name: "benchtest.Side", Type: reflect.TypeFor[benchtest.Side]()},
	{Name: "hostiletest.Case", Type: reflect.TypeFor[hostiletest.Case]()},
	{Name: "hostiletest.Class", Type: reflect.TypeFor[hostiletest.Class]()},
	{Name: "hostiletest.Server", Type: reflect.TypeFor[hostiletest.Server]()},
	{Name: "redistest.Server", Type: reflect.TypeFor[redistest.Server]()},
	{Name: "secrettest.Recorder", Type: reflect.TypeFor[secrettest.Recorder]()},
	{Name: "storetest.T", Type: reflect.TypeFor[storetest.T]()},
	{Name: "warn.Condition", Type: reflect.TypeFor[warn.Condition]()},
	{Name: "redisstore.Fleet", Type: reflect.TypeFor[redisstore.Fleet]()},
	{Name: "redisstore.Options", Type: reflect.TypeFor[redisstore.Options]()},
	{Name: "redisstore.Stats", Type: reflect.TypeFor[redisstore.Stats]()},
	{Name: "tencent.ApplyEmbedIntervalRequest", Type: reflect.TypeFor[tencent.ApplyEmbedIntervalRequest]()},
	{Name: "tencent.Cache", Type: reflect.TypeFor[tencent.Cache]()},
	{Name: "tencent.ClearEmbedTokenRequest", Type: reflect.TypeFor[tencent.ClearEmbedTokenRequest]()},
	{Name: "tencent.Client", Type: reflect.TypeFor[tencent.Client]()},
	{Name: "tencent.CreateEmbedTokenRequest", Type: reflect.TypeFor[tencent.CreateEmbedTokenRequest]()},
	{Name: "tencent.EmbedToken", Type: reflect.TypeFor[tencent.EmbedToken]()},
	{Name: "tencent.Error", Type: reflect.TypeFor[tencent.Error]()},
	{Name: "tencent.ErrorInfo", Type: reflect.TypeFor[tencent.ErrorInfo]()},
	{Name: "tencent.Intention", Type: reflect.TypeFor[tencent.Intention]()},
	{Name: "tencent.Option", Type: reflect.TypeFor[tencent.Option]()},
	{Name: "tencent.Scope", Type: reflect.TypeFor[tencent.Scope]()},
	{Name: "tencent.TokenType", Type: reflect.TypeFor[tencent.TokenType]()},
	{Name: "tencent.URLOption", Type: reflect.TypeFor[tencent.URLOption]()},
	{Name: "tencenttest.Fault", Type: reflect.TypeFor[tencenttest.Fault]()},
	{Name: "tencenttest.IssuedToken", Type: reflect.TypeFor[tencenttest.IssuedToken]()},
	{Name: "tencenttest.Option", Type: reflect.TypeFor[tencenttest.Option]()},
	{Name: "tencenttest.Request", Type: reflect.TypeFor[tencenttest.Request]()},
	{Name: "tencenttest.Server", Type: reflect.TypeFor[tencenttest.Server]()},
	{Name: "tokencache.Entry", Type: reflect.TypeFor[tokencache.Entry]()},
	{Name: "tokencache.Event", Type: reflect.TypeFor[tokencache.Event]()},
	{Name: "tokencache.EventKind", Type: reflect.TypeFor[tokencache.EventKind]()},
	{Name: "tokencache.Options", Type: reflect.TypeFor[tokencache.Options]()},
	{Name: "tokencache.Stats", Type: reflect.TypeFor[tokencache.Stats]()},
	{Name: "tokencache.Store", Type: reflect.TypeFor[tokencache.Store]()},
	{Name: "youshu.ApplyScope", Type: reflect.TypeFor[youshu.ApplyScope]()},
	{Name: "youshu.Cache", Type: reflect.TypeFor[youshu.Cache]()},
	{Name: "youshu.Client", Type: reflect.TypeFor[youshu.Client]()},
	{Name: "youshu.Credential", Type: reflect.TypeFor[youshu.Credential]()},
	{Name: "youshu.EmbedToken", Type: reflect.TypeFor[youshu.EmbedToken]()},
	{Name: "youshu.Error", Type: reflect.TypeFor[youshu.Error]()},
	{Name: "youshu.GenTokenRequest", Type: reflect.TypeFor[youshu.GenTokenRequest]()},
	{Name: "youshu.Option", Type: reflect.TypeFor[youshu.Option]()},
	{Name: "youshu.ParameterAlias", Type: reflect.TypeFor[youshu.ParameterAlias]()},
	{Name: "youshu.Relation", Type: reflect.TypeFor[youshu.Relation]()},
	{Name: "youshu.URLOption", Type: reflect.TypeFor[youshu.URLOption]()},
	{Name: "youshu.UseType", Type: reflect.TypeFor[youshu.UseType]()},
	{Name: "youshu.Watermark", Type: reflect.TypeFor[youshu.Watermark]()},
	{Name: "youshutest.Account", Type: reflect.TypeFor[youshutest.Account]()},
	{Name: "youshutest.Fault", Type: reflect.TypeFor[youshutest.Fault]()},
	{Name: "youshutest.IssuedToken", Type: reflect.TypeFor[youshutest.IssuedToken]()},
	{Name: "youshutest.Option", Type: reflect.TypeFor[youshutest.Option]()},
	{Name: "youshutest.Request", Type: reflect.TypeFor[youshutest.Request]()},
	{Name: "youshutest.Server", Type: reflect.TypeFor[youshutest.Server]()},
}
