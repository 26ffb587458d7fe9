package install

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store/storetest"
	"github.com/flux-platform/flux/shared/webhooksubs"
)

// refuseTopic wraps the emulator: a webhookSubscriptionCreate for topic is
// answered with Shopify's userErrors shape instead of reaching it (real
// Shopify refuses, e.g., metaobject topics without a filter this way).
type refuseTopic struct {
	next  http.Handler
	topic string
}

func (h refuseTopic) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.topic != "" && strings.HasSuffix(r.URL.Path, "/graphql.json") {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			Variables map[string]any `json:"variables"`
		}
		_ = json.Unmarshal(body, &req)
		if req.Variables["topic"] == h.topic {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"data":{"webhookSubscriptionCreate":{"webhookSubscription":null,"userErrors":[{"field":["webhookSubscription"],"message":"The specified filter is invalid, please ensure you specify the field(s) you wish to filter on."}]}}}`)
			return
		}
	}
	h.next.ServeHTTP(w, r)
}

// The install flow through the functions' builders against the Shopify
// emulator (OAuth, token, webhook subscriptions) and DynamoDB Local: the
// first install registers every topic at FLUX_PUBLIC_URL/webhooks/shopify;
// a second install adds none; a topic Shopify refuses is reported and the
// store stays connected, and the next install registers it.
func TestInstallRegistersWebhooksOnEmulator(t *testing.T) {
	st := storetest.NewTable(t)
	ctx := context.Background()
	srv, err := emulator.New(t.Context(), emulator.Options{
		Versions: []string{shopify.DefaultAPIVersion}, SourceProducts: 5, Logger: quietLog(),
		APIKey: testAPIKey, APISecret: testSecret, WebhookRetries: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	front := &refuseTopic{next: srv}
	hs := httptest.NewServer(front)
	defer hs.Close()

	const shop = emulator.SourceShop
	storetest.NewTenant(t, st, testTenant, "Acme")
	if err := st.AddStore(ctx, testTenant, config.Store{Domain: shop, Classification: config.Source}); err != nil {
		t.Fatal(err)
	}
	const publicURL = "http://127.0.0.1:3999"
	c, err := LoadCallbackConfig(platform.EnvFrom(map[string]string{
		"TABLE_NAME": st.Table, "SHOPIFY_API_KEY": testAPIKey, "SHOPIFY_API_SECRET": testSecret,
		"SHOPIFY_SCOPES": "write_products,read_metaobjects,read_discounts,read_themes", "FLUX_PUBLIC_URL": publicURL,
		"SHOPIFY_BASE_URL": hs.URL + "/store/{shop}", "SHOPIFY_API_VERSION": shopify.DefaultAPIVersion,
		"TOKEN_LOCAL_KEY": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
	}))
	if err != nil {
		t.Fatal(err)
	}
	installH, err := c.NewInstallFunction(ctx, st, nil, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	callbackH, err := c.NewCallbackFunction(ctx, st, nil, nil, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// installOnce runs the merchant's install: Flux's authorize URL, the
	// emulator's approval (a signed redirect), Flux's callback.
	installOnce := func(t *testing.T, accept string) (ConnectedResponse, string) {
		t.Helper()
		resp := serve(t, installH, event(t, "apigw-install-request.json", "shop="+shop, "application/json", nil))
		if resp.StatusCode != 200 {
			t.Fatalf("install: %d %s", resp.StatusCode, resp.Body)
		}
		var ar AuthorizeResponse
		_ = json.Unmarshal([]byte(resp.Body), &ar)
		approve, err := noRedirect.Get(ar.AuthorizeURL)
		if err != nil {
			t.Fatal(err)
		}
		_ = approve.Body.Close()
		back, err := url.Parse(approve.Header.Get("Location"))
		if err != nil || approve.StatusCode/100 != 3 || back.Path != CallbackPath {
			t.Fatalf("authorize: %d, Location %q", approve.StatusCode, approve.Header.Get("Location"))
		}
		resp = serve(t, callbackH, event(t, "apigw-callback-request.json", back.RawQuery, accept, nil))
		if resp.StatusCode != 200 {
			t.Fatalf("callback: %d %s", resp.StatusCode, resp.Body)
		}
		if accept != "application/json" {
			return ConnectedResponse{}, resp.Body
		}
		var got ConnectedResponse
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
			t.Fatal(err)
		}
		if !got.Connected {
			t.Fatalf("not connected: %s", resp.Body)
		}
		return got, resp.Body
	}
	all := len(webhooksubs.Topics)
	webhookURL := publicURL + "/webhooks/shopify"
	subscribed := func(t *testing.T) map[string]int {
		t.Helper()
		client, err := shopify.New(shopify.Session{Shop: shop, AccessToken: emulator.SourceToken},
			shopify.Config{BaseURL: func(string) string { return hs.URL }})
		if err != nil {
			t.Fatal(err)
		}
		subs, err := webhooksubs.List(ctx, client)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, s := range subs {
			out[s.Topic+" "+s.CallbackURL]++
		}
		return out
	}

	t.Run("a refused topic is reported, not fatal", func(t *testing.T) {
		front.topic = "METAOBJECTS_CREATE"
		defer func() { front.topic = "" }()
		got, body := installOnce(t, "application/json")
		if !strings.Contains(body, `"webhooks":{"registered":`) {
			t.Errorf("answer %s", body)
		}
		want := webhooksubs.Result{Registered: all - 1, Failed: []webhooksubs.Failure{{Topic: "METAOBJECTS_CREATE",
			Reason: "Shopify refused the subscription: The specified filter is invalid, please ensure you specify the field(s) you wish to filter on."}}}
		if !got.SetupPending || got.Webhooks == nil {
			t.Fatalf("answer %+v", got)
		}
		if diff := cmp.Diff(want, *got.Webhooks, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("webhooks (-want +got):\n%s", diff)
		}
		// The connection stands: the token service reads it.
		if conn, err := st.ShopConnection(ctx, testTenant, shop); err != nil || conn.Status != "active" {
			t.Errorf("connection %+v, %v", conn, err)
		}
		if n := subscribed(t)["METAOBJECTS_CREATE "+webhookURL]; n != 0 {
			t.Errorf("METAOBJECTS_CREATE subscribed %d times", n)
		}
	})

	t.Run("installing again registers what is missing", func(t *testing.T) {
		got, _ := installOnce(t, "application/json")
		if got.SetupPending || got.Webhooks == nil {
			t.Fatalf("answer %+v", got)
		}
		if diff := cmp.Diff(webhooksubs.Result{Registered: 1, Existing: all - 1}, *got.Webhooks, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("webhooks (-want +got):\n%s", diff)
		}
	})

	t.Run("a third install adds none", func(t *testing.T) {
		got, _ := installOnce(t, "application/json")
		if got.SetupPending || got.Webhooks == nil {
			t.Fatalf("answer %+v", got)
		}
		if diff := cmp.Diff(webhooksubs.Result{Existing: all}, *got.Webhooks, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("webhooks (-want +got):\n%s", diff)
		}
		want := map[string]int{}
		for _, topic := range webhooksubs.Topics {
			want[topic.Name+" "+webhookURL] = 1
		}
		if diff := cmp.Diff(want, subscribed(t)); diff != "" {
			t.Errorf("subscriptions on the emulator (-want +got):\n%s", diff)
		}
	})

	t.Run("the connected page reports the webhooks and a failure", func(t *testing.T) {
		// A failing list (Shopify down) loses nothing: the page says so.
		if err := postJSON(hs.URL+"/_emulator/faults", `{"kind":"503","count":10,"shop":"`+shop+`"}`); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = postJSON(hs.URL+"/_emulator/reset", `{}`) }()
		_, page := installOnce(t, "text/html")
		for _, want := range []string{"Store connected", "Webhook subscriptions: 0 registered now, 0 already in place",
			"Webhooks could not be registered: Shopify store " + shop + " is unavailable", "retried when you install again"} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %q:\n%s", want, page)
			}
		}
	})
}

func postJSON(u, body string) error {
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %d", u, resp.StatusCode)
	}
	return nil
}
