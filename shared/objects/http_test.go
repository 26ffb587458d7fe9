package objects

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
)

const (
	tenantA = "t_acme"
	tenantB = "t_other"
	shopSrc = "acme-source.myshopify.com"
	shopPrd = "acme-prod.myshopify.com"
	shopB   = "other-source.myshopify.com"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

type fakeGroups map[string][]string

func (f fakeGroups) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	shops, ok := f[tenantID]
	if !ok {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
	}
	sg := config.StoreGroup{Name: tenantID}
	for _, s := range shops {
		sg.Stores = append(sg.Stores, config.Store{Domain: s, Classification: config.Source})
	}
	return sg, nil
}

// fakeVersions keeps versions per object key, oldest first, with the
// store's cursor semantics; bodies with an S3Key are in blobs.
type fakeVersions struct {
	m     map[string][]store.Version
	blobs map[string][]byte
	reads int
}

func objKey(tenant string, t mapping.ObjectType, shop, canonical string) string {
	return store.ObjectPK(tenant, string(t), shop, canonical)
}

func (f *fakeVersions) put(t *testing.T, tenant string, o Object, body string, s3 bool) store.Version {
	t.Helper()
	c := capture.MustParse(body)
	k := objKey(tenant, o.Type, o.Shop, o.Canonical)
	v := store.Version{ObjectType: o.Type, Canonical: o.Canonical, Shop: o.Shop, Seq: int64(len(f.m[k]) + 1),
		Hash: capture.Hash(c), SyncID: "sync-" + strconv.Itoa(len(f.m[k])+1),
		CapturedAt: time.Date(2026, 11, 24, 12, len(f.m[k]), 0, 0, time.UTC), Body: capture.Encode(c)}
	v.Size = len(v.Body)
	if s3 {
		v.S3Key = store.VersionBlobKey(tenant, v.Hash)
		f.blobs[v.S3Key] = v.Body
		v.Body = nil
	}
	f.m[k] = append(f.m[k], v)
	return v
}

func (f *fakeVersions) ListVersions(_ context.Context, tenant string, t mapping.ObjectType, shop, canonical string, limit int, cursor string) ([]store.Version, string, error) {
	all := f.m[objKey(tenant, t, shop, canonical)]
	top := int64(len(all))
	if cursor != "" {
		n, _ := strconv.ParseInt(cursor, 10, 64)
		top = min(top, n-1)
	}
	var out []store.Version
	for s := top; s >= 1 && len(out) < limit; s-- {
		out = append(out, all[s-1])
	}
	next := ""
	if len(out) == limit && out[len(out)-1].Seq > 1 {
		next = strconv.FormatInt(out[len(out)-1].Seq, 10)
	}
	return out, next, nil
}

func (f *fakeVersions) VersionBySeq(_ context.Context, tenant string, t mapping.ObjectType, shop, canonical string, seq int64) (store.Version, error) {
	all := f.m[objKey(tenant, t, shop, canonical)]
	if seq < 1 || seq > int64(len(all)) {
		return store.Version{}, platform.E(platform.KindNotFound, "version not found")
	}
	return all[seq-1], nil
}

func (f *fakeVersions) VersionBody(_ context.Context, blobs store.Blobs, v store.Version) ([]byte, error) {
	f.reads++
	if v.S3Key == "" {
		return v.Body, nil
	}
	return blobs.Get(context.Background(), v.S3Key)
}

type fakeBlobs map[string][]byte

func (b fakeBlobs) Put(context.Context, string, []byte) error { return nil }
func (b fakeBlobs) Get(_ context.Context, key string) ([]byte, error) {
	v, ok := b[key]
	if !ok {
		return nil, platform.E(platform.KindNotFound, "blob not found")
	}
	return v, nil
}

type fixture struct {
	versions *fakeVersions
	svc      *Service
}

