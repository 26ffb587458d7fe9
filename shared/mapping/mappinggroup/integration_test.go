package mappinggroup

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/store/storetest"
)

// The group on a real table (DynamoDB Local): the seed 000 flow, re-pointing
// through the API, totals and another tenant's isolation.
func TestIntegrationSeedFlow(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	for _, tn := range []string{"t_acme", "t_other"} {
		storetest.NewTenant(t, s, tn, tn)
	}
	for _, st := range []config.Store{{Domain: shopSrc, Classification: config.Source}, {Domain: shopProd, Classification: config.Production}} {
		if err := s.AddStore(ctx, "t_acme", st); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddStore(ctx, "t_other", config.Store{Domain: shopFor, Classification: config.Source}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{group: New(s, s, slog.New(slog.NewTextHandler(io.Discard, nil)))}

	var inputs []MappingInput
	for i := range 120 {
		inputs = append(inputs, MappingInput{ObjectType: "PRODUCT", Canonical: fmt.Sprintf("p-%03d", i), GID: fmt.Sprintf("gid://shopify/Product/%d", 1000+i), Shop: shopSrc})
	}
	inputs = append(inputs, MappingInput{ObjectType: "PRODUCT", Canonical: "p-000", GID: "gid://shopify/Product/9", Shop: shopProd})
	if got := decode[[]Mapping](t, f.call(t, writer, OpUpsertMappings, UpsertMappingsArgs{Mappings: inputs})); len(got) != len(inputs) {
		t.Fatalf("upsert answered %d mappings", len(got))
	}
	got := decode[[]Mapping](t, f.call(t, reader, OpLookupByCanonical, LookupByCanonicalArgs{ObjectType: "PRODUCT", Canonicals: []string{"p-000"}}))
	want := []Mapping{{Canonical: "p-000", GID: "gid://shopify/Product/1000", Shop: shopSrc}, {Canonical: "p-000", GID: "gid://shopify/Product/9", Shop: shopProd}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lookupByCanonical (-want +got):\n%s", diff)
	}
	// The handle of product 1000 changed in the source store.
	decode[[]Mapping](t, f.call(t, writer, OpUpsertMappings, UpsertMappingsArgs{Mappings: []MappingInput{
		{ObjectType: "PRODUCT", Canonical: "p-000-renamed", GID: "gid://shopify/Product/1000", Shop: shopSrc},
	}}))
	got = decode[[]Mapping](t, f.call(t, reader, OpLookupByGID, LookupByGIDArgs{ObjectType: "PRODUCT", GIDs: []string{"gid://shopify/Product/1000"}}))
	if diff := cmp.Diff([]Mapping{{Canonical: "p-000-renamed", GID: "gid://shopify/Product/1000", Shop: shopSrc}}, got); diff != "" {
		t.Errorf("lookupByGid after rename (-want +got):\n%s", diff)
	}
	list := decode[MappingsResult](t, f.call(t, reader, OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopSrc, Limit: ptr(2), Offset: ptr(1)}))
	wantList := MappingsResult{Total: 120, Items: []Mapping{
		{Canonical: "p-001", GID: "gid://shopify/Product/1001", Shop: shopSrc},
		{Canonical: "p-002", GID: "gid://shopify/Product/1002", Shop: shopSrc},
	}}
	if diff := cmp.Diff(wantList, list); diff != "" {
		t.Errorf("mappings (-want +got):\n%s", diff)
	}
	if n := decode[int](t, f.call(t, writer, OpDeleteMappings, DeleteMappingsArgs{ObjectType: "PRODUCT", Canonicals: []string{"p-001", "p-002", "p-000"}, Shop: shopSrc})); n != 2 {
		t.Errorf("deleteMappings = %d, want 2", n)
	}
	if list := decode[MappingsResult](t, f.call(t, reader, OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopSrc})); list.Total != 118 || len(list.Items) != 100 {
		t.Errorf("after delete: total %d, %d items", list.Total, len(list.Items))
	}
	other := caller("t_other", auth.ScopeMappingsRead, auth.ScopeMappingsWrite)
	if got := decode[[]Mapping](t, f.call(t, other, OpLookupByCanonical, LookupByCanonicalArgs{ObjectType: "PRODUCT", Canonicals: []string{"p-003"}})); len(got) != 0 {
		t.Errorf("other tenant sees %v", got)
	}
	if resp := f.call(t, other, OpMappings, MappingsArgs{ObjectType: "PRODUCT", Shop: shopSrc}); resp.Error == nil || resp.Error.Code != "NOT_FOUND" {
		t.Errorf("other tenant listing acme's shop: %+v", resp)
	}
}
