package catalog

import (
	"strings"
	"testing"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// FuzzCursor: a cursor from a checkpoint is untrusted. Decoding never
// panics, refuses with a validation error, and what it accepts re-encodes
// to a cursor that decodes the same.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{"", cursorState{After: "abc"}.encode(), cursorState{Sub: "PRODUCT", After: "x"}.encode(),
		cursorState{Sub: "designer"}.encode(), "eyJ2IjoxfQ", "%%", strings.Repeat("A", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			if platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if s == "" {
			return
		}
		again, err := decodeCursor(c.encode())
		if err != nil || again != c {
			t.Fatalf("%q: %+v re-decodes to %+v, %v", s, c, again, err)
		}
	})
}

// FuzzAssembler: any sequence of JSONL lines either reassembles (every
// accepted line is exactly one object or one nested element of one) or
// fails with an error, never a panic.
func FuzzAssembler(f *testing.F) {
	f.Add("{\"id\":\"gid://shopify/Product/1\",\"handle\":\"a\"}\n{\"id\":\"gid://shopify/ProductVariant/2\",\"__parentId\":\"gid://shopify/Product/1\"}\n" +
		"{\"id\":\"gid://shopify/Metafield/3\",\"__parentId\":\"gid://shopify/ProductVariant/2\"}\n{\"id\":\"gid://shopify/Product/4\"}")
	f.Add("{\"id\":\"gid://shopify/ProductVariant/2\",\"__parentId\":\"gid://shopify/Product/1\"}")
	f.Add("{\"id\":\"gid://shopify/Product/1\"}\n{\"id\":\"gid://shopify/Collection/2\",\"__parentId\":\"gid://shopify/Product/1\"}")
	f.Add("[1]\n{}")
	f.Add("{\"id\":\"gid://shopify/Product/1\"}\n{\"__parentId\":\"gid://shopify/Product/1\",\"id\":7}")
	f.Fuzz(func(t *testing.T, data string) {
		a := newAssembler(mapping.Product)
		accepted, counted := 0, 0
		for _, l := range strings.Split(data, "\n") {
			if l == "" {
				continue
			}
			var meta struct {
				ParentID string `json:"__parentId"`
			}
			_ = decodeJSON([]byte(l), &meta)
			done, err := a.line(meta.ParentID, []byte(l))
			if err != nil {
				if platform.KindOf(err) != platform.KindUnavailable {
					t.Fatalf("%v", err)
				}
				return
			}
			accepted++
			if done != nil {
				counted += countNodes(done, specs[mapping.Product].conns)
			}
		}
		if done := a.flush(); done != nil {
			counted += countNodes(done, specs[mapping.Product].conns)
		}
		if accepted != counted {
			t.Fatalf("%d lines accepted, %d objects assembled", accepted, counted)
		}
	})
}

// countNodes counts an assembled object and its nested elements.
func countNodes(n map[string]any, conns []connSpec) int {
	c := 1
	for _, cs := range conns {
		for _, ch := range nodes(obj(n, cs.key)) {
			if m := asObj(ch); m != nil {
				c += countNodes(m, cs.children)
			}
		}
	}
	return c
}
