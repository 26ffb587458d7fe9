package shopwrite_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/blobstore/blobtest"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

const tenant = "acme"

// fixture: the emulator in-process, a fresh table, the source shop's and
// the production shop's objects mapped (as after a sync of each).
type fixture struct {
	url   string
	lose  *loser
	st    *store.Store
	blobs *blobtest.Mem
	src   *shopify.Client
	prod  *shopify.Client
	w     *shopwrite.Writer
	// srcObjs: every source object by type and canonical.
	srcObjs map[mapping.ObjectType]map[string]catalog.Object
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv, err := emulator.New(t.Context(), emulator.Options{
		Versions: []string{shopify.DefaultAPIVersion}, Logger: quiet, MaximumAvailable: 1e7, RestoreRate: 1e7,
	})
	if err != nil {
		t.Fatal(err)
	}
	lose := &loser{next: srv, armed: map[string]*lose{}}
	hs := httptest.NewServer(lose)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	client := func(shop, token string) *shopify.Client {
		c, err := shopify.New(shopify.Session{Shop: shop, AccessToken: token}, shopify.Config{
			BaseURL: func(string) string { return hs.URL }, Tries: 3,
			RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond, Throttle: shopify.NewThrottle(nil),
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f := &fixture{url: hs.URL, lose: lose, st: storetest.NewTable(t), blobs: &blobtest.Mem{},
		src: client(emulator.SourceShop, emulator.SourceToken), prod: client(emulator.ProductionShop, emulator.ProductionToken)}
	f.w = shopwrite.New(f.prod, f.st, tenant)
	f.srcObjs = f.mapAll(t, f.src)
	f.mapAll(t, f.prod)
	return f
}

var writable = []mapping.ObjectType{
	mapping.MetafieldDefinition, mapping.MetaobjectDefinition, mapping.Metaobject, mapping.File,
	mapping.Product, mapping.Collection, mapping.Page, mapping.Blog, mapping.Article, mapping.Menu, mapping.Discount,
}

// mapAll lists every object of the shop and maps it, as a sync would.
func (f *fixture) mapAll(t *testing.T, c *shopify.Client) map[mapping.ObjectType]map[string]catalog.Object {
	t.Helper()
	r := &catalog.Reader{Client: c}
	out := map[mapping.ObjectType]map[string]catalog.Object{}
	for _, typ := range writable {
		out[typ] = map[string]catalog.Object{}
		var ms []mapping.Mapping
		cursor := ""
		for {
			p, err := r.List(t.Context(), typ, time.Time{}, cursor)
			if err != nil {
				t.Fatalf("list %s: %v", typ, err)
			}
			for _, o := range p.Objects {
				if _, dup := out[typ][o.Canonical]; dup {
					continue
				}
				out[typ][o.Canonical] = o
				ms = append(ms, mapping.Mapping{ObjectType: typ, Canonical: o.Canonical, GID: o.GID, Shop: c.Shop()})
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if err := f.st.UpsertMappings(t.Context(), tenant, ms); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// sourceBody captures a source object (catalog.Get + ingest) and returns
// its canonical body, as the version store holds it.
func (f *fixture) sourceBody(t *testing.T, typ mapping.ObjectType, canonical string) []byte {
	t.Helper()
	o, ok := f.srcObjs[typ][canonical]
	if !ok {
		t.Fatalf("no source %s %s", typ, canonical)
	}
	got, err := (&catalog.Reader{Client: f.src}).Get(t.Context(), typ, o.GID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.New(f.st, f.blobs, tenant, emulator.SourceShop, "sync_src").Capture(t.Context(), got, time.Time{}); err != nil {
		t.Fatal(err)
	}
	v, err := f.st.CurrentVersion(t.Context(), tenant, typ, emulator.SourceShop, canonical)
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.st.VersionBody(t.Context(), f.blobs, v)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// deploy writes a source object to production after the objects it refers
// to that production does not have (dependency order, as the deploy
// worker does).
func (f *fixture) deploy(t *testing.T, typ mapping.ObjectType, canonical string, seen map[string]bool) shopwrite.Result {
	t.Helper()
	key := string(typ) + " " + canonical
	seen[key] = true
	body := f.sourceBody(t, typ, canonical)
	var deps []refKey
	walk(capture.MustParse(string(body)).Value(), func(k refKey) { deps = append(deps, k) })
	switch typ {
	case mapping.Article:
		deps = append(deps, refKey{mapping.Blog, strings.Split(canonical, "/")[0]})
	case mapping.Metaobject:
		deps = append(deps, refKey{mapping.MetaobjectDefinition, strings.Split(canonical, "/")[0]})
	}
	for _, d := range deps {
		if seen[string(d.Type)+" "+d.Canonical] {
			continue
		}
		ms, err := f.st.MappingsByCanonical(t.Context(), tenant, d.Type, []string{emulator.ProductionShop}, []string{d.Canonical})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			f.deploy(t, d.Type, d.Canonical, seen)
		}
	}
	res, err := f.w.WriteJSON(t.Context(), typ, canonical, body, shopwrite.Options{})
	if err != nil {
		t.Fatalf("write %s %s: %v", typ, canonical, err)
	}
	return res
}

type refKey struct {
	Type      mapping.ObjectType
	Canonical string
}

func walk(v any, f func(refKey)) {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(map[string]any); ok {
			f(refKey{mapping.ObjectType(r["type"].(string)), r["canonical"].(string)})
			return
		}
		for _, e := range x {
			walk(e, f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

// readBack reads the production object live and normalises it.
func (f *fixture) readBack(t *testing.T, typ mapping.ObjectType, canonical string) []byte {
	t.Helper()
	body, ok, err := f.w.Snapshot(t.Context(), typ, canonical)
	if err != nil || !ok {
		t.Fatalf("snapshot %s %s: exists %v, %v", typ, canonical, ok, err)
	}
	return body
}

// noRoundTrip are the fields (JSON pointer patterns, * for one segment)
// that cannot round-trip through the emulator's write API, and why
// (docs/shopwrite.md).
var noRoundTrip = []string{
	// fileCreate/productSet from a URL: the emulator does not fetch the
	// image, every new image is 2048×2048 (Shopify reads the real size).
	"/media/*/image/height", "/media/*/image/width", "/image/height", "/image/width",
	// a file's size comes from its bytes, which the emulator does not fetch.
	"/originalSource/fileSize", "/originalFileSize",
}

func match(pattern, p string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(p, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

// diffs is the source→target difference, less the known gaps.
func diffs(a, b []byte) []string {
	var out []string
	for _, c := range capture.Diff(capture.MustParse(string(a)), capture.MustParse(string(b))) {
		skip := false
		for _, p := range noRoundTrip {
			skip = skip || match(p, c.Path)
		}
		if !skip {
			bb, _ := json.Marshal(c)
			out = append(out, string(bb))
		}
	}
	sort.Strings(out)
	return out
}

// firstWith is the first canonical (sorted) of a source type whose raw
// node satisfies ok.
func (f *fixture) firstWith(t *testing.T, typ mapping.ObjectType, ok func(raw map[string]any) bool) string {
	t.Helper()
	var cs []string
	for c := range f.srcObjs[typ] {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	for _, c := range cs {
		var raw map[string]any
		if err := json.Unmarshal(f.srcObjs[typ][c].Raw, &raw); err != nil {
			t.Fatal(err)
		}
		if ok(raw) {
			return c
		}
	}
	t.Fatalf("no source %s matches", typ)
	return ""
}

func TestRoundTripPerType(t *testing.T) {
	f := newFixture(t)
	custom := f.firstWith(t, mapping.Collection, func(m map[string]any) bool { return m["ruleSet"] == nil })
	auto := f.firstWith(t, mapping.Discount, func(m map[string]any) bool {
		d, _ := m["discount"].(map[string]any)
		return d["__typename"] == "DiscountAutomaticBasic"
	})
	lookbook := f.firstWith(t, mapping.Metaobject, func(m map[string]any) bool { return m["type"] == "lookbook" })
	cases := []struct {
		typ       mapping.ObjectType
		canonical string
		action    shopwrite.Action
	}{
		{mapping.MetafieldDefinition, "PRODUCT.custom.material", shopwrite.Created},
		{mapping.MetaobjectDefinition, "designer", shopwrite.Created},
		{mapping.Metaobject, "designer/hana-okafor-1", shopwrite.Created},
		{mapping.Metaobject, lookbook, shopwrite.Created},
		{mapping.File, "urban-canvas-wallet-1.jpg", shopwrite.Created},
		{mapping.Product, "urban-canvas-wallet", shopwrite.Created},
		{mapping.Collection, "accessories", shopwrite.Created},
		{mapping.Collection, custom, shopwrite.Created},
		{mapping.Page, "about-us", shopwrite.Created},
		{mapping.Page, "contact", shopwrite.Updated},
		{mapping.Blog, "journal", shopwrite.Created},
		{mapping.Article, "news/why-we-love-canvas", shopwrite.Created},
		{mapping.Menu, "main-menu", shopwrite.Updated},
		{mapping.Discount, "code/WELCOME10", shopwrite.Created},
		{mapping.Discount, "code/FREESHIP", shopwrite.Created},
		{mapping.Discount, auto, shopwrite.Created},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(string(tc.typ)+" "+tc.canonical, func(t *testing.T) {
			res := f.deploy(t, tc.typ, tc.canonical, seen)
			if res.Action != tc.action {
				t.Errorf("action %s, want %s", res.Action, tc.action)
			}
			if err := mapping.ValidateGID(tc.typ, res.GID); err != nil {
				t.Errorf("gid %q: %v", res.GID, err)
			}
			src := f.sourceBody(t, tc.typ, tc.canonical)
			got := f.readBack(t, tc.typ, tc.canonical)
			if d := diffs(src, got); len(d) > 0 {
				t.Errorf("round trip differs (source → production), warnings %q:\n%s\nsource %s\ngot %s", res.Warnings, strings.Join(d, "\n"), src, got)
			}
			// The mapping points at the written object.
			ms, err := f.st.MappingsByCanonical(t.Context(), tenant, tc.typ, []string{emulator.ProductionShop}, []string{tc.canonical})
			if err != nil || len(ms) != 1 || ms[0].GID != res.GID {
				t.Errorf("mapping %v %v, want %s", ms, err, res.GID)
			}
			// Writing the same body again is an update with nothing new.
			calls := f.lose.count()
			start := time.Now()
			again, err := f.w.WriteJSON(t.Context(), tc.typ, tc.canonical, src, shopwrite.Options{})
			t.Logf("update: %d Shopify requests, %v", f.lose.count()-calls, time.Since(start).Round(time.Millisecond))
			if err != nil || again.Action != shopwrite.Updated || again.GID != res.GID {
				t.Errorf("rewrite: %+v %v", again, err)
			}
			if d := diffs(got, f.readBack(t, tc.typ, tc.canonical)); len(d) > 0 {
				t.Errorf("rewrite changed the object:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// loser serves the emulator, but for a request whose body contains an
// armed string it lets the emulator do the work and then closes the
// connection without the answer: Shopify did it, Flux never heard.
type loser struct {
	next  http.Handler
	mu    sync.Mutex
	armed map[string]*lose
	lost  []string
	calls int // GraphQL requests served
}

type lose struct{ skip, n int }

// arm loses the answers of the next n requests containing s.
func (l *loser) arm(s string, n int) { l.armAfter(s, 0, n) }

// armAfter lets skip requests containing s through, then loses n.
func (l *loser) armAfter(s string, skip, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed[s] = &lose{skip, n}
}

func (l *loser) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	l.mu.Lock()
	l.calls++
	hit := ""
	for s, a := range l.armed {
		if a.n == 0 || !bytes.Contains(body, []byte(s)) {
			continue
		}
		if a.skip > 0 {
			a.skip--
			continue
		}
		hit = s
		a.n--
		l.lost = append(l.lost, s)
	}
	l.mu.Unlock()
	if hit == "" {
		l.next.ServeHTTP(w, r)
		return
	}
	l.next.ServeHTTP(httptest.NewRecorder(), r)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// took reports whether an answer to a request containing s was lost.
func (l *loser) took(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.lost {
		if x == s {
			return true
		}
	}
	return false
}

func (l *loser) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}
