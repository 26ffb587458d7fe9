package shopify

import (
	"encoding/json"
	"math"
)

// ThrottleStatus is extensions.cost.throttleStatus: the shop's cost bucket for
// this app as Shopify saw it when it answered.
type ThrottleStatus struct {
	MaximumAvailable   float64 `json:"maximumAvailable"`
	CurrentlyAvailable float64 `json:"currentlyAvailable"`
	RestoreRate        float64 `json:"restoreRate"` // points per second
}

// Cost is extensions.cost of a GraphQL response. ActualQueryCost is nil when
// the query did not run (THROTTLED).
type Cost struct {
	RequestedQueryCost float64        `json:"requestedQueryCost"`
	ActualQueryCost    *float64       `json:"actualQueryCost"`
	ThrottleStatus     ThrottleStatus `json:"throttleStatus"`
}

// Valid reports whether the figures can drive pacing: finite, non-negative,
// a positive bucket and restore rate, available within the bucket.
func (c Cost) Valid() bool {
	t := c.ThrottleStatus
	for _, f := range []float64{c.RequestedQueryCost, t.MaximumAvailable, t.CurrentlyAvailable, t.RestoreRate} {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return false
		}
	}
	if c.ActualQueryCost != nil && (math.IsNaN(*c.ActualQueryCost) || *c.ActualQueryCost < 0) {
		return false
	}
	return t.MaximumAvailable > 0 && t.RestoreRate > 0 && t.CurrentlyAvailable <= t.MaximumAvailable
}

// ParseCost reads extensions.cost from a response's extensions object. It
// returns ok=false when there is none or it cannot drive pacing; it never
// fails the response, since a missing cost only means pacing learns nothing.
func ParseCost(extensions json.RawMessage) (Cost, bool) {
	if len(extensions) == 0 {
		return Cost{}, false
	}
	var ext struct {
		Cost *Cost `json:"cost"`
	}
	if err := json.Unmarshal(extensions, &ext); err != nil || ext.Cost == nil {
		return Cost{}, false
	}
	if !ext.Cost.Valid() {
		return Cost{}, false
	}
	return *ext.Cost, true
}
