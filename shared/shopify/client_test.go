package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
)

const (
	testShop  = "demo-source.myshopify.com"
	testToken = "shpat_0123456789abcdef_do_not_log"
)

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// step is one scripted answer.
type step func(w http.ResponseWriter, r *http.Request)

func status(code int, body string, headers ...string) step {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func hangUp() step {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

// scripted serves the steps in order (the last one repeats) and records the
// requests.
type scripted struct {
	mu       sync.Mutex
	steps    []step
	requests []*http.Request
	bodies   []string
	times    []time.Time
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	i := len(s.requests)
	s.requests = append(s.requests, r)
	s.bodies = append(s.bodies, string(b))
	s.times = append(s.times, time.Now())
	st := s.steps[min(i, len(s.steps)-1)]
	s.mu.Unlock()
	st(w, r)
}

func (s *scripted) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.requests) }

func newTestClient(t *testing.T, h http.Handler, cfg Config) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.BaseURL = func(string) string { return srv.URL }
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = time.Millisecond, 5*time.Millisecond
	}
	if cfg.Throttle == nil {
		cfg.Throttle = NewThrottle(nil)
	}
	c, err := New(Session{ID: OfflineSessionID(testShop), Shop: testShop, AccessToken: testToken}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		s    Session
		cfg  Config
		kind platform.Kind
	}{
		{"bad shop", Session{Shop: "evil.com", AccessToken: "x"}, Config{}, platform.KindValidation},
		{"no token", Session{Shop: testShop}, Config{}, platform.KindUnauthenticated},
		{"bad version", Session{Shop: testShop, AccessToken: "x"}, Config{APIVersion: "2025-02"}, platform.KindValidation},
		{"bad base URL", Session{Shop: testShop, AccessToken: "x"}, Config{BaseURL: func(string) string { return "ftp://x" }}, platform.KindValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.s, tt.cfg)
			if err == nil || platform.KindOf(err) != tt.kind {
				t.Fatalf("New = %v, want kind %v", err, tt.kind)
			}
		})
	}
	c, err := New(Session{Shop: "Demo-Source.myshopify.com", AccessToken: testToken}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Shop() != testShop || c.APIVersion() != DefaultAPIVersion || c.Throttle() != DefaultThrottle() {
		t.Errorf("defaults: %v %v", c, c.Throttle())
	}
	if got := c.apiURL(c.version, "graphql"); got != "https://"+testShop+"/admin/api/"+DefaultAPIVersion+"/graphql.json" {
		t.Errorf("default URL %q", got)
	}
	for _, out := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c)} {
		if strings.Contains(out, testToken) {
			t.Errorf("client printed with its token: %s", out)
		}
	}
}

