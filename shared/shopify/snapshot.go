package shopify

import (
	"sort"
	"time"
)

// BudgetSnapshot is a shop's budget as Flux knows it, for GET /api/rate-limits.
type BudgetSnapshot struct {
	Shop        string    `json:"shop"`
	Maximum     float64   `json:"maximumAvailable"`
	Available   float64   `json:"currentlyAvailable"` // as last observed
	Projected   float64   `json:"projectedAvailable"` // now, before Reserved
	Reserved    float64   `json:"reserved"`           // calls in flight, or answered but maybe not in Available
	Budget      float64   `json:"budget"`             // what a new call may spend now: Projected − Reserved
	RestoreRate float64   `json:"restoreRate"`        // points per second
	ObservedAt  time.Time `json:"observedAt"`
}

// Snapshot is shop's budget; ok is false until a response has been seen.
func (t *Throttle) Snapshot(shop string) (BudgetSnapshot, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.shops[shop]
	if b == nil || !b.known {
		return BudgetSnapshot{Shop: shop}, false
	}
	return t.snapshot(shop, b), true
}

// Snapshots are the known budgets of every shop, by shop.
func (t *Throttle) Snapshots() []BudgetSnapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []BudgetSnapshot
	for shop, b := range t.shops {
		if b.known {
			out = append(out, t.snapshot(shop, b))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Shop < out[j].Shop })
	return out
}

func (t *Throttle) snapshot(shop string, b *bucket) BudgetSnapshot {
	now := t.now()
	proj, unconf := b.projected(now), b.unconfirmed(b.obsBy, b.obsSent)
	return BudgetSnapshot{
		Shop: shop, Maximum: b.max, Available: b.avail, Projected: proj,
		Reserved: unconf, Budget: proj - unconf, RestoreRate: b.restore, ObservedAt: b.obsRecv,
	}
}
