package shopwrite_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopwrite"
)

// edit returns body with f applied to its JSON tree.
func edit(t *testing.T, body []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return capture.Encode(capture.MustParse(string(b)))
}

// write writes body and checks that the target then equals it.
func (f *fixture) writeEqual(t *testing.T, typ mapping.ObjectType, canonical string, body []byte) {
	t.Helper()
	if _, err := f.w.WriteJSON(t.Context(), typ, canonical, body, shopwrite.Options{}); err != nil {
		t.Fatalf("write %s %s: %v", typ, canonical, err)
	}
	if d := diffs(body, f.readBack(t, typ, canonical)); len(d) > 0 {
		t.Errorf("%s %s after the write differs from the body:\n%s", typ, canonical, strings.Join(d, "\n"))
	}
}

var extraMetafield = map[string]any{"namespace": "custom", "key": "flux_extra", "type": "single_line_text_field", "value": "added"}

// A metafield the body no longer lists is deleted from the target on
// update (products, their variants, pages, collections); writing the
// earlier body back restores it. An app-reserved namespace the body does
// not use is left alone.
func TestMetafieldsFollowTheBody(t *testing.T) {
	f := newFixture(t)
	custom := f.firstWith(t, mapping.Collection, func(m map[string]any) bool { return m["ruleSet"] == nil })
	for _, tc := range []struct {
		typ       mapping.ObjectType
		canonical string
	}{
		{mapping.Product, "urban-canvas-wallet"},
		{mapping.Page, "contact"},
		{mapping.Collection, custom},
		{mapping.Discount, "code/WELCOME10"},
	} {
		t.Run(string(tc.typ)+" "+tc.canonical, func(t *testing.T) {
			res := f.deploy(t, tc.typ, tc.canonical, map[string]bool{})
			src := f.sourceBody(t, tc.typ, tc.canonical)
			added := edit(t, src, func(m map[string]any) {
				mfs, _ := m["metafields"].([]any)
				m["metafields"] = append(mfs, extraMetafield)
				if vs, _ := m["variants"].([]any); len(vs) > 0 {
					v := vs[0].(map[string]any)
					vmfs, _ := v["metafields"].([]any)
					v["metafields"] = append(vmfs, extraMetafield)
				}
			})
			f.writeEqual(t, tc.typ, tc.canonical, added)
			// An app's own metafield, set in the target by someone else.
			if _, err := f.prod.GraphQL(t.Context(), `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { userErrors { message } } }`,
				map[string]any{"m": []any{map[string]any{"ownerId": res.GID, "namespace": "$app:reviews", "key": "score", "type": "number_integer", "value": "4"}}}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := f.w.WriteJSON(t.Context(), tc.typ, tc.canonical, src, shopwrite.Options{}); err != nil {
				t.Fatal(err)
			}
			got := f.readBack(t, tc.typ, tc.canonical)
			d := diffs(src, got)
			if len(d) != 1 || !strings.Contains(d[0], "$app:reviews") {
				t.Errorf("after writing the source body back, want only the app's metafield left, got:\n%s", strings.Join(d, "\n"))
			}
			if strings.Contains(string(got), "flux_extra") {
				t.Errorf("the removed metafield is still there: %s", got)
			}
		})
	}
}

// A custom collection's products follow the body on update: a product
// left out is removed, one added is added; the earlier body restores them.
func TestCustomCollectionMembership(t *testing.T) {
	f := newFixture(t)
	custom := f.firstWith(t, mapping.Collection, func(m map[string]any) bool { return m["ruleSet"] == nil })
	f.deploy(t, mapping.Collection, custom, map[string]bool{})
	src := f.sourceBody(t, mapping.Collection, custom)
	f.deploy(t, mapping.Product, "urban-canvas-wallet", map[string]bool{})
	var n int
	changed := edit(t, src, func(m map[string]any) {
		ps, _ := m["products"].([]any)
		n = len(ps)
		if n == 0 {
			t.Fatalf("custom collection %s has no products", custom)
		}
		m["products"] = append(ps[1:], map[string]any{"$ref": map[string]any{"type": "PRODUCT", "canonical": "urban-canvas-wallet"}})
	})
	f.writeEqual(t, mapping.Collection, custom, changed)
	f.writeEqual(t, mapping.Collection, custom, edit(t, src, func(m map[string]any) { m["products"] = []any{} }))
	f.writeEqual(t, mapping.Collection, custom, src)
}

// Definitions are updated in place: a metaobject definition's name, a
// field added, one changed and one deleted; a metafield definition's name
// and description. A change Shopify cannot make (a type) is refused with
// the reason, before anything is sent.
func TestDefinitionUpdates(t *testing.T) {
	f := newFixture(t)
	f.deploy(t, mapping.MetaobjectDefinition, "designer", map[string]bool{})
	src := f.sourceBody(t, mapping.MetaobjectDefinition, "designer")
	changed := edit(t, src, func(m map[string]any) {
		m["name"] = "Designers (renamed)"
		fds := m["fieldDefinitions"].([]any)
		last := fds[len(fds)-1].(map[string]any)
		last["name"] = "Renamed field"
		m["fieldDefinitions"] = append(fds[1:], map[string]any{"key": "flux_new", "name": "New", "description": nil, "required": false,
			"type": map[string]any{"name": "single_line_text_field", "category": "TEXT"}, "validations": []any{}})
		if dk, _ := m["displayNameKey"].(string); dk == fds[0].(map[string]any)["key"] {
			m["displayNameKey"] = "flux_new"
		}
	})
	f.writeEqual(t, mapping.MetaobjectDefinition, "designer", changed)
	f.writeEqual(t, mapping.MetaobjectDefinition, "designer", src)

	badType := edit(t, src, func(m map[string]any) {
		fd := m["fieldDefinitions"].([]any)[0].(map[string]any)
		fd["type"] = map[string]any{"name": "number_integer", "category": "NUMBER"}
	})
	_, err := f.w.WriteJSON(t.Context(), mapping.MetaobjectDefinition, "designer", badType, shopwrite.Options{})
	if platform.KindOf(err) != platform.KindValidation || !strings.Contains(err.Error(), "type") {
		t.Errorf("a field's type change: %v", err)
	}

	const mfd = "PRODUCT.custom.material"
	f.deploy(t, mapping.MetafieldDefinition, mfd, map[string]bool{})
	msrc := f.sourceBody(t, mapping.MetafieldDefinition, mfd)
	f.writeEqual(t, mapping.MetafieldDefinition, mfd, edit(t, msrc, func(m map[string]any) {
		m["name"] = "Fabric"
		m["description"] = "What it is made of"
	}))
	f.writeEqual(t, mapping.MetafieldDefinition, mfd, msrc)
	calls := f.lose.count()
	_, err = f.w.WriteJSON(t.Context(), mapping.MetafieldDefinition, mfd, edit(t, msrc, func(m map[string]any) {
		m["type"] = map[string]any{"name": "url", "category": "URL"}
	}), shopwrite.Options{})
	if platform.KindOf(err) != platform.KindValidation || !strings.Contains(err.Error(), "cannot change a definition's type") {
		t.Errorf("a metafield definition's type change: %v", err)
	}
	if d := diffs(msrc, f.readBack(t, mapping.MetafieldDefinition, mfd)); len(d) > 0 || f.lose.count()-calls > 4 {
		t.Errorf("the refused write changed the definition (%d requests): %v", f.lose.count()-calls, d)
	}
}
