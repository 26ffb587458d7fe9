package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/infra/dev"
	"github.com/flux-platform/flux/infra/templatecheck"
	"github.com/flux-platform/flux/shared/shopify"
)

func TestParseBench(t *testing.T) {
	out := []byte(`goos: linux
goarch: amd64
pkg: github.com/flux-platform/flux/shared/graphql
cpu: Some CPU
BenchmarkGatewayConfigQuery-8   	   10000	    119348 ns/op	   32925 B/op	     526 allocs/op
BenchmarkDirectGroupCall        	  500000	      2175.5 ns/op
PASS
ok  	github.com/flux-platform/flux/shared/graphql	3.1s
`)
	got := parseBench(out)
	want := []benchResult{
		{name: "BenchmarkGatewayConfigQuery", nsPerOp: 119348, bytesPerOp: 32925, allocsPerOp: 526, hasAllocStats: true},
		{name: "BenchmarkDirectGroupCall", nsPerOp: 2175.5},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(benchResult{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{3 * ms}, 3 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 2 * ms, 8 * ms}, 3 * ms},
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// Every function of the template gets a non-empty value for each of its
// variables, so it can start without AWS.
func TestLambdaEnvFromTemplate(t *testing.T) {
	tpl, err := dev.LoadTemplate(filepath.Join(templatecheck.RepoRoot(), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fns {
		id := f.LogicalID
		env, err := lambdaEnv(tpl, target{name: id, logicalID: id}, "127.0.0.1:9001", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for name := range f.Env {
			i := slices.IndexFunc(env, func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
			if i < 0 {
				t.Errorf("%s: %s missing", id, name)
				continue
			}
			if v := strings.TrimPrefix(env[i], name+"="); v == "" && name != "SHOPIFY_API_KEY" {
				t.Errorf("%s: %s is empty", id, name)
			}
		}
	}
	env, err := lambdaEnv(tpl, target{name: "RestHealthFunction", logicalID: "RestHealthFunction"}, "x", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(env, "SYNC_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/000000000000/flux-bench-SyncQueue") ||
		!slices.Contains(env, "TABLE_NAME=flux-bench") || !slices.Contains(env, "LOG_LEVEL=info") {
		t.Errorf("env %v", env)
	}
}

// The bucket model: full at the start, restoring up to the maximum, less
// each answer's actual cost; the window starts at the first answer that
// leaves it below a query's requested cost.
func TestAnalyseShopify(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ok := func(ms int, requested, actual, avail float64) answer {
		return answer{at: at(ms), status: 200, cost: &shopify.Cost{RequestedQueryCost: requested, ActualQueryCost: &actual,
			ThrottleStatus: shopify.ThrottleStatus{MaximumAvailable: 1000, CurrentlyAvailable: avail, RestoreRate: 100}}}
	}
	throttled := answer{at: at(20), status: 200, throttled: true, cost: &shopify.Cost{RequestedQueryCost: 500,
		// in flight elsewhere: the reported level is no sign of steady state
		ThrottleStatus: shopify.ThrottleStatus{MaximumAvailable: 1000, CurrentlyAvailable: 10, RestoreRate: 100}}}
	ans := []answer{
		ok(0, 500, 300, 700),     // level 700
		throttled,                // level 702: not counted
		ok(30, 500, 300, 403),    // level 403 < 500: the window starts here
		ok(1030, 500, 100, 403),  // +100 −100
		ok(2030, 500, 100, 403),  // +100 −100
		ok(3030, 500, 50, 453),   // +100 −50
		ok(10_000, 500, 99, 999), // after the end
	}
	r := analyse(ans, t0, at(5000), 1000, 100)
	if !r.steady || r.window != 3*time.Second || r.windowAnswers != 3 || r.points != 250 {
		t.Fatalf("window %v, %d answers, %v points", r.window, r.windowAnswers, r.points)
	}
	if d := r.drift - 50; d > 1e-6 || d < -1e-6 {
		t.Errorf("drift %v, want +50 (restored 300, consumed 250)", r.drift)
	}
	if r.throttledSent != 1 || r.otherSent != 0 || r.requested != 500 || r.actual != 170 {
		t.Errorf("%+v", r)
	}
	if got := analyse(ans[:2], t0, at(5000), 1000, 100); got.steady {
		t.Errorf("steady without the bucket running down: %+v", got)
	}
}

// The section's paced row, short: 8 callers sharing one Throttle through
// the stores group never see a THROTTLED (a property of pacing, not a
// timing), and the pacing-disabled row replays the group's own query.
func TestShopifySectionShort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the emulator for a few seconds")
	}
	cfg := shopifyBenchConfig{callers: 8, duration: 3 * time.Second}
	paced, q, err := runShopifyRow(t.Context(), cfg, modeGroup, nil)
	if err != nil {
		t.Fatal(err)
	}
	if paced.callers.calls == 0 || paced.callers.products == 0 || len(paced.answers) == 0 {
		t.Fatalf("nothing read: %+v, %d answers", paced.callers, len(paced.answers))
	}
	if paced.callers.throttledErrs != 0 || paced.callers.otherErrs != 0 {
		t.Errorf("paced callers saw %d THROTTLED and %d other errors (first: %v)",
			paced.callers.throttledErrs, paced.callers.otherErrs, paced.callers.firstOther)
	}
	if q == nil || !strings.Contains(q.Query, "products(") || q.Variables["first"] == nil {
		t.Fatalf("captured query %+v", q)
	}
	naive, _, err := runShopifyRow(t.Context(), shopifyBenchConfig{callers: 8, duration: time.Second}, modeNaive, q)
	if err != nil {
		t.Fatal(err)
	}
	if naive.callers.products == 0 || naive.callers.otherErrs != 0 {
		t.Errorf("pacing-disabled row: %+v", naive.callers)
	}
}
