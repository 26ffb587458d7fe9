package writes

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

func ptr[T any](v T) *T { return &v }

func body(t *testing.T, b Body) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b.JSON, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConvertCanonicalsAndReferences(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		conv      func() (Body, error)
		typ       mapping.ObjectType
		canonical string
		want      map[string]any // keys checked in the body
	}{
		{"collection products are references", func() (Body, error) {
			return ConvertCollection(Collection{Handle: "bags", Title: "Bags", Products: &[]string{"tote"}})
		}, mapping.Collection, "bags", map[string]any{"products": []any{map[string]any{"$ref": map[string]any{"type": "PRODUCT", "canonical": "tote"}}}}},
		{"article canonical is blog/handle", func() (Body, error) {
			return ConvertArticle(Article{Blog: "news", Handle: "hi", Title: "Hi", Author: ptr("Ada")})
		}, mapping.Article, "news/hi", map[string]any{"blog": map[string]any{"handle": "news"}, "author": map[string]any{"name": "Ada"}}},
		{"code discount", func() (Body, error) {
			return ConvertDiscount(Discount{Kind: "CODE_BASIC", Title: "T", Code: ptr("save10"), Percentage: ptr(0.1)}, now)
		}, mapping.Discount, "code/SAVE10", nil},
		{"automatic discount slug", func() (Body, error) {
			return ConvertDiscount(Discount{Kind: "AUTOMATIC_BASIC", Title: "Spring Sale!", Amount: ptr("5.00")}, now)
		}, mapping.Discount, "automatic/spring-sale", nil},
		{"metafield definition", func() (Body, error) {
			return ConvertMetafieldDefinition(MetafieldDefinition{OwnerType: "PRODUCT", Namespace: "custom", Key: "material", Name: "M", Type: "single_line_text_field"})
		}, mapping.MetafieldDefinition, "PRODUCT.custom.material", map[string]any{"type": map[string]any{"name": "single_line_text_field"}}},
		{"metaobject reference field", func() (Body, error) {
			return ConvertMetaobject(Metaobject{Type: "badge", Handle: "eco", Fields: []MetaobjectField{{Key: "product", Reference: &ObjectRef{ObjectType: "PRODUCT", Canonical: "tote"}}}})
		}, mapping.Metaobject, "badge/eco", map[string]any{"fields": []any{map[string]any{"key": "product", "value": map[string]any{"$ref": map[string]any{"type": "PRODUCT", "canonical": "tote"}}}}}},
		{"upload image", func() (Body, error) { return ConvertUpload("a.png", "", "https://x.test/a.png", nil) },
			mapping.File, "a.png", map[string]any{"__typename": "MediaImage"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.conv()
			if err != nil {
				t.Fatal(err)
			}
			if b.Type != tc.typ || b.Canonical != tc.canonical {
				t.Errorf("%s %s, want %s %s", b.Type, b.Canonical, tc.typ, tc.canonical)
			}
			m := body(t, b)
			for k, v := range tc.want {
				if d := cmp.Diff(v, m[k]); d != "" {
					t.Errorf("%s (-want +got):\n%s", k, d)
				}
			}
		})
	}
}