func newFixture(t *testing.T) fixture {
	blobs := fakeBlobs{}
	fv := &fakeVersions{m: map[string][]store.Version{}, blobs: blobs}
	groups := fakeGroups{tenantA: {shopSrc, shopPrd}, tenantB: {shopB}}
	fv.put(t, tenantA, bagSrc, `{"handle":"classic-leather-bag","title":"Bag","tags":["a"]}`, false)
	fv.put(t, tenantA, bagSrc, `{"handle":"classic-leather-bag","title":"Leather bag","tags":["a"]}`, false)
	fv.put(t, tenantA, bagSrc, `{"handle":"classic-leather-bag","title":"Leather bag","tags":["a","b"],"vendor":"Acme"}`, true)
	prd := bagSrc
	prd.Shop = shopPrd
	fv.put(t, tenantA, prd, `{"handle":"classic-leather-bag","title":"Bag","status":"DRAFT"}`, false)
	// The other tenant has an object of the same name in its own shop.
	fv.put(t, tenantB, Object{mapping.Product, "classic-leather-bag", shopB}, `{"title":"theirs"}`, false)
	return fixture{fv, &Service{Groups: groups, Versions: fv, Blobs: blobs}}
}

// event is the recorded API Gateway event of GET /api/object-diff with the
// path, the query and the caller replaced (nil: no authorizer context).
func event(t *testing.T, method, path string, query map[string][]string, id *auth.Identity) events.APIGatewayProxyRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "apigw-object-diff-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	ev.HTTPMethod, ev.RequestContext.HTTPMethod = method, method
	ev.Path, ev.Resource, ev.RequestContext.ResourcePath = path, path, path
	ev.MultiValueQueryStringParameters = query
	ev.QueryStringParameters = map[string]string{}
	for k, v := range query {
		ev.QueryStringParameters[k] = v[len(v)-1]
	}
	ev.RequestContext.Authorizer = nil
	if id != nil {
		ev.RequestContext.Authorizer = id.ToContext()
	}
	return ev
}

func reader(tenant string, scopes ...auth.Scope) *auth.Identity {
	if len(scopes) == 0 {
		scopes = []auth.Scope{auth.ScopeSyncRead}
	}
	return &auth.Identity{TenantID: tenant, Principal: "key_1", PrincipalType: auth.PrincipalAPIKey, Scopes: scopes}
}

