package shopify

import (
	"context"
	"math"
	"sort"
	"sync"
	"time"
)

// DefaultCostEstimate is what a query whose cost Flux has never seen reserves.
// Shopify's typical paginated read of 50 objects costs a few dozen points; a
// wrong guess costs at worst one THROTTLED retry, after which the real
// requestedQueryCost is remembered.
const DefaultCostEstimate = 50

// maxRememberedQueries bounds the per-query cost memory.
const maxRememberedQueries = 1024

// Throttle paces GraphQL calls per shop from Shopify's cost bucket. Every
// response's extensions.cost.throttleStatus updates the shop's bucket;
// before sending, a caller reserves its estimated cost and waits until
//
//	min(maximum, available + restoreRate × (now − observedAt)) − reserved ≥ cost
//
// where reserved is the cost of calls in flight. Reservations are granted in
// arrival order (no starvation of expensive queries) and the wait is a timer
// or a wake-up on the next observation, never a busy loop.
//
// One Throttle should serve a whole process, so concurrent callers share a
// shop's budget. Other processes (other Lambda instances) spend the same
// budget unseen: their share shows up in the next observation, and a
// THROTTLED that still happens is retried by the client.
type Throttle struct {
	mu    sync.Mutex
	now   func() time.Time
	shops map[string]*bucket
	costs map[string]float64 // last requestedQueryCost by query text
}

type bucket struct {
	known      bool
	max        float64
	avail      float64 // as last observed
	restore    float64 // points per second
	observedAt time.Time
	reserved   float64 // cost of granted, unsettled reservations
	probing    bool    // bucket unknown: one call is in flight to learn it
	granted    uint64  // reservations granted so far: their sequence numbers
	observed   uint64  // sequence of the reservation whose answer set the state
	queue      []*waiter
	changed    chan struct{} // closed and replaced on every state change
}

type waiter struct{ cost float64 }

// NewThrottle makes a throttle with a clock (nil: time.Now).
func NewThrottle(now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{now: now, shops: map[string]*bucket{}, costs: map[string]float64{}}
}

var defaultThrottle = NewThrottle(nil)

// DefaultThrottle is the process-wide throttle clients use unless their
// Config names another: the budget of a shop is one per app, so one per
// process is the right sharing.
func DefaultThrottle() *Throttle { return defaultThrottle }

func (t *Throttle) bucket(shop string) *bucket {
	b := t.shops[shop]
	if b == nil {
		b = &bucket{changed: make(chan struct{})}
		t.shops[shop] = b
	}
	return b
}

func (b *bucket) signal() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// projected is the bucket's level at now, before reservations.
func (b *bucket) projected(now time.Time) float64 {
	elapsed := now.Sub(b.observedAt).Seconds()
	if elapsed < 0 {
		elapsed = 0
	}
	return math.Min(b.max, b.avail+b.restore*elapsed)
}

// delay is how long cost must wait at now for the bucket to cover it; a cost
// above the bucket's maximum waits for a full bucket (Shopify rejects such a
// query itself; pacing should not deadlock on it).
func (b *bucket) delay(cost float64, now time.Time) time.Duration {
	need := math.Min(cost, b.max)
	free := b.projected(now) - b.reserved
	if free >= need {
		return 0
	}
	secs := (need - free) / b.restore
	if secs > maxDelay.Seconds() || math.IsNaN(secs) { // absurd figures must not overflow a Duration
		return maxDelay
	}
	return time.Duration(secs * float64(time.Second))
}

// maxDelay bounds one wait for the budget; a real bucket refills in seconds.
const maxDelay = time.Minute

// EstimateCost is the cost to reserve for query: the requestedQueryCost of
// its last run, else DefaultCostEstimate.
func (t *Throttle) EstimateCost(query string) float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.costs[query]; ok {
		return c
	}
	return DefaultCostEstimate
}

// Delay is how long a reservation of cost for shop would wait now, ignoring
// queued callers; 0 when the bucket is unknown.
func (t *Throttle) Delay(shop string, cost float64) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.shops[shop]
	if b == nil || !b.known {
		return 0
	}
	return b.delay(cost, t.now())
}

// Reservation is a granted share of a shop's budget. Settle it exactly once.
type Reservation struct {
	t     *Throttle
	shop  string
	cost  float64
	probe bool
	seq   uint64
	once  sync.Once
}

