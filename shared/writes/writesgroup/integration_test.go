package writesgroup_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/blobstore/blobtest"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/files"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/writes/writesgroup"
)

const (
	tenantA = "acme"
	tenantB = "globex"
	shop    = emulator.ProductionShop
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type emuShops struct{ url string }

func (e emuShops) Client(_ context.Context, _, s string) (*shopify.Client, error) {
	tok := map[string]string{emulator.SourceShop: emulator.SourceToken, emulator.ProductionShop: emulator.ProductionToken}[s]
	return shopify.New(shopify.Session{Shop: s, AccessToken: tok}, shopify.Config{
		BaseURL: func(string) string { return e.url }, Tries: 3,
		RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond, Throttle: shopify.NewThrottle(nil),
	})
}

type groups map[string][]string

func (g groups) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	shops, ok := g[tenantID]
	if !ok {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
	}
	sg := config.StoreGroup{Name: tenantID}
	for _, s := range shops {
		sg.Stores = append(sg.Stores, config.Store{Domain: s, Classification: config.Production})
	}
	return sg, nil
}

type memAudit struct {
	mu sync.Mutex
	es []audit.Entry
}

func (m *memAudit) Record(_ context.Context, e audit.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.es = append(m.es, e)
	return nil
}

func (m *memAudit) find(action, resourceID string, r audit.Result) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.es {
		if e.Action == action && e.ResourceID == resourceID && e.Result == r {
			n++
		}
	}
	return n
}

// fluxFiles serves one confirmed Flux file of tenantA from an HTTP server
// (standing in for its presigned S3 URL; filesapi's reader is tested on
// moto in shared/files/filesapi and end to end in infra/e2e).
type fluxFiles struct {
	url   string
	bytes []byte
}

func (f fluxFiles) ConfirmedDownload(_ context.Context, tenantID, id string) (files.Download, error) {
	if tenantID != tenantA || id != "file_1" {
		return files.Download{}, platform.E(platform.KindNotFound, "file "+id+" not found")
	}
	return files.Download{
		File:     files.File{ID: id, TenantID: tenantID, Name: "lookbook-cover.png", ContentType: "image/png", Size: int64(len(f.bytes)), Status: files.StatusConfirmed},
		Download: files.Presigned{URL: f.url, Method: http.MethodGet},
	}, nil
}

type fixture struct {
	st    *store.Store
	audit *memAudit
	g     *rpc.Group
	emu   string
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv, err := emulator.New(t.Context(), emulator.Options{Versions: []string{shopify.DefaultAPIVersion}, Logger: quiet,
		MaximumAvailable: 1e7, RestoreRate: 1e7})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	png := []byte("\x89PNG\r\n\x1a\n-flux-test-image-bytes")
	fileSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	}))
	t.Cleanup(func() { hs.Close(); fileSrv.Close(); srv.Close() })
	f := &fixture{st: storetest.NewTable(t), audit: &memAudit{}, emu: hs.URL, now: time.Now().UTC()}
	blobs := &blobtest.Mem{}
	f.g = writesgroup.New(writesgroup.Options{
		Groups: groups{tenantA: {shop, emulator.SourceShop}, tenantB: {"elsewhere.myshopify.com"}},
		Store:  f.st, Shops: emuShops{hs.URL}, Audit: f.audit, Log: quiet,
		Files: fluxFiles{url: fileSrv.URL + "/cover.png", bytes: png},
		Writer: func(c *shopify.Client, tenantID string, fileURL func(context.Context, string) (string, error)) writesgroup.ShopWriter {
			w := shopwrite.New(c, f.st, tenantID)
			w.FileURL = fileURL
			return w
		},
		Capturer: func(tenantID, s, syncID string) writesgroup.ObjectCapturer {
			return ingest.New(f.st, blobs, tenantID, s, syncID)
		},
		Now: func() time.Time { return f.now },
	})
	return f
}

func identity(tenant string, scopes ...auth.Scope) auth.Identity {
	return auth.Identity{TenantID: tenant, Principal: "key_test", PrincipalType: auth.PrincipalAPIKey, Scopes: scopes}
}

var writer = identity(tenantA, auth.ScopeStoresWrite, auth.ScopeFilesRead)

