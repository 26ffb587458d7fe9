package mappinggroup

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
)

const (
	shopSrc  = "src.myshopify.com"
	shopProd = "prod.myshopify.com"
	shopFor  = "foreign.myshopify.com"
)

type fakeStorage struct{ groups map[string]config.StoreGroup }

func (f *fakeStorage) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	g, ok := f.groups[tenantID]
	if !ok {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
	}
	return g, nil
}

// fakeStore is an in-memory mapping table: key tenant|type|shop|canonical.
type fakeStore struct {
	mu    sync.Mutex
	m     map[string]mapping.Mapping
	calls []string
}

func fk(tenant string, m mapping.Mapping) string {
	return strings.Join([]string{tenant, string(m.ObjectType), m.Shop, m.Canonical}, "|")
}

func (f *fakeStore) record(s string) { f.calls = append(f.calls, s) }

func (f *fakeStore) MappingsByGID(_ context.Context, tenant string, t mapping.ObjectType, shops, gids []string) ([]mapping.Mapping, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("byGid %s %s %v %v", tenant, t, shops, gids))
	var out []mapping.Mapping
	for _, g := range gids {
		for _, s := range shops {
			for k, m := range f.m {
				if strings.HasPrefix(k, tenant+"|") && m.ObjectType == t && m.Shop == s && m.GID == g {
					out = append(out, m)
				}
			}
		}
	}
	return out, nil
}

func (f *fakeStore) MappingsByCanonical(_ context.Context, tenant string, t mapping.ObjectType, shops, cs []string) ([]mapping.Mapping, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("byCanonical %s %s %v %v", tenant, t, shops, cs))
	var out []mapping.Mapping
	for _, c := range cs {
		for _, s := range shops {
			if m, ok := f.m[fk(tenant, mapping.Mapping{ObjectType: t, Shop: s, Canonical: c})]; ok {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

func (f *fakeStore) ListMappings(_ context.Context, tenant string, t mapping.ObjectType, shop string, p mapping.ListPage) ([]mapping.Mapping, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("list %s %s %s %+v", tenant, t, shop, p))
	var all []mapping.Mapping
	for k, m := range f.m {
		if strings.HasPrefix(k, tenant+"|") && m.ObjectType == t && m.Shop == shop {
			all = append(all, m)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Canonical < all[j].Canonical })
	total := len(all)
	if p.Offset > len(all) {
		p.Offset = len(all)
	}
	all = all[p.Offset:]
	return all[:min(len(all), p.Limit)], total, nil
}

func (f *fakeStore) UpsertMappings(_ context.Context, tenant string, ms []mapping.Mapping) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("upsert %s %d", tenant, len(ms)))
	for _, m := range ms {
		f.m[fk(tenant, m)] = m
	}
	return nil
}

func (f *fakeStore) DeleteMappings(_ context.Context, tenant string, t mapping.ObjectType, shop string, cs []string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("delete %s %s %s %v", tenant, t, shop, cs))
	n := 0
	for _, c := range cs {
		k := fk(tenant, mapping.Mapping{ObjectType: t, Shop: shop, Canonical: c})
		if _, ok := f.m[k]; ok {
			delete(f.m, k)
			n++
		}
	}
	return n, nil
}

func caller(tenant string, scopes ...auth.Scope) auth.Identity {
	return auth.Identity{TenantID: tenant, Principal: "key_x", PrincipalType: auth.PrincipalAPIKey, Scopes: scopes}
}

var (
	reader = caller("t_acme", auth.ScopeMappingsRead)
	writer = caller("t_acme", auth.ScopeMappingsRead, auth.ScopeMappingsWrite)
)

type fixture struct {
	store *fakeStore
	group *rpc.Group
}

func newFixture() *fixture {
	st := &fakeStore{m: map[string]mapping.Mapping{}}
	storage := &fakeStorage{groups: map[string]config.StoreGroup{
		"t_acme":  {Name: "Acme", Stores: []config.Store{{Domain: shopSrc, Classification: config.Source}, {Domain: shopProd, Classification: config.Production}}},
		"t_other": {Name: "Other", Stores: []config.Store{{Domain: shopFor, Classification: config.Source}}},
	}}
	return &fixture{store: st, group: New(storage, st, slog.New(slog.NewTextHandler(io.Discard, nil)))}
}

