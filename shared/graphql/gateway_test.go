package graphql

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	graphqlgo "github.com/graph-gophers/graphql-go"
	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
)

const (
	tenantAcme  = "t_acme"
	tenantOther = "t_other"
)

var fixedNow = time.Date(2026, 11, 24, 16, 0, 5, 0, time.UTC)

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func caller(tenant string, scopes ...auth.Scope) *auth.Identity {
	return &auth.Identity{TenantID: tenant, Principal: "key_caller", PrincipalType: auth.PrincipalAPIKey, Scopes: scopes}
}

func admin(tenant string) *auth.Identity { return caller(tenant, auth.AllScopes...) }

// testEnv is a gateway wired to the real config group over the in-process
// transport, with in-memory storage, driven through the API Gateway adapter.
type testEnv struct {
	storage *fakeStorage
	keys    *fakeKeyStore
	authz   *auth.Keys
	handle  func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)
}

type envOption func(*Options, *testEnv)

func withTransport(wrap func(rpc.Transport) rpc.Transport) envOption {
	return func(o *Options, _ *testEnv) { o.Transport = wrap(o.Transport) }
}

func withOptions(f func(*Options)) envOption {
	return func(o *Options, _ *testEnv) { f(o) }
}

func newTestEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	e := &testEnv{
		storage: &fakeStorage{groups: map[string]config.StoreGroup{
			tenantAcme: {Name: "Acme stores", Stores: []config.Store{
				{Domain: "acme.myshopify.com", Classification: config.Production},
				{Domain: "acme-rc.myshopify.com", Classification: config.ReleaseCandidate},
				{Domain: "acme-source.myshopify.com", Classification: config.Source},
				{Domain: "acme-qa.myshopify.com", Classification: config.QA},
			}},
			tenantOther: {Name: "Other", Stores: []config.Store{
				{Domain: "other.myshopify.com", Classification: config.Source},
			}},
		}},
		keys: newFakeKeyStore(),
	}
	e.authz = &auth.Keys{Store: e.keys, Now: func() time.Time { return fixedNow }}
	o := Options{
		Transport: rpc.InProcess{configgroup.GroupName: configgroup.New(e.storage, e.authz, discardLog)},
		Log:       discardLog,
	}
	for _, opt := range opts {
		opt(&o, e)
	}
	h, err := NewHandler(o)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	e.handle = platform.APIGatewayHandler(h)
	return e
}

var eventTemplate = sync.OnceValues(func() ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", "apigw-proxy-post.json"))
})

// event is the recorded API Gateway proxy event with method, path, caller
// (nil: no authorizer context), content type and body replaced.
func event(t testing.TB, method, path string, id *auth.Identity, contentType string, body []byte) events.APIGatewayProxyRequest {
	t.Helper()
	raw, err := eventTemplate()
	if err != nil {
		t.Fatalf("read event template: %v", err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("decode event template: %v", err)
	}
	ev.HTTPMethod, ev.Path, ev.Resource = method, path, path
	ev.RequestContext.HTTPMethod, ev.RequestContext.ResourcePath = method, path
	ev.Body = string(body)
	delete(ev.Headers, "Content-Type")
	delete(ev.MultiValueHeaders, "Content-Type")
	if contentType != "" {
		ev.Headers["Content-Type"] = contentType
		ev.MultiValueHeaders["Content-Type"] = []string{contentType}
	}
	if id == nil {
		ev.RequestContext.Authorizer = nil
	} else {
		ctx := id.ToContext()
		ctx["principalId"] = id.Principal
		ev.RequestContext.Authorizer = ctx
	}
	return ev
}

// requestBody reads testdata/requests/name; vars, when given, replace the
// request's variables.
func requestBody(t testing.TB, name string, vars map[string]any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "requests", name))
	if err != nil {
		t.Fatalf("read request %s: %v", name, err)
	}
	if vars == nil {
		return b
	}
	var req map[string]any
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatalf("decode request %s: %v", name, err)
	}
	req["variables"] = vars
	out, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type result struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (e *testEnv) do(t testing.TB, ev events.APIGatewayProxyRequest) result {
	t.Helper()
	resp, err := e.handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("handler error: %v", err)
	}
	res := result{status: resp.StatusCode, header: http.Header(resp.MultiValueHeaders), raw: resp.Body}
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			t.Fatalf("decode base64 body: %v", err)
		}
		res.raw = string(b)
	}
	if res.header.Get(platform.RequestIDHeader) == "" {
		t.Errorf("response has no %s header", platform.RequestIDHeader)
	}
	if strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(res.raw), &res.body); err != nil {
			t.Fatalf("response is not a JSON object: %v\n%s", err, res.raw)
		}
	}
	return res
}