// call runs one operation with arguments from a JSON text.
func (f *fixture) call(t *testing.T, id auth.Identity, op, args string) (writesgroup.Result, *rpc.Error) {
	t.Helper()
	resp, err := f.g.Handle(t.Context(), rpc.Request{Group: writesgroup.GroupName, Operation: op, Identity: id, Arguments: json.RawMessage(args)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil {
		return writesgroup.Result{}, resp.Error
	}
	var r writesgroup.Result
	if err := json.Unmarshal(resp.Result, &r); err != nil {
		t.Fatal(err)
	}
	return r, nil
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every mutation creates its object, then writes it again as an update of
// the same object: mapping kept, an operation under the day's event sync,
// an audit entry each time.
func TestWritesCreateThenUpdate(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		op, file, action string
		typ              mapping.ObjectType
		canonical        string
		update           bool // the second write changes content
	}{
		{writesgroup.OpWriteMetafieldDefinition, "metafield_definition.json", "write.metafieldDefinition", mapping.MetafieldDefinition, "PRODUCT.flux.care", false},
		{writesgroup.OpWriteMetaobjectDefinition, "metaobject_definition.json", "write.metaobjectDefinition", mapping.MetaobjectDefinition, "flux_badge", false},
		{writesgroup.OpWriteProduct, "product.json", "write.product", mapping.Product, "flux-tote", true},
		{writesgroup.OpWriteMetaobject, "metaobject.json", "write.metaobject", mapping.Metaobject, "flux_badge/eco", true},
		{writesgroup.OpWriteCollection, "collection.json", "write.collection", mapping.Collection, "flux-bags", true},
		{writesgroup.OpWritePage, "page.json", "write.page", mapping.Page, "flux-faq", true},
		{writesgroup.OpWriteBlog, "blog.json", "write.blog", mapping.Blog, "flux-news", true},
		{writesgroup.OpWriteArticle, "article.json", "write.article", mapping.Article, "flux-news/hello", true},
		{writesgroup.OpWriteMenu, "menu.json", "write.menu", mapping.Menu, "flux-footer", true},
		{writesgroup.OpWriteDiscount, "discount.json", "write.discount", mapping.Discount, "code/FLUX15", true},
		{writesgroup.OpUploadFile, "upload_file.json", "write.uploadFile", mapping.File, "lookbook-cover.png", true},
		{writesgroup.OpUpdateFile, "update_file.json", "write.updateFile", mapping.File, "lookbook-cover.png", true},
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			args := testdata(t, tc.file)
			first, rerr := f.call(t, writer, tc.op, args)
			if rerr != nil || !first.Success {
				t.Fatalf("first write: %+v %+v", first, rerr)
			}
			wantFirst := "created"
			if tc.op == writesgroup.OpUpdateFile {
				wantFirst = "updated"
			}
			if first.Action != wantFirst || first.Canonical != tc.canonical || first.Shop != shop || first.ShopifyGID == nil {
				t.Errorf("first write = %+v, want %s of %s", first, wantFirst, tc.canonical)
			}
			second := args
			if tc.update {
				second = strings.Replace(args, "Flux", "Flux v2", 1)
			}
			again, rerr := f.call(t, writer, tc.op, second)
			if rerr != nil || !again.Success || again.Action != "updated" || again.ShopifyGID == nil || *again.ShopifyGID != *first.ShopifyGID {
				t.Fatalf("second write: %+v %+v (%s), want updated %s", again, rerr, deref(again.Error), *first.ShopifyGID)
			}
			ms, err := f.st.MappingsByCanonical(t.Context(), tenantA, tc.typ, []string{shop}, []string{tc.canonical})
			if err != nil || len(ms) != 1 || ms[0].GID != *first.ShopifyGID {
				t.Errorf("mapping %v %v, want %s", ms, err, *first.ShopifyGID)
			}
			styp := fsync.Objects
			if tc.typ == mapping.File {
				styp = fsync.Files
			}
			ops, _, err := f.st.ListOperations(t.Context(), tenantA, store.EventSyncID(styp, f.now), "", store.Page{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, o := range ops {
				if o.ObjectType == string(tc.typ) && o.Canonical == tc.canonical && o.Shop == shop {
					n++
				}
			}
			if n == 0 {
				t.Errorf("no operation recorded for %s %s under the day's sync (%d operations)", tc.typ, tc.canonical, len(ops))
			}
			if got := f.audit.find(tc.action, string(tc.typ)+" "+tc.canonical, audit.Success); got < 2 {
				t.Errorf("%d successful audit entries %s, want 2", got, tc.action)
			}
			// The content is captured: the current version is the shop's.
			v, err := f.st.CurrentVersion(t.Context(), tenantA, tc.typ, shop, tc.canonical)
			if err != nil || v.Seq < 1 {
				t.Errorf("current version %+v %v", v, err)
			}
		})
	}
}

// Refusals and errors: scope, tenant, input, references, Shopify.
func TestWritesErrors(t *testing.T) {
	f := newFixture(t)
	page := `{"shop":"` + shop + `","page":{"handle":"x-page","title":"X"}}`
	cases := []struct {
		name, op, args string
		id             auth.Identity
		code           string // a GraphQL error code, or "" for success=false
		contains       string
	}{
		{"no scope", writesgroup.OpWritePage, page, identity(tenantA, auth.ScopeStoresRead), "FORBIDDEN", "stores:write"},
		{"no tenant", writesgroup.OpWritePage, page, auth.Identity{}, "UNAUTHENTICATED", ""},
		{"another tenant's shop", writesgroup.OpWritePage, page, identity(tenantB, auth.ScopeStoresWrite), "NOT_FOUND", "not found"},
		{"unknown shop", writesgroup.OpWritePage, `{"shop":"nope.myshopify.com","page":{"handle":"x","title":"X"}}`, writer, "NOT_FOUND", "nope.myshopify.com"},
		{"no shop", writesgroup.OpWritePage, `{"page":{"handle":"x","title":"X"}}`, writer, "VALIDATION_ERROR", "input.shop"},
		{"bad handle", writesgroup.OpWritePage, `{"shop":"` + shop + `","page":{"handle":"a b","title":"X"}}`, writer, "VALIDATION_ERROR", "page.handle"},
		{"missing title", writesgroup.OpWriteProduct, `{"shop":"` + shop + `","product":{"handle":"p","title":" "}}`, writer, "VALIDATION_ERROR", "product.title"},
		{"malformed arguments", writesgroup.OpWritePage, `{"shop":1}`, writer, "VALIDATION_ERROR", "malformed"},
		{"flux file needs files:read", writesgroup.OpUploadFile, `{"shop":"` + shop + `","fileId":"file_1"}`, identity(tenantA, auth.ScopeStoresWrite), "FORBIDDEN", "files:read"},
		{"unknown flux file", writesgroup.OpUploadFile, `{"shop":"` + shop + `","fileId":"file_9"}`, writer, "NOT_FOUND", "file_9"},
		{"unknown reference", writesgroup.OpWriteCollection, `{"shop":"` + shop + `","collection":{"handle":"c-x","title":"C","products":["no-such-product"]}}`, writer, "", "no-such-product"},
		{"article without its blog", writesgroup.OpWriteArticle, `{"shop":"` + shop + `","article":{"blog":"no-blog","handle":"a","title":"A"}}`, writer, "", "no-blog"},
		{"update of a missing file", writesgroup.OpUpdateFile, `{"shop":"` + shop + `","filename":"missing.png","alt":"x"}`, writer, "", "missing.png"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, rerr := f.call(t, tc.id, tc.op, tc.args)
			if tc.code != "" {
				if rerr == nil || rerr.Code != tc.code || !strings.Contains(rerr.Message, tc.contains) {
					t.Fatalf("got %+v %+v, want %s containing %q", res, rerr, tc.code, tc.contains)
				}
				return
			}
			if rerr != nil || res.Success || res.Action != writesgroup.ActionNone || res.Error == nil || !strings.Contains(*res.Error, tc.contains) {
				t.Fatalf("got %+v %+v, want success=false naming %q", res, rerr, tc.contains)
			}
		})
	}
	if n := f.audit.find("write.page", "", audit.Denied); n < 1 {
		t.Errorf("denied writes audited %d times", n)
	}
	if n := f.audit.find("write.collection", "COLLECTION c-x", audit.Failure); n != 1 {
		t.Errorf("refused write audited %d times, want 1", n)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
