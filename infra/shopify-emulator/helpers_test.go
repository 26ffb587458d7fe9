package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const testVersion = "2026-10"

// fakeClock is a settable clock for throttle tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	clock *fakeClock
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	if opts.Clock == nil {
		opts.Clock = clock.Now
	}
	if opts.Versions == nil {
		opts.Versions = []string{"2026-07", testVersion, "unstable"}
	}
	srv, err := New(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &env{t: t, srv: srv, http: hs, clock: clock}
}

// gqlResponse is a decoded Admin API response.
type gqlResponse struct {
	Status     int
	Header     http.Header
	Data       map[string]any   `json:"data"`
	Errors     []map[string]any `json:"errors"`
	Extensions struct {
		Cost struct {
			RequestedQueryCost int             `json:"requestedQueryCost"`
			ActualQueryCost    *int            `json:"actualQueryCost"`
			ThrottleStatus     *ThrottleStatus `json:"throttleStatus"`
		} `json:"cost"`
	} `json:"extensions"`
	Raw []byte
}

func (e *env) do(method, path string, headers map[string]string, body []byte) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.http.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// gql posts a query to shop (by its token) and decodes the answer.
func (e *env) gql(token, query string, vars map[string]any) *gqlResponse {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, b := e.do(http.MethodPost, "/admin/api/"+testVersion+"/graphql.json", map[string]string{"X-Shopify-Access-Token": token, "Content-Type": "application/json"}, body)
	out := &gqlResponse{Status: resp.StatusCode, Header: resp.Header, Raw: b}
	if err := json.Unmarshal(b, out); err != nil && resp.StatusCode == 200 {
		e.t.Fatalf("decode %s: %v", b, err)
	}
	return out
}

// mustData fails on GraphQL errors.
func (r *gqlResponse) mustData(t *testing.T) map[string]any {
	t.Helper()
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("status %d, errors: %s", r.Status, r.Raw)
	}
	return r.Data
}

func (e *env) control(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	resp, out := e.do(method, "/_emulator"+path, map[string]string{"Content-Type": "application/json"}, b)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	return resp.StatusCode, m
}

// get walks a decoded JSON value by keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := get(v, path...).(string); return s }

func indentJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	return append(buf.Bytes(), '\n')
}
