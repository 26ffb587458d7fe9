package shopify

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff is a jittered exponential backoff: try n (from 1) waits a random
// duration in [d/2, d] with d = min(max, base × 2^(n-1)). The jitter keeps
// concurrent callers that failed together from retrying together.
type backoff struct{ base, max time.Duration }

func (b *backoff) defaults() {
	if b.base <= 0 {
		b.base = time.Second
	}
	if b.max <= 0 {
		b.max = 30 * time.Second
	}
	if b.max < b.base {
		b.max = b.base
	}
}

func (b backoff) wait(try int) time.Duration {
	d := b.base
	for i := 1; i < try && d < b.max; i++ {
		d *= 2
	}
	if d > b.max {
		d = b.max
	}
	half := d / 2
	return half + rand.N(half+1)
}

// retryAfter reads a Retry-After header: seconds, possibly fractional as
// Shopify's REST API sends ("2.0"), or an HTTP date. 0 when absent or bad.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(h, 64); err == nil {
		if secs <= 0 || secs > 3600 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryableStatus: 429 and 5xx are worth another try; every other 4xx means
// the same request will fail the same way.
func retryableStatus(status int) bool { return status == http.StatusTooManyRequests || status >= 500 }

// retryableTransport: a failure to send or to read the answer (refused or
// dropped connection, per-attempt timeout) is retried; the caller's own
// cancellation or deadline is not.
func retryableTransport(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil
}

// sleep waits d unless ctx ends first, or its deadline would pass before d
// does: then waiting is pointless and the last failure is returned at once.
func sleep(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.DeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
