package shopwrite_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
)

// memMappings is an in-memory shopwrite.Store (pure: the fuzz target).
type memMappings struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memMappings) MappingsByCanonical(_ context.Context, _ string, t mapping.ObjectType, shops, cs []string) ([]mapping.Mapping, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []mapping.Mapping
	for _, c := range cs {
		if g, ok := s.m[string(t)+" "+c]; ok {
			out = append(out, mapping.Mapping{ObjectType: t, Canonical: c, GID: g, Shop: shops[0]})
		}
	}
	return out, nil
}

func (s *memMappings) UpsertMappings(_ context.Context, _ string, ms []mapping.Mapping) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range ms {
		s.m[string(m.ObjectType)+" "+m.Canonical] = m.GID
	}
	return nil
}

func (s *memMappings) DeleteMappings(_ context.Context, _ string, t mapping.ObjectType, _ string, cs []string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		delete(s.m, string(t)+" "+c)
	}
	return len(cs), nil
}

// FuzzWriteBody: a direct write's body is untrusted input. Whatever it is,
// for any type, Write answers (an error or a result) without panicking.
// Shopify here answers every request with empty data.
func FuzzWriteBody(f *testing.F) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":{}}`)
	}))
	f.Cleanup(hs.Close)
	c, err := shopify.New(shopify.Session{Shop: "t.myshopify.com", AccessToken: "x"}, shopify.Config{
		BaseURL: func(string) string { return hs.URL }, Tries: 1, RetryBase: time.Millisecond, RetryMax: time.Millisecond, Throttle: shopify.NewThrottle(nil),
	})
	if err != nil {
		f.Fatal(err)
	}
	store := &memMappings{m: map[string]string{"PAGE faq": "gid://shopify/Page/1", "COLLECTION summer": "gid://shopify/Collection/2"}}
	w := &shopwrite.Writer{Client: c, Store: store, TenantID: "t"}
	types := []struct {
		t mapping.ObjectType
		c string
	}{
		{mapping.Product, "bag"}, {mapping.Collection, "summer"}, {mapping.Page, "faq"}, {mapping.Blog, "news"},
		{mapping.Article, "news/a"}, {mapping.Menu, "main-menu"}, {mapping.Discount, "code/A"}, {mapping.Discount, "automatic/a"},
		{mapping.MetaobjectDefinition, "designer"}, {mapping.Metaobject, "designer/x"},
		{mapping.MetafieldDefinition, "PRODUCT.custom.a"}, {mapping.File, "a.jpg"},
	}
	for _, s := range []string{
		`{"title":"x","variants":[{"selectedOptions":[{"name":"a","value":"b"}],"metafields":[{"value":{"$ref":{"type":"PAGE","canonical":"faq"}}}]}],"media":[{"image":{"url":"cdn:files/a.jpg"}}]}`,
		`{"items":[{"title":"t","type":"PAGE","resourceId":{"$ref":{"type":"PAGE","canonical":"nope"}},"items":[{"items":null}]}]}`,
		`{"discount":{"__typename":"DiscountCodeBasic","codes":[{"code":"a"}],"customerGets":{"value":{"__typename":"DiscountAmount","amount":{"amount":"1"}}}}}`,
		`{"fields":[{"key":"k","value":[{"$ref":{"type":"PRODUCT","canonical":"x"}},{"$unresolved":"gid://shopify/ProductVariant/1"}]}]}`,
		`{"fieldDefinitions":[{"key":"a","type":{"name":"x"},"validations":[{}]}],"ruleSet":{"rules":[1]}}`,
		`{"metafields":[1,{"value":null},{"value":{}}],"products":[{},{"$ref":{"type":"PRODUCT","canonical":"p"}}]}`,
		`{"image":{"url":7},"blog":{"handle":"other"},"author":"x"}`,
		`{}`, `[]`, `null`, `{"$deleted":true}`,
	} {
		for i := range types {
			f.Add(i, s)
		}
	}
	f.Fuzz(func(t *testing.T, i int, body string) {
		if i < 0 {
			i = -i
		}
		tc := types[i%len(types)]
		for _, defer_ := range []bool{false, true} {
			_, _ = w.WriteJSON(t.Context(), tc.t, tc.c, []byte(body), shopwrite.Options{DeferUnresolved: defer_})
		}
	})
}
