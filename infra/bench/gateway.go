package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
)

// The gateway's benchmarks in shared/graphql: a config query through the
// gateway (HTTP handler, parse, validate, limits, rpc in-process transport,
// group, JSON both ways) and the same group call made directly.
const (
	benchGatewayName = "BenchmarkGatewayConfigQuery"
	benchDirectName  = "BenchmarkDirectGroupCall"
)

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?(?:\s+([\d.]+) allocs/op)?`)

type benchResult struct {
	name          string
	nsPerOp       float64
	bytesPerOp    float64
	allocsPerOp   float64
	hasAllocStats bool
}

func parseBench(out []byte) []benchResult {
	var res []benchResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		r := benchResult{name: m[1]}
		r.nsPerOp, _ = strconv.ParseFloat(m[3], 64)
		if m[4] != "" {
			r.bytesPerOp, _ = strconv.ParseFloat(m[4], 64)
			r.allocsPerOp, _ = strconv.ParseFloat(m[5], 64)
			r.hasAllocStats = true
		}
		res = append(res, r)
	}
	return res
}

func benchGateway(out io.Writer, root string) error {
	fmt.Fprintln(out, "== Gateway overhead (go test -run=^$ -bench=. -benchmem ./shared/graphql/)")
	cmd := exec.Command("go", "test", "-run=^$", "-bench=.", "-benchmem", "./shared/graphql/")
	cmd.Dir = root
	raw, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go test -bench: %w\n%s", err, tail(string(raw)))
	}
	results := parseBench(raw)
	if len(results) == 0 {
		return fmt.Errorf("no benchmark results in:\n%s", tail(string(raw)))
	}
	byName := map[string]benchResult{}
	w := table(out)
	fmt.Fprintln(w, "benchmark\tns/op\tB/op\tallocs/op\t")
	for _, r := range results {
		byName[r.name] = r
		fmt.Fprintf(w, "%s\t%.0f\t%.0f\t%.0f\t\n", r.name, r.nsPerOp, r.bytesPerOp, r.allocsPerOp)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	gw, okG := byName[benchGatewayName]
	direct, okD := byName[benchDirectName]
	if !okG || !okD {
		fmt.Fprintf(out, "   TODO: %s and %s not both found; no ratio\n\n", benchGatewayName, benchDirectName)
		return nil
	}
	fmt.Fprintf(out, "   gateway / direct group call: %s time (%+.1f µs per request), %s allocations\n",
		ratio(gw.nsPerOp, direct.nsPerOp), (gw.nsPerOp-direct.nsPerOp)/1000, ratio(gw.allocsPerOp, direct.allocsPerOp))
	fmt.Fprintln(out, "   (in AWS the gateway-to-group hop is a Lambda Invoke, milliseconds, not measured here)")
	fmt.Fprintln(out)
	return nil
}
