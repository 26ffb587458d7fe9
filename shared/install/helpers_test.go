package install

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/store"
)

const (
	testTenant = "t_acme"
	testShop   = "acme-source.myshopify.com"
	testSecret = "hush"
	testAPIKey = "flux-test-api-key"
)

// callbackCases is testdata/callback_queries.json.
type callbackCases struct {
	Secret    string `json:"secret"`
	Timestamp int64  `json:"timestamp"`
	State     string `json:"state"`
	Cases     []struct {
		Name  string `json:"name"`
		Query string `json:"query"`
		Note  string `json:"note"`
	} `json:"cases"`
}

func loadCallbackCases(t testing.TB) callbackCases {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "callback_queries.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c callbackCases
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c callbackCases) query(t testing.TB, name string) string {
	t.Helper()
	for _, cs := range c.Cases {
		if cs.Name == name {
			return cs.Query
		}
	}
	t.Fatalf("no callback case %q", name)
	return ""
}

// event is a recorded API Gateway event (testdata/<file>) with rawQuery
// as API Gateway delivers it (decoded, multi-valued), Accept replaced when
// accept is not "", and the authorizer context replaced by id (nil keeps
// what the file has).
func event(t testing.TB, file, rawQuery, accept string, id *auth.Identity) events.APIGatewayProxyRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	ev.QueryStringParameters, ev.MultiValueQueryStringParameters = nil, nil
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			t.Fatalf("test query %q: %v", rawQuery, err)
		}
		ev.QueryStringParameters = map[string]string{}
		ev.MultiValueQueryStringParameters = map[string][]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = vs[len(vs)-1]
			ev.MultiValueQueryStringParameters[k] = vs
		}
	}
	if accept != "" {
		ev.Headers["Accept"] = accept
		ev.MultiValueHeaders["Accept"] = []string{accept}
	}
	if id != nil {
		ev.RequestContext.Authorizer = map[string]any{"principalId": id.Principal}
		for k, v := range id.ToContext() {
			ev.RequestContext.Authorizer[k] = v
		}
	}
	return ev
}

// serve runs h as the Lambda does.
func serve(t testing.TB, h http.Handler, ev events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	resp, err := platform.APIGatewayHandler(h)(context.Background(), ev)
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	return resp
}

func header(resp events.APIGatewayProxyResponse, name string) string {
	if v := resp.MultiValueHeaders[http.CanonicalHeaderKey(name)]; len(v) > 0 {
		return v[0]
	}
	return resp.Headers[http.CanonicalHeaderKey(name)]
}

// wantError checks the API's error format.
func wantError(t testing.TB, resp events.APIGatewayProxyResponse, status int, code string) platform.ErrorEntry {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, resp.Body)
	}
	var body platform.ErrorBody
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("body %q is not the API's error format: %v", resp.Body, err)
	}
	e := body.Errors[0]
	if e.Extensions.Code != code || e.Extensions.StatusCode != status {
		t.Fatalf("error %+v, want %s/%d", e, code, status)
	}
	return e
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// memStates is StateStore in memory with the table's semantics.
type memStates struct {
	mu sync.Mutex
	m  map[string]store.OAuthState
}

func newMemStates() *memStates { return &memStates{m: map[string]store.OAuthState{}} }

func (m *memStates) PutOAuthState(_ context.Context, st store.OAuthState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st.ExpiresAt = st.ExpiresAt.Truncate(time.Second) // the table keeps seconds
	m.m[st.Nonce] = st
	return nil
}

func (m *memStates) ConsumeOAuthState(_ context.Context, nonce string, now time.Time) (store.OAuthState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.m[nonce]
	if !ok || st.ExpiresAt.Unix() <= now.Unix() {
		return store.OAuthState{}, platform.E(platform.KindNotFound, "OAuth state not found, already used or expired")
	}
	delete(m.m, nonce)
	return st, nil
}

func (m *memStates) len() int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.m) }

// groups is config.Storage for fixed groups.
type groups map[string]config.StoreGroup

func (g groups) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	if sg, ok := g[tenantID]; ok {
		return sg, nil
	}
	return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
}

// connector records Connect calls.
type connector struct {
	mu    sync.Mutex
	calls []connectCall
	err   error
}

type connectCall struct {
	Tenant string
	Sess   shopify.Session
}

func (c *connector) Connect(_ context.Context, tenantID string, sess shopify.Session) (store.ShopConnection, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return store.ShopConnection{}, c.err
	}
	c.calls = append(c.calls, connectCall{tenantID, sess})
	return store.ShopConnection{TenantID: tenantID, Shop: sess.Shop, Status: store.ConnectionActive, Version: 1}, nil
}

func (c *connector) stored() []connectCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]connectCall(nil), c.calls...)
}

// tokenEndpoint is Shopify's /admin/oauth/access_token in httptest.
type tokenEndpoint struct {
	*httptest.Server
	mu       sync.Mutex
	requests []map[string]string
	status   int
	body     string
}

func newTokenEndpoint(t testing.TB, body string) *tokenEndpoint {
	t.Helper()
	e := &tokenEndpoint{status: http.StatusOK, body: body}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/admin/oauth/access_token" {
			http.NotFound(w, r)
			return
		}
		var m map[string]string
		_ = json.NewDecoder(r.Body).Decode(&m)
		m["_shop"] = r.Header.Get(shopify.ShopHeader)
		e.mu.Lock()
		e.requests = append(e.requests, m)
		status, body := e.status, e.body
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *tokenEndpoint) calls() []map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]map[string]string(nil), e.requests...)
}

func (e *tokenEndpoint) answer(status int, body string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.status, e.body = status, body
}

func testApp(baseURL string) *oauth.App {
	a := &oauth.App{
		APIKey: testAPIKey, APISecret: testSecret,
		Scopes:      shopify.ParseAuthScopes("read_products,write_products,read_content,write_content"),
		RedirectURL: "https://api.flux.example/auth/shopify/callback",
	}
	if baseURL != "" {
		a.BaseURL = func(string) string { return baseURL }
	}
	return a
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// httptestRecorder serves one GET of target (path and raw query, taken
// as is) and returns the status.
func httptestRecorder(h http.Handler, target string) int {
	path, raw, _ := strings.Cut(target, "?")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.URL.Path, r.URL.RawQuery = path, raw
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}
