package mapping

import (
	"strings"
	"testing"

	"github.com/flux-platform/flux/shared/platform"
)

func TestCanonical(t *testing.T) {
	for _, tc := range []struct {
		t    ObjectType
		f    Fields
		want string
	}{
		{Product, Fields{Handle: "classic-leather-bag"}, "classic-leather-bag"},
		{Collection, Fields{Handle: "summer"}, "summer"},
		{Page, Fields{Handle: "about-us"}, "about-us"},
		{Blog, Fields{Handle: "news"}, "news"},
		{Menu, Fields{Handle: "main-menu"}, "main-menu"},
		{Article, Fields{BlogHandle: "news", Handle: "spring-launch"}, "news/spring-launch"},
		{MetaobjectDefinition, Fields{Type: "$app:designer"}, "$app:designer"},
		{Metaobject, Fields{Type: "designer", Handle: "jane-doe"}, "designer/jane-doe"},
		{MetafieldDefinition, Fields{OwnerType: "PRODUCT", Namespace: "custom", Key: "material"}, "PRODUCT.custom.material"},
		{Discount, Fields{Code: "welcome10", Title: "ignored"}, "code/WELCOME10"},
		{Discount, Fields{Title: "Summer Sale: 20% off!"}, "automatic/summer-sale-20-off"},
		{File, Fields{Filename: "hero-banner.jpg"}, "hero-banner.jpg"},
		{Theme, Fields{ThemeRole: "MAIN", Title: "Dawn"}, "live"},
		{Theme, Fields{ThemeRole: "UNPUBLISHED", Title: "Summer 2026"}, "name/summer-2026"},
		{Product, Fields{Handle: "ベーシック-tシャツ"}, "ベーシック-tシャツ"},
	} {
		got, err := Canonical(tc.t, tc.f)
		if err != nil || got != tc.want {
			t.Errorf("Canonical(%s, %+v) = %q, %v; want %q", tc.t, tc.f, got, err, tc.want)
		}
		if err := ValidateCanonical(tc.t, got); err != nil {
			t.Errorf("ValidateCanonical(%s, %q): %v", tc.t, got, err)
		}
	}
}

func TestValidateCanonicalRejects(t *testing.T) {
	for _, tc := range []struct {
		t    ObjectType
		c    string
		form string
	}{
		{Product, "", "handle"},
		{Product, "a/b", "handle"},
		{Product, "has space", "handle"},
		{Product, strings.Repeat("a", 256), "handle"},
		{Article, "spring-launch", "blog-handle/article-handle"},
		{Article, "news/a/b", "blog-handle/article-handle"},
		{Article, "/a", "blog-handle/article-handle"},
		{Metaobject, "designer", "type/handle"},
		{MetaobjectDefinition, "a/b", "type"},
		{MetafieldDefinition, "custom.material", "OWNER.namespace.key"},
		{MetafieldDefinition, "product.custom.material", "OWNER.namespace.key"},
		{MetafieldDefinition, "PRODUCT.custom.mat.erial", "OWNER.namespace.key"},
		{MetafieldDefinition, "PRODUCT.custom." + strings.Repeat("k", 65), "OWNER.namespace.key"},
		{Discount, "WELCOME10", "code/"},
		{Discount, "code/welcome10", "code/"},
		{Discount, "automatic/Summer Sale", "automatic/"},
		{File, "a/b.jpg", "file's name"},
		{File, "..", "file's name"},
		{File, "bad\x00name", "file's name"},
		{Theme, "dawn", "live"},
		{Theme, "name/Dawn", "live"},
		{"CUSTOMER", "x", "objectType"},
		{Product, "\xff", "handle"},
	} {
		err := ValidateCanonical(tc.t, tc.c)
		if platform.KindOf(err) != platform.KindValidation || !strings.Contains(err.Error(), tc.form) {
			t.Errorf("ValidateCanonical(%s, %q) = %v; want a validation error naming %q", tc.t, tc.c, err, tc.form)
		}
	}
	if _, err := Canonical(Article, Fields{Handle: "x"}); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("article without blog handle: %v", err)
	}
}

