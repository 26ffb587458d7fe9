package capture

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want []Change
	}{
		{"equal", `{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1.0}`, nil},
		{"modified scalar", `{"title":"A"}`, `{"title":"B"}`,
			[]Change{{Path: "/title", Kind: Modified, Before: "A", After: "B"}}},
		{"added and removed", `{"a":1,"b":2}`, `{"b":2,"c":3}`,
			[]Change{{Path: "/a", Kind: Removed, Before: json.Number("1")}, {Path: "/c", Kind: Added, After: json.Number("3")}}},
		{"nested", `{"seo":{"title":"x","description":null}}`, `{"seo":{"title":"y","description":null}}`,
			[]Change{{Path: "/seo/title", Kind: Modified, Before: "x", After: "y"}}},
		{"array grows", `{"tags":["a"]}`, `{"tags":["a","b"]}`,
			[]Change{{Path: "/tags/1", Kind: Added, After: "b"}}},
		{"array shrinks", `{"v":[{"t":"A"},{"t":"B"}]}`, `{"v":[{"t":"A"}]}`,
			[]Change{{Path: "/v/1", Kind: Removed, Before: map[string]any{"t": "B"}}}},
		{"element field", `{"v":[{"t":"A","p":"1"}]}`, `{"v":[{"t":"A","p":"2"}]}`,
			[]Change{{Path: "/v/0/p", Kind: Modified, Before: "1", After: "2"}}},
		{"reference is one value", `{"r":{"$ref":{"type":"COLLECTION","canonical":"a"}}}`, `{"r":{"$ref":{"type":"COLLECTION","canonical":"b"}}}`,
			[]Change{{Path: "/r", Kind: Modified,
				Before: map[string]any{"$ref": map[string]any{"type": "COLLECTION", "canonical": "a"}},
				After:  map[string]any{"$ref": map[string]any{"type": "COLLECTION", "canonical": "b"}}}}},
		{"type change", `{"x":"1"}`, `{"x":1}`,
			[]Change{{Path: "/x", Kind: Modified, Before: "1", After: json.Number("1")}}},
		{"pointer escaping", `{"a/b":1,"c~d":1}`, `{"a/b":2,"c~d":2}`,
			[]Change{{Path: "/a~1b", Kind: Modified, Before: json.Number("1"), After: json.Number("2")},
				{Path: "/c~0d", Kind: Modified, Before: json.Number("1"), After: json.Number("2")}}},
		{"root", `1`, `2`, []Change{{Path: "", Kind: Modified, Before: json.Number("1"), After: json.Number("2")}}},
		{"metafield inserted is one change", `{"m":[{"namespace":"c","key":"b","value":"1"},{"namespace":"c","key":"d","value":"2"}]}`,
			`{"m":[{"namespace":"c","key":"a","value":"0"},{"namespace":"c","key":"b","value":"1"},{"namespace":"c","key":"d","value":"3"}]}`,
			[]Change{{Path: "/m/2/value", Kind: Modified, Before: "2", After: "3"},
				{Path: "/m/0", Kind: Added, After: map[string]any{"namespace": "c", "key": "a", "value": "0"}}}},
		{"metafield removed", `{"m":[{"namespace":"c","key":"a","value":"0"},{"namespace":"c","key":"b","value":"1"}]}`,
			`{"m":[{"namespace":"c","key":"b","value":"1"}]}`,
			[]Change{{Path: "/m/0", Kind: Removed, Before: map[string]any{"namespace": "c", "key": "a", "value": "0"}}}},
		{"duplicate keys fall back to indexes", `{"m":[{"key":"a","v":1},{"key":"a","v":2}]}`, `{"m":[{"key":"a","v":1},{"key":"a","v":3}]}`,
			[]Change{{Path: "/m/1/v", Kind: Modified, Before: json.Number("2"), After: json.Number("3")}}},
		{"null to value", `{"x":null}`, `{"x":"a"}`, []Change{{Path: "/x", Kind: Modified, Before: nil, After: "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(MustParse(tt.a), MustParse(tt.b))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChangeJSON(t *testing.T) {
	tests := []struct {
		c    Change
		want string
	}{
		{Change{Path: "/x", Kind: Modified, Before: nil, After: "a"}, `{"after":"a","before":null,"kind":"modified","path":"/x"}`},
		{Change{Path: "/x", Kind: Added, After: nil}, `{"after":null,"kind":"added","path":"/x"}`},
		{Change{Path: "/x", Kind: Removed, Before: json.Number("1")}, `{"before":1,"kind":"removed","path":"/x"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.c)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("got %s, want %s", b, tt.want)
		}
	}
}
