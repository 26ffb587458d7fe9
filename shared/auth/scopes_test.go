package auth

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAllScopes(t *testing.T) {
	// The scopes of issue 2, in order.
	want := []Scope{"config:read", "sync:read", "sync:write", "stores:read", "stores:write",
		"mappings:read", "mappings:write", "releases:read", "releases:write", "releases:approve",
		"releases:deploy", "files:read", "files:write", "audit:read", "keys:admin"}
	if diff := cmp.Diff(want, AllScopes); diff != "" {
		t.Errorf("AllScopes (-want +got):\n%s", diff)
	}
}

func TestParseScope(t *testing.T) {
	for _, sc := range AllScopes {
		got, err := ParseScope(string(sc))
		if err != nil || got != sc {
			t.Errorf("ParseScope(%q) = %q, %v", sc, got, err)
		}
	}
	for _, bad := range []string{"", "config", "CONFIG:READ", "config:read ", "config:*", "*", "admin"} {
		if _, err := ParseScope(bad); err == nil {
			t.Errorf("ParseScope(%q) accepted", bad)
		}
	}
}

func TestParseScopes(t *testing.T) {
	tests := []struct {
		name  string
		in    []string
		want  []Scope
		isErr bool
	}{
		{"empty", nil, []Scope{}, false},
		{"sorted and deduplicated", []string{"sync:write", "config:read", "sync:write"}, []Scope{"config:read", "sync:write"}, false},
		{"trimmed", []string{" keys:admin "}, []Scope{"keys:admin"}, false},
		{"unknown", []string{"config:read", "root"}, nil, true},
		{"empty name", []string{""}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseScopes(tt.in)
			if (err != nil) != tt.isErr {
				t.Fatalf("err = %v, want error %v", err, tt.isErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJoinSplitScopes(t *testing.T) {
	tests := []struct {
		name   string
		scopes []Scope
		joined string
	}{
		{"none", nil, ""},
		{"one", []Scope{ScopeConfigRead}, "config:read"},
		{"all", AllScopes, "config:read sync:read sync:write stores:read stores:write mappings:read mappings:write releases:read releases:write releases:approve releases:deploy files:read files:write audit:read keys:admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JoinScopes(tt.scopes); got != tt.joined {
				t.Errorf("JoinScopes = %q, want %q", got, tt.joined)
			}
			if diff := cmp.Diff(tt.scopes, SplitScopes(tt.joined)); diff != "" {
				t.Errorf("SplitScopes (-want +got):\n%s", diff)
			}
		})
	}
	// Unknown names and extra spaces are dropped when reading.
	if diff := cmp.Diff([]Scope{ScopeConfigRead, ScopeKeysAdmin}, SplitScopes("  config:read root\tkeys:admin ")); diff != "" {
		t.Errorf("SplitScopes (-want +got):\n%s", diff)
	}
}