func TestValidateGID(t *testing.T) {
	ok := map[ObjectType][]string{
		Product:              {"gid://shopify/Product/123"},
		Collection:           {"gid://shopify/Collection/1"},
		Page:                 {"gid://shopify/Page/7000000008260"},
		Blog:                 {"gid://shopify/Blog/1"},
		Article:              {"gid://shopify/Article/1"},
		Menu:                 {"gid://shopify/Menu/1"},
		Discount:             {"gid://shopify/DiscountCodeNode/1", "gid://shopify/DiscountAutomaticNode/2", "gid://shopify/DiscountNode/3"},
		MetaobjectDefinition: {"gid://shopify/MetaobjectDefinition/1"},
		Metaobject:           {"gid://shopify/Metaobject/1"},
		MetafieldDefinition:  {"gid://shopify/MetafieldDefinition/1"},
		File:                 {"gid://shopify/MediaImage/1", "gid://shopify/GenericFile/2", "gid://shopify/Video/3"},
		Theme:                {"gid://shopify/OnlineStoreTheme/1"},
	}
	for _, typ := range ObjectTypes {
		if len(ok[typ]) == 0 {
			t.Errorf("no valid gid tested for %s", typ)
		}
		for _, g := range ok[typ] {
			if err := ValidateGID(typ, g); err != nil {
				t.Errorf("ValidateGID(%s, %q): %v", typ, g, err)
			}
		}
	}
	for _, tc := range []struct {
		t   ObjectType
		gid string
	}{
		{Product, "gid://shopify/Collection/1"},
		{Product, "gid://shopify/Product/"},
		{Product, "gid://shopify/Product/0"},
		{Product, "gid://shopify/Product/012"},
		{Product, "gid://shopify/Product/1?x=1"},
		{Product, "gid://shopify/Product/1/2"},
		{Product, "gid://shopify/Product/99999999999999999999"},
		{Product, "gid://other/Product/1"},
		{Product, "123"},
		{File, "gid://shopify/Product/1"},
		{Theme, "gid://shopify/Theme/1"},
	} {
		err := ValidateGID(tc.t, tc.gid)
		if platform.KindOf(err) != platform.KindValidation || !strings.Contains(err.Error(), GIDForm(tc.t)) {
			t.Errorf("ValidateGID(%s, %q) = %v; want a validation error naming %s", tc.t, tc.gid, err, GIDForm(tc.t))
		}
	}
	if got := GIDKey(Discount, "gid://shopify/DiscountCodeNode/42"); got != "gid://shopify/DiscountNode/42" {
		t.Errorf("GIDKey = %q", got)
	}
	if got := GIDKey(Product, "gid://shopify/Product/42"); got != "gid://shopify/Product/42" {
		t.Errorf("GIDKey = %q", got)
	}
}

func TestParseObjectType(t *testing.T) {
	for _, typ := range ObjectTypes {
		if got, err := ParseObjectType(string(typ)); err != nil || got != typ {
			t.Errorf("ParseObjectType(%s) = %v, %v", typ, got, err)
		}
		if CanonicalForm(typ) == "" {
			t.Errorf("%s has no canonical form", typ)
		}
	}
	if _, err := ParseObjectType("product"); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("lower case accepted: %v", err)
	}
}

func FuzzParseGID(f *testing.F) {
	for _, s := range []string{"gid://shopify/Product/123", "gid://shopify/DiscountCodeNode/1", "gid://shopify//1", "gid://shopify/P/0", "", "gid://shopify/Product/18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		res, id, ok := ParseGID(s)
		if !ok {
			return
		}
		if id == 0 || res == "" || strings.ContainsAny(res, "/?#") {
			t.Fatalf("ParseGID(%q) = %q, %d", s, res, id)
		}
		for _, typ := range ObjectTypes {
			err := ValidateGID(typ, s)
			if err != nil && platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("ValidateGID(%s, %q): %v", typ, s, err)
			}
			if err == nil && !strings.HasPrefix(GIDKey(typ, s), gidPrefix) {
				t.Fatalf("GIDKey(%s, %q) = %q", typ, s, GIDKey(typ, s))
			}
		}
	})
}

func FuzzValidateCanonical(f *testing.F) {
	for _, s := range []string{"classic-leather-bag", "news/spring", "designer/jane", "PRODUCT.custom.material", "code/WELCOME10", "automatic/x", "live", "name/dawn", "a.jpg", "", "/", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, typ := range ObjectTypes {
			err := ValidateCanonical(typ, s)
			if err != nil {
				if platform.KindOf(err) != platform.KindValidation {
					t.Fatalf("ValidateCanonical(%s, %q): %v", typ, s, err)
				}
				continue
			}
			if s == "" || len(s) > MaxCanonicalLength || strings.ContainsAny(s, " \t\n\x00") {
				t.Fatalf("ValidateCanonical(%s, %q) accepted it", typ, s)
			}
		}
		// Slugs are stable and valid wherever a slug is expected.
		if sl := Slug(s); sl != "" {
			if Slug(sl) != sl {
				t.Fatalf("Slug not idempotent: %q -> %q -> %q", s, sl, Slug(sl))
			}
			if err := ValidateCanonical(Theme, "name/"+sl); err != nil {
				t.Fatalf("theme slug %q: %v", sl, err)
			}
		}
	})
}
