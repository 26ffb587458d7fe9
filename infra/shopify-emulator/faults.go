package emulator

import (
	"fmt"
	"math/rand"
	"sync"
)

// Fault kinds the control API can inject into Admin API requests.
const (
	Fault429       = "429"       // HTTP 429 with Retry-After
	Fault500       = "500"       // HTTP 500
	Fault502       = "502"       // HTTP 502
	Fault503       = "503"       // HTTP 503
	FaultThrottled = "throttled" // HTTP 200 with the THROTTLED error
	FaultSlow      = "slow"      // answer normally after DelayMs
	FaultDrop      = "drop"      // hijack the connection and close it without an answer
)

// Fault is one injected failure. It applies to the next Count requests, or to
// each request with Probability (0..1) when Count is 0; Shop limits it to one
// shop ("" for all).
type Fault struct {
	ID          int     `json:"id"`
	Kind        string  `json:"kind"`
	Count       int     `json:"count,omitempty"`
	Probability float64 `json:"probability,omitempty"`
	DelayMs     int     `json:"delayMs,omitempty"`
	RetryAfter  float64 `json:"retryAfter,omitempty"`
	Shop        string  `json:"shop,omitempty"`
	Remaining   int     `json:"remaining,omitempty"`
}

type faultSet struct {
	mu     sync.Mutex
	faults []*Fault
	seq    int
	rnd    *rand.Rand
}

func newFaultSet(seed int64) *faultSet {
	return &faultSet{rnd: rand.New(rand.NewSource(seed))}
}

func (fs *faultSet) add(f Fault) (Fault, error) {
	switch f.Kind {
	case Fault429, Fault500, Fault502, Fault503, FaultThrottled, FaultSlow, FaultDrop:
	default:
		return f, fmt.Errorf("unknown fault kind %q (want 429, 500, 502, 503, throttled, slow or drop)", f.Kind)
	}
	if f.Count < 0 || f.Probability < 0 || f.Probability > 1 {
		return f, fmt.Errorf("count must be >= 0 and probability within 0..1")
	}
	if f.Count == 0 && f.Probability == 0 {
		f.Count = 1
	}
	if f.Kind == FaultSlow && f.DelayMs <= 0 {
		f.DelayMs = 1000
	}
	if f.Kind == Fault429 && f.RetryAfter <= 0 {
		f.RetryAfter = 2
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.seq++
	f.ID = fs.seq
	f.Remaining = f.Count
	fs.faults = append(fs.faults, &f)
	return f, nil
}

// next picks the fault for a request to shop, if any, consuming one use.
func (fs *faultSet) next(shop string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.faults {
		if f.Shop != "" && f.Shop != shop {
			continue
		}
		if f.Count > 0 {
			f.Remaining--
			if f.Remaining <= 0 {
				fs.faults = append(fs.faults[:i:i], fs.faults[i+1:]...)
			}
			c := *f
			return &c
		}
		if fs.rnd.Float64() < f.Probability {
			c := *f
			return &c
		}
	}
	return nil
}

func (fs *faultSet) list() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := []Fault{}
	for _, f := range fs.faults {
		out = append(out, *f)
	}
	return out
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.faults = nil
}
