package shopify

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is a settable clock for the throttle maths.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const shopA = "a.myshopify.com"

func costOf(requested, avail, max, restore float64) Cost {
	return Cost{RequestedQueryCost: requested, ActualQueryCost: &requested,
		ThrottleStatus: ThrottleStatus{MaximumAvailable: max, CurrentlyAvailable: avail, RestoreRate: restore}}
}

func TestThrottleProjection(t *testing.T) {
	clk := &fakeClock{t: fixedNow}
	th := NewThrottle(clk.now)
	if _, ok := th.Snapshot(shopA); ok {
		t.Fatal("snapshot before any observation")
	}
	th.Observe(shopA, costOf(10, 100, 1000, 50))
	tests := []struct {
		after         time.Duration
		wantProjected float64
	}{
		{0, 100},
		{time.Second, 150},
		{10 * time.Second, 600},
		{18 * time.Second, 1000},
		{time.Hour, 1000}, // capped at the maximum
	}
	for _, tt := range tests {
		clk2 := &fakeClock{t: fixedNow.Add(tt.after)}
		th.now = clk2.now
		got, ok := th.Snapshot(shopA)
		if !ok {
			t.Fatal("no snapshot")
		}
		want := BudgetSnapshot{Shop: shopA, Maximum: 1000, Available: 100, Projected: tt.wantProjected, Budget: tt.wantProjected, RestoreRate: 50, ObservedAt: fixedNow}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after %v (-want +got):\n%s", tt.after, diff)
		}
	}
}

func TestThrottleDelay(t *testing.T) {
	clk := &fakeClock{t: fixedNow}
	th := NewThrottle(clk.now)
	if d := th.Delay(shopA, 500); d != 0 {
		t.Errorf("unknown bucket delays %v", d)
	}
	th.Observe(shopA, costOf(10, 100, 1000, 100))
	tests := []struct {
		name    string
		advance time.Duration
		cost    float64
		want    time.Duration
	}{
		{"covered", 0, 100, 0},
		{"short by 200 at 100/s", 0, 300, 2 * time.Second},
		{"a second later", time.Second, 300, time.Second},
		{"above the maximum waits for a full bucket", 0, 5000, 8 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.advance(tt.advance)
			if got := th.Delay(shopA, tt.cost); got != tt.want {
				t.Errorf("Delay(%v) = %v, want %v", tt.cost, got, tt.want)
			}
		})
	}
}

func TestThrottleReservationsCount(t *testing.T) {
	clk := &fakeClock{t: fixedNow}
	th := NewThrottle(clk.now)
	th.Observe(shopA, costOf(10, 300, 1000, 100))
	ctx := context.Background()
	r1, err := th.Reserve(ctx, shopA, 200)
	if err != nil {
		t.Fatal(err)
	}
	// 300 available, 200 held: a second 200 must wait one second of restore.
	if d := th.Delay(shopA, 200); d != time.Second {
		t.Errorf("Delay with a reservation out = %v, want 1s", d)
	}
	snap, _ := th.Snapshot(shopA)
	if snap.Reserved != 200 {
		t.Errorf("Reserved = %v", snap.Reserved)
	}
	// The answer reports what Shopify charged; the hold is released.
	r1.Settle("q", costOf(200, 100, 1000, 100), true)
	r1.Settle("q", costOf(200, 999, 1000, 100), true) // a second settle is ignored
	snap, _ = th.Snapshot(shopA)
	if snap.Reserved != 0 || snap.Available != 100 {
		t.Errorf("after settle: %+v", snap)
	}
	if got := th.EstimateCost("q"); got != 200 {
		t.Errorf("EstimateCost(q) = %v, want the last requested cost 200", got)
	}
	if got := th.EstimateCost("never seen"); got != DefaultCostEstimate {
		t.Errorf("EstimateCost(new) = %v", got)
	}
}

func TestThrottleReserveWaitsForContext(t *testing.T) {
	clk := &fakeClock{t: fixedNow}
	th := NewThrottle(clk.now) // frozen clock: the bucket never refills by itself
	th.Observe(shopA, costOf(10, 0, 1000, 100))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := th.Reserve(ctx, shopA, 50); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Reserve = %v, want deadline exceeded", err)
	}
	snap, _ := th.Snapshot(shopA)
	if snap.Reserved != 0 {
		t.Errorf("a cancelled wait holds %v", snap.Reserved)
	}
}

func TestThrottleWakesOnObservation(t *testing.T) {
	clk := &fakeClock{t: fixedNow}
	th := NewThrottle(clk.now)
	th.Observe(shopA, costOf(10, 0, 1000, 100))
	got := make(chan error, 1)
	go func() {
		_, err := th.Reserve(context.Background(), shopA, 50)
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("granted before the budget allowed: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	th.Observe(shopA, costOf(10, 500, 1000, 100))
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not woken by a new observation")
	}
}

func TestThrottleFirstInFirstOut(t *testing.T) {
	clk := &fakeClock{t: fixedNow}
	th := NewThrottle(clk.now)
	th.Observe(shopA, costOf(10, 0, 1000, 100))
	order := make(chan float64, 2)
	var wg sync.WaitGroup
	start := func(cost float64) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := th.Reserve(context.Background(), shopA, cost)
			if err != nil {
				t.Error(err)
				return
			}
			order <- cost
			r.Settle("", Cost{}, false)
		}()
	}
	start(400) // an expensive caller first...
	time.Sleep(10 * time.Millisecond)
	start(10) // ...is not overtaken by a cheap one
	time.Sleep(10 * time.Millisecond)
	th.Observe(shopA, costOf(10, 100, 1000, 100)) // enough for the cheap one only
	time.Sleep(20 * time.Millisecond)
	if len(order) != 0 {
		t.Fatalf("a caller overtook the head of the queue")
	}
	th.Observe(shopA, costOf(10, 1000, 1000, 100))
	wg.Wait()
	close(order)
	var got []float64
	for c := range order {
		got = append(got, c)
	}
	if diff := cmp.Diff([]float64{400, 10}, got); diff != "" {
		t.Errorf("grant order (-want +got):\n%s", diff)
	}
}