func TestGraphQLRequestAndResponse(t *testing.T) {
	srv := &scripted{steps: []step{status(200, string(testdata(t, "products_response.json")))}}
	th := NewThrottle(nil)
	c := newTestClient(t, srv, Config{APIVersion: "2026-07", Throttle: th})
	const q = `query Products($first: Int!) { products(first: $first) { edges { cursor node { id handle title status updatedAt } } pageInfo { hasNextPage endCursor } } }`
	resp, err := c.GraphQL(context.Background(), q, map[string]any{"first": 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := srv.requests[0]
	if r.Method != http.MethodPost || r.URL.Path != "/admin/api/2026-07/graphql.json" {
		t.Errorf("request %s %s", r.Method, r.URL.Path)
	}
	for h, want := range map[string]string{"X-Shopify-Access-Token": testToken, "Content-Type": "application/json", ShopHeader: testShop} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	var sent struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.Unmarshal([]byte(srv.bodies[0]), &sent); err != nil || sent.Query != q || sent.Variables["first"] != float64(2) {
		t.Errorf("body %s (%v)", srv.bodies[0], err)
	}
	var data struct {
		Products struct {
			Edges []struct {
				Node struct{ Handle string }
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	if err := resp.Decode(&data); err != nil {
		t.Fatal(err)
	}
	if len(data.Products.Edges) != 2 || data.Products.Edges[0].Node.Handle != "classic-leather-jacket" || !data.Products.PageInfo.HasNextPage {
		t.Errorf("decoded %+v", data)
	}
	if resp.Cost == nil || resp.Cost.RequestedQueryCost != 52 {
		t.Errorf("cost %+v", resp.Cost)
	}
	snap, ok := th.Snapshot(testShop)
	if !ok || snap.Maximum != 2000 || snap.Available != 1996 || snap.RestoreRate != 100 {
		t.Errorf("snapshot %+v", snap)
	}
	if th.EstimateCost(q) != 52 {
		t.Errorf("estimate %v", th.EstimateCost(q))
	}
}

func TestGraphQLRetriesAndErrors(t *testing.T) {
	ok := status(200, string(testdata(t, "products_response.json")))
	throttled := status(200, string(testdata(t, "throttled_response.json")))
	tests := []struct {
		name     string
		steps    []step
		tries    int
		wantReqs int
		wantKind *platform.Kind // nil: success
		check    func(t *testing.T, err error)
	}{
		{name: "default tries is 1", steps: []step{status(503, `{"errors":"unavailable"}`), ok}, wantReqs: 1, wantKind: kindp(platform.KindUnavailable)},
		{name: "5xx then success", steps: []step{status(503, ""), status(502, ""), ok}, tries: 3, wantReqs: 3},
		{name: "5xx exhausted", steps: []step{status(500, `{"errors":"boom"}`)}, tries: 3, wantReqs: 3, wantKind: kindp(platform.KindUnavailable),
			check: func(t *testing.T, err error) {
				var he *HTTPResponseError
				if !errors.As(err, &he) || he.Status != 500 || he.BodySnippet != `{"errors":"boom"}` {
					t.Errorf("cause %#v", he)
				}
				if msg := platform.PublicMessage(err); !strings.Contains(msg, testShop) || strings.Contains(msg, "boom") || strings.Contains(msg, "500") {
					t.Errorf("public message %q", msg)
				}
			}},
		{name: "429 then success", steps: []step{status(429, `{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`, "Retry-After", "0.05"), ok}, tries: 2, wantReqs: 2},
		{name: "429 exhausted", steps: []step{status(429, "", "Retry-After", "0.01")}, tries: 2, wantReqs: 2, wantKind: kindp(platform.KindRateLimited)},
		{name: "THROTTLED then success", steps: []step{throttled, ok}, tries: 2, wantReqs: 2},
		// The first THROTTLED is pacing's miss (the query's cost was unknown) and is retried once for free.
		{name: "THROTTLED exhausted", steps: []step{throttled}, tries: 1, wantReqs: 2, wantKind: kindp(platform.KindRateLimited),
			check: func(t *testing.T, err error) {
				var qe *GraphqlQueryError
				if !errors.As(err, &qe) || !qe.HasCode("THROTTLED") {
					t.Errorf("cause %v", err)
				}
			}},
		{name: "401 not retried", steps: []step{status(401, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`), ok}, tries: 3, wantReqs: 1, wantKind: kindp(platform.KindForbidden),
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrTokenRejected) {
					t.Errorf("%v is not ErrTokenRejected", err)
				}
			}},
		{name: "403 not retried", steps: []step{status(403, ""), ok}, tries: 3, wantReqs: 1, wantKind: kindp(platform.KindForbidden)},
		{name: "400 not retried", steps: []step{status(400, `{"errors":{"query":"Required parameter missing or invalid"}}`), ok}, tries: 3, wantReqs: 1, wantKind: kindp(platform.KindInternal)},
		{name: "404 not retried", steps: []step{status(404, `{"errors":"Not Found"}`), ok}, tries: 3, wantReqs: 1, wantKind: kindp(platform.KindNotFound)},
		{name: "402 frozen shop", steps: []step{status(402, `{"errors":"Unavailable Shop"}`)}, tries: 3, wantReqs: 1, wantKind: kindp(platform.KindUnavailable)},
		{name: "dropped connection then success", steps: []step{hangUp(), ok}, tries: 2, wantReqs: 2},
		{name: "dropped connections exhausted", steps: []step{hangUp()}, tries: 2, wantReqs: 2, wantKind: kindp(platform.KindUnavailable)},
		{name: "not JSON", steps: []step{status(200, `<html>`)}, tries: 3, wantReqs: 1, wantKind: kindp(platform.KindUnavailable)},
		{name: "access denied", steps: []step{status(200, string(testdata(t, "access_denied_response.json")))}, tries: 3, wantReqs: 1, wantKind: kindp(platform.KindForbidden)},
		{name: "other query error", steps: []step{status(200, `{"errors":[{"message":"Field 'nope' doesn't exist on type 'QueryRoot'","extensions":{"code":"undefinedField"}}]}`)}, tries: 3, wantReqs: 1, wantKind: kindp(platform.KindInternal)},
		{name: "userErrors", steps: []step{status(200, string(testdata(t, "user_errors_response.json")))}, tries: 3, wantReqs: 1, wantKind: kindp(platform.KindValidation),
			check: func(t *testing.T, err error) {
				var ue *UserErrors
				if !errors.As(err, &ue) {
					t.Fatalf("%v has no UserErrors", err)
				}
				want := []UserError{{Field: []string{"title"}, Message: "Title can't be blank", Code: "BLANK"}, {Field: []string{"handle"}, Message: "Handle has already been taken", Code: "TAKEN"}}
				if diff := cmp.Diff(want, ue.Errors); diff != "" || ue.Mutation != "productCreate" {
					t.Errorf("%s (-want +got):\n%s", ue.Mutation, diff)
				}
				if msg := platform.PublicMessage(err); !strings.Contains(msg, "Title can't be blank") {
					t.Errorf("public message %q", msg)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &scripted{steps: tt.steps}
			c := newTestClient(t, srv, Config{})
			resp, err := c.GraphQL(context.Background(), "{ shop { name } }", nil, &GraphQLOptions{Tries: tt.tries})
			if got := srv.count(); got != tt.wantReqs {
				t.Errorf("requests = %d, want %d", got, tt.wantReqs)
			}
			if tt.wantKind == nil {
				if err != nil || resp == nil {
					t.Fatalf("GraphQL = %v, %v", resp, err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if k := platform.KindOf(err); k != *tt.wantKind {
				t.Errorf("kind = %v, want %v (%v)", k, *tt.wantKind, err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error text has the token: %v", err)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func kindp(k platform.Kind) *platform.Kind { return &k }

func TestGraphQLHonoursRetryAfter(t *testing.T) {
	srv := &scripted{steps: []step{status(429, "", "Retry-After", "0.2"), status(200, string(testdata(t, "products_response.json")))}}
	c := newTestClient(t, srv, Config{})
	if _, err := c.GraphQL(context.Background(), "{ shop { name } }", nil, &GraphQLOptions{Tries: 2}); err != nil {
		t.Fatal(err)
	}
	// A lower bound only: the retry must not come before Retry-After.
	if gap := srv.times[1].Sub(srv.times[0]); gap < 190*time.Millisecond {
		t.Errorf("retried after %v, before Retry-After (200ms)", gap)
	}
}

func TestGraphQLDeadlineFromContext(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	srv := &scripted{steps: []step{slow}}
	c := newTestClient(t, srv, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.GraphQL(ctx, "{ shop { name } }", nil, &GraphQLOptions{Tries: 5})
	if platform.KindOf(err) != platform.KindUnavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d requests after the caller's deadline", n)
	}
}

func TestGraphQLRetryNotPastDeadline(t *testing.T) {
	// Retry-After beyond the deadline: fail now with the real cause.
	srv := &scripted{steps: []step{status(503, "", "Retry-After", "30")}}
	c := newTestClient(t, srv, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.GraphQL(ctx, "{ shop { name } }", nil, &GraphQLOptions{Tries: 3})
	var he *HTTPResponseError
	if !errors.As(err, &he) || he.Status != 503 || platform.KindOf(err) != platform.KindUnavailable {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 900*time.Millisecond {
		t.Errorf("waited for a retry that could not happen before the deadline")
	}
}

func TestTokenNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := platform.WithRequestID(context.Background(), logger, "req-1")
	srv := &scripted{steps: []step{status(503, ""), hangUp(), status(401, "")}}
	c := newTestClient(t, srv, Config{})
	_, err := c.GraphQL(ctx, "{ shop { name } }", nil, &GraphQLOptions{Tries: 3})
	if err == nil {
		t.Fatal("no error")
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged at debug level")
	}
	if strings.Contains(logs.String(), testToken) || strings.Contains(err.Error(), testToken) {
		t.Errorf("token leaked:\n%s\n%v", logs.String(), err)
	}
}

func TestRESTMethods(t *testing.T) {
	srv := &scripted{steps: []step{status(200, `{"product":{"id":632910392,"title":"IPod Nano - 8GB"}}`)}}
	c := newTestClient(t, srv, Config{})
	ctx := context.Background()
	calls := []struct {
		name     string
		do       func() (*RESTResponse, error)
		method   string
		path     string
		rawQuery string
		body     string
	}{
		{"get", func() (*RESTResponse, error) {
			return c.Get(ctx, RESTRequest{Path: "products/632910392", Query: map[string][]string{"fields": {"id,title"}}})
		}, "GET", "/admin/api/" + DefaultAPIVersion + "/products/632910392.json", "fields=id%2Ctitle", ""},
		{"post", func() (*RESTResponse, error) {
			return c.Post(ctx, RESTRequest{Path: "products.json", Data: map[string]any{"product": map[string]any{"title": "Burton Custom Freestyle 151"}}})
		}, "POST", "/admin/api/" + DefaultAPIVersion + "/products.json", "", `{"product":{"title":"Burton Custom Freestyle 151"}}`},
		{"put", func() (*RESTResponse, error) {
			return c.Put(ctx, RESTRequest{Path: "/products/632910392", Data: `{"product":{"id":632910392,"title":"New"}}`, APIVersion: "2026-07"})
		}, "PUT", "/admin/api/2026-07/products/632910392.json", "", `{"product":{"id":632910392,"title":"New"}}`},
		{"delete", func() (*RESTResponse, error) { return c.Delete(ctx, RESTRequest{Path: "products/632910392"}) },
			"DELETE", "/admin/api/" + DefaultAPIVersion + "/products/632910392.json", "", ""},
	}
	for i, call := range calls {
		t.Run(call.name, func(t *testing.T) {
			resp, err := call.do()
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Product struct{ ID int64 } }
			if err := resp.Decode(&body); err != nil || body.Product.ID != 632910392 {
				t.Errorf("decoded %+v (%v)", body, err)
			}
			r := srv.requests[i]
			if r.Method != call.method || r.URL.Path != call.path || r.URL.RawQuery != call.rawQuery || srv.bodies[i] != call.body {
				t.Errorf("sent %s %s?%s %q", r.Method, r.URL.Path, r.URL.RawQuery, srv.bodies[i])
			}
			if r.Header.Get("X-Shopify-Access-Token") != testToken {
				t.Error("no token header")
			}
		})
	}
}

func TestRESTRetries(t *testing.T) {
	tests := []struct {
		name     string
		steps    []step
		tries    int
		wantReqs int
		wantKind *platform.Kind
	}{
		{"429 with Retry-After then ok", []step{status(429, `{"errors":"Exceeded 2 calls per second for api client."}`, "Retry-After", "0.01"), status(200, `{}`)}, 2, 2, nil},
		{"5xx exhausted", []step{status(502, "")}, 3, 3, kindp(platform.KindUnavailable)},
		{"422 not retried", []step{status(422, `{"errors":{"title":["can't be blank"]}}`)}, 3, 1, kindp(platform.KindValidation)},
		{"401 not retried", []step{status(401, "")}, 3, 1, kindp(platform.KindForbidden)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &scripted{steps: tt.steps}
			c := newTestClient(t, srv, Config{})
			_, err := c.Post(context.Background(), RESTRequest{Path: "products", Data: map[string]any{}, Tries: tt.tries})
			if srv.count() != tt.wantReqs {
				t.Errorf("requests = %d, want %d", srv.count(), tt.wantReqs)
			}
			if tt.wantKind == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if platform.KindOf(err) != *tt.wantKind {
				t.Errorf("err = %v, want kind %v", err, *tt.wantKind)
			}
		})
	}
}

func TestRetryAfterParsing(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"2.0", 2 * time.Second}, {"1", time.Second}, {"0.5", 500 * time.Millisecond},
		{"-1", 0}, {"abc", 0}, {"99999", 0},
		{at.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, at); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	b := backoff{base: 100 * time.Millisecond, max: time.Second}
	for try := 1; try <= 10; try++ {
		d := min(100*time.Millisecond<<(try-1), time.Second)
		for range 50 {
			if w := b.wait(try); w < d/2 || w > d {
				t.Fatalf("try %d waited %v, outside [%v, %v]", try, w, d/2, d)
			}
		}
	}
}

func TestGraphQLBudgetWaitBoundedByContext(t *testing.T) {
	srv := &scripted{steps: []step{status(200, string(testdata(t, "products_response.json")))}}
	th := NewThrottle(nil)
	// An empty bucket restoring 1 point/s: a 50-point query waits 50 s.
	th.Observe(testShop, costOf(1, 0, 1000, 1))
	c := newTestClient(t, srv, Config{Throttle: th})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.GraphQL(ctx, "{ shop { name } }", nil, &GraphQLOptions{Cost: 50, Tries: 3})
	if platform.KindOf(err) != platform.KindRateLimited || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if srv.count() != 0 {
		t.Error("sent a call the budget did not cover")
	}
}

func TestThrottledWaitWithoutPacing(t *testing.T) {
	c := &Client{retry: backoff{base: time.Second, max: 30 * time.Second}}
	cost := costOf(752, 666, 1000, 50)
	// (752 − 666) / 50 points/s = 1.72 s until the bucket holds the request.
	if got, want := c.throttledWait(1, &cost), 1720*time.Millisecond; got != want {
		t.Errorf("throttledWait = %v, want %v", got, want)
	}
	absurd := costOf(1e9, 0, 1e9, 1e-9)
	if got := c.throttledWait(1, &absurd); got != maxDelay {
		t.Errorf("absurd figures wait %v, want the cap %v", got, maxDelay)
	}
}

func TestGraphQLPacingMissIsNotATry(t *testing.T) {
	// A query never seen before is estimated at DefaultCostEstimate; Shopify
	// says it costs 752 and throttles it. The retry, paced with the real cost,
	// does not use up the caller's single try.
	srv := &scripted{steps: []step{
		status(200, `{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],"extensions":{"cost":{"requestedQueryCost":752,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":740,"restoreRate":1000.0}}}}`),
		status(200, string(testdata(t, "products_response.json"))),
	}}
	c := newTestClient(t, srv, Config{})
	if _, err := c.GraphQL(context.Background(), "{ big }", nil, &GraphQLOptions{Tries: 1}); err != nil {
		t.Fatalf("GraphQL = %v", err)
	}
	if srv.count() != 2 {
		t.Errorf("%d requests, want 2", srv.count())
	}
	// A second THROTTLED, with the cost known, is the caller's to retry.
	srv2 := &scripted{steps: []step{status(200, string(testdata(t, "throttled_response.json")))}}
	c2 := newTestClient(t, srv2, Config{})
	_, err := c2.GraphQL(context.Background(), "{ big }", nil, &GraphQLOptions{Tries: 1, Cost: 752})
	if platform.KindOf(err) != platform.KindRateLimited || srv2.count() != 1 {
		t.Errorf("known cost, THROTTLED: %v after %d requests", err, srv2.count())
	}
}

func TestRESTPageInfo(t *testing.T) {
	link := `<https://demo.myshopify.com/admin/api/2026-10/products.json?limit=50&page_info=eyJkaXJlY3Rpb24iOiJwcmV2In0>; rel="previous", ` +
		`<https://demo.myshopify.com/admin/api/2026-10/products.json?limit=50&page_info=eyJkaXJlY3Rpb24iOiJuZXh0In0>; rel="next"`
	tests := []struct {
		name string
		link string
		want PageInfo
	}{
		{"both", link, PageInfo{
			Previous: map[string][]string{"limit": {"50"}, "page_info": {"eyJkaXJlY3Rpb24iOiJwcmV2In0"}},
			Next:     map[string][]string{"limit": {"50"}, "page_info": {"eyJkaXJlY3Rpb24iOiJuZXh0In0"}},
		}},
		{"none", "", PageInfo{}},
		{"garbage", `nonsense; rel=next, <%zz>; rel="next"`, PageInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &RESTResponse{Header: http.Header{"Link": {tt.link}}}
			if diff := cmp.Diff(tt.want, r.PageInfo()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeprecationsLogged(t *testing.T) {
	var logs bytes.Buffer
	ctx := platform.WithRequestID(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)), "req-1")
	srv := &scripted{steps: []step{status(200, `{"data":{}}`,
		"X-Shopify-API-Deprecated-Reason", "https://shopify.dev/api/admin-graphql/usage/deprecation",
		"X-Shopify-API-Version", "2025-10")}}
	c := newTestClient(t, srv, Config{})
	if _, err := c.GraphQL(ctx, "{ shop { name } }", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"shopify deprecated API usage", "shopify served another API version", `"served":"2025-10"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}
