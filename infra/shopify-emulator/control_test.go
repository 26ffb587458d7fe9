package emulator

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFaults(t *testing.T) {
	e := newEnv(t, Options{})
	q := `{ shop { name } }`
	tests := []struct {
		fault  map[string]any
		check  func(t *testing.T, resp *http.Response, body []byte, err error)
		status int
	}{
		{map[string]any{"kind": "429", "retryAfter": 3}, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3.0" || !strings.Contains(string(body), "Exceeded 2 calls per second") {
				t.Errorf("429: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
		}, 0},
		{map[string]any{"kind": "500"}, nil, 500},
		{map[string]any{"kind": "502"}, nil, 502},
		{map[string]any{"kind": "503"}, nil, 503},
		{map[string]any{"kind": "throttled"}, func(t *testing.T, resp *http.Response, body []byte, err error) {
			var r gqlResponse
			_ = json.Unmarshal(body, &r)
			if resp.StatusCode != 200 || len(r.Errors) != 1 || get(r.Errors[0], "extensions", "code") != "THROTTLED" || r.Extensions.Cost.ThrottleStatus == nil {
				t.Errorf("throttled: %d %s", resp.StatusCode, body)
			}
		}, 0},
		{map[string]any{"kind": "slow", "delayMs": 300}, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"Demo Source"`) {
				t.Errorf("slow: %d %s", resp.StatusCode, body)
			}
		}, 0},
		{map[string]any{"kind": "drop"}, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err == nil {
				t.Errorf("dropped connection answered: %d %s", resp.StatusCode, body)
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.fault["kind"]), func(t *testing.T) {
			if code, out := e.control("POST", "/faults", tt.fault); code != 200 {
				t.Fatalf("add fault: %d %v", code, out)
			}
			start := time.Now()
			req, _ := http.NewRequestWithContext(t.Context(), "POST", e.http.URL+"/admin/api/"+testVersion+"/graphql.json", strings.NewReader(`{"query":"`+q+`"}`))
			req.Header.Set("X-Shopify-Access-Token", SourceToken)
			resp, err := http.DefaultClient.Do(req)
			var body []byte
			if err == nil {
				body, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if tt.status != 0 {
				if err != nil || resp.StatusCode != tt.status {
					t.Fatalf("want %d, got %v %v", tt.status, resp, err)
				}
			} else {
				tt.check(t, resp, body, err)
			}
			if tt.fault["kind"] == "slow" && time.Since(start) < 300*time.Millisecond {
				t.Errorf("slow fault answered after %v", time.Since(start))
			}
			// One use only: the next request is normal.
			if r := e.gql(SourceToken, q, nil); r.Status != 200 || len(r.Errors) > 0 {
				t.Errorf("fault outlived its count: %d %s", r.Status, r.Raw)
			}
		})
	}
	t.Run("count, shop filter and listing", func(t *testing.T) {
		e.control("POST", "/faults", map[string]any{"kind": "503", "count": 2, "shop": "second-source"})
		if r := e.gql(SourceToken, q, nil); r.Status != 200 {
			t.Errorf("fault for another shop hit the source: %d", r.Status)
		}
		_, list := e.control("GET", "/faults", nil)
		if n, _ := list["faults"].([]any); len(n) != 1 {
			t.Errorf("faults listed: %v", list)
		}
		for i := 0; i < 2; i++ {
			if r := e.gql(SecondToken, q, nil); r.Status != 503 {
				t.Errorf("request %d: %d", i, r.Status)
			}
		}
		if r := e.gql(SecondToken, q, nil); r.Status != 200 {
			t.Errorf("third request: %d", r.Status)
		}
	})
	t.Run("probability", func(t *testing.T) {
		e.control("POST", "/faults", map[string]any{"kind": "500", "probability": 0.5})
		failed := 0
		for i := 0; i < 40; i++ {
			if r := e.gql(SourceToken, q, nil); r.Status == 500 {
				failed++
			}
		}
		e.control("DELETE", "/faults", nil)
		if failed == 0 || failed == 40 {
			t.Errorf("probability 0.5 failed %d of 40", failed)
		}
		if r := e.gql(SourceToken, q, nil); r.Status != 200 {
			t.Errorf("after DELETE /faults: %d", r.Status)
		}
	})
	t.Run("bad fault", func(t *testing.T) {
		if code, _ := e.control("POST", "/faults", map[string]any{"kind": "teapot"}); code != 400 {
			t.Errorf("unknown kind accepted: %d", code)
		}
	})
}

func TestControlEditsAreVisible(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.srv.shop(SourceShop).products[10]
	before, seedTitle := string(p.UpdatedAt), p.Title
	code, out := e.control("PATCH", fmt.Sprintf("/shops/demo-source/objects/Product/%d", p.num), map[string]any{"fields": map[string]any{"title": "Edited In Admin", "tags": []string{"edited"}}})
	if code != 200 || out["id"] != p.gid() {
		t.Fatalf("edit: %d %v", code, out)
	}
	d := e.gql(SourceToken, `query($id: ID!) { product(id: $id) { title tags updatedAt } }`, map[string]any{"id": p.gid()}).mustData(t)
	if str(d, "product", "title") != "Edited In Admin" || str(d, "product", "updatedAt") <= before {
		t.Errorf("edit not visible: %v (updated before %s)", d, before)
	}
	// It is the only product updated since the seed window ended.
	got := walk(t, e, SourceToken, true, 250, map[string]any{"q": "updated_at:>'2025-07-01T00:00:00Z'"})
	if diff := cmp.Diff([]string{p.gid()}, got); diff != "" {
		t.Errorf("updated_at search after an edit (-want +got):\n%s", diff)
	}
	// Create and delete.
	code, out = e.control("POST", "/shops/demo-source/objects", map[string]any{"type": "Page", "fields": map[string]any{"title": "Pop-up Store", "body": "<p>Soon</p>"}})
	if code != 200 {
		t.Fatalf("create page: %d %v", code, out)
	}
	pageID := out["id"].(string)
	d = e.gql(SourceToken, `{ pages(first: 5, query: "handle:pop-up-store") { nodes { id title body } } }`, nil).mustData(t)
	if str(d, "pages", "nodes", 0, "id") != pageID || str(d, "pages", "nodes", 0, "body") != "<p>Soon</p>" {
		t.Errorf("created page: %v", d)
	}
	_, n, _ := parseGID(pageID)
	if code, out := e.control("DELETE", fmt.Sprintf("/shops/demo-source/objects/Page/%d", n), nil); code != 200 {
		t.Fatalf("delete: %d %v", code, out)
	}
	d = e.gql(SourceToken, `query($id: ID!) { page(id: $id) { id } }`, map[string]any{"id": pageID}).mustData(t)
	if d["page"] != nil {
		t.Errorf("deleted page still there: %v", d)
	}
	// Errors: unknown object, wrong kind, blank title.
	for _, c := range []struct{ method, path string }{
		{"PATCH", "/shops/demo-source/objects/Product/1"},
		{"PATCH", fmt.Sprintf("/shops/demo-source/objects/Page/%d", p.num)},
		{"PATCH", "/shops/nope/objects/Product/1"},
	} {
		if code, _ := e.control(c.method, c.path, map[string]any{"fields": map[string]any{"title": "x"}}); code != 404 {
			t.Errorf("%s %s: %d", c.method, c.path, code)
		}
	}
	if code, _ := e.control("PATCH", fmt.Sprintf("/shops/demo-source/objects/Product/%d", p.num), map[string]any{"fields": map[string]any{"title": ""}}); code != 400 {
		t.Errorf("blank title: %d", code)
	}
	// Reset brings the seed back.
	e.control("POST", "/reset", map[string]any{})
	d = e.gql(SourceToken, `query($id: ID!) { product(id: $id) { title } }`, map[string]any{"id": p.gid()}).mustData(t)
	if str(d, "product", "title") != seedTitle {
		t.Errorf("after reset: %v, want %s", d, seedTitle)
	}
}

func TestMutationsUserErrors(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.srv.shop(SourceShop).products[0]
	other := e.srv.shop(SourceShop).products[1]
	tests := []struct {
		name   string
		query  string
		vars   map[string]any
		path   []any
		expect string
	}{
		{"productUpdate ok", `mutation($p: ProductUpdateInput) { productUpdate(product: $p) { product { title } userErrors { field message code } } }`,
			map[string]any{"p": map[string]any{"id": p.gid(), "title": "Renamed"}}, []any{"productUpdate", "product", "title"}, "Renamed"},
		{"productUpdate blank title", `mutation($p: ProductUpdateInput) { productUpdate(product: $p) { product { title } userErrors { field message code } } }`,
			map[string]any{"p": map[string]any{"id": p.gid(), "title": ""}}, []any{"productUpdate", "userErrors", 0, "code"}, "BLANK"},
		{"productUpdate taken handle", `mutation($p: ProductUpdateInput) { productUpdate(input: $p) { userErrors { field message code } } }`,
			map[string]any{"p": map[string]any{"id": p.gid(), "handle": other.Handle}}, []any{"productUpdate", "userErrors", 0, "code"}, "TAKEN"},
		{"productUpdate unknown", `mutation($p: ProductUpdateInput) { productUpdate(product: $p) { userErrors { field message code } } }`,
			map[string]any{"p": map[string]any{"id": "gid://shopify/Product/1"}}, []any{"productUpdate", "userErrors", 0, "field", 0}, "id"},
		{"pageCreate", `mutation { pageCreate(page: {title: "Lookbook 2026", body: "<p>hi</p>"}) { page { handle isPublished } userErrors { code } } }`,
			nil, []any{"pageCreate", "page", "handle"}, "lookbook-2026"},
		{"pageCreate taken", `mutation { pageCreate(page: {title: "X", handle: "about-us"}) { page { id } userErrors { field code message } } }`,
			nil, []any{"pageCreate", "userErrors", 0, "code"}, "TAKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.gql(SourceToken, tt.query, tt.vars).mustData(t)
			if got := str(d, tt.path...); got != tt.expect {
				t.Errorf("%v = %q, want %q (%v)", tt.path, got, tt.expect, d)
			}
		})
	}
}

// receiver records webhook deliveries.
type receiver struct {
	mu   sync.Mutex
	got  []*http.Request
	body [][]byte
	srv  *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, req)
		r.body = append(r.body, b)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) wait(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		got := len(r.got)
		r.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("wanted %d webhook deliveries", n)
}

func TestWebhookDelivery(t *testing.T) {
	e := newEnv(t, Options{})
	rcv := newReceiver(t)
	d := e.gql(SourceToken, `mutation($url: URL!) { webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, webhookSubscription: {callbackUrl: $url, format: JSON}) {
	  webhookSubscription { id topic endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } } userErrors { field message } } }`,
		map[string]any{"url": rcv.srv.URL + "/webhooks"}).mustData(t)
	if str(d, "webhookSubscriptionCreate", "webhookSubscription", "endpoint", "callbackUrl") != rcv.srv.URL+"/webhooks" {
		t.Fatalf("subscription: %v", d)
	}
	// Pages send no webhooks (as on Shopify); a product edit does.
	sh := e.srv.shop(SourceShop)
	e.control("PATCH", fmt.Sprintf("/shops/demo-source/objects/Page/%d", sh.pages[0].num), map[string]any{"fields": map[string]any{"title": "Quiet"}})
	p := sh.products[5]
	e.control("PATCH", fmt.Sprintf("/shops/demo-source/objects/Product/%d", p.num), map[string]any{"fields": map[string]any{"title": "Loud"}})
	rcv.wait(t, 1)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(rcv.got))
	}
	req, body := rcv.got[0], rcv.body[0]
	for h, want := range map[string]string{"X-Shopify-Topic": "products/update", "X-Shopify-Shop-Domain": SourceShop, "X-Shopify-API-Version": testVersion, "Content-Type": "application/json"} {
		if got := req.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	for _, h := range []string{"X-Shopify-Webhook-Id", "X-Shopify-Triggered-At", "X-Shopify-Event-Id"} {
		if req.Header.Get(h) == "" {
			t.Errorf("%s missing", h)
		}
	}
	mac, _ := base64.StdEncoding.DecodeString(req.Header.Get("X-Shopify-Hmac-Sha256"))
	want, _ := base64.StdEncoding.DecodeString(Sign(DefaultAPISecret, body))
	if !hmac.Equal(mac, want) || len(mac) != 32 {
		t.Errorf("HMAC does not verify")
	}
	var payload map[string]any
	if err := json.Unmarshal(body, &payload); err != nil || payload["title"] != "Loud" || payload["admin_graphql_api_id"] != p.gid() || payload["id"] != float64(p.num) {
		t.Errorf("payload: %s", body)
	}
	if l := e.waitDeliveries(1); len(l) != 1 || get(l, 0, "status") != 200.0 {
		t.Errorf("delivery log: %v", l)
	}
}

func TestBulkOperation(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.gql(SecondToken, `mutation { bulkOperationRunQuery(groupObjects: false, query: """
	  { products { edges { node { id title variants { edges { node { id sku } } } } } } }
	""") { bulkOperation { id status } userErrors { field message code } } }`, nil).mustData(t)
	if str(d, "bulkOperationRunQuery", "bulkOperation", "status") != "CREATED" {
		t.Fatalf("run: %v", d)
	}
	var op map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		op = e.gql(SecondToken, `{ currentBulkOperation { id status objectCount rootObjectCount url } }`, nil).mustData(t)
		if str(op, "currentBulkOperation", "status") == "COMPLETED" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if str(op, "currentBulkOperation", "status") != "COMPLETED" {
		t.Fatalf("bulk operation: %v", op)
	}
	resp, err := http.Get(str(op, "currentBulkOperation", "url"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	sh := e.srv.shop(SecondShop)
	variants := 0
	for _, p := range sh.products {
		variants += len(p.variantList)
	}
	if len(lines) != len(sh.products)+variants || str(op, "currentBulkOperation", "rootObjectCount") != fmt.Sprint(len(sh.products)) {
		t.Fatalf("%d lines, want %d products + %d variants", len(lines), len(sh.products), variants)
	}
	var first, second map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &first)
	_ = json.Unmarshal([]byte(lines[1]), &second)
	if first["id"] != sh.products[0].gid() || second["__parentId"] != sh.products[0].gid() || first["variants"] != nil {
		t.Errorf("JSONL lines: %s / %s", lines[0], lines[1])
	}
	// A mutation or a query without a connection is refused with userErrors.
	d = e.gql(SecondToken, `mutation { bulkOperationRunQuery(query: "{ shop { name } }") { bulkOperation { id } userErrors { code message } } }`, nil).mustData(t)
	if str(d, "bulkOperationRunQuery", "userErrors", 0, "code") != "INVALID" {
		t.Errorf("invalid bulk query: %v", d)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	a := newEnv(t, Options{})
	b := newEnv(t, Options{})
	for _, shop := range []string{SourceShop, ProductionShop, SecondShop} {
		ha, err := a.srv.CatalogHash(t.Context(), shop)
		if err != nil {
			t.Fatal(err)
		}
		hb, _ := b.srv.CatalogHash(t.Context(), shop)
		if ha != hb {
			t.Errorf("%s: two servers with one seed differ: %s vs %s", shop, ha, hb)
		}
	}
	h, _ := a.srv.CatalogHash(t.Context(), SourceShop)
	path := filepath.Join("testdata", "catalog.sha256")
	if *update {
		_ = os.WriteFile(path, []byte(h+"\n"), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if strings.TrimSpace(string(want)) != h {
		t.Errorf("source catalog hash %s, want %s: the seed data changed (run go test -update if intended)", h, want)
	}
	c := newEnv(t, Options{Seed: 2})
	if hc, _ := c.srv.CatalogHash(t.Context(), SourceShop); hc == h {
		t.Errorf("another seed gives the same catalog")
	}
	// Production is near-empty; the source has the catalog the brief asks for.
	_, shops := a.control("GET", "/shops", nil)
	_ = shops
	info := a.srv.shopsInfo()
	for _, si := range info {
		switch si.Domain {
		case SourceShop:
			if si.Counts["products"] < 500 || si.Counts["metaobjects"] == 0 || si.Counts["themes"] == 0 || si.Counts["discounts"] == 0 {
				t.Errorf("source counts: %v", si.Counts)
			}
		case ProductionShop:
			if si.Counts["products"] != 0 {
				t.Errorf("production counts: %v", si.Counts)
			}
		}
	}
}

func TestOAuth(t *testing.T) {
	e := newEnv(t, Options{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(e.http.URL + "/store/demo-production/admin/oauth/authorize?client_id=" + DefaultAPIKey + "&scope=read_products&redirect_uri=https://app.example/callback&state=nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize: %d %v", resp.StatusCode, err)
	}
	q := loc.Query()
	if q.Get("shop") != ProductionShop || q.Get("state") != "nonce-1" || q.Get("code") == "" || q.Get("timestamp") == "" || q.Get("host") == "" {
		t.Errorf("redirect query: %v", q)
	}
	if q.Get("hmac") != OAuthHMAC(DefaultAPISecret, q) {
		t.Errorf("hmac does not verify")
	}
	token := func(form string) (int, map[string]any) {
		resp, body := e.do("POST", "/store/demo-production/admin/oauth/access_token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form))
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		return resp.StatusCode, m
	}
	creds := "client_id=" + DefaultAPIKey + "&client_secret=" + DefaultAPISecret
	code, tok := token(creds + "&code=" + q.Get("code") + "&expiring=1")
	if code != 200 || tok["access_token"] == nil || tok["refresh_token"] == nil || tok["scope"] != "read_products" {
		t.Fatalf("access_token: %d %v", code, tok)
	}
	if r := e.gql(tok["access_token"].(string), `{ shop { myshopifyDomain } }`, nil); str(r.mustData(t), "shop", "myshopifyDomain") != ProductionShop {
		t.Errorf("issued token does not reach its shop: %s", r.Raw)
	}
	if code, m := token(creds + "&code=" + q.Get("code")); code != 400 || m["error"] != "invalid_request" {
		t.Errorf("code reused: %d %v", code, m)
	}
	// The access token expires after an hour; the refresh token gives a new one.
	e.clock.Advance(2 * time.Hour)
	if r := e.gql(tok["access_token"].(string), `{ shop { name } }`, nil); r.Status != 401 {
		t.Errorf("expired token accepted: %d", r.Status)
	}
	code, tok2 := token(creds + "&grant_type=refresh_token&refresh_token=" + tok["refresh_token"].(string))
	if code != 200 || tok2["access_token"] == tok["access_token"] {
		t.Fatalf("refresh: %d %v", code, tok2)
	}
	if r := e.gql(tok2["access_token"].(string), `{ shop { name } }`, nil); r.Status != 200 {
		t.Errorf("refreshed token refused: %d", r.Status)
	}
	if code, _ := token("client_id=" + DefaultAPIKey + "&client_secret=wrong&code=x"); code != 400 {
		t.Errorf("bad secret: %d", code)
	}
}

func TestTriggerWebhook(t *testing.T) {
	e := newEnv(t, Options{})
	rcv := newReceiver(t)
	code, out := e.control("POST", "/shops/demo-source/webhooks/trigger", map[string]any{
		"topic": "customers/redact", "callbackUrl": rcv.srv.URL + "/gdpr",
		"payload": map[string]any{"shop_id": 7, "shop_domain": SourceShop, "customer": map[string]any{"id": 1}, "orders_to_redact": []int{}},
	})
	if code != 200 || out["deliveries"] != 1.0 {
		t.Fatalf("trigger: %d %v", code, out)
	}
	rcv.wait(t, 1)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	req := rcv.got[0]
	if req.Header.Get("X-Shopify-Topic") != "customers/redact" || req.Header.Get("X-Shopify-Hmac-Sha256") != Sign(DefaultAPISecret, rcv.body[0]) ||
		!strings.Contains(string(rcv.body[0]), `"shop_domain":"demo-source.myshopify.com"`) {
		t.Errorf("delivery: %v %s", req.Header, rcv.body[0])
	}
	if code, _ := e.control("POST", "/shops/demo-source/webhooks/trigger", map[string]any{"topic": "shop/redact"}); code != 404 {
		t.Errorf("no subscriber and no callback: %d", code)
	}
}

func TestAccessScopes(t *testing.T) {
	e := newEnv(t, Options{})
	e.srv.mu.Lock()
	e.srv.tokens["shpat_limited"] = issuedToken{shop: SourceShop, scope: "read_products,write_content"}
	e.srv.mu.Unlock()
	r := e.gql("shpat_limited", `{ products(first: 1) { nodes { id } } menus(first: 1) { nodes { id } } blogs(first: 1) { nodes { id } } }`, nil)
	if r.Status != 200 || get(r.Data, "products", "nodes", 0, "id") == nil || r.Data["menus"] != nil || get(r.Data, "blogs", "nodes", 0, "id") == nil {
		t.Fatalf("partial data: %s", r.Raw)
	}
	if len(r.Errors) != 1 || get(r.Errors[0], "extensions", "code") != "ACCESS_DENIED" ||
		r.Errors[0]["message"] != "Access denied for menus field. Required access: `read_online_store_navigation` access scope." {
		t.Errorf("errors: %s", r.Raw)
	}
	before := len(e.srv.shop(SourceShop).products)
	r = e.gql("shpat_limited", `mutation { productCreate(product: {title: "Nope"}) { product { id } } }`, nil)
	if len(r.Errors) != 1 || get(r.Errors[0], "extensions", "requiredAccess") != "`write_products` access scope." || len(e.srv.shop(SourceShop).products) != before {
		t.Errorf("mutation without scope: %s", r.Raw)
	}
	// write_content covers pages (read and write).
	r = e.gql("shpat_limited", `mutation { pageCreate(page: {title: "Allowed"}) { page { id } userErrors { message } } }`, nil)
	if len(r.Errors) > 0 || str(r.Data, "pageCreate", "page", "id") == "" {
		t.Errorf("pageCreate with write_content: %s", r.Raw)
	}
}

func TestWebhookRetriesKeepTheirIDs(t *testing.T) {
	e := newEnv(t, Options{WebhookRetryDelay: 20 * time.Millisecond, WebhookRetries: 2})
	var mu sync.Mutex
	var ids, events []string
	fail := 2
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, r.Header.Get("X-Shopify-Webhook-Id"))
		events = append(events, r.Header.Get("X-Shopify-Event-Id"))
		if fail > 0 {
			fail--
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer hs.Close()
	e.control("POST", "/shops/demo-source/webhooks", map[string]any{"topic": "products/update", "callbackUrl": hs.URL})
	p := e.srv.shop(SourceShop).products[0]
	e.control("PATCH", fmt.Sprintf("/shops/demo-source/objects/Product/%d", p.num), map[string]any{"fields": map[string]any{"title": "Retry me"}})
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(ids)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	l := e.waitDeliveries(3)
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 3 || ids[0] != ids[1] || ids[1] != ids[2] || events[0] != events[2] || len(ids[0]) != 36 {
		t.Errorf("attempts: ids %v events %v", ids, events)
	}
	if len(l) != 3 || get(l, 2, "attempt") != 3.0 || get(l, 2, "status") != 200.0 {
		t.Errorf("delivery log: %v", l)
	}
}

func TestCurrentAppInstallationScopes(t *testing.T) {
	e := newEnv(t, Options{})
	e.srv.mu.Lock()
	e.srv.tokens["shpat_two"] = issuedToken{shop: SourceShop, scope: "read_products,write_content"}
	e.srv.mu.Unlock()
	q := `{ currentAppInstallation { id accessScopes { handle } app { apiKey } } }`
	d := e.gql("shpat_two", q, nil).mustData(t)
	scopes, _ := get(d, "currentAppInstallation", "accessScopes").([]any)
	if len(scopes) != 2 || str(scopes[0], "handle") != "read_products" || str(d, "currentAppInstallation", "app", "apiKey") != DefaultAPIKey {
		t.Errorf("OAuth token: %v", d)
	}
	d = e.gql(SourceToken, q, nil).mustData(t)
	if all, _ := get(d, "currentAppInstallation", "accessScopes").([]any); len(all) < 10 {
		t.Errorf("dev token scopes: %v", d)
	}
	// webhookSubscriptionUpdate moves a subscription.
	d = e.gql(SourceToken, `mutation { webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, webhookSubscription: {callbackUrl: "https://a.example/h"}) { webhookSubscription { id } } }`, nil).mustData(t)
	id := str(d, "webhookSubscriptionCreate", "webhookSubscription", "id")
	d = e.gql(SourceToken, `mutation($id: ID!) { webhookSubscriptionUpdate(id: $id, webhookSubscription: {callbackUrl: "https://b.example/h"}) { webhookSubscription { callbackUrl } userErrors { message } } }`, map[string]any{"id": id}).mustData(t)
	if str(d, "webhookSubscriptionUpdate", "webhookSubscription", "callbackUrl") != "https://b.example/h" {
		t.Errorf("update: %v", d)
	}
}

// waitDeliveries polls the delivery log until it holds n entries (a delivery
// is logged once its callback has answered) or 5 s pass.
func (e *env) waitDeliveries(n int) []any {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, log := e.control("GET", "/webhooks/deliveries", nil)
		l, _ := log["deliveries"].([]any)
		if len(l) >= n || time.Now().After(deadline) {
			return l
		}
		time.Sleep(10 * time.Millisecond)
	}
}