func TestThrottleProbeWhileUnknown(t *testing.T) {
	th := NewThrottle(nil)
	ctx := context.Background()
	probe, err := th.Reserve(ctx, shopA, 10)
	if err != nil {
		t.Fatal(err)
	}
	second := make(chan *Reservation, 1)
	go func() {
		r, _ := th.Reserve(ctx, shopA, 10)
		second <- r
	}()
	select {
	case <-second:
		t.Fatal("a second call went out before the bucket was known")
	case <-time.After(20 * time.Millisecond):
	}
	probe.Settle("q", costOf(10, 990, 1000, 100), true)
	select {
	case r := <-second:
		r.Settle("", Cost{}, false)
	case <-time.After(5 * time.Second):
		t.Fatal("second call not released by the probe's answer")
	}
}

func TestThrottleOutOfOrderAnswers(t *testing.T) {
	// Two calls in flight at once; Shopify runs the second first. Whatever
	// order the answers arrive in, the budget never counts a charge as
	// refunded.
	tests := []struct {
		name          string
		firstArrives  bool // the answer of the call Shopify ran first arrives first
		wantAvailable float64
	}{
		{"in order", true, 800},
		{"out of order", false, 900},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: fixedNow}
			th := NewThrottle(clk.now)
			th.Observe(shopA, costOf(10, 1000, 1000, 100))
			ctx := context.Background()
			a, _ := th.Reserve(ctx, shopA, 100)
			b, _ := th.Reserve(ctx, shopA, 100)
			// Shopify ran b (1000 → 900), then a (900 → 800).
			if tt.firstArrives {
				b.Settle("", costOf(100, 900, 1000, 100), true)
				a.Settle("", costOf(100, 800, 1000, 100), true)
			} else {
				a.Settle("", costOf(100, 800, 1000, 100), true)
				b.Settle("", costOf(100, 900, 1000, 100), true)
			}
			snap, _ := th.Snapshot(shopA)
			if snap.Budget > 800 {
				t.Errorf("budget %v overstates the bucket (800 left): %+v", snap.Budget, snap)
			}
			if snap.Budget < 700 {
				t.Errorf("budget %v: more conservative than one call's cost: %+v", snap.Budget, snap)
			}
		})
	}
}

func TestThrottleUnknownOutcomeStaysCounted(t *testing.T) {
	clk := &fakeClock{t: fixedNow}
	th := NewThrottle(clk.now)
	th.Observe(shopA, costOf(10, 500, 1000, 100))
	r, _ := th.Reserve(context.Background(), shopA, 200)
	clk.advance(time.Millisecond)
	r.Settle("", Cost{}, false) // a 5xx or a dropped connection: did it run?
	if snap, _ := th.Snapshot(shopA); snap.Budget > 300+0.1+1e-9 {
		t.Errorf("budget %v counts the unknown call as not run", snap.Budget)
	}
	// A later observation by a call sent after it settles the question.
	clk.advance(time.Millisecond)
	r2, _ := th.Reserve(context.Background(), shopA, 10)
	clk.advance(time.Millisecond)
	r2.Settle("", costOf(10, 290, 1000, 100), true)
	if snap, _ := th.Snapshot(shopA); snap.Budget != 290 || snap.Reserved != 0 {
		t.Errorf("after a newer observation: %+v", snap)
	}
}

func TestThrottledCallChargesNothing(t *testing.T) {
	clk := &fakeClock{t: fixedNow}
	th := NewThrottle(clk.now)
	th.Observe(shopA, costOf(10, 1000, 1000, 100))
	r, _ := th.Reserve(context.Background(), shopA, 50)
	clk.advance(time.Millisecond)
	throttled := Cost{RequestedQueryCost: 752, ThrottleStatus: ThrottleStatus{1000, 666, 100}}
	r.Settle("q", throttled, true)
	snap, _ := th.Snapshot(shopA)
	if snap.Available != 666 || snap.Reserved != 0 {
		t.Errorf("after THROTTLED: %+v", snap)
	}
	if th.EstimateCost("q") != 752 {
		t.Errorf("estimate %v, want the requested 752", th.EstimateCost("q"))
	}
}

func TestThrottleSnapshots(t *testing.T) {
	th := NewThrottle(nil)
	th.Observe("b.myshopify.com", costOf(1, 10, 100, 10))
	th.Observe("a.myshopify.com", costOf(1, 10, 100, 10))
	var shops []string
	for _, s := range th.Snapshots() {
		shops = append(shops, s.Shop)
	}
	if diff := cmp.Diff([]string{"a.myshopify.com", "b.myshopify.com"}, shops); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// BenchmarkThrottleReserveSettle is the pacing overhead of one call when the
// budget covers it (the common case): one lock round trip each way.
func BenchmarkThrottleReserveSettle(b *testing.B) {
	th := NewThrottle(nil)
	th.Observe(shopA, costOf(10, 1e9, 1e9, 1e9))
	ctx := context.Background()
	c := costOf(10, 1e9, 1e9, 1e9)
	b.ReportAllocs()
	for b.Loop() {
		r, err := th.Reserve(ctx, shopA, 10)
		if err != nil {
			b.Fatal(err)
		}
		r.Settle("q", c, true)
	}
}