func q(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

func bagQuery(kv ...string) map[string][]string {
	return q(append([]string{"objectType", "PRODUCT", "canonical", "classic-leather-bag", "shop", shopSrc}, kv...)...)
}

func serve(t *testing.T, h http.Handler, ev events.APIGatewayProxyRequest) (int, []byte, http.Header) {
	t.Helper()
	resp, err := platform.APIGatewayHandler(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid([]byte(resp.Body)) {
		t.Fatalf("body is not JSON: %q", resp.Body)
	}
	return resp.StatusCode, []byte(resp.Body), http.Header(resp.MultiValueHeaders)
}

func wantError(t *testing.T, status int, body []byte, wantStatus int, code, msg string) {
	t.Helper()
	var e platform.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	if status != wantStatus || len(e.Errors) != 1 || e.Errors[0].Extensions.Code != code ||
		e.Errors[0].Extensions.StatusCode != wantStatus || !strings.Contains(e.Errors[0].Message, msg) {
		t.Fatalf("got %d %s, want %d %s containing %q", status, body, wantStatus, code, msg)
	}
}

func TestHistory(t *testing.T) {
	f := newFixture(t)
	h := NewHistoryHandler(discard, f.svc)

	status, body, hdr := serve(t, h, event(t, "GET", HistoryPath, bagQuery("limit", "2"), reader(tenantA)))
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	if hdr.Get("Cache-Control") != "no-store" || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", hdr)
	}
	var page History
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	v3, v2 := f.versions.m[objKey(tenantA, mapping.Product, shopSrc, "classic-leather-bag")][2], f.versions.m[objKey(tenantA, mapping.Product, shopSrc, "classic-leather-bag")][1]
	next := "2"
	want := History{ObjectType: "PRODUCT", Canonical: "classic-leather-bag", Shop: shopSrc, NextCursor: &next, Versions: []VersionInfo{
		{Seq: 3, Hash: v3.Hash, SyncID: optional("sync-3"), CapturedAt: "2026-11-24T12:02:00Z", Size: v3.Size},
		{Seq: 2, Hash: v2.Hash, SyncID: optional("sync-2"), CapturedAt: "2026-11-24T12:01:00Z", Size: v2.Size},
	}}
	if diff := cmp.Diff(want, page); diff != "" {
		t.Errorf("page 1 (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(body), `"sourceUpdatedAt":null`) {
		t.Errorf("unknown source time is not null: %s", body)
	}

	status, body, _ = serve(t, h, event(t, "GET", HistoryPath, bagQuery("limit", "2", "cursor", next), reader(tenantA)))
	if status != http.StatusOK || !strings.Contains(string(body), `"nextCursor":null`) || !strings.Contains(string(body), `"seq":1,`) {
		t.Fatalf("page 2: %d %s", status, body)
	}

	for _, tt := range []struct {
		name   string
		query  map[string][]string
		id     *auth.Identity
		status int
		code   string
		msg    string
	}{
		{"no credential", bagQuery(), nil, 401, "UNAUTHENTICATED", ""},
		{"no scope", bagQuery(), reader(tenantA, auth.ScopeConfigRead), 403, "FORBIDDEN", "sync:read"},
		{"no scope beats bad params", q("x", "y"), reader(tenantA, auth.ScopeMappingsRead), 403, "FORBIDDEN", ""},
		{"another tenant's shop", bagQuery(), reader(tenantB), 404, "NOT_FOUND", "store acme-source.myshopify.com not found in your store group"},
		{"tenant without a group", bagQuery(), reader("t_new"), 404, "NOT_FOUND", "not found in your store group"},
		{"never captured", q("objectType", "PRODUCT", "canonical", "canvas-tote", "shop", shopSrc), reader(tenantA), 404, "NOT_FOUND", "PRODUCT canvas-tote has no captured version in " + shopSrc},
		{"other shop of the group, not captured there", q("objectType", "COLLECTION", "canonical", "classic-leather-bag", "shop", shopPrd), reader(tenantA), 404, "NOT_FOUND", "no captured version"},
		{"bad limit", bagQuery("limit", "500"), reader(tenantA), 400, "VALIDATION_ERROR", "limit must be"},
		{"forged cursor", bagQuery("cursor", "V#000000000002"), reader(tenantA), 400, "VALIDATION_ERROR", "cursor is not a cursor"},
		{"missing shop", q("objectType", "PRODUCT", "canonical", "classic-leather-bag"), reader(tenantA), 400, "VALIDATION_ERROR", "parameter shop is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := serve(t, h, event(t, "GET", HistoryPath, tt.query, tt.id))
			wantError(t, status, body, tt.status, tt.code, tt.msg)
		})
	}

	status, body, hdr = serve(t, h, event(t, "POST", HistoryPath, bagQuery(), reader(tenantA)))
	if status != http.StatusMethodNotAllowed || hdr.Get("Allow") != "GET" {
		t.Errorf("POST: %d %v %s", status, hdr, body)
	}
	status, body, _ = serve(t, h, event(t, "GET", DiffPath, bagQuery(), reader(tenantA)))
	wantError(t, status, body, 404, "NOT_FOUND", "not found")
}

func TestDiff(t *testing.T) {
	f := newFixture(t)
	h := NewDiffHandler(discard, f.svc)
	get := func(t *testing.T, query map[string][]string) DiffResult {
		t.Helper()
		status, body, _ := serve(t, h, event(t, "GET", DiffPath, query, reader(tenantA)))
		if status != http.StatusOK {
			t.Fatalf("%d %s", status, body)
		}
		var r DiffResult
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	vs := f.versions.m[objKey(tenantA, mapping.Product, shopSrc, "classic-leather-bag")]
	prd := f.versions.m[objKey(tenantA, mapping.Product, shopPrd, "classic-leather-bag")][0]
	sideOf := func(v store.Version) *Side { s := side(v); return &s }

	t.Run("default: current (in S3) against the one before", func(t *testing.T) {
		r := get(t, bagQuery())
		want := DiffResult{ObjectType: "PRODUCT", Canonical: "classic-leather-bag", From: sideOf(vs[1]), To: *sideOf(vs[2]),
			Changes: []capture.Change{
				{Path: "/tags/1", Kind: capture.Added, After: "b"},
				{Path: "/vendor", Kind: capture.Added, After: "Acme"},
			}, Summary: Summary{Added: 2}}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("from and to", func(t *testing.T) {
		r := get(t, bagQuery("from", "1", "to", "3"))
		if r.From.Seq != 1 || r.To.Seq != 3 || r.Summary != (Summary{Added: 2, Modified: 1}) || r.Identical {
			t.Errorf("%+v", r)
		}
		back := get(t, bagQuery("from", "3", "to", "1"))
		if back.Summary != (Summary{Removed: 2, Modified: 1}) {
			t.Errorf("reverse: %+v", back)
		}
	})
	t.Run("to only: the one before it", func(t *testing.T) {
		r := get(t, bagQuery("to", "2"))
		want := []capture.Change{{Path: "/title", Kind: capture.Modified, Before: "Bag", After: "Leather bag"}}
		if r.From.Seq != 1 || r.To.Seq != 2 || !cmp.Equal(want, r.Changes) {
			t.Errorf("%+v", r)
		}
	})
	t.Run("first version: from null, everything added", func(t *testing.T) {
		r := get(t, bagQuery("to", "1"))
		if r.From != nil || r.To.Seq != 1 || r.Summary != (Summary{Added: 3}) || len(r.Changes) != 3 {
			t.Errorf("%+v", r)
		}
	})
	t.Run("same version: identical without reading bodies", func(t *testing.T) {
		reads := f.versions.reads
		r := get(t, bagQuery("from", "2", "to", "2"))
		if !r.Identical || len(r.Changes) != 0 || f.versions.reads != reads {
			t.Errorf("%+v, %d body reads", r, f.versions.reads-reads)
		}
	})
	t.Run("two shops: current of each", func(t *testing.T) {
		r := get(t, bagQuery("otherShop", shopPrd))
		want := DiffResult{ObjectType: "PRODUCT", Canonical: "classic-leather-bag", From: sideOf(vs[2]), To: *sideOf(prd),
			Changes: []capture.Change{
				{Path: "/status", Kind: capture.Added, After: "DRAFT"},
				{Path: "/tags", Kind: capture.Removed, Before: []any{"a", "b"}},
				{Path: "/title", Kind: capture.Modified, Before: "Leather bag", After: "Bag"},
				{Path: "/vendor", Kind: capture.Removed, Before: "Acme"},
			}, Summary: Summary{Added: 1, Modified: 1, Removed: 2}}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("the wire form of changes", func(t *testing.T) {
		_, body, _ := serve(t, h, event(t, "GET", DiffPath, bagQuery("to", "2"), reader(tenantA)))
		if !strings.Contains(string(body), `"changes":[{"after":"Leather bag","before":"Bag","kind":"modified","path":"/title"}]`) ||
			!strings.Contains(string(body), `"summary":{"added":0,"modified":1,"removed":0},"truncated":false`) {
			t.Errorf("%s", body)
		}
	})

	for _, tt := range []struct {
		name   string
		query  map[string][]string
		id     *auth.Identity
		status int
		code   string
		msg    string
	}{
		{"no scope", bagQuery(), reader(tenantA, auth.ScopeMappingsRead), 403, "FORBIDDEN", ""},
		{"another tenant's shop", bagQuery(), reader(tenantB), 404, "NOT_FOUND", "not found in your store group"},
		{"another tenant's other shop", bagQuery("otherShop", shopB), reader(tenantA), 404, "NOT_FOUND", "store " + shopB + " not found"},
		{"version past the newest", bagQuery("to", "4"), reader(tenantA), 404, "NOT_FOUND", "version 4 of PRODUCT classic-leather-bag not found"},
		{"from past the newest", bagQuery("from", "9", "to", "1"), reader(tenantA), 404, "NOT_FOUND", "version 9"},
		{"unknown parameter after valid ones", q("objectType", "PRODUCT", "canonical", "classic-leather-bag", "shop", shopPrd, "otherShop", shopSrc, "x", "1"), reader(tenantA), 400, "VALIDATION_ERROR", "unknown parameter"},
		{"not captured in one of two shops", q("objectType", "PRODUCT", "canonical", "canvas-tote", "shop", shopSrc, "otherShop", shopPrd), reader(tenantA), 404, "NOT_FOUND", "no captured version"},
		{"otherShop with to", bagQuery("otherShop", shopPrd, "to", "1"), reader(tenantA), 400, "VALIDATION_ERROR", "cannot be combined"},
		{"bad from", bagQuery("from", "-1"), reader(tenantA), 400, "VALIDATION_ERROR", "from must be a version number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := serve(t, h, event(t, "GET", DiffPath, tt.query, tt.id))
			wantError(t, status, body, tt.status, tt.code, tt.msg)
		})
	}

	t.Run("a missing blob is internal, not the caller's 404", func(t *testing.T) {
		delete(f.versions.blobs, vs[2].S3Key)
		status, body, _ := serve(t, h, event(t, "GET", DiffPath, bagQuery(), reader(tenantA)))
		wantError(t, status, body, 500, "INTERNAL_ERROR", "internal error")
		if strings.Contains(string(body), "tenants/") {
			t.Errorf("internal detail leaked: %s", body)
		}
	})
}

// A diff whose changes would pass MaxChangesBytes lists the first ones,
// says so, and still counts them all.
func TestDiffTruncated(t *testing.T) {
	f := newFixture(t)
	o := Object{mapping.Product, "huge", shopSrc}
	var a, b strings.Builder
	a.WriteString(`{`)
	b.WriteString(`{`)
	val := strings.Repeat("x", 1000)
	n := MaxChangesBytes/2000 + 50
	for i := range n {
		if i > 0 {
			a.WriteString(",")
			b.WriteString(",")
		}
		fmt.Fprintf(&a, `"k%05d":"%s"`, i, val)
		fmt.Fprintf(&b, `"k%05d":"%s!"`, i, val)
	}
	a.WriteString(`}`)
	b.WriteString(`}`)
	f.versions.put(t, tenantA, o, a.String(), true)
	f.versions.put(t, tenantA, o, b.String(), true)
	ctx := auth.WithIdentity(context.Background(), *reader(tenantA))
	r, err := f.svc.Diff(ctx, DiffQuery{Object: o})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Truncated || r.Summary.Modified != n || len(r.Changes) >= n || len(r.Changes) == 0 {
		t.Fatalf("truncated=%v modified=%d listed=%d", r.Truncated, r.Summary.Modified, len(r.Changes))
	}
	enc, _ := json.Marshal(r.Changes)
	if len(enc) > MaxChangesBytes {
		t.Errorf("changes encode to %d bytes", len(enc))
	}
	if !slices.IsSortedFunc(r.Changes, func(x, y capture.Change) int { return strings.Compare(x.Path, y.Path) }) {
		t.Error("not the first changes in path order")
	}
}
