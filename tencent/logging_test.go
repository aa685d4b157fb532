package tencent_test

import (
	"context"
	"strings"
	"testing"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// TestNoSecretReachesLogsOrErrors runs every action, an error, a retry and a
// server message quoting a token with debug logging on, and lets secrettest
// fail the test if the key or any token shows up in the logs or errors.
func TestNoSecretReachesLogsOrErrors(t *testing.T) {
	t.Parallel()
	const secretID = "AKIDsecrettest000000000000"
	rec := secrettest.New(t, secrettest.SecretKey)
	client, srv := setup(t, []tencenttest.Option{tencenttest.WithSecret(secretID, secrettest.SecretKey)},
		tencent.WithSecret(secretID, secrettest.SecretKey), tencent.WithLogger(rec.Logger()))
	ctx := context.Background()
	logger := rec.Logger()

	page := tencent.NewPageRequest(1, 2)
	page.TokenType, page.UserCorpID, page.UserID = tencent.TokenTypeSingleUser, "corp", "user"
	srv.Inject(tencenttest.Fault{Code: "RequestLimitExceeded", Times: 1})
	tok, err := client.CreateEmbedToken(ctx, page)
	if err != nil {
		t.Fatalf("CreateEmbedToken: %v", rec.Err(err))
	}
	rec.AddSecret(tok.Value.Reveal())
	url, err := tok.URL()
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("minted", "token", tok, "value", tok.Value, "extend", *tencent.ExtendRequestFor(tok))
	logger.Debug("minted", "token", *tok, "extend", tencent.ExtendRequestFor(tok))
	if err := client.ApplyEmbedInterval(ctx, tencent.ExtendRequestFor(tok)); err != nil {
		t.Fatalf("ApplyEmbedInterval: %v", rec.Err(err))
	}

	const unknown = "SENTINEL-UNKNOWN-TOKEN-5a8c2d"
	rec.AddSecret(unknown)
	unknownReq := tencent.ExtendRequestFor(tok)
	unknownReq.BIToken = biembed.NewSecret(unknown)
	if err := rec.Err(client.ApplyEmbedInterval(ctx, unknownReq)); err == nil {
		t.Error("extending an unknown token succeeded")
	}

	srv.Inject(tencenttest.Fault{Code: "FailedOperation", Times: 1})
	if _, err := client.CreateEmbedToken(ctx, tencent.NewChatBIRequest(1)); rec.Err(err) == nil {
		t.Error("the injected FailedOperation was not reported")
	}
	srv.Inject(tencenttest.Fault{Body: []byte(`{"Response":{"Data":{"BIToken":"SENTINEL-CUT-TOKEN-71d0e9`), Times: 1})
	rec.AddSecret("SENTINEL-CUT-TOKEN-71d0e9")
	if _, err := client.CreateEmbedToken(ctx, page); rec.Err(err) == nil {
		t.Error("the malformed answer was not reported")
	}
	if err := client.ClearEmbedToken(ctx, clearFor(tok)); err != nil {
		t.Fatalf("ClearEmbedToken: %v", rec.Err(err))
	}

	logs := rec.Logs()
	for _, want := range []string{`"action":"CreateEmbedToken"`, `"action":"ApplyEmbedInterval"`, `"action":"ClearEmbedToken"`,
		`"code":"RequestLimitExceeded"`, `"attempt":2`, `"msg":"tencent: token minted"`, `"token":"` + tok.Value.String() + `"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	if strings.Contains(logs, secretID) || strings.Contains(logs, "Authorization") || strings.Contains(logs, url) {
		t.Error("logs hold request metadata beyond the allow-list")
	}
}
