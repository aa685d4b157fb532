package readme

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
)

// TencentQuickUse mints a Tencent Cloud BI token for one page, bound to one
// user who sees the rows of two provinces, and writes its embed URL to w.
func TencentQuickUse(ctx context.Context, w io.Writer, secretID, secretKey, endpoint string, projectID, pageID uint64, userCorpID, userID string) error {
	client, err := tencent.NewClient( // once per process: safe for concurrent use
		tencent.WithSecret(secretID, secretKey),
		tencent.WithEndpoint(endpoint), // bi.tencentcloudapi.com (the default), or bi.intl.tencentcloudapi.com
	)
	if err != nil {
		return err
	}
	req := tencent.NewPageRequest(projectID, pageID) // or NewDashboardRequest, NewChatBIRequest
	req.Expiry = 30 * time.Minute                    // whole minutes, 1..240
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, userCorpID, userID
	req.GlobalParams = filtermap.GlobalParams{filtermap.In("province", "Hubei", "Hunan").GlobalParam()}
	tok, err := client.CreateEmbedToken(ctx, req) // a bad req fails here, before any call
	if err != nil {
		return err
	}
	iframeSrc, err := tok.URL() // https://tcbi.qq.com/page/embed?authType=strong&...&token=...
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, iframeSrc)
	return err
}