func TestConvertRefusals(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name  string
		conv  func() (Body, error)
		field string
	}{
		{"handle", func() (Body, error) { return ConvertPage(Page{Handle: "a b", Title: "x"}) }, "page.handle"},
		{"status", func() (Body, error) { return ConvertProduct(Product{Handle: "p", Title: "x", Status: ptr("LIVE")}) }, "product.status"},
		{"variant value", func() (Body, error) {
			return ConvertProduct(Product{Handle: "p", Title: "x", Options: &[]ProductOption{{Name: "Size", Values: []string{"S"}}},
				Variants: &[]Variant{{Options: []SelectedOption{{Name: "Size", Value: "XL"}}}}})
		}, "product.variants[0].options[0]"},
		{"price", func() (Body, error) {
			return ConvertProduct(Product{Handle: "p", Title: "x", Options: &[]ProductOption{{Name: "Size", Values: []string{"S"}}},
				Variants: &[]Variant{{Options: []SelectedOption{{Name: "Size", Value: "S"}}, Price: ptr("ten")}}})
		}, "product.variants[0].price"},
		{"both products and rules", func() (Body, error) {
			return ConvertCollection(Collection{Handle: "c", Title: "x", Products: &[]string{}, RuleSet: &CollectionRuleSet{}})
		}, "collection"},
		{"metafield two values", func() (Body, error) {
			return ConvertPage(Page{Handle: "p", Title: "x", Metafields: &[]Metafield{{Namespace: "custom", Key: "k1", Type: "product_reference", Value: ptr("x"), Reference: &ObjectRef{ObjectType: "PRODUCT", Canonical: "p"}}}})
		}, "page.metafields[0]"},
		{"theme reference", func() (Body, error) {
			return ConvertMenu(Menu{Handle: "m", Title: "x", Items: &[]MenuItem{{Title: "t", Type: "HTTP", Resource: &ObjectRef{ObjectType: "THEME", Canonical: "live"}}}})
		}, "menu.items[0].resource.objectType"},
		{"percentage", func() (Body, error) {
			return ConvertDiscount(Discount{Kind: "CODE_BASIC", Title: "t", Code: ptr("A"), Percentage: ptr(10.0)}, now)
		}, "discount.percentage"},
		{"display key", func() (Body, error) {
			return ConvertMetaobjectDefinition(MetaobjectDefinition{Type: "t", Name: "n", DisplayNameKey: ptr("zz"), FieldDefinitions: []FieldDefinition{{Key: "ab", Name: "A", Type: "single_line_text_field"}}})
		}, "definition.displayNameKey"},
		{"upload no name", func() (Body, error) { return ConvertUpload("", "", "https://x.test/", nil) }, "input.filename"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.conv()
			if platform.KindOf(err) != platform.KindValidation || !strings.HasPrefix(platform.PublicMessage(err), tc.field) {
				t.Fatalf("err %v, want a validation error on %s", err, tc.field)
			}
		})
	}
}

func TestOverlayKeepsUnsetFields(t *testing.T) {
	got, err := Overlay([]byte(`{"name":"A","access":{"admin":"x"},"fieldDefinitions":[{"key":"a","name":"A","type":{"name":"t","category":"TEXT"}}]}`),
		[]byte(`{"name":"A","fieldDefinitions":[{"key":"a","name":"A","type":{"name":"t"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"access":{"admin":"x"},"fieldDefinitions":[{"key":"a","name":"A","type":{"category":"TEXT","name":"t"}}],"name":"A"}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// Fuzz: any JSON arguments decode and convert without panicking, and a
// conversion either fails as a validation error or yields a valid
// canonical and a JSON object body.
func FuzzConvertProduct(f *testing.F) {
	f.Add(`{"handle":"p","title":"T","options":[{"name":"S","values":["a"]}],"variants":[{"options":[{"name":"S","value":"a"}],"price":"1.00"}]}`)
	f.Add(`{"handle":"","title":"","media":[{"url":"x"}],"metafields":[{"namespace":"n","key":"k","type":"t","references":[{"objectType":"PRODUCT","canonical":"a/b"}]}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var p Product
		if json.Unmarshal([]byte(s), &p) != nil {
			return
		}
		b, err := ConvertProduct(p)
		if err != nil {
			if platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("non-validation error %v", err)
			}
			return
		}
		if mapping.ValidateCanonical(mapping.Product, b.Canonical) != nil || !json.Valid(b.JSON) {
			t.Fatalf("bad output %+v", b)
		}
	})
}

func FuzzConvertMenu(f *testing.F) {
	f.Add(`{"handle":"m","title":"M","items":[{"title":"a","type":"HTTP","url":"/","items":[{"title":"b","type":"PAGE","resource":{"objectType":"PAGE","canonical":"x"}}]}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var m Menu
		if json.Unmarshal([]byte(s), &m) != nil {
			return
		}
		if _, err := ConvertMenu(m); err != nil && platform.KindOf(err) != platform.KindValidation {
			t.Fatalf("non-validation error %v", err)
		}
	})
}
