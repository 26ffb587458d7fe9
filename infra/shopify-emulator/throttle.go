package emulator

import (
	"math"
	"sync"
	"time"
)

// Default bucket: Shopify's Standard plan restores 100 points/s; current API
// versions report a maximumAvailable of 2000 (20 s of restore) for it.
const (
	DefaultMaximumAvailable = 2000
	DefaultRestoreRate      = 100
)

// ThrottleStatus is extensions.cost.throttleStatus.
type ThrottleStatus struct {
	MaximumAvailable   float64 `json:"maximumAvailable"`
	CurrentlyAvailable float64 `json:"currentlyAvailable"`
	RestoreRate        float64 `json:"restoreRate"`
}

// bucket is a leaky bucket of query cost points.
type bucket struct {
	mu        sync.Mutex
	max       float64
	rate      float64
	available float64
	last      time.Time
	clock     func() time.Time
}

func newBucket(max, rate float64, clock func() time.Time) *bucket {
	return &bucket{max: max, rate: rate, available: max, last: clock(), clock: clock}
}

func (b *bucket) refill() {
	t := b.clock()
	if dt := t.Sub(b.last).Seconds(); dt > 0 {
		b.available = math.Min(b.max, b.available+dt*b.rate)
	}
	b.last = t
}

// take removes cost points if the bucket holds them; it reports success and
// the status after the attempt.
func (b *bucket) take(cost int) (bool, ThrottleStatus) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if float64(cost) > b.available {
		return false, b.statusLocked()
	}
	b.available -= float64(cost)
	return true, b.statusLocked()
}

// refund gives back points (requested minus actual cost).
func (b *bucket) refund(points int) ThrottleStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if points > 0 {
		b.available = math.Min(b.max, b.available+float64(points))
	}
	return b.statusLocked()
}

func (b *bucket) status() ThrottleStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	return b.statusLocked()
}

func (b *bucket) statusLocked() ThrottleStatus {
	return ThrottleStatus{MaximumAvailable: b.max, CurrentlyAvailable: math.Floor(b.available), RestoreRate: b.rate}
}

// set changes the bucket's parameters; a negative value leaves one unchanged.
func (b *bucket) set(max, rate, available float64) ThrottleStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if max > 0 {
		b.max = max
	}
	if rate >= 0 {
		b.rate = rate
	}
	if available >= 0 {
		b.available = available
	}
	b.available = math.Min(b.available, b.max)
	return b.statusLocked()
}
