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
