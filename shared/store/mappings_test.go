package store_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

const (
	mapTenant = "acme"
	shopSrc   = "src.myshopify.com"
	shopProd  = "prod.myshopify.com"
)

func prod(canonical string, id int, shop string) mapping.Mapping {
	return mapping.Mapping{ObjectType: mapping.Product, Canonical: canonical, GID: fmt.Sprintf("gid://shopify/Product/%d", id), Shop: shop}
}

// listAll lists every product mapping of shop and its total.
func listAll(t *testing.T, s *store.Store, tenant string, typ mapping.ObjectType, shop string) ([]mapping.Mapping, int) {
	t.Helper()
	items, total, err := s.ListMappings(t.Context(), tenant, typ, shop, mapping.ListPage{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return items, total
}

// checkConsistent asserts both directions agree and the counter is exact.
func checkConsistent(t *testing.T, s *store.Store, tenant string, typ mapping.ObjectType, shop string) []mapping.Mapping {
	t.Helper()
	items, total := listAll(t, s, tenant, typ, shop)
	if total != len(items) {
		t.Errorf("total %d, but %d mapping items", total, len(items))
	}
	gids := make([]string, len(items))
	for i, m := range items {
		gids[i] = m.GID
	}
	back, err := s.MappingsByGID(t.Context(), tenant, typ, []string{shop}, gids)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(items, back); diff != "" {
		t.Errorf("reverse items disagree (-forward +reverse):\n%s", diff)
	}
	return items
}

func TestMappingsUpsertLookupListDelete(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	in := []mapping.Mapping{
		prod("classic-leather-bag", 123, shopSrc),
		prod("classic-leather-bag", 900, shopProd),
		prod("canvas-tote", 124, shopSrc),
		{ObjectType: mapping.Article, Canonical: "news/spring", GID: "gid://shopify/Article/5", Shop: shopSrc},
	}
	if err := s.UpsertMappings(ctx, mapTenant, in); err != nil {
		t.Fatal(err)
	}
	// Idempotent.
	if err := s.UpsertMappings(ctx, mapTenant, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.MappingsByCanonical(ctx, mapTenant, mapping.Product, []string{shopSrc, shopProd}, []string{"classic-leather-bag", "missing"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]mapping.Mapping{in[0], in[1]}, got); diff != "" {
		t.Errorf("by canonical (-want +got):\n%s", diff)
	}
	got, err = s.MappingsByGID(ctx, mapTenant, mapping.Product, []string{shopSrc, shopProd}, []string{"gid://shopify/Product/900", "gid://shopify/Product/124"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]mapping.Mapping{in[1], in[2]}, got); diff != "" {
		t.Errorf("by gid (-want +got):\n%s", diff)
	}
	// Another tenant sees nothing.
	got, err = s.MappingsByCanonical(ctx, "other", mapping.Product, []string{shopSrc}, []string{"classic-leather-bag"})
	if err != nil || len(got) != 0 {
		t.Errorf("other tenant: %v, %v", got, err)
	}
	items := checkConsistent(t, s, mapTenant, mapping.Product, shopSrc)
	if diff := cmp.Diff([]mapping.Mapping{in[2], in[0]}, items); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if _, total := listAll(t, s, mapTenant, mapping.Article, shopSrc); total != 1 {
		t.Errorf("articles total %d", total)
	}

	n, err := s.DeleteMappings(ctx, mapTenant, mapping.Product, shopSrc, []string{"canvas-tote", "canvas-tote", "never-mapped"})
	if err != nil || n != 1 {
		t.Fatalf("delete: %d, %v", n, err)
	}
	n, err = s.DeleteMappings(ctx, mapTenant, mapping.Product, shopSrc, []string{"canvas-tote"})
	if err != nil || n != 0 {
		t.Fatalf("delete again: %d, %v", n, err)
	}
	if items := checkConsistent(t, s, mapTenant, mapping.Product, shopSrc); len(items) != 1 {
		t.Errorf("after delete: %v", items)
	}
	// The gid of a deleted mapping is free again.
	if err := s.UpsertMappings(ctx, mapTenant, []mapping.Mapping{prod("renamed-tote", 124, shopSrc)}); err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, s, mapTenant, mapping.Product, shopSrc)
}

func TestMappingsRepoint(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	base := []mapping.Mapping{prod("a", 1, shopSrc), prod("b", 2, shopSrc), prod("c", 3, shopSrc)}
	for _, tc := range []struct {
		name   string
		upsert []mapping.Mapping
		want   []mapping.Mapping
	}{
		{"canonical to a new gid", []mapping.Mapping{prod("a", 10, shopSrc)},
			[]mapping.Mapping{prod("a", 10, shopSrc), prod("b", 2, shopSrc), prod("c", 3, shopSrc)}},
		{"gid to a new canonical (handle changed)", []mapping.Mapping{prod("a2", 1, shopSrc)},
			[]mapping.Mapping{prod("a2", 1, shopSrc), prod("b", 2, shopSrc), prod("c", 3, shopSrc)}},
		{"canonical to another canonical's gid", []mapping.Mapping{prod("a", 2, shopSrc)},
			[]mapping.Mapping{prod("a", 2, shopSrc), prod("c", 3, shopSrc)}},
		{"swap in one call", []mapping.Mapping{prod("a", 2, shopSrc), prod("b", 1, shopSrc)},
			[]mapping.Mapping{prod("a", 2, shopSrc), prod("b", 1, shopSrc), prod("c", 3, shopSrc)}},
		{"rotate in one call", []mapping.Mapping{prod("a", 2, shopSrc), prod("b", 3, shopSrc), prod("c", 1, shopSrc)},
			[]mapping.Mapping{prod("a", 2, shopSrc), prod("b", 3, shopSrc), prod("c", 1, shopSrc)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tenant := "t-" + fmt.Sprint(len(tc.name))
			tenant = fmt.Sprintf("%s-%x", tenant, tc.name[0:3])
			if err := s.UpsertMappings(ctx, tenant, base); err != nil {
				t.Fatal(err)
			}
			if err := s.UpsertMappings(ctx, tenant, tc.upsert); err != nil {
				t.Fatal(err)
			}
			got := checkConsistent(t, s, tenant, mapping.Product, shopSrc)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMappingsDiscountGIDForms(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	m := mapping.Mapping{ObjectType: mapping.Discount, Canonical: "code/WELCOME10", GID: "gid://shopify/DiscountCodeNode/42", Shop: shopSrc}
	if err := s.UpsertMappings(ctx, mapTenant, []mapping.Mapping{m}); err != nil {
		t.Fatal(err)
	}
	got, err := s.MappingsByGID(ctx, mapTenant, mapping.Discount, []string{shopSrc}, []string{"gid://shopify/DiscountNode/42"})
	if err != nil || len(got) != 1 || got[0] != m {
		t.Fatalf("by DiscountNode gid: %v, %v", got, err)
	}
	// The same discount under another of its forms is the same gid: the
	// mapping is re-pointed, not duplicated.
	m2 := m
	m2.Canonical = "code/WELCOME15"
	m2.GID = "gid://shopify/DiscountNode/42"
	if err := s.UpsertMappings(ctx, mapTenant, []mapping.Mapping{m2}); err != nil {
		t.Fatal(err)
	}
	if got := checkConsistent(t, s, mapTenant, mapping.Discount, shopSrc); len(got) != 1 || got[0] != m2 {
		t.Errorf("got %v", got)
	}
}

func TestMappingsValidation(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	for _, tc := range []struct {
		name string
		ms   []mapping.Mapping
	}{
		{"bad gid", []mapping.Mapping{{ObjectType: mapping.Product, Canonical: "a", GID: "gid://shopify/Collection/1", Shop: shopSrc}}},
		{"bad canonical", []mapping.Mapping{{ObjectType: mapping.Article, Canonical: "a", GID: "gid://shopify/Article/1", Shop: shopSrc}}},
		{"bad shop", []mapping.Mapping{prod("a", 1, "example.com")}},
		{"unnormalised shop", []mapping.Mapping{prod("a", 1, "SRC.myshopify.com")}},
		{"duplicate canonical", []mapping.Mapping{prod("a", 1, shopSrc), prod("a", 2, shopSrc)}},
		{"duplicate gid", []mapping.Mapping{prod("a", 1, shopSrc), prod("b", 1, shopSrc)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantKind(t, s.UpsertMappings(ctx, mapTenant, tc.ms), platform.KindValidation)
		})
	}
	wantKind(t, s.UpsertMappings(ctx, "bad#tenant", []mapping.Mapping{prod("a", 1, shopSrc)}), platform.KindValidation)
	_, _, err := s.ListMappings(ctx, mapTenant, "NOPE", shopSrc, mapping.ListPage{Limit: 1})
	wantKind(t, err, platform.KindValidation)
	_, err = s.DeleteMappings(ctx, mapTenant, mapping.Article, shopSrc, []string{"no-slash"})
	wantKind(t, err, platform.KindValidation)
	if items, total := listAll(t, s, mapTenant, mapping.Product, shopSrc); len(items) != 0 || total != 0 {
		t.Errorf("a refused call wrote %v (total %d)", items, total)
	}
}

func TestMappingsLargeBatchAndPaging(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	var ms []mapping.Mapping
	for i := range 250 {
		ms = append(ms, prod(fmt.Sprintf("p-%03d", i), 1000+i, shopSrc))
	}
	if err := s.UpsertMappings(ctx, mapTenant, ms); err != nil {
		t.Fatal(err)
	}
	got := checkConsistent(t, s, mapTenant, mapping.Product, shopSrc)
	if diff := cmp.Diff(ms, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		page mapping.ListPage
		want []mapping.Mapping
	}{
		{mapping.ListPage{Limit: 100}, ms[:100]},
		{mapping.ListPage{Limit: 100, Offset: 200}, ms[200:]},
		{mapping.ListPage{Limit: 10, Offset: 300}, []mapping.Mapping{}},
		{mapping.ListPage{Limit: 3, After: "p-100"}, ms[101:104]},
		{mapping.ListPage{Limit: 3, Offset: 2, After: "p-100"}, ms[103:106]},
	} {
		items, total, err := s.ListMappings(ctx, mapTenant, mapping.Product, shopSrc, tc.page)
		if err != nil {
			t.Fatal(err)
		}
		if total != 250 {
			t.Errorf("%+v: total %d", tc.page, total)
		}
		if diff := cmp.Diff(tc.want, items); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.page, diff)
		}
	}
	canonicals := make([]string, 0, 250)
	for _, m := range ms {
		canonicals = append(canonicals, m.Canonical)
	}
	n, err := s.DeleteMappings(ctx, mapTenant, mapping.Product, shopSrc, canonicals)
	if err != nil || n != 250 {
		t.Fatalf("delete all: %d, %v", n, err)
	}
	if items, total := listAll(t, s, mapTenant, mapping.Product, shopSrc); len(items) != 0 || total != 0 {
		t.Errorf("after delete: %d items, total %d", len(items), total)
	}
}

// Concurrent upserts of one canonical to different gids, of one gid to
// different canonicals, and concurrent deletes: the two directions always
// agree, the counter is exact, each delete is counted once.
func TestMappingsConcurrent(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, 10*workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				// Everyone fights over canonical "hot" and gid 1.
				errs <- s.UpsertMappings(ctx, mapTenant, []mapping.Mapping{
					prod("hot", 100+w*10+i, shopSrc),
					prod(fmt.Sprintf("w%d-%d", w, i), 1000+w*10+i, shopSrc),
				})
				errs <- s.UpsertMappings(ctx, mapTenant, []mapping.Mapping{prod(fmt.Sprintf("moving-%d", w), 1, shopSrc)})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("upsert: %v", err)
		}
	}
	items := checkConsistent(t, s, mapTenant, mapping.Product, shopSrc)
	var hot, one int
	for _, m := range items {
		if m.Canonical == "hot" {
			hot++
		}
		if m.GID == "gid://shopify/Product/1" {
			one++
		}
	}
	if hot != 1 || one != 1 {
		t.Errorf("hot mapped %d times, gid 1 mapped %d times; want 1 and 1", hot, one)
	}

	canonicals := make([]string, len(items))
	for i, m := range items {
		canonicals[i] = m.Canonical
	}
	counts := make([]int, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.DeleteMappings(ctx, mapTenant, mapping.Product, shopSrc, canonicals)
			if err != nil {
				t.Errorf("delete: %v", err)
			}
			counts[w] = n
		}()
	}
	wg.Wait()
	sum := 0
	for _, n := range counts {
		sum += n
	}
	sort.Ints(counts)
	if sum != len(items) {
		t.Errorf("concurrent deletes counted %v (sum %d), want sum %d", counts, sum, len(items))
	}
	if items, total := listAll(t, s, mapTenant, mapping.Product, shopSrc); len(items) != 0 || total != 0 {
		t.Errorf("after deletes: %d items, total %d", len(items), total)
	}
}

func TestMappingKeys(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{store.MappingPK("acme", "PRODUCT", shopSrc), "TENANT#acme#MAP#PRODUCT#src.myshopify.com"},
		{store.MappingSK("news/spring"), "C#news/spring"},
		{store.MappingCountSK(), "COUNT"},
		{store.GIDPK("acme", shopSrc), "TENANT#acme#GID#src.myshopify.com"},
		{store.GIDSK("gid://shopify/Product/1"), "G#gid://shopify/Product/1"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if c, ok := store.CanonicalFromMappingSK(store.MappingSK("a/b")); !ok || c != "a/b" {
		t.Errorf("CanonicalFromMappingSK = %q, %v", c, ok)
	}
	if _, ok := store.CanonicalFromMappingSK(store.MappingCountSK()); ok {
		t.Error("the counter's SK read as a canonical")
	}
}
