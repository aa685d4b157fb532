package readme

import (
	"context"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/youshu"
)

// Permissions states one rule and renders it for both vendors' requests.
func Permissions(ctx context.Context, tencentReq *tencent.CreateEmbedTokenRequest, youshuReq *youshu.GenTokenRequest) error {
	sees := filtermap.In("region", "East", "North")
	tencentReq.GlobalParams = append(tencentReq.GlobalParams, sees.GlobalParam()) // -is, JoinType AND
	youshuReq.FilterMap = filtermap.FilterMap{"700006204": filtermap.NewRowFilters(filtermap.RuleAnd,
		sees.ListFilter(filtermap.TableName("orders"), filtermap.TypeString))} // select
	if err := tencentReq.Validate(); err != nil {
		return err
	}
	return youshuReq.Validate()
}
