package graphql

import (
	"strings"
	"testing"
)

func TestLimits(t *testing.T) {
	l := limits{queryLength: 1 << 20, depth: 4, complexity: 10, aliases: 2}
	ofTypes := strings.Repeat("ofType { ", 5) + "name" + strings.Repeat(" }", 5)
	tests := []struct {
		name    string
		query   string
		wantErr string // "" for accepted
	}{
		{"at the depth limit", "{ config { storeGroup { stores { domain } } } }", ""},
		{"one level deeper", "{ config { storeGroup { stores { domain { x } } } } }", `"x" is nested 5 levels deep`},
		{"inline fragments add no depth", "{ config { ... on Config { storeGroup { ... { stores { domain } } } } } }", ""},
		{"fragment spreads add no depth", "{ config { ...C } } fragment C on Config { storeGroup { stores { domain } } }", ""},
		{"depth through a fragment", "{ config { storeGroup { ...S } } } fragment S on StoreGroup { stores { domain { x } } }", "nested 5 levels deep"},
		{"ofType adds no depth in introspection", `{ __type(name: "Query") { fields { type { ` + ofTypes + ` } } } }`, ""},
		{"ofType outside introspection counts", "{ a { b { ofType { ofType { x } } } } }", "nested 5 levels deep"},
		{"at the complexity limit", "{ a b c d e f g h i j }", ""},
		{"over the complexity limit", "{ a b c d e f g h i j k }", "more than 10 fields"},
		{"fragments count each time they are spread", "{ a { ...F ...F ...F } } fragment F on A { x y z }", ""},
		{"fragments count after expansion", "{ a { ...F ...F ...F ...F } } fragment F on A { x y z }", "more than 10 fields"},
		{"aliases at the limit", "{ x: a y: b c }", ""},
		{"alias equal to the name is no alias", "{ a: a b: b c: c }", ""},
		{"aliases over the limit", "{ x: a y: b z: c }", "more than 2 aliases"},
		{"aliases counted after expansion", "{ ...F ...F } fragment F on Query { x: a y: b }", "more than 2 aliases"},
		{"self-spreading fragment", "{ ...F } fragment F on Query { a ...F }", `fragment "F" spreads itself`},
		{"mutual spread", "{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }", `fragment "F" spreads itself`},
		{"unknown fragment", "{ ...Nope }", `unknown fragment "Nope"`},
		{"every operation is measured", "query A { a } query B { a { b { c { d { e } } } } }", "nested 5 levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Measure only: no schema validation here.
			_, err := parseAndMeasure(tt.query, l)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("accepted, want %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("error = %q, want %q", err.Error(), tt.wantErr)
			}
		})
	}
}
