package install

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

// motoKMS is a KMS client on moto ($FLUX_TEST_AWS_ENDPOINT) and a fresh
// key alias; skipped without it unless FLUX_REQUIRE_INTEGRATION=1.
func motoKMS(t *testing.T) (*kms.Client, string) {
	t.Helper()
	ep := os.Getenv("FLUX_TEST_AWS_ENDPOINT")
	if ep == "" {
		if os.Getenv(storetest.EnvRequireIntegration) == "1" {
			t.Fatal("FLUX_TEST_AWS_ENDPOINT is not set but FLUX_REQUIRE_INTEGRATION=1: start moto_server")
		}
		t.Skip("FLUX_TEST_AWS_ENDPOINT not set: skipping KMS integration test")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return kms.New(kms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}), "alias/flux-install-test-" + hex.EncodeToString(b)
}

// The whole install against DynamoDB Local and KMS on moto, through the
// functions' own builders: start, callback, sealed storage, AccessToken,
// replay, refresh with many concurrent processes.
func TestInstallFlowIntegration(t *testing.T) {
	st := storetest.NewTable(t)
	kmsc, alias := motoKMS(t)
	ctx := context.Background()
	keyARN, err := secrets.EnsureKey(ctx, kmsc, alias)
	if err != nil {
		t.Fatal(err)
	}
	storetest.NewTenant(t, st, testTenant, "Acme")
	if err := st.AddStore(ctx, testTenant, config.Store{Domain: testShop, Classification: config.Source}); err != nil {
		t.Fatal(err)
	}
	shopify := newTokenEndpoint(t, readTestdata(t, "access_token_offline_expiring.json"))

	c, err := LoadCallbackConfig(platform.EnvFrom(map[string]string{
		"TABLE_NAME": st.Table, "SHOPIFY_API_KEY": testAPIKey, "SHOPIFY_API_SECRET": testSecret,
		"SHOPIFY_SCOPES": "write_products,write_content", "FLUX_PUBLIC_URL": "http://127.0.0.1:8080",
		"SHOPIFY_BASE_URL": shopify.URL, "TOKEN_KMS_KEY_ID": alias,
	}))
	if err != nil {
		t.Fatal(err)
	}
	installH, err := c.NewInstallFunction(ctx, st, nil, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	callbackH, err := c.NewCallbackFunction(ctx, st, kmsc, nil, quietLog())
	if err != nil {
		t.Fatal(err)
	}

	// 1. The merchant's admin asks for the authorize URL.
	resp := serve(t, installH, event(t, "apigw-install-request.json", "shop="+testShop, "application/json", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("install: %d %s", resp.StatusCode, resp.Body)
	}
	var ar AuthorizeResponse
	_ = json.Unmarshal([]byte(resp.Body), &ar)
	au, _ := url.Parse(ar.AuthorizeURL)
	if au.Query().Get("redirect_uri") != "http://127.0.0.1:8080/auth/shopify/callback" {
		t.Errorf("authorize URL %s", ar.AuthorizeURL)
	}

	// 2. Shopify redirects the browser back, signed.
	q := url.Values{
		"code": {"c0de0123456789abcdef"}, "shop": {testShop}, "state": {au.Query().Get("state")},
		"timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}, "host": {"YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWNtZS1zb3VyY2U"},
	}
	q.Set("hmac", oauth.SignQuery(testSecret, q))
	resp = serve(t, callbackH, event(t, "apigw-callback-request.json", q.Encode(), "application/json", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("callback: %d %s", resp.StatusCode, resp.Body)
	}
	resp = serve(t, callbackH, event(t, "apigw-callback-request.json", q.Encode(), "application/json", nil))
	wantError(t, resp, 401, "UNAUTHENTICATED")

	// 3. What the table holds: KMS envelopes, never the token.
	raw, err := st.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Table), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: store.TenantPK(testTenant)}, "SK": &types.AttributeValueMemberS{Value: store.ShopTokenSK(testShop)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	blob := raw.Item["accessToken"].(*types.AttributeValueMemberB).Value
	if bytes.Contains(blob, []byte("shpat_")) {
		t.Fatal("access token stored in clear")
	}
	sealed, err := secrets.Parse(blob)
	if err != nil || sealed.Scheme != secrets.SchemeKMS || sealed.KeyID != keyARN {
		t.Fatalf("stored envelope %v, %v (key %s)", sealed, err, keyARN)
	}
	kmsSealer, _ := secrets.NewKMSSealer(kmsc, alias)
	if _, err := kmsSealer.Open(ctx, sealed, shoptokens.AAD("t_evil", testShop, "access")); !errors.Is(err, secrets.ErrOpen) {
		t.Errorf("opened under another tenant: %v", err)
	}

	// 4. A resolver group reads the token.
	app, _ := c.App(ctx, nil, nil)
	svc := shoptokens.New(st, kmsSealer, app, shoptokens.Options{Log: quietLog()})
	tok, err := svc.AccessToken(ctx, testTenant, testShop)
	if err != nil || tok != "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" {
		t.Fatalf("AccessToken = %q, %v", tok, err)
	}
	if _, err := svc.AccessToken(ctx, "t_evil", testShop); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("another tenant's AccessToken: %v", err)
	}

	// 5. 58 minutes later, eight cold processes need the token at once:
	// one refresh reaches Shopify, all get the new token.
	shopify.answer(200, `{"access_token":"shpat_refreshed_1","scope":"write_products,write_content","expires_in":3600,"refresh_token":"shprt_rotated_1","refresh_token_expires_in":7776000}`)
	before := len(shopify.calls())
	later := func() time.Time { return time.Now().Add(58 * time.Minute) }
	// The app computes the new expiry from its clock: the same one.
	laterApp := *app
	laterApp.Now = later
	var wg sync.WaitGroup
	toks := make([]string, 8)
	errs := make([]error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := shoptokens.New(st, kmsSealer, &laterApp, shoptokens.Options{Now: later, Log: quietLog()})
			toks[i], errs[i] = p.AccessToken(ctx, testTenant, testShop)
		}()
	}
	wg.Wait()
	for i := range 8 {
		// A process that found the lease taken while the old token was
		// still valid uses the old one: both are fine for the call.
		if errs[i] != nil || (toks[i] != "shpat_refreshed_1" && toks[i] != "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") {
			t.Errorf("process %d: %q, %v", i, toks[i], errs[i])
		}
	}
	refreshes := shopify.calls()[before:]
	if len(refreshes) != 1 || refreshes[0]["grant_type"] != "refresh_token" || refreshes[0]["refresh_token"] != "shprt_0a1b2c3d4e5f60718293a4b5c6d7e8f9" {
		t.Fatalf("refresh requests %v", refreshes)
	}
	conn, err := st.ShopConnection(ctx, testTenant, testShop)
	if err != nil || conn.Version != 2 || conn.RefreshLeaseUntil != nil {
		t.Fatalf("after refresh: %+v, %v", conn, err)
	}
	fresh := shoptokens.New(st, kmsSealer, &laterApp, shoptokens.Options{Now: later, Log: quietLog()})
	if tok, err := fresh.AccessToken(ctx, testTenant, testShop); err != nil || tok != "shpat_refreshed_1" {
		t.Errorf("after refresh: %q, %v", tok, err)
	}
}
