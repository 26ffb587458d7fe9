package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/audit/export"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
)

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tlead", "'\tlead"},
		{"\rlead", "'\nlead"},
		{"a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"", ""},
		{"mid=dle", "mid=dle"},
	}
	for _, tc := range tests {
		if got := export.Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEncoderIsRFC4180(t *testing.T) {
	enc := export.NewEncoder()
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"a", "b"}, "a,b\r\n"},
		{[]string{"a,b", "c"}, "\"a,b\",c\r\n"},
		{[]string{`say "hi"`}, "\"say \"\"hi\"\"\"\r\n"},
		{[]string{"line1\nline2"}, "\"line1\r\nline2\"\r\n"},
		{[]string{"", "x"}, ",x\r\n"},
		{[]string{"ünïcode ✓"}, "ünïcode ✓\r\n"},
	}
	for _, tc := range tests {
		got, err := enc.Encode(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("Encode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func entry(i int, at time.Time) audit.Entry {
	return audit.Entry{ID: "aud_" + strings.Repeat("0", 3) + string(rune('a'+i%26)), TenantID: "acme", At: at,
		Actor: "api_key:key_1", Action: "apiKey.create", ResourceType: "apiKey", ResourceID: "key_x",
		Result: audit.Success, Detail: "name \"ops, prod\"\nsecond line", RequestID: "req-1"}
}

func TestRowRoundTripsThroughEncodingCSV(t *testing.T) {
	e := entry(0, now)
	e.Detail = "=cmd|' /C calc'!A0, \"quoted\"\r\nnext"
	e.Shop = "a.myshopify.com"
	enc := export.NewEncoder()
	var buf bytes.Buffer
	for _, r := range [][]string{export.Header, export.Row(e)} {
		b, err := enc.Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{export.Header, {now.Format(time.RFC3339Nano), e.ID, "api_key:key_1", "apiKey.create", "apiKey",
		"key_x", "a.myshopify.com", "success", "'=cmd|' /C calc'!A0, \"quoted\"\nnext", "req-1"}}
	if d := cmp.Diff(want, recs); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

// FuzzRowRoundTrip: any entry's row reads back, through encoding/csv, as
// its cells, and no cell a spreadsheet would evaluate.
func FuzzRowRoundTrip(f *testing.F) {
	f.Add("=1+1", "a,b", "x\"y", "line\r\nbreak")
	f.Add("@x", "-y", "+z", "\t")
	f.Add("\xff", "\r", "\n", "")
	f.Fuzz(func(t *testing.T, actor, resourceID, detail, requestID string) {
		e := audit.Entry{ID: "aud_1", At: now, Actor: actor, Action: "a.b", ResourceType: "t", ResourceID: resourceID,
			Result: audit.Success, Detail: detail, RequestID: requestID}
		row := export.Row(e)
		b, err := export.NewEncoder().Encode(row)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Fatalf("row does not end in CRLF: %q", b)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("read back %q: %v", b, err)
		}
		if len(recs) != 1 {
			t.Fatalf("%d records from one row %q", len(recs), b)
		}
		// encoding/csv trims nothing inside quotes but reads a quoted
		// field's CRLF as LF; Cell already made every line break LF.
		if d := cmp.Diff(row, recs[0]); d != "" {
			t.Fatalf("round trip (-row +read):\n%s", d)
		}
		for _, c := range recs[0] {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Fatalf("cell %q starts with a formula character", c)
			}
		}
	})
}

func TestParseQuery(t *testing.T) {
	from := "2026-04-01T00:00:00Z"
	cur := export.EncodeCursor(audit.Position{At: time.Date(2026, 4, 2, 0, 0, 0, 5, time.UTC), ID: "aud_01abc"})
	tests := []struct {
		name, raw string
		want      export.Query
		err       string
	}{
		{name: "from only: to is now", raw: "from=" + from,
			want: export.Query{Filter: audit.Filter{From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), To: now}}},
		{name: "every filter", raw: "from=2026-04-01T02:00:00%2B02:00&to=2026-04-30T00:00:00.5Z&action=sync.start&actor=api_key:key_1&result=denied&resourceType=sync&shop=Demo.myshopify.com&cursor=" + cur,
			want: export.Query{Filter: audit.Filter{From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 30, 0, 0, 0, 5e8, time.UTC),
				Action: "sync.start", Actor: "api_key:key_1", Result: audit.Denied, ResourceType: "sync", Shop: "demo.myshopify.com"},
				After: &audit.Position{At: time.Date(2026, 4, 2, 0, 0, 0, 5, time.UTC), ID: "aud_01abc"}}},
		{name: "no from", raw: "to=" + from, err: "parameter from is required"},
		{name: "bad from", raw: "from=yesterday", err: "from must be an RFC 3339 time"},
		{name: "date only", raw: "from=2026-04-01", err: "from must be an RFC 3339 time"},
		{name: "from after to", raw: "from=2026-04-02T00:00:00Z&to=2026-04-01T00:00:00Z", err: "from must be before to"},
		{name: "from equals to", raw: "from=" + from + "&to=" + from, err: "from must be before to"},
		{name: "range too long", raw: "from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", err: "at most 400 days apart"},
		{name: "ancient", raw: "from=1999-01-01T00:00:00Z&to=1999-02-01T00:00:00Z", err: "between"},
		{name: "unknown parameter", raw: "from=" + from + "&limit=3", err: `unknown parameter "limit"`},
		{name: "repeated", raw: "from=" + from + "&from=" + from, err: "more than once"},
		{name: "malformed", raw: "from=%zz", err: "malformed"},
		{name: "bad result", raw: "from=" + from + "&result=ok", err: "result must be"},
		{name: "bad action", raw: "from=" + from + "&action=DROP TABLE", err: "action must be"},
		{name: "bad resource type", raw: "from=" + from + "&resourceType=a.b", err: "resourceType must be"},
		{name: "bad shop", raw: "from=" + from + "&shop=example.com", err: "shop"},
		{name: "control in actor", raw: "from=" + from + "&actor=a%0Ab", err: "actor must be"},
		{name: "bad cursor", raw: "from=" + from + "&cursor=abc", err: "cursor is not a cursor"},
		{name: "cursor outside range", raw: "from=2026-04-10T00:00:00Z&cursor=" + cur, err: "not within from and to"},
		{name: "too long", raw: "from=" + from + "&actor=" + strings.Repeat("a", 5000), err: "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := export.ParseQuery(tc.raw, now)
			if tc.err != "" {
				pe, ok := err.(*export.ParamError)
				if !ok || !strings.Contains(pe.Err.Message, tc.err) {
					t.Fatalf("err = %v, want a ParamError containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, q); d != "" {
				t.Errorf("query (-want +got):\n%s", d)
			}
		})
	}
}

// FuzzParseQuery: no input panics, every error is a ParamError, and an
// accepted query is a bounded range with a cursor inside it.
func FuzzParseQuery(f *testing.F) {
	f.Add("from=2026-04-01T00:00:00Z")
	f.Add("from=2026-04-01T00:00:00Z&to=2026-04-02T00:00:00Z&action=apiKey.create&result=success&shop=a.myshopify.com")
	f.Add("from=2026-04-01T00:00:00Z&cursor=" + export.EncodeCursor(audit.Position{At: now.Add(-time.Hour), ID: "aud_1"}))
	f.Add("from=9999-12-31T23:59:59-23:59&to=%ff")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := export.ParseQuery(raw, now)
		if err != nil {
			if _, ok := err.(*export.ParamError); !ok {
				t.Fatalf("error %T %v is not a ParamError", err, err)
			}
			return
		}
		if !q.From.Before(q.To) || q.To.Sub(q.From) > export.MaxRange {
			t.Fatalf("accepted range %v..%v", q.From, q.To)
		}
		if q.After != nil && (q.After.At.Before(q.From) || !q.After.At.Before(q.To)) {
			t.Fatalf("cursor %v outside %v..%v", q.After.At, q.From, q.To)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(export.EncodeCursor(audit.Position{At: now, ID: "aud_01h"}))
	f.Add("")
	f.Add("MjAyNg")
	f.Fuzz(func(t *testing.T, c string) {
		p, err := export.DecodeCursor(c)
		if err != nil {
			return
		}
		if again, err := export.DecodeCursor(export.EncodeCursor(p)); err != nil || !again.At.Equal(p.At) || again.ID != p.ID {
			t.Fatalf("cursor %q does not round trip: %v %v", c, again, err)
		}
	})
}

// fakeEntries serves a fixed log in pages of at most limit items, like
// store.QueryAudit (filters ignored: the store's tests cover them).
type fakeEntries struct {
	tenant string
	log    []audit.Entry
	calls  int
}

func (f *fakeEntries) QueryAudit(_ context.Context, tenantID string, fl audit.Filter, after *audit.Position, limit int) ([]audit.Entry, *audit.Position, error) {
	f.calls++
	if tenantID != f.tenant {
		return nil, nil, nil
	}
	var out []audit.Entry
	for _, e := range f.log {
		if e.At.Before(fl.From) || !e.At.Before(fl.To) {
			continue
		}
		if after != nil && (e.At.Before(after.At) || e.At.Equal(after.At) && e.ID <= after.ID) {
			continue
		}
		if len(out) == limit {
			last := out[len(out)-1]
			return out, &audit.Position{At: last.At, ID: last.ID}, nil
		}
		out = append(out, e)
	}
	return out, nil, nil
}

// response is what API Gateway answers, through the same adapter as the
// function (platform.APIGatewayHandler).
type response struct {
	Code   int
	header http.Header
	Body   *bytes.Buffer
}

func (r response) Header() http.Header { return r.header }

// request serves the recorded API Gateway event of GET /api/audit-export
// with the raw query and the caller replaced (zero identity: no authorizer
// context).
func request(t *testing.T, h http.Handler, id auth.Identity, raw string) response {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "apigw-audit-export-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	ev.MultiValueQueryStringParameters = v
	ev.QueryStringParameters = map[string]string{}
	for k, vs := range v {
		ev.QueryStringParameters[k] = vs[len(vs)-1]
	}
	ev.RequestContext.Authorizer = nil
	if id.TenantID != "" {
		ev.RequestContext.Authorizer = id.ToContext()
	}
	resp, err := platform.APIGatewayHandler(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if resp.IsBase64Encoded {
		t.Fatal("base64 body")
	}
	hd := http.Header{}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			hd.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		hd.Set(k, v)
	}
	return response{Code: resp.StatusCode, header: hd, Body: bytes.NewBufferString(resp.Body)}
}

func reader(id string) auth.Identity {
	return auth.Identity{TenantID: id, Principal: "key_r", PrincipalType: auth.PrincipalAPIKey, Scopes: []auth.Scope{auth.ScopeAuditRead}}
}

func TestHandlerPagesACappedExport(t *testing.T) {
	fe := &fakeEntries{tenant: "acme"}
	base := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1200 {
		e := entry(i, base.Add(time.Duration(i)*time.Second))
		e.ID = fmt.Sprintf("aud_%06d", i)
		fe.log = append(fe.log, e)
	}
	h := export.NewHandler(slog.New(slog.DiscardHandler), &export.Handler{Entries: fe, MaxBody: 20_000, Now: func() time.Time { return now }})
	query := "from=2026-04-01T00:00:00Z&to=2026-04-02T00:00:00Z&action=apiKey.create"
	var all [][]string
	for page := 0; ; page++ {
		if page > 200 {
			t.Fatal("too many pages")
		}
		w := request(t, h, reader("acme"), query)
		if w.Code != 200 {
			t.Fatalf("page %d: status %d: %s", page, w.Code, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="flux-audit-20260401T000000Z-20260402T000000Z.csv"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		if w.Body.Len() > 20_000 {
			t.Fatalf("page %d is %d bytes, over the cap", page, w.Body.Len())
		}
		recs, err := csv.NewReader(w.Body).ReadAll()
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if d := cmp.Diff(export.Header, recs[0]); d != "" {
			t.Fatalf("header (-want +got):\n%s", d)
		}
		all = append(all, recs[1:]...)
		link := w.Header().Get("Link")
		if link == "" {
			if w.Header().Get(export.NextCursorHeader) != "" {
				t.Error("a cursor without a link")
			}
			break
		}
		target, ok := strings.CutPrefix(link, "<audit-export?")
		target, ok2 := strings.CutSuffix(target, `>; rel="next"`)
		if !ok || !ok2 {
			t.Fatalf("Link %q", link)
		}
		v, _ := url.ParseQuery(target)
		if v.Get("cursor") != w.Header().Get(export.NextCursorHeader) || v.Get("action") != "apiKey.create" || v.Get("to") == "" {
			t.Fatalf("Link %q does not carry the cursor, the filter and to", link)
		}
		query = target
	}
	if len(all) != 1200 {
		t.Fatalf("read %d rows over the pages, want 1200", len(all))
	}
	for i, r := range all {
		if r[1] != fe.log[i].ID {
			t.Fatalf("row %d is %s, want %s (order or duplicates)", i, r[1], fe.log[i].ID)
		}
	}
}

func TestHandlerErrors(t *testing.T) {
	fe := &fakeEntries{tenant: "acme"}
	h := export.NewHandler(slog.New(slog.DiscardHandler), &export.Handler{Entries: fe, Now: func() time.Time { return now }})
	tests := []struct {
		name   string
		id     auth.Identity
		query  string
		status int
		code   string
	}{
		{"no identity", auth.Identity{}, "from=2026-04-01T00:00:00Z", 401, "UNAUTHENTICATED"},
		{"no audit:read", auth.Identity{TenantID: "acme", Principal: "k", Scopes: []auth.Scope{auth.ScopeSyncRead}}, "from=bad", 403, "FORBIDDEN"},
		{"bad params", reader("acme"), "from=bad", 400, "VALIDATION_ERROR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := request(t, h, tc.id, tc.query)
			var body platform.ErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != tc.status || len(body.Errors) != 1 ||
				body.Errors[0].Extensions.Code != tc.code || body.Errors[0].Extensions.StatusCode != tc.status {
				t.Fatalf("status %d body %s, want %d %s", w.Code, w.Body, tc.status, tc.code)
			}
		})
	}
	if fe.calls != 0 {
		t.Errorf("the store was read %d times for refused requests", fe.calls)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", export.Path, nil))
	if w.Code != 405 || w.Header().Get("Allow") != "GET" {
		t.Errorf("POST: %d %v", w.Code, w.Header())
	}
}

func TestHandlerReadsOnlyTheCallersTenant(t *testing.T) {
	fe := &fakeEntries{tenant: "acme", log: []audit.Entry{entry(0, now.Add(-time.Hour))}}
	h := export.NewHandler(slog.New(slog.DiscardHandler), &export.Handler{Entries: fe, Now: func() time.Time { return now }})
	w := request(t, h, reader("other"), "from=2026-04-01T00:00:00Z")
	body, _ := io.ReadAll(w.Body)
	if w.Code != 200 || string(body) != strings.Join(export.Header, ",")+"\r\n" {
		t.Fatalf("another tenant: %d %q, want the header only", w.Code, body)
	}
}
