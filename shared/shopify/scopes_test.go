package shopify

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAuthScopesParse(t *testing.T) {
	tests := []struct {
		in        string
		wantArray []string
	}{
		{"", nil},
		{"read_products", []string{"read_products"}},
		{"read_products, write_orders", []string{"read_products", "write_orders"}},
		{" read_products ,,write_products ", []string{"write_products"}}, // read implied by write
		{"write_products,read_products", []string{"write_products"}},
		{"unauthenticated_write_checkouts,unauthenticated_read_checkouts", []string{"unauthenticated_write_checkouts"}},
		{"read_products,read_products", []string{"read_products"}},
		// unauthenticated_write implies only unauthenticated_read, not read.
		{"unauthenticated_write_x,read_x", []string{"read_x", "unauthenticated_write_x"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ParseAuthScopes(tt.in).Array()
			if diff := cmp.Diff(tt.wantArray, got); diff != "" {
				t.Errorf("Array() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthScopesHas(t *testing.T) {
	tests := []struct {
		set, query string
		want       bool
	}{
		{"write_products", "read_products", true},
		{"write_products", "write_products", true},
		{"write_products", "read_products,write_products", true},
		{"read_products", "write_products", false},
		{"unauthenticated_write_checkouts", "unauthenticated_read_checkouts", true},
		{"unauthenticated_write_checkouts", "read_checkouts", false},
		{"write_products,read_orders", "read_products, read_orders", true},
		{"read_orders", "", true},
		{"", "read_orders", false},
	}
	for _, tt := range tests {
		t.Run(tt.set+"/"+tt.query, func(t *testing.T) {
			if got := ParseAuthScopes(tt.set).HasScope(tt.query); got != tt.want {
				t.Errorf("Has = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAuthScopesEquals(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"read_products,write_orders", "write_orders,read_products", true},
		{"write_products", "write_products,read_products", true},
		{"read_products", "read_products,read_orders", false},
		{"", "", true},
		// Seed 003's equals is one-directional and calls these equal; Flux's is
		// a symmetric equality.
		{"read_products", "write_products", false},
		{"write_products", "read_products", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"="+tt.b, func(t *testing.T) {
			a, b := ParseAuthScopes(tt.a), ParseAuthScopes(tt.b)
			if got := a.Equals(b); got != tt.want {
				t.Errorf("a.Equals(b) = %v, want %v", got, tt.want)
			}
			if got := b.Equals(a); got != tt.want {
				t.Errorf("b.Equals(a) = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAuthScopesString(t *testing.T) {
	s := NewAuthScopes([]string{"write_orders", "read_products", "read_orders", " "})
	if got, want := s.String(), "read_products,write_orders"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !ParseAuthScopes(s.String()).Equals(s) {
		t.Error("String() does not parse back to an equal set")
	}
}

func FuzzAuthScopes(f *testing.F) {
	for _, s := range []string{"", "read_products", "write_products,read_products", "unauthenticated_write_x, ,read_y", "write_,write_write_a", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := ParseAuthScopes(s)
		if !a.Equals(a) {
			t.Fatalf("%q not equal to itself", s)
		}
		back := ParseAuthScopes(a.String())
		if !back.Equals(a) || back.String() != a.String() {
			t.Fatalf("%q: String %q does not round-trip (%q)", s, a.String(), back.String())
		}
		if !a.Has(back) || !back.Has(a) {
			t.Fatalf("%q: Has not reflexive across round trip", s)
		}
	})
}
