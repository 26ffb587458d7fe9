package shopify

import (
	"math"
	"time"
)

// The maths of one shop's budget; Throttle (throttle.go) holds the lock.

// flight is one granted call: in flight until settled, then kept while an
// observation might not reflect its cost.
type flight struct {
	cost float64   // the reserved estimate; the charged cost once answered
	sent time.Time // when granted: no later than it was sent
	recv time.Time // when settled: no earlier than Shopify answered; zero in flight
}

func (f *flight) done() bool { return !f.recv.IsZero() }

type bucket struct {
	known   bool
	max     float64
	avail   float64 // the observation Flux goes by
	restore float64 // points per second
	obsSent time.Time
	obsRecv time.Time
	obsBy   *flight // the call whose answer is the observation; nil for Observe
	flights []*flight
	probing bool // bucket unknown: one call is in flight to learn it
	queue   []*waiter
	changed chan struct{} // closed and replaced on every state change
}

// level projects an observation of avail received at recv to now.
func level(max, avail, restore float64, recv, now time.Time) float64 {
	elapsed := now.Sub(recv).Seconds()
	if elapsed < 0 {
		elapsed = 0
	}
	return math.Min(max, avail+restore*elapsed)
}

// projected is the bucket's level at now, before unconfirmed costs.
func (b *bucket) projected(now time.Time) float64 {
	return level(b.max, b.avail, b.restore, b.obsRecv, now)
}

// unconfirmed is the cost of the flights an observation made by `by`, sent at
// sent, may not reflect: all but its own, except those answered strictly
// before it was sent.
func (b *bucket) unconfirmed(by *flight, sent time.Time) float64 {
	sum := 0.0
	for _, f := range b.flights {
		if f == by || (f.done() && f.recv.Before(sent)) {
			continue
		}
		sum += f.cost
	}
	return sum
}

// budget is what a new call may spend now.
func (b *bucket) budget(now time.Time) float64 {
	return b.projected(now) - b.unconfirmed(b.obsBy, b.obsSent)
}

// prune forgets answered flights that neither the current observation nor
// any future one (made by a call still in flight) could fail to reflect.
func (b *bucket) prune() {
	cutoff := b.obsSent
	for _, f := range b.flights {
		if !f.done() && f.sent.Before(cutoff) {
			cutoff = f.sent
		}
	}
	kept := b.flights[:0]
	for _, f := range b.flights {
		if !f.done() || !f.recv.Before(cutoff) {
			kept = append(kept, f)
		}
	}
	clear(b.flights[len(kept):])
	b.flights = kept
}

// delay is how long cost must wait at now for the budget to cover it; a cost
// above the bucket's maximum waits for a full bucket (Shopify rejects such a
// query itself; pacing should not deadlock on it).
func (b *bucket) delay(cost float64, now time.Time) time.Duration {
	need := math.Min(cost, b.max)
	free := b.budget(now)
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
