package config

import (
	"strings"
	"testing"

	"github.com/flux-platform/flux/shared/platform"
)

func TestNormalizeShop(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"my-store.myshopify.com", "my-store.myshopify.com", true},
		{"  My-Store.MyShopify.com ", "my-store.myshopify.com", true},
		{"https://my-store.myshopify.com/", "my-store.myshopify.com", true},
		{"my-store.myshopify.com.evil.com", "", false},
		{"evil.com/my-store.myshopify.com", "", false},
		{"-store.myshopify.com", "", false},
		{"my_store.myshopify.com", "", false},
		{"myshopify.com", "", false},
		{"", "", false},
		{strings.Repeat("a", 61) + ".myshopify.com", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeShop(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if err != nil && platform.KindOf(err) != platform.KindValidation {
				t.Errorf("kind = %v, want validation", platform.KindOf(err))
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseClassification(t *testing.T) {
	for _, c := range []string{"SOURCE", "qa", " release_candidate ", "Production"} {
		if _, err := ParseClassification(c); err != nil {
			t.Errorf("%q: %v", c, err)
		}
	}
	for _, c := range []string{"", "STAGING", "SOURCE,QA"} {
		if _, err := ParseClassification(c); platform.KindOf(err) != platform.KindValidation {
			t.Errorf("%q: err = %v, want validation", c, err)
		}
	}
}

// FuzzNormalizeShop: shop domains arrive from clients, OAuth callbacks and
// session tokens. Whatever is accepted must be a plain *.myshopify.com host
// that normalizes to itself.
func FuzzNormalizeShop(f *testing.F) {
	for _, s := range []string{"a.myshopify.com", "https://A.myshopify.com/", "a.myshopify.com\x00", "a.myshopify.com/../b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeShop(s)
		if err != nil {
			return
		}
		if !strings.HasSuffix(got, ".myshopify.com") || strings.ContainsAny(got, "/:@?#\\ ") {
			t.Fatalf("accepted %q as %q", s, got)
		}
		again, err := NormalizeShop(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, got, again, err)
		}
	})
}
