package shopify

import (
	"context"
	"math"
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
// response's extensions.cost.throttleStatus is an observation of the shop's
// bucket; before sending, a caller reserves its estimated cost and waits
// until the budget covers it:
//
//	budget = min(maximum, available + restoreRate × (now − received)) − unconfirmed
//
// where available is the observation Flux goes by, received is when its answer
// arrived (later than Shopify computed it, so the restore is underestimated),
// and unconfirmed is the cost of every call the observation may not reflect:
// calls in flight (their reserved estimate) and calls answered, but not
// strictly before the observed call was sent (their actual cost: Shopify may
// have run them after it). Each observation thus gives a lower bound of the
// bucket as far as this process's calls go, whatever order Shopify ran them
// in and their answers arrived in. An answer replaces the observation when
// its call was sent after the observed one, or when it gives no higher budget.
//
// Reservations are granted in arrival order (no starvation of expensive
// queries) and a wait is a timer or a wake-up on the next observation, never
// a busy loop.
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
	t      *Throttle
	shop   string
	flight *flight
	probe  bool
	once   sync.Once
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
	f := &flight{cost: w.cost, sent: t.now()}
	b.flights = append(b.flights, f)
	t.mu.Unlock()
	return &Reservation{t: t, shop: shop, flight: f, probe: probe}
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

// Settle ends the reservation with the call's answer: when it carried a
// usable cost (ok), the call's charge becomes its actual cost (nothing for a
// THROTTLED call, which Shopify did not run), the observation is weighed
// against the current one, and the query's requested cost is remembered for
// its next run. Without one, the call may or may not have run: its reserved
// cost stays counted until observations supersede it. query may be "".
func (r *Reservation) Settle(query string, c Cost, ok bool) {
	r.once.Do(func() { r.t.settle(r, query, c, ok) })
}

func (t *Throttle) settle(r *Reservation, query string, c Cost, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(r.shop)
	now := t.now()
	f := r.flight
	f.recv = now
	if r.probe {
		b.probing = false
	}
	if ok {
		f.cost = 0
		if c.ActualQueryCost != nil {
			f.cost = *c.ActualQueryCost
		}
		s := c.ThrottleStatus
		candidate := level(s.MaximumAvailable, s.CurrentlyAvailable, s.RestoreRate, now, now) - b.unconfirmed(f, f.sent)
		// An answer to a call sent after the observed one is the newest news
		// of the bucket, other processes' spending included: it replaces the
		// observation. An older call's answer may still reveal spending Flux
		// did not see, so it replaces the observation only if it is lower.
		planChanged := s.MaximumAvailable != b.max || s.RestoreRate != b.restore
		newer := f.sent.After(b.obsSent)
		if !b.known || planChanged || newer || candidate <= b.budget(now) {
			t.observe(b, c, f, f.sent, now)
		}
		if query != "" {
			if len(t.costs) >= maxRememberedQueries {
				clear(t.costs)
			}
			t.costs[query] = c.RequestedQueryCost
		}
	}
	b.prune()
	b.signal()
}

// Observe records a cost seen outside a reservation (pacing disabled, or a
// test setting the scene): it becomes the observation, received now, with
// every call in flight unconfirmed.
func (t *Throttle) Observe(shop string, c Cost) {
	if !c.Valid() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(shop)
	now := t.now()
	t.observe(b, c, nil, now, now)
	b.prune()
	b.signal()
}

func (t *Throttle) observe(b *bucket, c Cost, by *flight, sent, recv time.Time) {
	s := c.ThrottleStatus
	b.known = true
	b.max, b.avail, b.restore = s.MaximumAvailable, s.CurrentlyAvailable, s.RestoreRate
	b.obsBy, b.obsSent, b.obsRecv = by, sent, recv
}
