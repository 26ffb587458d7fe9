package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// leakyBucket is a GraphQL endpoint that charges and throttles like Shopify:
// a query runs only if the bucket holds its requested cost; the bucket
// refills continuously at restore points/s up to max; every answer carries
// extensions.cost.
type leakyBucket struct {
	max, restore float64
	costs        map[string]float64 // requested cost by query text

	mu        sync.Mutex
	level     float64
	at        time.Time
	consumed  float64
	throttled int
	served    int
}

func (b *leakyBucket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query string `json:"query"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	cost, ok := b.costs[req.Query]
	if !ok {
		http.Error(w, "unknown query", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	now := time.Now()
	b.level = min(b.max, b.level+b.restore*now.Sub(b.at).Seconds())
	b.at = now
	var body string
	if b.level < cost {
		b.throttled++
		body = fmt.Sprintf(`{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED","documentation":"https://shopify.dev/api/usage/rate-limits"}}],`+
			`"extensions":{"cost":{"requestedQueryCost":%g,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":%g,"currentlyAvailable":%g,"restoreRate":%g}}}}`,
			cost, b.max, b.level, b.restore)
	} else {
		// Like Shopify: the requested cost must be available; the actual
		// cost (here 70% of it: fewer objects than `first:` asked for) is
		// what is charged once the query has run.
		actual := math.Round(cost * 0.7)
		b.level -= actual
		b.consumed += actual
		b.served++
		body = fmt.Sprintf(`{"data":{"shop":{"name":"Demo"}},`+
			`"extensions":{"cost":{"requestedQueryCost":%g,"actualQueryCost":%g,"throttleStatus":{"maximumAvailable":%g,"currentlyAvailable":%g,"restoreRate":%g}}}}`,
			cost, actual, b.max, b.level, b.restore)
	}
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(body))
}

// TestPacingSharedBudget runs 8 concurrent callers against a Standard-plan
// bucket (100 points/s, 1000 max). It asserts only that the work completes
// and no THROTTLED reaches a caller; the throughput, as a ratio of the
// restore rate, is reported (timing is measured, not asserted).
func TestPacingSharedBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for a few seconds")
	}
	const (
		callers  = 8
		runFor   = 2 * time.Second
		restore  = 100.0
		maxPts   = 1000.0
		startLvl = 100.0 // a bucket a previous sync left nearly empty, so the run measures the restore rate rather than the burst
	)
	queries := map[string]float64{}
	var texts []string
	for i, cost := range []float64{10, 25, 40, 50} {
		q := fmt.Sprintf("query Q%d { shop { name } }", i)
		queries[q] = cost
		texts = append(texts, q)
	}
	bucket := &leakyBucket{max: maxPts, restore: restore, costs: queries, level: startLvl, at: time.Now()}
	th := NewThrottle(nil)
	c := newTestClient(t, bucket, Config{Throttle: th})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	stopAt := start.Add(runFor)
	var callerThrottled, done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stopAt); i++ {
				q := texts[(g+i)%len(texts)]
				// Tries 1: any THROTTLED from the server reaches the caller.
				_, err := c.GraphQL(ctx, q, nil, &GraphQLOptions{Tries: 1})
				if err != nil {
					if platform.KindOf(err) == platform.KindRateLimited || strings.Contains(err.Error(), "THROTTLED") {
						callerThrottled.Add(1)
					}
					errs <- err
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Errorf("caller failed: %v", err)
	}
	if n := callerThrottled.Load(); n != 0 {
		t.Errorf("%d THROTTLED errors reached callers", n)
	}
	if done.Load() < callers {
		t.Errorf("only %d queries completed", done.Load())
	}
	bucket.mu.Lock()
	defer bucket.mu.Unlock()
	// Throughput as a ratio of the restore rate: points consumed beyond what
	// the bucket held at the start, per second, over the restore rate. The
	// shortfall from 1 is what pacing left unspent in the bucket.
	ratio := (bucket.consumed - startLvl) / (restore * elapsed.Seconds())
	t.Logf("%d callers, %v: %d queries, %.0f points consumed (%.1f points/s incl. the %.0f the bucket started with), server THROTTLED %d; throughput %.2f of the restore rate",
		callers, elapsed.Round(time.Millisecond), bucket.served, bucket.consumed, bucket.consumed/elapsed.Seconds(), startLvl, bucket.throttled, ratio)
	if bucket.throttled != 0 {
		t.Logf("note: the server throttled %d attempts that pacing let through", bucket.throttled)
	}
}
