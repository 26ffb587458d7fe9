package dev

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
)

// testAuthorizer decides by the Authorization header, like a real one would
// by the credential.
func testAuthorizer(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	allow := func(resource string, ctx map[string]any) events.APIGatewayCustomAuthorizerResponse {
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "user-1",
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{resource}},
			}},
			Context: ctx,
		}
	}
	stageWildcard := req.MethodArn[:strings.Index(req.MethodArn, "/")] + "/test/*"
	switch req.Headers["Authorization"] {
	case "allow":
		return allow(stageWildcard, map[string]any{"tenantId": "t1", "count": float64(5), "admin": true}), nil
	case "deny":
		r := allow(stageWildcard, nil)
		r.PolicyDocument.Statement = append(r.PolicyDocument.Statement, events.IAMPolicyStatement{
			Action: []string{"execute-api:*"}, Effect: "Deny", Resource: []string{req.MethodArn},
		})
		return r, nil
	case "elsewhere":
		return allow("arn:aws:execute-api:us-east-1:1:other/test/*", nil), nil
	case "object":
		return allow(stageWildcard, map[string]any{"nested": map[string]any{"a": 1}}), nil
	case "boom":
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("database down")
	}
	return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
}

// testEcho answers with the event it got, or misbehaves on request.
func testEcho(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	switch req.QueryStringParameters["do"] {
	case "panic":
		panic("boom")
	case "fail":
		return events.APIGatewayProxyResponse{}, errors.New("handler failed")
	case "sleep":
		<-ctx.Done()
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	case "binary":
		return events.APIGatewayProxyResponse{
			StatusCode:        201,
			MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}},
			Headers:           map[string]string{"Content-Type": "application/octet-stream", "X-Request-ID": "from-function"},
			Body:              base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 255}),
			IsBase64Encoded:   true,
		}, nil
	case "nostatus":
		return events.APIGatewayProxyResponse{}, nil
	}
	raw, _ := json.Marshal(req)
	return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(raw)}, nil
}

