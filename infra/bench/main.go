// Command bench is `make bench`: it measures, in one run, and prints as
// ratios against a baseline measured in the same run:
//
//   - each function's bootstrap size against infra/bench/baseline (a Go Lambda
//     built the same way that only creates the AWS SDK clients);
//   - each function's start-up time, process start to its first
//     GET /runtime/invocation/next on a fake Lambda Runtime API, against the
//     baseline's;
//   - the GraphQL gateway's overhead (shared/graphql benchmarks: a request
//     through gateway and group against a direct group call);
//   - DynamoDB reads per authenticated request (authorizer + config query)
//     against DynamoDB Local, against the minimum the access patterns need;
//   - Shopify store reads by 8 concurrent callers sharing one Throttle
//     against the in-process Shopify emulator: points consumed per second
//     against the emulator's restore rate, and THROTTLED errors, paced and
//     with pacing disabled;
//   - full OBJECTS syncs by the sync worker of 1,000 and 10,000 products
//     (capture.go): objects/s against reading the same objects without
//     capturing, Shopify points against the restore rate, DynamoDB write
//     units per object against the minimum a capture needs;
//   - a deploy of 1,000 products by the deploy executor (deploy.go):
//     objects/s and the target's Shopify points against its cost budget,
//     and the rollback of the same release against the deploy's time.
//
// Nothing is asserted: figures vary by machine; ratios travel better.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flux-platform/flux/infra/dev"
	"github.com/flux-platform/flux/infra/templatecheck"
)

type options struct {
	buildFlags  string
	arch        string
	runs        int
	requests    int
	ddbLocalDir string
	shopify     shopifyBenchConfig
	capture     captureBenchConfig
	deploy      deployBenchConfig
	skip        map[string]bool
}

// target is one binary under test.
type target struct {
	name      string // functions/<name>, or "baseline"
	logicalID string // template.yaml logical id ("" for the baseline)
	pkg       string // ./functions/<name>
}

func main() {
	var o options
	var skip string
	flag.StringVar(&o.buildFlags, "buildflags", "-trimpath -tags lambda.norpc -ldflags '-s -w'", "go build flags of a Lambda bootstrap (the Makefile passes its own)")
	flag.StringVar(&o.arch, "arch", "arm64", "GOARCH the functions ship for (sizes are measured on it)")
	flag.IntVar(&o.runs, "runs", 21, "start-up runs per binary (the median is reported)")
	flag.IntVar(&o.requests, "requests", 20, "authenticated requests for the DynamoDB read count")
	flag.StringVar(&o.ddbLocalDir, "dynamodb-local", ".tools/dynamodb-local", "directory of DynamoDBLocal.jar (FLUX_BENCH_DYNAMODB_ENDPOINT overrides)")
	flag.IntVar(&o.shopify.callers, "shopify-callers", 8, "concurrent store readers of the shopify section")
	flag.DurationVar(&o.shopify.duration, "shopify-duration", 12*time.Second, "length of each of the shopify section's two runs (warm-up included)")
	o.capture.register(flag.CommandLine)
	o.deploy.register(flag.CommandLine)
	flag.StringVar(&skip, "skip", "", "comma-separated sections to skip: size,startup,gateway,dynamodb,shopify,capture,deploy")
	flag.Parse()
	o.skip = map[string]bool{}
	for _, s := range strings.Split(skip, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.skip[s] = true
		}
	}
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options, out io.Writer) error {
	root := templatecheck.RepoRoot()
	tpl, err := dev.LoadTemplate(filepath.Join(root, "template.yaml"))
	if err != nil {
		return err
	}
	fns, _, err := templatecheck.MakeFunctions(root)
	if err != nil {
		return fmt.Errorf("read the Makefile's FUNCTIONS: %w", err)
	}
	targets := []target{{name: "baseline", pkg: "./infra/bench/baseline"}}
	ids := make([]string, 0, len(fns))
	for id := range fns {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return fns[ids[i]] < fns[ids[j]] })
	for _, id := range ids {
		targets = append(targets, target{name: fns[id], logicalID: id, pkg: "./functions/" + fns[id]})
	}

	tmp, err := os.MkdirTemp("", "flux-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(out, "Flux benchmarks (%s/%s host, %s)\n", runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(out, "build flags: %s\n\n", o.buildFlags)

	var errs []error
	section := func(name string, fn func() error) {
		if o.skip[name] {
			fmt.Fprintf(out, "== %s: skipped (-skip)\n\n", name)
			return
		}
		start := time.Now()
		if err := fn(); err != nil {
			fmt.Fprintf(out, "   %s FAILED: %v\n\n", name, err)
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		fmt.Fprintf(os.Stderr, "bench: %s took %s\n", name, time.Since(start).Round(time.Millisecond))
	}
	section("size", func() error { return benchSizes(out, root, tmp, o, targets) })
	section("startup", func() error { return benchStartup(out, root, tmp, o, tpl, targets) })
	section("gateway", func() error { return benchGateway(out, root) })
	section("dynamodb", func() error { return benchDynamoDB(out, root, o) })
	section("shopify", func() error { return benchShopify(out, o.shopify) })
	section("capture", func() error { return benchCapture(out, root, o) })
	section("deploy", func() error { return benchDeploy(out, root, o) })
	return errors.Join(errs...)
}

func table(out io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}
