package shopify

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func fptr(f float64) *float64 { return &f }

func extensionsOf(t *testing.T, file string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Extensions json.RawMessage `json:"extensions"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r.Extensions
}

func TestParseCost(t *testing.T) {
	tests := []struct {
		name string
		ext  json.RawMessage
		want Cost
		ok   bool
	}{
		{"products page", extensionsOf(t, "products_response.json"),
			Cost{RequestedQueryCost: 52, ActualQueryCost: fptr(4), ThrottleStatus: ThrottleStatus{2000, 1996, 100}}, true},
		{"throttled: no actual cost", extensionsOf(t, "throttled_response.json"),
			Cost{RequestedQueryCost: 752, ThrottleStatus: ThrottleStatus{1000, 666, 50}}, true},
		{"none", nil, Cost{}, false},
		{"no cost key", json.RawMessage(`{"other":1}`), Cost{}, false},
		{"not JSON", json.RawMessage(`{`), Cost{}, false},
		{"zero restore rate", json.RawMessage(`{"cost":{"requestedQueryCost":1,"throttleStatus":{"maximumAvailable":10,"currentlyAvailable":1,"restoreRate":0}}}`), Cost{}, false},
		{"negative", json.RawMessage(`{"cost":{"requestedQueryCost":-1,"throttleStatus":{"maximumAvailable":10,"currentlyAvailable":1,"restoreRate":1}}}`), Cost{}, false},
		{"available over maximum", json.RawMessage(`{"cost":{"requestedQueryCost":1,"throttleStatus":{"maximumAvailable":10,"currentlyAvailable":11,"restoreRate":1}}}`), Cost{}, false},
		{"strings", json.RawMessage(`{"cost":{"requestedQueryCost":"1"}}`), Cost{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseCost(tt.ext)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseCost(f *testing.F) {
	f.Add([]byte(`{"cost":{"requestedQueryCost":52,"actualQueryCost":4,"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":1996,"restoreRate":100.0}}}`))
	f.Add([]byte(`{"cost":{"requestedQueryCost":752,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":666,"restoreRate":50.0}}}`))
	f.Add([]byte(`{"cost":null}`))
	f.Add([]byte(`{"cost":{"requestedQueryCost":1e308,"throttleStatus":{"maximumAvailable":1e308,"currentlyAvailable":1e308,"restoreRate":1e-308}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, ok := ParseCost(b)
		if !ok {
			return
		}
		if !c.Valid() {
			t.Fatalf("accepted an unusable cost %+v", c)
		}
		// Whatever is accepted must be safe for the throttle maths.
		th := NewThrottle(nil)
		th.Observe("fuzz.myshopify.com", c)
		if d := th.Delay("fuzz.myshopify.com", c.RequestedQueryCost); d < 0 {
			t.Fatalf("negative delay %v for %+v", d, c)
		}
	})
}