func newTestGateway(t testing.TB) *Gateway {
	t.Helper()
	tpl := loadTestTemplate(t, "testdata/template.yaml")
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	apis, err := tpl.APIs()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := BuildRoutes(fns, apis)
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]Handler{
		"AuthFunction": AuthorizerHandler(testAuthorizer),
		"EchoFunction": APIHandler(testEcho),
	}
	g := NewGateway(GatewayConfig{
		Routes: routes, APIs: apis, Stages: map[string]string{"Api": "test"}, Functions: fns,
		Handler: func(_ context.Context, id string) (Handler, error) {
			h, ok := handlers[id]
			if !ok {
				return nil, fmt.Errorf("no function %s", id)
			}
			return h, nil
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	g.timeouts["EchoFunction"] = 2 * time.Second
	return g
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, g *Gateway, method, target string, body []byte, headers map[string]string) result {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return result{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func echoed(t *testing.T, r result) events.APIGatewayProxyRequest {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status = %d, body %s", r.status, r.body)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(r.body, &ev); err != nil {
		t.Fatalf("body is not an echoed event: %v: %s", err, r.body)
	}
	return ev
}

func TestGatewayProxyEvent(t *testing.T) {
	g := newTestGateway(t)
	r := do(t, g, "GET", "/items/a%2Fb?x=1&x=2&y=3", nil, map[string]string{"Authorization": "allow", "X-Thing": "v"})
	ev := echoed(t, r)
	if ev.Resource != "/items/{id}" || ev.Path != "/items/a%2Fb" && ev.Path != "/items/a/b" || ev.HTTPMethod != "GET" {
		t.Errorf("resource/path/method = %q %q %q", ev.Resource, ev.Path, ev.HTTPMethod)
	}
	if d := cmp.Diff(map[string]string{"id": "a/b"}, ev.PathParameters); d != "" {
		t.Errorf("path parameters: %s", d)
	}
	if ev.QueryStringParameters["x"] != "2" || len(ev.MultiValueQueryStringParameters["x"]) != 2 || ev.QueryStringParameters["y"] != "3" {
		t.Errorf("query = %v / %v", ev.QueryStringParameters, ev.MultiValueQueryStringParameters)
	}
	if ev.Headers["X-Thing"] != "v" || ev.MultiValueHeaders["X-Thing"][0] != "v" {
		t.Errorf("headers = %v", ev.Headers)
	}
	rc := ev.RequestContext
	if rc.Stage != "test" || rc.ResourcePath != "/items/{id}" || rc.RequestID == "" || rc.RequestID != r.header.Get("X-Request-ID") {
		t.Errorf("request context = %+v, X-Request-ID %q", rc, r.header.Get("X-Request-ID"))
	}
	want := map[string]any{"principalId": "user-1", "tenantId": "t1", "count": "5", "admin": "true", "integrationLatency": float64(0)}
	if d := cmp.Diff(want, rc.Authorizer); d != "" {
		t.Errorf("authorizer context (-want +got):\n%s", d)
	}
}

func TestGatewayBodies(t *testing.T) {
	g := newTestGateway(t)
	t.Run("text body", func(t *testing.T) {
		ev := echoed(t, do(t, g, "POST", "/items", []byte(`{"a":1}`), map[string]string{"Authorization": "allow", "Content-Type": "application/json"}))
		if ev.Body != `{"a":1}` || ev.IsBase64Encoded {
			t.Errorf("body = %q base64=%v", ev.Body, ev.IsBase64Encoded)
		}
	})
	t.Run("binary media type", func(t *testing.T) {
		ev := echoed(t, do(t, g, "POST", "/items", []byte("abc"), map[string]string{"Authorization": "allow", "Content-Type": "application/octet-stream"}))
		if ev.Body != base64.StdEncoding.EncodeToString([]byte("abc")) || !ev.IsBase64Encoded {
			t.Errorf("body = %q base64=%v", ev.Body, ev.IsBase64Encoded)
		}
	})
	t.Run("invalid utf-8", func(t *testing.T) {
		ev := echoed(t, do(t, g, "POST", "/items", []byte{0xff, 0xfe}, map[string]string{"Authorization": "allow"}))
		if !ev.IsBase64Encoded {
			t.Error("non-UTF-8 body not base64 encoded")
		}
	})
	t.Run("binary response", func(t *testing.T) {
		r := do(t, g, "GET", "/items/special?do=binary", nil, map[string]string{"Authorization": "allow"})
		if r.status != 201 || !bytes.Equal(r.body, []byte{0, 1, 2, 255}) {
			t.Fatalf("status %d body %v", r.status, r.body)
		}
		if d := cmp.Diff([]string{"a", "b"}, r.header.Values("X-Multi")); d != "" {
			t.Errorf("multi-value header: %s", d)
		}
		if r.header.Get("X-Request-ID") != "from-function" {
			t.Errorf("the function's X-Request-ID was replaced: %q", r.header.Get("X-Request-ID"))
		}
	})
}

// errorBody is the API's error format.
type errorBody struct {
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func TestGatewayResponses(t *testing.T) {
	g := newTestGateway(t)
	big := bytes.Repeat([]byte("a"), MaxRequestBody+1)
	tests := []struct {
		name    string
		method  string
		target  string
		body    []byte
		auth    string
		status  int
		code    string
		message string
	}{
		{"unknown route", "GET", "/nope", nil, "allow", 404, "NOT_FOUND", "route not found"},
		{"unknown method", "DELETE", "/items", nil, "allow", 404, "NOT_FOUND", "route not found"},
		{"no credential", "GET", "/items/1", nil, "", 401, "UNAUTHENTICATED", "authentication required"},
		{"explicit deny", "GET", "/items/1", nil, "deny", 403, "VALIDATION_ERROR", "User is not authorized to access this resource with an explicit deny"},
		{"allow elsewhere only", "GET", "/items/1", nil, "elsewhere", 403, "VALIDATION_ERROR", "User is not authorized to access this resource"},
		{"authorizer error", "GET", "/items/1", nil, "boom", 500, "INTERNAL_ERROR", "internal error"},
		{"object in context", "GET", "/items/1", nil, "object", 500, "INTERNAL_ERROR", "internal error"},
		{"too large", "POST", "/items", big, "allow", 413, "VALIDATION_ERROR", "Request Too Long"},
		{"function error", "GET", "/items/1?do=fail", nil, "allow", 502, "INTERNAL_ERROR", "internal error"},
		{"function panic", "GET", "/items/1?do=panic", nil, "allow", 502, "INTERNAL_ERROR", "internal error"},
		{"malformed proxy response", "GET", "/items/1?do=nostatus", nil, "allow", 502, "INTERNAL_ERROR", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.auth != "" {
				h["Authorization"] = tt.auth
			}
			r := do(t, g, tt.method, tt.target, tt.body, h)
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d (body %s)", r.status, tt.status, r.body)
			}
			id := r.header.Get("X-Request-ID")
			if id == "" {
				t.Error("no X-Request-ID")
			}
			var b errorBody
			if err := json.Unmarshal(r.body, &b); err != nil || len(b.Errors) != 1 {
				t.Fatalf("body %s is not the error format: %v", r.body, err)
			}
			if b.Errors[0].Message != tt.message || b.Errors[0].Extensions["code"] != tt.code {
				t.Errorf("error = %+v, want %q %q", b.Errors[0], tt.message, tt.code)
			}
			if tt.status == 401 {
				if b.Errors[0].Extensions["requestId"] != id {
					t.Errorf("$context.requestId rendered as %v, want %s", b.Errors[0].Extensions["requestId"], id)
				}
				if r.header.Get("X-Fixed") != "fixed" {
					t.Errorf("literal header mapping not applied: %v", r.header)
				}
			}
		})
	}
}

func TestGatewayPublicRouteSkipsAuthorizer(t *testing.T) {
	g := newTestGateway(t)
	ev := echoed(t, do(t, g, "GET", "/public", nil, nil))
	if ev.RequestContext.Authorizer != nil {
		t.Errorf("authorizer context on a public route: %v", ev.RequestContext.Authorizer)
	}
}

func TestGatewayTimeout(t *testing.T) {
	g := newTestGateway(t)
	g.timeouts["EchoFunction"] = 50 * time.Millisecond
	r := do(t, g, "GET", "/items/1?do=sleep", nil, map[string]string{"Authorization": "allow"})
	if r.status != 504 {
		t.Fatalf("status = %d, want 504", r.status)
	}
}

func TestMatch(t *testing.T) {
	mk := func(method, path string) Route {
		segs, err := pathSegments(path)
		if err != nil {
			t.Fatal(err)
		}
		return Route{Method: method, Path: path, segments: segs}
	}
	routes := []Route{
		mk("GET", "/items/{id}"),
		mk("GET", "/items/special"),
		mk("ANY", "/items/special"),
		mk("POST", "/items"),
		mk("ANY", "/files/{proxy+}"),
		mk("GET", "/"),
		mk("GET", "/a/{x}/c"),
	}
	tests := []struct {
		method, path string
		want         string
		params       map[string]string
		pathFound    bool
	}{
		{"GET", "/items/1", "GET /items/{id}", map[string]string{"id": "1"}, true},
		{"GET", "/items/special", "GET /items/special", map[string]string{}, true},
		{"PUT", "/items/special", "ANY /items/special", map[string]string{}, true},
		{"GET", "/items/", "", nil, true},
		{"DELETE", "/items", "", nil, true},
		{"GET", "/files/a/b/c.txt", "ANY /files/{proxy+}", map[string]string{"proxy": "a/b/c.txt"}, true},
		{"GET", "/files", "", nil, false},
		{"GET", "/", "GET /", map[string]string{}, true},
		{"GET", "/a/b/c", "GET /a/{x}/c", map[string]string{"x": "b"}, true},
		{"GET", "/a/b/d", "", nil, false},
		{"GET", "/items/1/more", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r, params, found := Match(routes, tt.method, tt.path)
			got := ""
			if r != nil {
				got = r.Method + " " + r.Path
			}
			if got != tt.want {
				t.Fatalf("route = %q, want %q", got, tt.want)
			}
			if r != nil {
				if d := cmp.Diff(tt.params, params); d != "" {
					t.Errorf("params: %s", d)
				}
			}
			if tt.want == "" && found != tt.pathFound {
				t.Errorf("pathFound = %v, want %v", found, tt.pathFound)
			}
		})
	}
}

func TestRenderTemplate(t *testing.T) {
	rc := &reqCtx{requestID: "rid", errorMessage: `say "hi"`, responseType: "UNAUTHORIZED", stage: "prod", path: "/x"}
	tests := []struct{ in, want string }{
		{`{"id":"$context.requestId"}`, `{"id":"rid"}`},
		{`{"id":"${context.requestId}"}`, `{"id":"rid"}`},
		{`{"m":$context.error.messageString}`, `{"m":"say \"hi\""}`},
		{`$context.error.responseType.`, `UNAUTHORIZED.`},
		{`$context.unknown.thing and $other`, `$context.unknown.thing and $other`},
		{`$context.path`, `/prod/x`},
	}
	for _, tt := range tests {
		if got := renderTemplate(tt.in, rc); got != tt.want {
			t.Errorf("renderTemplate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEvaluatePolicy(t *testing.T) {
	arn := "arn:aws:execute-api:us-east-1:123:api/prod/GET/items/1"
	st := func(effect, action, resource string) events.IAMPolicyStatement {
		return events.IAMPolicyStatement{Effect: effect, Action: []string{action}, Resource: []string{resource}}
	}
	tests := []struct {
		name string
		sts  []events.IAMPolicyStatement
		want policyResult
	}{
		{"stage wildcard", []events.IAMPolicyStatement{st("Allow", "execute-api:Invoke", "arn:aws:execute-api:us-east-1:123:api/prod/*")}, policyAllow},
		{"exact", []events.IAMPolicyStatement{st("Allow", "execute-api:Invoke", arn)}, policyAllow},
		{"question mark", []events.IAMPolicyStatement{st("Allow", "*", "arn:aws:execute-api:us-east-1:123:api/prod/GET/items/?")}, policyAllow},
		{"other method", []events.IAMPolicyStatement{st("Allow", "execute-api:Invoke", "arn:aws:execute-api:us-east-1:123:api/prod/POST/*")}, policyNone},
		{"deny wins", []events.IAMPolicyStatement{st("Allow", "execute-api:Invoke", "*"), st("Deny", "execute-api:*", arn)}, policyDeny},
		{"other action", []events.IAMPolicyStatement{st("Allow", "s3:GetObject", "*")}, policyNone},
		{"empty", nil, policyNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evaluatePolicy(events.APIGatewayCustomAuthorizerPolicy{Statement: tt.sts}, arn); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
