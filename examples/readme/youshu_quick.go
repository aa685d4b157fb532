package readme

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/youshu"
)

// YoushuQuickUse mints a Youshu BI report token for one user's account, who
// sees the rows of two regions, and writes its integration URL to w.
func YoushuQuickUse(ctx context.Context, w io.Writer, baseURL, tokenKey string, projectID int64, user string) error {
	client, err := youshu.NewClient(baseURL, // https://bi.example.com; once per host
		youshu.WithCredential(youshu.TokenKey(tokenKey)), // a super admin's, to mint for users; or Password, SSO
	)
	if err != nil {
		return err
	}
	rows := filtermap.FilterMap{"700006204": filtermap.NewRowFilters(filtermap.RuleOr,
		filtermap.In("region", "East", "North").ListFilter(filtermap.TableName("orders"), filtermap.TypeString))}
	tok, err := client.GenToken(ctx, &youshu.GenTokenRequest{
		AuthUniqueID: user,      // the account the token is for
		Expiry:       time.Hour, // sent as expiryTime seconds
		FilterMap:    rows,
	})
	if err != nil {
		return err
	}
	iframeSrc, err := tok.URL(youshu.Report(projectID)) // {base}/dash/integration/{projectId}?token=...
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, iframeSrc)
	return err
}