func (e *testEnv) post(t testing.TB, id *auth.Identity, name string, vars map[string]any) result {
	t.Helper()
	return e.do(t, event(t, http.MethodPost, PathGraphQL, id, "application/json", requestBody(t, name, vars)))
}

func readJSON(t testing.TB, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// get walks a decoded JSON value: keys for objects, ints for arrays.
func get(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[p]
		case int:
			a, _ := v.([]any)
			if p >= len(a) {
				return nil
			}
			v = a[p]
		}
	}
	return v
}

// wantRequestError checks the whole-request failure format: the HTTP status,
// {"data":null,"errors":[...]}, every error with a message and extensions
// {code, statusCode == HTTP status}.
func wantRequestError(t *testing.T, res result, status int, code string) {
	t.Helper()
	if res.status != status {
		t.Errorf("status = %d, want %d; body %s", res.status, status, res.raw)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	data, ok := res.body["data"]
	if !ok || data != nil {
		t.Errorf("data = %v (present %v), want null", data, ok)
	}
	if len(res.body) != 2 {
		t.Errorf("body has keys %v, want data and errors", res.body)
	}
	errs, _ := res.body["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("no errors in %s", res.raw)
	}
	for i := range errs {
		if msg, _ := get(errs, i, "message").(string); msg == "" {
			t.Errorf("errors[%d] has no message", i)
		}
		if got := get(errs, i, "extensions", "code"); got != code {
			t.Errorf("errors[%d].extensions.code = %v, want %s", i, got, code)
		}
		if got := get(errs, i, "extensions", "statusCode"); got != float64(status) {
			t.Errorf("errors[%d].extensions.statusCode = %v, want %d", i, got, status)
		}
	}
}

func TestConfigQueryMatchesSeed(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		name        string
		contentType string
		body        []byte
		base64      bool
	}{
		{"application/json", "application/json", requestBody(t, "config-query.json", nil), false},
		{"application/json with charset", "application/json; charset=utf-8", requestBody(t, "config-query.json", nil), false},
		{"no content type", "", requestBody(t, "config-query.json", nil), false},
		{"application/graphql", "application/graphql", requestBody(t, "config-query.graphql", nil), false},
		{"base64-encoded event body", "application/json", requestBody(t, "config-query.json", nil), true},
	}
	want := readJSON(t, filepath.Join("testdata", "responses", "config.json"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event(t, http.MethodPost, PathGraphQL, admin(tenantAcme), tt.contentType, tt.body)
			if tt.base64 {
				ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(tt.body), true
			}
			res := e.do(t, ev)
			if res.status != http.StatusOK {
				t.Fatalf("status = %d: %s", res.status, res.raw)
			}
			if diff := cmp.Diff(want, any(res.body)); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			// The seed's field order, byte for byte.
			const wantRaw = `{"data":{"config":{"storeGroup":{"name":"Acme stores","stores":[{"domain":"acme-source.myshopify.com","classification":"SOURCE"},`
			if !strings.HasPrefix(res.raw, wantRaw) {
				t.Errorf("raw body = %s", res.raw)
			}
		})
	}
}