func (f *fixture) call(t *testing.T, id auth.Identity, op string, args any) rpc.Response {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.group.Handle(context.Background(), rpc.Request{Group: GroupName, Operation: op, Identity: id, Arguments: raw})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func decode[T any](t *testing.T, resp rpc.Response) T {
	t.Helper()
	if resp.Error != nil {
		t.Fatalf("error %+v", *resp.Error)
	}
	var out T
	if err := json.Unmarshal(resp.Result, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestSeedFlow(t *testing.T) {
	f := newFixture()
	up := decode[[]Mapping](t, f.call(t, writer, OpUpsertMappings, UpsertMappingsArgs{Mappings: []MappingInput{
		{ObjectType: "PRODUCT", Canonical: "classic-leather-bag", GID: "gid://shopify/Product/123", Shop: shopSrc},
		{ObjectType: "PRODUCT", Canonical: "classic-leather-bag", GID: "gid://shopify/Product/900", Shop: "PROD.myshopify.com"},
	}}))
	want := []Mapping{
		{Canonical: "classic-leather-bag", GID: "gid://shopify/Product/123", Shop: shopSrc},
		{Canonical: "classic-leather-bag", GID: "gid://shopify/Product/900", Shop: shopProd},
	}
	if diff := cmp.Diff(want, up); diff != "" {
		t.Errorf("upsert (-want +got):\n%s", diff)
	}
	got := decode[[]Mapping](t, f.call(t, reader, OpLookupByCanonical, LookupByCanonicalArgs{ObjectType: "PRODUCT", Canonicals: []string{"classic-leather-bag"}}))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lookupByCanonical (-want +got):\n%s", diff)
	}
	got = decode[[]Mapping](t, f.call(t, reader, OpLookupByGID, LookupByGIDArgs{ObjectType: "PRODUCT", GIDs: []string{"gid://shopify/Product/900"}}))
	if diff := cmp.Diff(want[1:], got); diff != "" {
		t.Errorf("lookupByGid (-want +got):\n%s", diff)
	}
	got = decode[[]Mapping](t, f.call(t, reader, OpLookupByGID, LookupByGIDArgs{ObjectType: "PRODUCT", GIDs: []string{"gid://shopify/Product/900"}, Shop: ptr(shopSrc)}))
	if len(got) != 0 {
		t.Errorf("lookupByGid in src: %v", got)
	}
	list := decode[MappingsResult](t, f.call(t, reader, OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopSrc}))
	if diff := cmp.Diff(MappingsResult{Items: want[:1], Total: 1}, list); diff != "" {
		t.Errorf("mappings (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(f.store.calls, "\n"), "list t_acme PRODUCT src.myshopify.com {Limit:100 Offset:0 After:}") {
		t.Errorf("default page not passed: %v", f.store.calls)
	}
	n := decode[int](t, f.call(t, writer, OpDeleteMappings, DeleteMappingsArgs{ObjectType: "PRODUCT", Canonicals: []string{"classic-leather-bag", "old"}, Shop: shopSrc}))
	if n != 1 {
		t.Errorf("deleteMappings = %d, want 1", n)
	}
	// Another tenant sees none of it and cannot name acme's shops.
	other := caller("t_other", auth.ScopeMappingsRead, auth.ScopeMappingsWrite)
	got = decode[[]Mapping](t, f.call(t, other, OpLookupByCanonical, LookupByCanonicalArgs{ObjectType: "PRODUCT", Canonicals: []string{"classic-leather-bag"}}))
	if len(got) != 0 {
		t.Errorf("other tenant sees %v", got)
	}
}

func TestErrors(t *testing.T) {
	many := make([]string, MaxBatch+1)
	for i := range many {
		many[i] = fmt.Sprintf("p-%d", i)
	}
	manyInputs := make([]MappingInput, MaxBatch+1)
	for i := range manyInputs {
		manyInputs[i] = MappingInput{ObjectType: "PRODUCT", Canonical: fmt.Sprintf("p-%d", i), GID: fmt.Sprintf("gid://shopify/Product/%d", i+1), Shop: shopSrc}
	}
	good := []MappingInput{{ObjectType: "PRODUCT", Canonical: "a", GID: "gid://shopify/Product/1", Shop: shopSrc}}
	for _, tc := range []struct {
		name     string
		id       auth.Identity
		op       string
		args     any
		code     string
		contains string
	}{
		{"read without scope", caller("t_acme", auth.ScopeSyncRead), OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopSrc}, "FORBIDDEN", ""},
		{"lookup without scope", caller("t_acme"), OpLookupByGID, LookupByGIDArgs{ObjectType: "PRODUCT", GIDs: []string{"gid://shopify/Product/1"}}, "FORBIDDEN", ""},
		{"upsert with read scope", reader, OpUpsertMappings, UpsertMappingsArgs{Mappings: good}, "FORBIDDEN", ""},
		{"delete with read scope", reader, OpDeleteMappings, DeleteMappingsArgs{ObjectType: "PRODUCT", Canonicals: []string{"a"}, Shop: shopSrc}, "FORBIDDEN", ""},
		{"malformed arguments", writer, OpUpsertMappings, "garbage", "VALIDATION_ERROR", "malformed"},
		{"unknown object type", reader, OpMappings, MappingsArgs{ObjectType: "CUSTOMER", Shop: shopSrc}, "VALIDATION_ERROR", "objectType"},
		{"wrong gid type", reader, OpLookupByGID, LookupByGIDArgs{ObjectType: "PRODUCT", GIDs: []string{"gid://shopify/Collection/1"}}, "VALIDATION_ERROR", "gid://shopify/Product/<id>"},
		{"not a gid", reader, OpLookupByGID, LookupByGIDArgs{ObjectType: "FILE", GIDs: []string{"123"}}, "VALIDATION_ERROR", "MediaImage"},
		{"bad canonical", reader, OpLookupByCanonical, LookupByCanonicalArgs{ObjectType: "ARTICLE", Canonicals: []string{"no-blog"}}, "VALIDATION_ERROR", "blog-handle/article-handle"},
		{"too many gids", reader, OpLookupByGID, LookupByGIDArgs{ObjectType: "PRODUCT", GIDs: many}, "VALIDATION_ERROR", "1 to 250"},
		{"no canonicals", reader, OpLookupByCanonical, LookupByCanonicalArgs{ObjectType: "PRODUCT"}, "VALIDATION_ERROR", "1 to 250"},
		{"too many mappings", writer, OpUpsertMappings, UpsertMappingsArgs{Mappings: manyInputs}, "VALIDATION_ERROR", "1 to 250"},
		{"too many deletes", writer, OpDeleteMappings, DeleteMappingsArgs{ObjectType: "PRODUCT", Canonicals: many, Shop: shopSrc}, "VALIDATION_ERROR", "1 to 250"},
		{"limit too large", reader, OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopSrc, Limit: ptr(1001)}, "VALIDATION_ERROR", "limit"},
		{"limit zero", reader, OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopSrc, Limit: ptr(0)}, "VALIDATION_ERROR", "limit"},
		{"negative offset", reader, OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopSrc, Offset: ptr(-1)}, "VALIDATION_ERROR", "offset"},
		{"bad after", reader, OpMappings, MappingsArgs{ObjectType: "ARTICLE", Shop: shopSrc, After: ptr("x")}, "VALIDATION_ERROR", "canonical"},
		{"bad shop", reader, OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: "example.com"}, "VALIDATION_ERROR", "myshopify"},
		{"foreign shop list", reader, OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopFor}, "NOT_FOUND", shopFor},
		{"foreign shop lookup", reader, OpLookupByCanonical, LookupByCanonicalArgs{ObjectType: "PRODUCT", Canonicals: []string{"a"}, Shop: ptr(shopFor)}, "NOT_FOUND", ""},
		{"foreign shop upsert", writer, OpUpsertMappings, UpsertMappingsArgs{Mappings: []MappingInput{good[0], {ObjectType: "PRODUCT", Canonical: "b", GID: "gid://shopify/Product/2", Shop: shopFor}}}, "NOT_FOUND", ""},
		{"foreign shop delete", writer, OpDeleteMappings, DeleteMappingsArgs{ObjectType: "PRODUCT", Canonicals: []string{"a"}, Shop: shopFor}, "NOT_FOUND", ""},
		{"tenant without group", caller("t_new", auth.ScopeMappingsRead), OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopSrc}, "NOT_FOUND", ""},
		{"upsert names the entry", writer, OpUpsertMappings, UpsertMappingsArgs{Mappings: []MappingInput{good[0], {ObjectType: "PRODUCT", Canonical: "b", GID: "gid://shopify/Page/2", Shop: shopSrc}}}, "VALIDATION_ERROR", "mappings[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			resp := f.call(t, tc.id, tc.op, tc.args)
			if resp.Error == nil {
				t.Fatalf("no error, result %s", resp.Result)
			}
			if resp.Error.Code != tc.code || !strings.Contains(resp.Error.Message, tc.contains) {
				t.Errorf("got %+v, want %s containing %q", *resp.Error, tc.code, tc.contains)
			}
			for _, c := range f.store.calls {
				if strings.HasPrefix(c, "upsert") || strings.HasPrefix(c, "delete") {
					t.Errorf("a refused call wrote: %s", c)
				}
			}
		})
	}
}

func TestTenantWithoutGroupLooksUpNothing(t *testing.T) {
	f := newFixture()
	got := decode[[]Mapping](t, f.call(t, caller("t_new", auth.ScopeMappingsRead), OpLookupByGID,
		LookupByGIDArgs{ObjectType: "PRODUCT", GIDs: []string{"gid://shopify/Product/1"}}))
	if len(got) != 0 || len(f.store.calls) != 0 {
		t.Errorf("got %v, calls %v", got, f.store.calls)
	}
}
