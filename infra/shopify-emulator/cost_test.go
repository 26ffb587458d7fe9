package emulator

import (
	"testing"
	"time"
)

func TestRequestedAndActualCost(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		name          string
		token         string
		query         string
		vars          map[string]any
		wantRequested int
		wantActual    int
	}{
		{"shop object", SourceToken, `{ shop { name myshopifyDomain } }`, nil, 1, 1},
		{"scalars are free", SourceToken, `{ shop { name email currencyCode ianaTimezone } }`, nil, 1, 1},
		{"nested object", SourceToken, `{ shop { primaryDomain { host } } }`, nil, 2, 2},
		{"connection edges", SourceToken, `{ products(first: 10) { edges { node { id title } } } }`, nil, 12, 12},
		{"connection nodes and pageInfo", SourceToken, `{ products(first: 10) { nodes { id } pageInfo { hasNextPage } } }`, nil, 12, 12},
		{"first from a variable", SourceToken, `query($n: Int) { products(first: $n) { nodes { id } } }`, map[string]any{"n": 50}, 52, 52},
		{"last", SourceToken, `{ products(last: 5) { nodes { id } } }`, nil, 7, 7},
		{"nested connection", SourceToken, `{ products(first: 10) { nodes { id variants(first: 5) { nodes { sku } } } } }`, nil, 2 + 10*(1+2+5), 0},
		{"actual counts returned nodes", SecondToken, `{ products(first: 100) { nodes { id } } }`, nil, 102, 2 + 24},
		{"object in node", SourceToken, `{ products(first: 2) { nodes { featuredMedia { id } } } }`, nil, 2 + 2*2, 0},
		{"node by id (not found)", SourceToken, `{ product(id: "gid://shopify/Product/1") { id } }`, nil, 1, 1},
		{"union takes the costliest branch", SourceToken, `{ discountNodes(first: 1) { nodes { discount { ... on DiscountCodeBasic { codes(first: 10) { nodes { code } } } ... on DiscountAutomaticBasic { title } } } } }`, nil, 2 + 1*(1+1+(2+10)), 0},
		{"mutation costs 10", SourceToken, `mutation { pageCreate(page: {title: "Cost test"}) { page { id } userErrors { message } } }`, nil, 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(time.Hour)
			r := e.gql(tt.token, tt.query, tt.vars)
			r.mustData(t)
			c := r.Extensions.Cost
			if c.RequestedQueryCost != tt.wantRequested {
				t.Errorf("requestedQueryCost %d, want %d", c.RequestedQueryCost, tt.wantRequested)
			}
			if c.ActualQueryCost == nil {
				t.Fatalf("actualQueryCost missing: %s", r.Raw)
			}
			if tt.wantActual != 0 && *c.ActualQueryCost != tt.wantActual {
				t.Errorf("actualQueryCost %d, want %d", *c.ActualQueryCost, tt.wantActual)
			}
			if *c.ActualQueryCost > c.RequestedQueryCost {
				t.Errorf("actual %d > requested %d", *c.ActualQueryCost, c.RequestedQueryCost)
			}
			st := c.ThrottleStatus
			if st == nil || st.MaximumAvailable != DefaultMaximumAvailable || st.RestoreRate != DefaultRestoreRate ||
				st.CurrentlyAvailable != DefaultMaximumAvailable-float64(*c.ActualQueryCost) {
				t.Errorf("throttleStatus %+v after a full bucket and actual cost %d", st, *c.ActualQueryCost)
			}
		})
	}
}

func TestSingleQueryMaxCost(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.gql(SourceToken, `{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0]["extensions"].(map[string]any)["code"] != "MAX_COST_EXCEEDED" || r.Data != nil {
		t.Fatalf("want MAX_COST_EXCEEDED: %s", r.Raw)
	}
	if st := r.Extensions.Cost.ThrottleStatus; st.CurrentlyAvailable != DefaultMaximumAvailable {
		t.Errorf("a refused query took points: %+v", st)
	}
}

func TestThrottleBurstThenRecovery(t *testing.T) {
	e := newEnv(t, Options{})
	// Requested 2 + 240*(1+2+1) = 962 per query, and every product has media,
	// so the actual cost is the same: the 2000-point bucket takes two.
	q := `{ products(first: 240) { nodes { id media(first: 1) { nodes { alt } } } } }`
	var throttled *gqlResponse
	for i := 0; i < 10; i++ {
		r := e.gql(SourceToken, q, nil)
		if len(r.Errors) > 0 {
			throttled = r
			break
		}
	}
	if throttled == nil {
		t.Fatal("a burst of expensive queries was never throttled")
	}
	if throttled.Status != 200 || throttled.Data != nil {
		t.Errorf("THROTTLED status %d data %v", throttled.Status, throttled.Data)
	}
	ext, _ := throttled.Errors[0]["extensions"].(map[string]any)
	if throttled.Errors[0]["message"] != "Throttled" || ext["code"] != "THROTTLED" || ext["documentation"] == nil {
		t.Errorf("THROTTLED error shape: %s", throttled.Raw)
	}
	c := throttled.Extensions.Cost
	if c.RequestedQueryCost != 962 || c.ActualQueryCost != nil || c.ThrottleStatus.CurrentlyAvailable >= 962 {
		t.Errorf("THROTTLED cost extension: %s", throttled.Raw)
	}
	// Points restore at 100/s: after the deficit's worth of seconds it runs again.
	wait := (962 - c.ThrottleStatus.CurrentlyAvailable) / DefaultRestoreRate
	e.clock.Advance(time.Duration(wait*float64(time.Second)) - time.Second)
	if r := e.gql(SourceToken, q, nil); len(r.Errors) == 0 {
		t.Errorf("ran before the bucket refilled: %+v", r.Extensions.Cost.ThrottleStatus)
	}
	e.clock.Advance(2 * time.Second)
	if r := e.gql(SourceToken, q, nil); len(r.Errors) > 0 {
		t.Errorf("still throttled after refill: %s", r.Raw)
	}
	// Other shops have their own bucket.
	if r := e.gql(SecondToken, q, nil); len(r.Errors) > 0 {
		t.Errorf("second shop throttled by the first: %s", r.Raw)
	}
}

func TestThrottleControl(t *testing.T) {
	e := newEnv(t, Options{})
	code, out := e.control("POST", "/throttle", map[string]any{"shop": SourceShop, "maximumAvailable": 100, "restoreRate": 10, "currentlyAvailable": 5})
	if code != 200 || get(out, SourceShop, "maximumAvailable") != 100.0 {
		t.Fatalf("set throttle: %d %v", code, out)
	}
	r := e.gql(SourceToken, `{ products(first: 10) { nodes { id } } }`, nil)
	if len(r.Errors) == 0 || r.Extensions.Cost.ThrottleStatus.RestoreRate != 10 {
		t.Errorf("want THROTTLED with the new bucket: %s", r.Raw)
	}
	e.clock.Advance(time.Second)
	if r := e.gql(SourceToken, `{ products(first: 10) { nodes { id } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("after refill: %s", r.Raw)
	}
}