func TestConfigOfTenantWithoutGroupIsNull(t *testing.T) {
	e := newTestEnv(t)
	res := e.post(t, admin("t_new"), "config-query.json", nil)
	if res.status != http.StatusOK {
		t.Fatalf("status = %d: %s", res.status, res.raw)
	}
	want := readJSON(t, filepath.Join("testdata", "responses", "config-no-group.json"))
	if diff := cmp.Diff(want, any(res.body)); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

func TestTenantSeesOnlyItsOwnConfig(t *testing.T) {
	e := newTestEnv(t)
	res := e.post(t, admin(tenantOther), "config-query.json", nil)
	if got := get(res.body, "data", "config", "storeGroup", "name"); got != "Other" {
		t.Errorf("storeGroup.name = %v, want Other", got)
	}
	if strings.Contains(res.raw, "acme") {
		t.Errorf("another tenant's data in %s", res.raw)
	}
}

func TestWholeRequestFailures(t *testing.T) {
	oversized := []byte(`{"query":"{ config { storeGroup { name } } }","variables":{"pad":"` +
		strings.Repeat("x", DefaultMaxBodyBytes) + `"}}`)
	tests := []struct {
		name        string
		method      string
		path        string
		id          *auth.Identity
		contentType string
		body        []byte
		opts        []envOption
		status      int
		code        string
		wantInMsg   string
	}{
		{name: "no authorizer context", id: nil, body: requestBody(t, "config-query.json", nil),
			status: 401, code: "UNAUTHENTICATED", wantInMsg: "authentication required"},
		{name: "authorizer context without tenant", id: caller("", auth.AllScopes...), body: requestBody(t, "config-query.json", nil),
			status: 401, code: "UNAUTHENTICATED"},
		{name: "malformed JSON", body: requestBody(t, "malformed.json", nil),
			status: 422, code: "VALIDATION_ERROR", wantInMsg: "not valid JSON"},
		{name: "empty body", body: nil, status: 422, code: "VALIDATION_ERROR", wantInMsg: "empty"},
		{name: "batch", body: requestBody(t, "batch.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "batched"},
		{name: "JSON that is not an object", body: []byte(`"{ config { storeGroup { name } } }"`),
			status: 422, code: "VALIDATION_ERROR", wantInMsg: "JSON object"},
		{name: "empty query", body: requestBody(t, "empty-query.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "query is required"},
		{name: "no query", body: requestBody(t, "no-query.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "query is required"},
		{name: "query not a string", body: requestBody(t, "query-not-string.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "query must be a string"},
		{name: "variables not an object", body: requestBody(t, "variables-not-object.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "variables"},
		{name: "operationName not a string", body: requestBody(t, "operation-name-not-string.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "operationName"},
		{name: "syntax error", body: requestBody(t, "syntax-error.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "syntax error"},
		{name: "empty application/graphql body", contentType: "application/graphql", body: []byte("  "), status: 422, code: "VALIDATION_ERROR"},
		{name: "unknown field", body: requestBody(t, "unknown-field.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "tenant"},
		{name: "secret is not a field of ApiKey", body: requestBody(t, "secret-field.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "secret"},
		{name: "unknown operation name", body: requestBody(t, "unknown-operation.json", nil), status: 422, code: "VALIDATION_ERROR"},
		{name: "two operations without a name", body: requestBody(t, "two-operations-no-name.json", nil), status: 422, code: "VALIDATION_ERROR"},
		{name: "missing required variable", body: requestBody(t, "missing-variable.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "input"},
		{name: "variable of the wrong type", body: requestBody(t, "wrong-variable-type.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "variable.input.name"},
		{name: "unknown input field", body: requestBody(t, "create-apikey.json", map[string]any{"input": map[string]any{"name": "x", "scopes": []string{"config:read"}, "admin": true}}),
			status: 422, code: "VALIDATION_ERROR", wantInMsg: "admin"},
		{name: "subscription", body: requestBody(t, "subscription.json", nil), status: 422, code: "VALIDATION_ERROR"},
		{name: "depth over the default limit", body: requestBody(t, "too-deep.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "deep"},
		{name: "depth over a configured limit", body: requestBody(t, "config-query.json", nil),
			opts: []envOption{withOptions(func(o *Options) { o.MaxDepth = 3 })}, status: 422, code: "VALIDATION_ERROR", wantInMsg: `"domain" is nested 4 levels deep; the limit is 3`},
		{name: "complexity over the limit", body: requestBody(t, "too-many-fields.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "more than 500 fields"},
		{name: "complexity counted after fragments are expanded", body: requestBody(t, "fragment-bomb.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "more than 500 fields"},
		{name: "fragments that only spread fragments", body: requestBody(t, "spread-bomb.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "more than 1000 fragments"},
		{name: "fragment cycle", body: requestBody(t, "fragment-cycle.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "spreads itself"},
		{name: "aliases over the limit", body: requestBody(t, "too-many-aliases.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "more than 30 aliases"},
		{name: "query over the length limit", body: requestBody(t, "too-long.json", nil), status: 422, code: "VALIDATION_ERROR", wantInMsg: "the limit is 32768"},
		{name: "body over the cap", body: oversized, status: 413, code: "VALIDATION_ERROR", wantInMsg: "exceeds the limit of 262144 bytes"},
		{name: "unsupported content type", contentType: "text/plain", body: requestBody(t, "config-query.json", nil), status: 415, code: "VALIDATION_ERROR", wantInMsg: "Content-Type"},
		{name: "form content type", contentType: "application/x-www-form-urlencoded", body: []byte("query=%7Bconfig%7D"), status: 415, code: "VALIDATION_ERROR"},
		{name: "unparseable content type", contentType: "application/json; charset", body: requestBody(t, "config-query.json", nil), status: 415, code: "VALIDATION_ERROR"},
		{name: "PUT", method: http.MethodPut, body: requestBody(t, "config-query.json", nil), status: 405, code: "VALIDATION_ERROR", wantInMsg: "PUT"},
		{name: "DELETE without identity", method: http.MethodDelete, id: nil, status: 405, code: "VALIDATION_ERROR"},
		{name: "POST to the SDL", path: PathSDL, body: requestBody(t, "config-query.json", nil), status: 405, code: "VALIDATION_ERROR"},
		{name: "unknown path", path: "/api/graphqlx", body: requestBody(t, "config-query.json", nil), status: 404, code: "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, tt.opts...)
			method, path, ct := tt.method, tt.path, tt.contentType
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = PathGraphQL
			}
			if ct == "" {
				ct = "application/json"
			}
			id := tt.id
			if id == nil && tt.code != "UNAUTHENTICATED" && tt.name != "DELETE without identity" {
				id = admin(tenantAcme)
			}
			res := e.do(t, event(t, method, path, id, ct, tt.body))
			wantRequestError(t, res, tt.status, tt.code)
			if msg, _ := get(res.body, "errors", 0, "message").(string); !strings.Contains(msg, tt.wantInMsg) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.wantInMsg)
			}
			if tt.status == http.StatusMethodNotAllowed && res.header.Get("Allow") == "" {
				t.Errorf("405 without an Allow header")
			}
		})
	}
}

func TestSyntaxErrorHasLocation(t *testing.T) {
	e := newTestEnv(t)
	res := e.post(t, admin(tenantAcme), "syntax-error.json", nil)
	wantRequestError(t, res, 422, "VALIDATION_ERROR")
	if loc := get(res.body, "errors", 0, "locations", 0, "line"); loc != float64(1) {
		t.Errorf("locations = %v", get(res.body, "errors", 0, "locations"))
	}
}

func TestLimitsAtTheirBoundAreAccepted(t *testing.T) {
	tests := []struct {
		name string
		file string
	}{
		{"30 aliases", "aliases-at-limit.json"},
		{"standard introspection query (the playground's)", "introspection.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			res := e.post(t, admin(tenantAcme), tt.file, nil)
			if res.status != http.StatusOK || res.body["errors"] != nil {
				t.Fatalf("status = %d: %.500s", res.status, res.raw)
			}
		})
	}
}

func TestFieldErrors(t *testing.T) {
	tests := []struct {
		name    string
		id      *auth.Identity
		file    string
		vars    map[string]any
		setup   func(*testEnv)
		opts    []envOption
		want    string // testdata/responses file; "" to check code only
		code    string
		path    string
		errPath []any  // the error's path when deeper than the root field
		hidden  string // text that must not reach the client
	}{
		{name: "key without config:read", id: caller(tenantAcme, auth.ScopeSyncRead), file: "config-query.json",
			want: "config-forbidden.json"},
		{name: "key without keys:admin lists keys", id: caller(tenantAcme, auth.ScopeConfigRead), file: "apikeys.json",
			code: "FORBIDDEN", path: "apiKeys"},
		{name: "key without keys:admin creates a key", id: caller(tenantAcme, auth.ScopeConfigRead), file: "create-apikey.json",
			code: "FORBIDDEN", path: "createApiKey"},
		{name: "scope escalation", id: caller(tenantAcme, auth.ScopeKeysAdmin, auth.ScopeConfigRead), file: "create-apikey.json",
			code: "FORBIDDEN", path: "createApiKey"},
		{name: "unknown scope", id: admin(tenantAcme), file: "create-apikey.json",
			vars: map[string]any{"input": map[string]any{"name": "x", "scopes": []string{"root"}}}, code: "VALIDATION_ERROR", path: "createApiKey"},
		{name: "empty key name", id: admin(tenantAcme), file: "create-apikey.json",
			vars: map[string]any{"input": map[string]any{"name": " ", "scopes": []string{"config:read"}}}, code: "VALIDATION_ERROR", path: "createApiKey"},
		{name: "revoke an unknown key", id: admin(tenantAcme), file: "revoke-apikey.json",
			vars: map[string]any{"id": "key_01JDQ8N6W2Y5E8R3T7V9X1Z4B6"}, code: "NOT_FOUND", path: "revokeApiKey"},
		{name: "storage failure", id: admin(tenantAcme), file: "config-query.json",
			setup: func(e *testEnv) {
				e.storage.err = fmt.Errorf("query table: %w", errors.New("dial tcp 10.1.2.3:443: secret-db-detail"))
			},
			want: "config-internal.json", hidden: "secret-db-detail"},
		{name: "transport failure", id: admin(tenantAcme), file: "config-query.json",
			opts: []envOption{withTransport(func(rpc.Transport) rpc.Transport { return rpc.InProcess{} })},
			want: "config-internal.json", hidden: "resolver group"},
		{name: "group answers garbage", id: admin(tenantAcme), file: "config-query.json",
			opts: []envOption{withTransport(func(rpc.Transport) rpc.Transport {
				return transportFunc(func(context.Context, rpc.Request) (rpc.Response, error) {
					return rpc.Response{Result: json.RawMessage(`{"storeGroup":"secret-garbage"}`)}, nil
				})
			})},
			want: "config-internal.json", hidden: "secret-garbage"},
		{name: "group answers an unknown enum value", id: admin(tenantAcme), file: "config-query.json",
			setup: func(e *testEnv) {
				e.storage.groups[tenantAcme] = config.StoreGroup{Name: "x", Stores: []config.Store{{Domain: "a.myshopify.com", Classification: "secret-enum"}}}
			},
			code: "INTERNAL_ERROR", path: "config", hidden: "secret-enum",
			errPath: []any{"config", "storeGroup", "stores", float64(0), "classification"}},
		{name: "panic in a resolver", id: admin(tenantAcme), file: "config-query.json",
			opts: []envOption{withTransport(func(rpc.Transport) rpc.Transport {
				return transportFunc(func(context.Context, rpc.Request) (rpc.Response, error) { panic("secret-panic") })
			})},
			want: "config-internal.json", hidden: "secret-panic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, tt.opts...)
			if tt.setup != nil {
				tt.setup(e)
			}
			res := e.post(t, tt.id, tt.file, tt.vars)
			if res.status != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", res.status, res.raw)
			}
			if tt.want != "" {
				want := readJSON(t, filepath.Join("testdata", "responses", tt.want))
				if diff := cmp.Diff(want, any(res.body)); diff != "" {
					t.Errorf("response (-want +got):\n%s", diff)
				}
			} else {
				errs, _ := res.body["errors"].([]any)
				if len(errs) != 1 {
					t.Fatalf("errors = %v", res.body["errors"])
				}
				errPath := tt.errPath
				if errPath == nil {
					errPath = []any{tt.path}
				}
				wantErr := map[string]any{
					"code":       tt.code,
					"statusCode": float64(platform.KindFromCode(tt.code).HTTPStatus()),
					"path":       errPath,
				}
				if diff := cmp.Diff(wantErr, get(errs, 0, "extensions")); diff != "" {
					t.Errorf("extensions (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(errPath, get(errs, 0, "path")); diff != "" {
					t.Errorf("path (-want +got):\n%s", diff)
				}
				if tt.errPath == nil {
					if got := get(res.body, "data", tt.path); got != nil {
						t.Errorf("data.%s = %v, want null", tt.path, got)
					}
				} else if got := get(res.body, "data", "config", "storeGroup"); got != nil {
					// stores is [Store!]!: the null climbs to the nullable storeGroup.
					t.Errorf("data.config.storeGroup = %v, want null", got)
				}
			}
			if tt.hidden != "" && strings.Contains(res.raw, tt.hidden) {
				t.Errorf("internal text %q reached the client: %s", tt.hidden, res.raw)
			}
		})
	}
}

func TestPartialFailureKeepsOtherFields(t *testing.T) {
	e := newTestEnv(t)
	// config:read but not keys:admin: config resolves, apiKeys fails.
	res := e.post(t, caller(tenantAcme, auth.ScopeConfigRead), "config-and-apikeys.json", nil)
	if res.status != http.StatusOK {
		t.Fatalf("status = %d: %s", res.status, res.raw)
	}
	if got := get(res.body, "data", "config", "storeGroup", "name"); got != "Acme stores" {
		t.Errorf("config lost its data: %s", res.raw)
	}
	data, _ := res.body["data"].(map[string]any)
	if v, ok := data["apiKeys"]; !ok || v != nil {
		t.Errorf("apiKeys = %v (present %v), want null", v, ok)
	}
	want := []any{map[string]any{
		"message":    "missing scope keys:admin",
		"path":       []any{"apiKeys"},
		"extensions": map[string]any{"code": "FORBIDDEN", "statusCode": float64(403), "path": []any{"apiKeys"}},
	}}
	if diff := cmp.Diff(want, res.body["errors"]); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestEveryFieldFailingStillAnswers200(t *testing.T) {
	e := newTestEnv(t)
	res := e.post(t, caller(tenantAcme, auth.ScopeSyncRead), "config-and-apikeys.json", nil)
	if res.status != http.StatusOK {
		t.Fatalf("status = %d: %s", res.status, res.raw)
	}
	want := map[string]any{"config": nil, "apiKeys": nil}
	if diff := cmp.Diff(want, res.body["data"]); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	for i := range 2 {
		if got := get(res.body, "errors", i, "extensions", "code"); got != "FORBIDDEN" {
			t.Errorf("errors[%d].code = %v", i, got)
		}
	}
}

func TestCreateAPIKeyShowsTheSecretOnce(t *testing.T) {
	e := newTestEnv(t)
	res := e.post(t, admin(tenantAcme), "create-apikey.json", nil)
	if res.status != http.StatusOK || res.body["errors"] != nil {
		t.Fatalf("create: %d %s", res.status, res.raw)
	}
	secret, _ := get(res.body, "data", "createApiKey", "secret").(string)
	if err := auth.ParseKey(secret); err != nil {
		t.Fatalf("secret %q is not a well-formed key: %v", secret, err)
	}
	id, _ := get(res.body, "data", "createApiKey", "apiKey", "id").(string)
	wantKey := map[string]any{
		"id": id, "name": "ci deploy", "prefix": auth.KeyDisplayPrefix(secret),
		"scopes":    []any{"config:read", "sync:write"},
		"createdAt": "2026-11-24T16:00:05Z", "lastUsedAt": nil, "revokedAt": nil,
	}
	if diff := cmp.Diff(wantKey, get(res.body, "data", "createApiKey", "apiKey")); diff != "" {
		t.Errorf("apiKey (-want +got):\n%s", diff)
	}
	if got := e.keys.hashOf(id); got != auth.HashKey(secret) {
		t.Errorf("stored hash = %q, want SHA-256 of the secret", got)
	}

	list := e.post(t, admin(tenantAcme), "apikeys.json", nil)
	if list.status != http.StatusOK || list.body["errors"] != nil {
		t.Fatalf("list: %d %s", list.status, list.raw)
	}
	if strings.Contains(list.raw, secret) || strings.Contains(list.raw, secret[len(auth.KeyDisplayPrefix(secret)):]) {
		t.Errorf("apiKeys shows the secret: %s", list.raw)
	}
	if diff := cmp.Diff([]any{wantKey}, get(list.body, "data", "apiKeys")); diff != "" {
		t.Errorf("apiKeys (-want +got):\n%s", diff)
	}

	other := e.post(t, admin(tenantOther), "apikeys.json", nil)
	if diff := cmp.Diff([]any{}, get(other.body, "data", "apiKeys")); diff != "" {
		t.Errorf("another tenant sees keys (-want +got):\n%s", diff)
	}
}

func TestRevokeAPIKey(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	_, own, err := e.authz.Issue(ctx, tenantAcme, "op", "own", []auth.Scope{auth.ScopeConfigRead})
	if err != nil {
		t.Fatal(err)
	}
	_, foreign, err := e.authz.Issue(ctx, tenantOther, "op", "foreign", []auth.Scope{auth.ScopeConfigRead})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("another tenant's key is NOT_FOUND and stays valid", func(t *testing.T) {
		res := e.post(t, admin(tenantAcme), "revoke-apikey.json", map[string]any{"id": foreign.ID})
		if res.status != http.StatusOK {
			t.Fatalf("status = %d: %s", res.status, res.raw)
		}
		want := map[string]any{
			"data": map[string]any{"revokeApiKey": nil},
			"errors": []any{map[string]any{
				"message":    "api key not found",
				"path":       []any{"revokeApiKey"},
				"extensions": map[string]any{"code": "NOT_FOUND", "statusCode": float64(404), "path": []any{"revokeApiKey"}},
			}},
		}
		if diff := cmp.Diff(want, any(res.body)); diff != "" {
			t.Errorf("response (-want +got):\n%s", diff)
		}
		recs, _ := e.keys.ListKeys(ctx, tenantOther)
		if len(recs) != 1 || recs[0].Revoked() {
			t.Errorf("foreign key changed: %+v", recs)
		}
	})
	t.Run("own key", func(t *testing.T) {
		for range 2 { // revoking twice keeps the first time
			res := e.post(t, admin(tenantAcme), "revoke-apikey.json", map[string]any{"id": own.ID})
			want := map[string]any{"data": map[string]any{"revokeApiKey": map[string]any{
				"id": own.ID, "name": "own", "revokedAt": "2026-11-24T16:00:05Z",
			}}}
			if diff := cmp.Diff(want, any(res.body)); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		}
	})
}

func TestMutationFieldsRunInOrder(t *testing.T) {
	var rec *recordingTransport
	e := newTestEnv(t, withTransport(func(next rpc.Transport) rpc.Transport {
		rec = &recordingTransport{next: next}
		return rec
	}))
	_, victim, err := e.authz.Issue(context.Background(), tenantAcme, "op", "victim", []auth.Scope{auth.ScopeConfigRead})
	if err != nil {
		t.Fatal(err)
	}
	res := e.post(t, admin(tenantAcme), "mutation-order.json", map[string]any{"revoke": victim.ID})
	if res.status != http.StatusOK || res.body["errors"] != nil {
		t.Fatalf("%d %s", res.status, res.raw)
	}
	if diff := cmp.Diff([]string{"createApiKey", "revokeApiKey", "createApiKey"}, rec.calls()); diff != "" {
		t.Errorf("group calls (-want +got):\n%s", diff)
	}
	want := map[string]any{
		"first":   map[string]any{"apiKey": map[string]any{"name": "first"}},
		"revoked": map[string]any{"name": "victim", "revokedAt": "2026-11-24T16:00:05Z"},
		"second":  map[string]any{"apiKey": map[string]any{"name": "second"}},
	}
	if diff := cmp.Diff(want, res.body["data"]); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}

	t.Run("a failing mutation field keeps the others", func(t *testing.T) {
		res := e.post(t, admin(tenantAcme), "mutation-order.json", map[string]any{"revoke": "key_nope"})
		if got := get(res.body, "data", "first", "apiKey", "name"); got != "first" {
			t.Errorf("first lost: %s", res.raw)
		}
		if got := get(res.body, "data", "second", "apiKey", "name"); got != "second" {
			t.Errorf("second lost: %s", res.raw)
		}
		if got := get(res.body, "errors", 0, "extensions", "code"); got != "NOT_FOUND" {
			t.Errorf("errors = %v", res.body["errors"])
		}
	})
}

func TestQueryFieldsRunConcurrently(t *testing.T) {
	// Each group call waits until both are in flight: serial execution
	// would time out and fail the fields.
	var arrived sync.WaitGroup
	arrived.Add(2)
	e := newTestEnv(t, withTransport(func(next rpc.Transport) rpc.Transport {
		return transportFunc(func(ctx context.Context, req rpc.Request) (rpc.Response, error) {
			arrived.Done()
			done := make(chan struct{})
			go func() { arrived.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				return rpc.Response{}, errors.New("the other field's call never started")
			}
			return next.Call(ctx, req)
		})
	}))
	res := e.post(t, admin(tenantAcme), "config-and-apikeys.json", nil)
	if res.status != http.StatusOK || res.body["errors"] != nil {
		t.Fatalf("%d %s", res.status, res.raw)
	}
}

func TestIdentityAndRequestIDReachTheGroup(t *testing.T) {
	var got rpc.Request
	e := newTestEnv(t, withTransport(func(next rpc.Transport) rpc.Transport {
		return transportFunc(func(ctx context.Context, req rpc.Request) (rpc.Response, error) {
			got = req
			return next.Call(ctx, req)
		})
	}))
	id := caller(tenantAcme, auth.ScopeConfigRead)
	res := e.post(t, id, "config-query.json", nil)
	if diff := cmp.Diff(*id, got.Identity); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
	if got.RequestID == "" || got.RequestID != res.header.Get(platform.RequestIDHeader) {
		t.Errorf("request id = %q, response header %q", got.RequestID, res.header.Get(platform.RequestIDHeader))
	}
	if got.Group != "config" || got.Operation != "config" {
		t.Errorf("call = %s.%s", got.Group, got.Operation)
	}
}

func TestPlaygroundAndSDL(t *testing.T) {
	e := newTestEnv(t)
	t.Run("playground", func(t *testing.T) {
		for _, id := range []*auth.Identity{nil, admin(tenantAcme)} {
			res := e.do(t, event(t, http.MethodGet, PathGraphQL, id, "", nil))
			if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s", res.status, res.header.Get("Content-Type"))
			}
			if !strings.Contains(res.raw, "graphiql") {
				t.Errorf("no GraphiQL in the page")
			}
		}
	})
	t.Run("SDL", func(t *testing.T) {
		res := e.do(t, event(t, http.MethodGet, PathSDL, nil, "", nil))
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("%d %s", res.status, res.header.Get("Content-Type"))
		}
		for _, want := range []string{
			"type Query {", "config: Config", "type StoreGroup {", "stores: [Store!]!",
			"enum StoreClassification {", "RELEASE_CANDIDATE", "apiKeys: [ApiKey!]",
			"createApiKey(input: CreateApiKeyInput!): CreateApiKeyPayload", "revokeApiKey(id: ID!): ApiKey",
		} {
			if !strings.Contains(res.raw, want) {
				t.Errorf("SDL lacks %q", want)
			}
		}
		// The published SDL is a complete schema for both parsers.
		if _, err := gqlparser.LoadSchema(&gqlast.Source{Name: "schema.graphql", Input: res.raw}); err != nil {
			t.Errorf("gqlparser rejects the SDL: %v", err)
		}
		if _, err := graphqlgo.ParseSchema(res.raw, nil); err != nil {
			t.Errorf("graphql-go rejects the SDL: %v", err)
		}
	})
	t.Run("trailing slash", func(t *testing.T) {
		res := e.do(t, event(t, http.MethodPost, PathGraphQL+"/", admin(tenantAcme), "application/json", requestBody(t, "config-query.json", nil)))
		if res.status != http.StatusOK {
			t.Errorf("status = %d", res.status)
		}
	})
}

func TestNewHandlerNeedsATransport(t *testing.T) {
	if _, err := NewHandler(Options{}); err == nil {
		t.Error("NewHandler without a transport succeeded")
	}
}

func TestAdmittedDocumentsStillCheckVariablesAndOperation(t *testing.T) {
	e := newTestEnv(t)
	ok := e.post(t, admin(tenantAcme), "create-apikey.json", nil)
	if ok.status != http.StatusOK || ok.body["errors"] != nil {
		t.Fatalf("first request: %d %s", ok.status, ok.raw)
	}
	// The same document again (now cached) with bad variables.
	bad := e.post(t, admin(tenantAcme), "create-apikey.json", map[string]any{"input": map[string]any{"name": 7}})
	wantRequestError(t, bad, 422, "VALIDATION_ERROR")
	// And with an operation name it does not have.
	body := requestBody(t, "create-apikey.json", nil)
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	req["operationName"] = "Other"
	body, _ = json.Marshal(req)
	res := e.do(t, event(t, http.MethodPost, PathGraphQL, admin(tenantAcme), "application/json", body))
	wantRequestError(t, res, 422, "VALIDATION_ERROR")
}

func TestConcurrentRequests(t *testing.T) {
	e := newTestEnv(t)
	files := []string{"config-query.json", "config-and-apikeys.json", "create-apikey.json", "apikeys.json", "unknown-field.json"}
	evs := map[string]events.APIGatewayProxyRequest{}
	for _, f := range files {
		evs[f] = event(t, http.MethodPost, PathGraphQL, admin(tenantAcme), "application/json", requestBody(t, f, nil))
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func(file string) {
			defer wg.Done()
			resp, err := e.handle(context.Background(), evs[file])
			if err != nil {
				t.Errorf("%s: %v", file, err)
				return
			}
			want := http.StatusOK
			if file == "unknown-field.json" {
				want = http.StatusUnprocessableEntity
			}
			if resp.StatusCode != want || (want == http.StatusOK && strings.Contains(resp.Body, `"errors"`)) {
				t.Errorf("%s: %d %s", file, resp.StatusCode, resp.Body)
			}
		}(files[i%len(files)])
	}
	wg.Wait()
}

func TestDeadlineBeforeExecutionEnds(t *testing.T) {
	e := newTestEnv(t, withTransport(func(rpc.Transport) rpc.Transport {
		return transportFunc(func(ctx context.Context, _ rpc.Request) (rpc.Response, error) {
			<-ctx.Done()
			return rpc.Response{}, ctx.Err()
		})
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	resp, err := e.handle(ctx, event(t, http.MethodPost, PathGraphQL, admin(tenantAcme), "application/json", requestBody(t, "config-query.json", nil)))
	if err != nil {
		t.Fatal(err)
	}
	res := result{status: resp.StatusCode, header: http.Header(resp.MultiValueHeaders), raw: resp.Body}
	if err := json.Unmarshal([]byte(resp.Body), &res.body); err != nil {
		t.Fatal(err)
	}
	wantRequestError(t, res, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	if strings.Contains(res.raw, "deadline") {
		t.Errorf("internal text in %s", res.raw)
	}
}
