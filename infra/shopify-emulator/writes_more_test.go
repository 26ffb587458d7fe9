package emulator

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// metafieldsDelete: deleted identifiers echoed, a missing metafield (or
// owner) null, the others kept; an owner whose write scope the token lacks
// refuses the whole call with ACCESS_DENIED; each call costs 10.
func TestMetafieldsDelete(t *testing.T) {
	e := newEnv(t, Options{})
	page := str(e.gql(ProductionToken, `{ pages(first: 1, query: "handle:contact") { nodes { id } } }`, nil).mustData(t), "pages", "nodes", 0, "id")
	set := e.gql(ProductionToken, `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { id } userErrors { code } } }`,
		map[string]any{"m": []any{
			map[string]any{"ownerId": page, "namespace": "custom", "key": "a", "type": "single_line_text_field", "value": "A"},
			map[string]any{"ownerId": page, "namespace": "custom", "key": "b", "type": "single_line_text_field", "value": "B"},
		}}).mustData(t)
	if n := len(get(set, "metafieldsSet", "metafields").([]any)); n != 2 {
		t.Fatalf("set %d metafields", n)
	}
	const del = `mutation($m: [MetafieldIdentifierInput!]!) { metafieldsDelete(metafields: $m) { deletedMetafields { ownerId namespace key } userErrors { field message } } }`
	r := e.gql(ProductionToken, del, map[string]any{"m": []any{
		map[string]any{"ownerId": page, "namespace": "custom", "key": "a"},
		map[string]any{"ownerId": page, "namespace": "custom", "key": "nope"},
		map[string]any{"ownerId": "gid://shopify/Page/1", "namespace": "custom", "key": "a"},
	}})
	got := r.mustData(t)
	want := map[string]any{"metafieldsDelete": map[string]any{
		"deletedMetafields": []any{map[string]any{"ownerId": page, "namespace": "custom", "key": "a"}, nil, nil},
		"userErrors":        []any{},
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("metafieldsDelete (-want +got):\n%s", d)
	}
	if r.Extensions.Cost.RequestedQueryCost != 10 {
		t.Errorf("requested cost %d, want 10", r.Extensions.Cost.RequestedQueryCost)
	}
	left := e.gql(ProductionToken, `query($id: ID!) { page(id: $id) { metafields(first: 10, namespace: "custom") { nodes { key } } } }`, map[string]any{"id": page}).mustData(t)
	if d := cmp.Diff([]any{map[string]any{"key": "b"}}, get(left, "page", "metafields", "nodes")); d != "" {
		t.Errorf("metafields left (-want +got):\n%s", d)
	}

	empty := e.gql(ProductionToken, del, map[string]any{"m": []any{}}).mustData(t)
	if str(empty, "metafieldsDelete", "userErrors", 0, "message") == "" {
		t.Errorf("no identifiers: %v", empty)
	}

	// A token that may write content but not products cannot delete a
	// product's metafield (nothing is deleted), but may delete a page's.
	e.srv.tokens["shpat_content_only"] = issuedToken{shop: ProductionShop, scope: "read_products,write_content"}
	prod := e.gql(ProductionToken, `mutation { productSet(input: {title: "MF", handle: "mf", metafields: [{namespace: "custom", key: "x", type: "single_line_text_field", value: "X"}]}) { product { id } userErrors { code } } }`, nil).mustData(t)
	pid := str(prod, "productSet", "product", "id")
	denied := e.gql("shpat_content_only", del, map[string]any{"m": []any{
		map[string]any{"ownerId": page, "namespace": "custom", "key": "b"},
		map[string]any{"ownerId": pid, "namespace": "custom", "key": "x"},
	}})
	if len(denied.Errors) != 1 || get(denied.Errors[0], "extensions", "code") != "ACCESS_DENIED" ||
		!strings.Contains(str(denied.Errors[0], "message"), "write_products") || get(denied.Data, "metafieldsDelete") != nil {
		t.Errorf("without write_products: %s", denied.Raw)
	}
	still := e.gql(ProductionToken, `query($id: ID!, $p: ID!) { page(id: $id) { metafield(namespace: "custom", key: "b") { value } } product(id: $p) { metafield(namespace: "custom", key: "x") { value } } }`,
		map[string]any{"id": page, "p": pid}).mustData(t)
	if str(still, "page", "metafield", "value") != "B" || str(still, "product", "metafield", "value") != "X" {
		t.Errorf("a refused call deleted: %v", still)
	}
	ok := e.gql("shpat_content_only", del, map[string]any{"m": []any{map[string]any{"ownerId": page, "namespace": "custom", "key": "b"}}}).mustData(t)
	if str(ok, "metafieldsDelete", "deletedMetafields", 0, "key") != "b" {
		t.Errorf("page metafield with write_content: %v", ok)
	}
}

// collectionAddProductsV2 / collectionRemoveProducts: a custom
// collection's membership, answered with a finished job; smart and missing
// collections refused with Shopify's codes; job(id:) reads the job.
func TestCollectionMembership(t *testing.T) {
	e := newEnv(t, Options{})
	ps := e.gql(SourceToken, `{ products(first: 3) { nodes { id } } }`, nil).mustData(t)
	p := func(i int) string { return str(ps, "products", "nodes", i, "id") }
	c := e.gql(SourceToken, `mutation($p: [ID!]) { collectionCreate(input: {title: "Picks", products: $p}) { collection { id } userErrors { message } } }`,
		map[string]any{"p": []any{p(0)}}).mustData(t)
	cid := str(c, "collectionCreate", "collection", "id")
	members := func() []string {
		d := e.gql(SourceToken, `query($id: ID!) { collection(id: $id) { products(first: 10) { nodes { id } } } }`, map[string]any{"id": cid}).mustData(t)
		var out []string
		for _, n := range get(d, "collection", "products", "nodes").([]any) {
			out = append(out, str(n, "id"))
		}
		return out
	}
	add := e.gql(SourceToken, `mutation($id: ID!, $p: [ID!]!) { collectionAddProductsV2(id: $id, productIds: $p) { job { id done } userErrors { field message code } } }`,
		map[string]any{"id": cid, "p": []any{p(1), p(0), p(2)}})
	d := add.mustData(t)
	job := str(d, "collectionAddProductsV2", "job", "id")
	if !strings.HasPrefix(job, "gid://shopify/Job/") || get(d, "collectionAddProductsV2", "job", "done") != true {
		t.Errorf("add job: %s", add.Raw)
	}
	if add.Extensions.Cost.RequestedQueryCost != 10 { // a mutation
		t.Errorf("requested cost %d", add.Extensions.Cost.RequestedQueryCost)
	}
	if d := cmp.Diff([]string{p(0), p(1), p(2)}, members()); d != "" {
		t.Errorf("after add (-want +got):\n%s", d)
	}
	polled := e.gql(SourceToken, `query($id: ID!) { job(id: $id) { id done } }`, map[string]any{"id": job}).mustData(t)
	if get(polled, "job", "done") != true {
		t.Errorf("job(id:): %v", polled)
	}
	rm := e.gql(SourceToken, `mutation($id: ID!, $p: [ID!]!) { collectionRemoveProducts(id: $id, productIds: $p) { job { done } userErrors { field message } } }`,
		map[string]any{"id": cid, "p": []any{p(1), "gid://shopify/Product/42"}}).mustData(t)
	if get(rm, "collectionRemoveProducts", "job", "done") != true {
		t.Errorf("remove: %v", rm)
	}
	if d := cmp.Diff([]string{p(0), p(2)}, members()); d != "" {
		t.Errorf("after remove (-want +got):\n%s", d)
	}

	smart := e.gql(SourceToken, `mutation { collectionCreate(input: {title: "Auto", ruleSet: {appliedDisjunctively: false, rules: [{column: TAG, relation: EQUALS, condition: "x"}]}}) { collection { id } } }`, nil).mustData(t)
	for _, tc := range []struct{ name, id, code string }{
		{"smart", str(smart, "collectionCreate", "collection", "id"), "CANT_ADD_TO_SMART_COLLECTION"},
		{"missing", "gid://shopify/Collection/1", "COLLECTION_DOES_NOT_EXIST"},
	} {
		r := e.gql(SourceToken, `mutation($id: ID!, $p: [ID!]!) { collectionAddProductsV2(id: $id, productIds: $p) { job { id } userErrors { code } } }`,
			map[string]any{"id": tc.id, "p": []any{p(1)}}).mustData(t)
		if str(r, "collectionAddProductsV2", "userErrors", 0, "code") != tc.code || get(r, "collectionAddProductsV2", "job") != nil {
			t.Errorf("%s: %v", tc.name, r)
		}
		r = e.gql(SourceToken, `mutation($id: ID!, $p: [ID!]!) { collectionRemoveProducts(id: $id, productIds: $p) { job { id } userErrors { message } } }`,
			map[string]any{"id": tc.id, "p": []any{p(1)}}).mustData(t)
		if str(r, "collectionRemoveProducts", "userErrors", 0, "message") == "" {
			t.Errorf("remove %s: %v", tc.name, r)
		}
	}
	e.srv.tokens["shpat_read_only"] = issuedToken{shop: SourceShop, scope: "read_products"}
	if r := e.gql("shpat_read_only", `mutation($id: ID!) { collectionAddProductsV2(id: $id, productIds: []) { job { id } } }`, map[string]any{"id": cid}); len(r.Errors) == 0 || get(r.Errors[0], "extensions", "code") != "ACCESS_DENIED" {
		t.Errorf("read-only token: %s", r.Raw)
	}
}

func TestDefinitionUpdates(t *testing.T) {
	e := newEnv(t, Options{})
	def := e.gql(ProductionToken, `mutation { metaobjectDefinitionCreate(definition: {type: "designer", name: "Designer", displayNameKey: "name",
		fieldDefinitions: [{key: "name", name: "Name", type: "single_line_text_field", required: true}, {key: "years", type: "number_integer"}, {key: "bio", type: "multi_line_text_field"}]}) {
		metaobjectDefinition { id } userErrors { code } } }`, nil).mustData(t)
	id := str(def, "metaobjectDefinitionCreate", "metaobjectDefinition", "id")
	e.gql(ProductionToken, `mutation { metaobjectUpsert(handle: {type: "designer", handle: "ada"}, metaobject: {fields: [{key: "name", value: "Ada"}, {key: "years", value: "7"}]}) { metaobject { id } } }`, nil).mustData(t)

	const upd = `mutation($id: ID!, $d: MetaobjectDefinitionUpdateInput!) { metaobjectDefinitionUpdate(id: $id, definition: $d) {
		metaobjectDefinition { name description displayNameKey fieldDefinitions { key name required type { name } validations { name value } } }
		userErrors { field code elementIndex } } }`
	got := e.gql(ProductionToken, upd, map[string]any{"id": id, "d": map[string]any{
		"name": "Designers", "description": "People", "resetFieldOrder": true,
		"fieldDefinitions": []any{
			map[string]any{"create": map[string]any{"key": "site", "name": "Site", "type": "url"}},
			map[string]any{"update": map[string]any{"key": "name", "name": "Full name", "validations": []any{map[string]any{"name": "max", "value": "80"}}}},
			map[string]any{"delete": map[string]any{"key": "years"}},
		}}}).mustData(t)
	want := map[string]any{"metaobjectDefinitionUpdate": map[string]any{
		"metaobjectDefinition": map[string]any{"name": "Designers", "description": "People", "displayNameKey": "name", "fieldDefinitions": []any{
			map[string]any{"key": "site", "name": "Site", "required": false, "type": map[string]any{"name": "url"}, "validations": []any{}},
			map[string]any{"key": "name", "name": "Full name", "required": true, "type": map[string]any{"name": "single_line_text_field"}, "validations": []any{map[string]any{"name": "max", "value": "80"}}},
			map[string]any{"key": "bio", "name": nil, "required": false, "type": map[string]any{"name": "multi_line_text_field"}, "validations": []any{}},
		}},
		"userErrors": []any{},
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("metaobjectDefinitionUpdate (-want +got):\n%s", d)
	}
	entry := e.gql(ProductionToken, `{ metaobjectByHandle(handle: {type: "designer", handle: "ada"}) { fields { key } } }`, nil).mustData(t)
	if d := cmp.Diff([]any{map[string]any{"key": "name"}}, get(entry, "metaobjectByHandle", "fields")); d != "" {
		t.Errorf("entry fields after the delete of years (-want +got):\n%s", d)
	}
	for _, tc := range []struct {
		name string
		d    map[string]any
		code string
	}{
		{"create a taken key", map[string]any{"fieldDefinitions": []any{map[string]any{"create": map[string]any{"key": "bio", "type": "url"}}}}, "OBJECT_FIELD_TAKEN"},
		{"update an unknown key", map[string]any{"fieldDefinitions": []any{map[string]any{"update": map[string]any{"key": "nope"}}}}, "UNDEFINED_OBJECT_FIELD"},
		{"two operations in one", map[string]any{"fieldDefinitions": []any{map[string]any{"update": map[string]any{"key": "bio"}, "delete": map[string]any{"key": "bio"}}}}, "INVALID"},
		{"display name key not a field", map[string]any{"displayNameKey": "years"}, "INVALID"},
	} {
		r := e.gql(ProductionToken, upd, map[string]any{"id": id, "d": tc.d}).mustData(t)
		if c := str(r, "metaobjectDefinitionUpdate", "userErrors", 0, "code"); c != tc.code {
			t.Errorf("%s: code %q, want %s", tc.name, c, tc.code)
		}
	}
	if r := e.gql(ProductionToken, upd, map[string]any{"id": "gid://shopify/MetaobjectDefinition/1", "d": map[string]any{"name": "x"}}).mustData(t); str(r, "metaobjectDefinitionUpdate", "userErrors", 0, "code") != "NOT_FOUND" {
		t.Errorf("unknown id: %v", r)
	}

	e.gql(ProductionToken, `mutation { metafieldDefinitionCreate(definition: {name: "Material", namespace: "custom", key: "material", type: "single_line_text_field", ownerType: PRODUCT}) { createdDefinition { id } } }`, nil).mustData(t)
	const mfu = `mutation($d: MetafieldDefinitionUpdateInput!) { metafieldDefinitionUpdate(definition: $d) {
		updatedDefinition { name description pinnedPosition type { name } validations { name value } } validationJob { done } userErrors { field code } } }`
	r := e.gql(ProductionToken, mfu, map[string]any{"d": map[string]any{"ownerType": "PRODUCT", "namespace": "custom", "key": "material",
		"name": "Fabric", "description": "What it is made of", "pin": true, "validations": []any{map[string]any{"name": "max", "value": "40"}}}}).mustData(t)
	wantMF := map[string]any{"metafieldDefinitionUpdate": map[string]any{
		"updatedDefinition": map[string]any{"name": "Fabric", "description": "What it is made of", "pinnedPosition": float64(1),
			"type": map[string]any{"name": "single_line_text_field"}, "validations": []any{map[string]any{"name": "max", "value": "40"}}},
		"validationJob": map[string]any{"done": true}, "userErrors": []any{},
	}}
	if d := cmp.Diff(wantMF, r); d != "" {
		t.Errorf("metafieldDefinitionUpdate (-want +got):\n%s", d)
	}
	r = e.gql(ProductionToken, mfu, map[string]any{"d": map[string]any{"ownerType": "PRODUCT", "namespace": "custom", "key": "material", "pin": false}}).mustData(t)
	if get(r, "metafieldDefinitionUpdate", "updatedDefinition", "pinnedPosition") != nil || get(r, "metafieldDefinitionUpdate", "validationJob") != nil {
		t.Errorf("unpin: %v", r)
	}
	r = e.gql(ProductionToken, mfu, map[string]any{"d": map[string]any{"ownerType": "PAGE", "namespace": "custom", "key": "material", "name": "x"}}).mustData(t)
	if str(r, "metafieldDefinitionUpdate", "userErrors", 0, "code") != "NOT_FOUND" {
		t.Errorf("unknown definition: %v", r)
	}
	// The type identifies a definition: the input has no type field.
	if r := e.gql(ProductionToken, `mutation { metafieldDefinitionUpdate(definition: {ownerType: PRODUCT, namespace: "custom", key: "material", type: "url"}) { updatedDefinition { id } } }`, nil); len(r.Errors) == 0 {
		t.Errorf("a type change was accepted: %s", r.Raw)
	}
}