// Reserve waits until shop's budget covers cost, then holds cost until the
// reservation is settled. It returns ctx's error if ctx ends first. While the
// bucket is unknown, one call at a time goes ahead to learn it.
func (t *Throttle) Reserve(ctx context.Context, shop string, cost float64) (*Reservation, error) {
	if cost < 0 || math.IsNaN(cost) {
		cost = 0
	}
	w := &waiter{cost: cost}
	t.mu.Lock()
	b := t.bucket(shop)
	b.queue = append(b.queue, w)
	for {
		var wait time.Duration = -1 // -1: until the next change
		if b.queue[0] == w {
			switch {
			case !b.known && !b.probing:
				b.probing = true
				return t.grant(b, w, shop, true), nil
			case b.known:
				if wait = b.delay(cost, t.now()); wait == 0 {
					return t.grant(b, w, shop, false), nil
				}
			}
		}
		changed := b.changed
		t.mu.Unlock()
		err := sleepOrWake(ctx, wait, changed)
		t.mu.Lock()
		if err != nil {
			t.dequeue(b, w)
			t.mu.Unlock()
			return nil, err
		}
	}
}

// grant is called with t.mu held and releases it.
func (t *Throttle) grant(b *bucket, w *waiter, shop string, probe bool) *Reservation {
	t.dequeue(b, w)
	b.reserved += w.cost
	b.granted++
	seq := b.granted
	t.mu.Unlock()
	return &Reservation{t: t, shop: shop, cost: w.cost, probe: probe, seq: seq}
}

// dequeue removes w and wakes the others: the head may have changed.
func (t *Throttle) dequeue(b *bucket, w *waiter) {
	for i, x := range b.queue {
		if x == w {
			b.queue = append(b.queue[:i], b.queue[i+1:]...)
			break
		}
	}
	b.signal()
}

func sleepOrWake(ctx context.Context, wait time.Duration, changed <-chan struct{}) error {
	var timer <-chan time.Time
	if wait >= 0 {
		tm := time.NewTimer(wait)
		defer tm.Stop()
		timer = tm.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer:
	case <-changed:
	}
	return nil
}

// Settle returns the reservation's cost to the pool and, when the response
// carried a usable cost, records the bucket as Shopify reported it and the
// query's requested cost for next time. query may be "".
func (r *Reservation) Settle(query string, c Cost, ok bool) {
	r.once.Do(func() { r.t.settle(r, query, c, ok) })
}

func (t *Throttle) settle(r *Reservation, query string, c Cost, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(r.shop)
	b.reserved = math.Max(0, b.reserved-r.cost)
	if r.probe {
		b.probing = false
	}
	// Answers can arrive out of order. One to a call granted before the call
	// whose answer set the state was (most likely) computed by Shopify
	// earlier, before costs the state already reflects: it would overstate
	// the bucket, so it is not recorded.
	if ok && (r.seq > b.observed || !b.known) {
		t.observe(b, c)
		b.observed = r.seq
	}
	if ok && query != "" {
		if len(t.costs) >= maxRememberedQueries {
			clear(t.costs)
		}
		t.costs[query] = c.RequestedQueryCost
	}
	b.signal()
}

// Observe records a cost seen outside a reservation (e.g. a THROTTLED answer
// being retried).
func (t *Throttle) Observe(shop string, c Cost) {
	if !c.Valid() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(shop)
	t.observe(b, c)
	b.signal()
}

func (t *Throttle) observe(b *bucket, c Cost) {
	s := c.ThrottleStatus
	b.known = true
	b.max, b.avail, b.restore = s.MaximumAvailable, s.CurrentlyAvailable, s.RestoreRate
	b.observedAt = t.now()
}

// BudgetSnapshot is a shop's budget as Flux knows it, for GET /api/rate-limits.
type BudgetSnapshot struct {
	Shop        string    `json:"shop"`
	Maximum     float64   `json:"maximumAvailable"`
	Available   float64   `json:"currentlyAvailable"` // as last observed
	Projected   float64   `json:"projectedAvailable"` // now, before reservations
	Reserved    float64   `json:"reserved"`           // held by calls in flight
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
	return BudgetSnapshot{
		Shop: shop, Maximum: b.max, Available: b.avail, Projected: b.projected(t.now()),
		Reserved: b.reserved, RestoreRate: b.restore, ObservedAt: b.observedAt,
	}
}
