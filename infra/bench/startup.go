package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/flux-platform/flux/infra/dev"
)

// runtimeAPI is a fake Lambda Runtime API: it notes when a process first
// asks for an event (it is initialised and ready) and then holds that request
// open until the process is stopped. A process that reports an init error or
// exits first is a failed run.
type runtimeAPI struct {
	ready   chan time.Time
	initErr chan string
}

func (api *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
		at := time.Now()
		select {
		case api.ready <- at:
		default:
		}
		<-r.Context().Done()
	case r.Method == http.MethodPost && r.URL.Path == "/2018-06-01/runtime/init/error":
		body, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
		select {
		case api.initErr <- string(body):
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// lambdaEnv is the environment a function gets in Lambda, with dummy AWS
// credentials and no shared config files, plus its template variables
// resolved by benchResolver (infra/dev's Resolver with dummy resources).
func lambdaEnv(tpl *dev.Template, t target, runtimeAddr, home string) ([]string, error) {
	env := map[string]string{
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"HOME":                            home,
		"LANG":                            "en_US.UTF-8",
		"TZ":                              ":UTC",
		"AWS_LAMBDA_RUNTIME_API":          runtimeAddr,
		"AWS_REGION":                      benchRegion,
		"AWS_DEFAULT_REGION":              benchRegion,
		"AWS_ACCESS_KEY_ID":               "ASIABENCHBENCHBENCH0",
		"AWS_SECRET_ACCESS_KEY":           "bench",
		"AWS_SESSION_TOKEN":               "bench",
		"AWS_CONFIG_FILE":                 home + "/no-aws-config",
		"AWS_SHARED_CREDENTIALS_FILE":     home + "/no-aws-credentials",
		"AWS_EC2_METADATA_DISABLED":       "true",
		"AWS_LAMBDA_FUNCTION_NAME":        "flux-bench-" + t.name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"_HANDLER":                        "bootstrap",
	}
	if t.logicalID != "" {
		fns, err := tpl.Functions()
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(fns, func(f dev.Function) bool { return f.LogicalID == t.logicalID })
		if i < 0 {
			return nil, fmt.Errorf("%s is not a function of the template", t.logicalID)
		}
		vars, err := dev.FunctionEnv(benchResolver(tpl), fns[i], nil, nil)
		if err != nil {
			return nil, err
		}
		for k, v := range vars {
			env[k] = v
		}
		// The Shopify app secret is read from SSM at cold start in AWS; the
		// bench makes no network calls, so it is given directly (the same
		// code path the local stack uses) and the SSM round trip is not in
		// the figure.
		if _, ok := vars["SHOPIFY_API_SECRET_PARAMETER"]; ok {
			env["SHOPIFY_API_SECRET"] = "bench-shopify-app-secret"
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out, nil
}

const (
	benchRegion  = "us-east-1"
	benchAccount = "000000000000"
)

// benchParamValues stand in for the values a deployer gives the template's
// parameters that have no usable default.
var benchParamValues = map[string]string{
	"ShopifyApiKey": "bench-shopify-app-key",
	"PublicUrl":     "https://bench.execute-api." + benchRegion + ".amazonaws.com/prod",
}

// benchResolver resolves template values well enough to start a function,
// without AWS: parameters take their defaults, queues a URL, the table a
// name, the bucket a name, functions their logical id; every resource has
// an Arn (queues also a QueueName).
func benchResolver(tpl *dev.Template) *dev.Resolver {
	r := &dev.Resolver{
		Params: map[string]string{},
		Pseudo: map[string]string{
			"AWS::Region":    benchRegion,
			"AWS::AccountId": benchAccount,
			"AWS::StackName": "flux-bench",
			"AWS::StackId":   "arn:aws:cloudformation:" + benchRegion + ":" + benchAccount + ":stack/flux-bench/bench",
			"AWS::Partition": "aws",
			"AWS::URLSuffix": "amazonaws.com",
		},
		Resources:  map[string]dev.Physical{},
		Conditions: tpl.Conditions,
	}
	for name, p := range tpl.Parameters {
		if p.HasDefault {
			r.Params[name] = p.Default
		}
		// Parameters the deployer must fill (empty defaults) get what a
		// deployment would give them, so every function can start.
		if r.Params[name] == "" {
			r.Params[name] = benchParamValues[name]
		}
	}
	for id, res := range tpl.Resources {
		arn := "arn:aws:bench:" + benchRegion + ":" + benchAccount + ":" + id
		ph := dev.Physical{Ref: id, Attrs: map[string]string{"Arn": arn}}
		switch res.Type {
		case dev.TypeQueue:
			ph.Ref = "https://sqs." + benchRegion + ".amazonaws.com/" + benchAccount + "/flux-bench-" + id
			ph.Attrs["QueueName"] = "flux-bench-" + id
		case dev.TypeTable:
			ph.Ref = "flux-bench"
		case dev.TypeBucket:
			ph.Ref = "flux-bench-" + strings.ToLower(id)
		}
		r.Resources[id] = ph
	}
	return r
}

func benchStartup(out io.Writer, root, tmp string, o options, tpl *dev.Template, targets []target) error {
	host := runtime.GOARCH
	fmt.Fprintf(out, "== Start-up (process start -> first GET /runtime/invocation/next), median of %d runs\n", o.runs)
	fmt.Fprintf(out, "   built for linux/%s, the host: %s binaries cannot run here, so these are the same\n", host, o.arch)
	fmt.Fprintf(out, "   programs built for the host; dummy AWS credentials and template env, no network calls.\n")

	bins := map[string]string{}
	for _, t := range targets {
		bin, err := build(root, tmp, o.buildFlags, host, t)
		if err != nil {
			return err
		}
		bins[t.name] = bin
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	api := &runtimeAPI{ready: make(chan time.Time, 1), initErr: make(chan string, 1)}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	home, err := os.MkdirTemp(tmp, "home-")
	if err != nil {
		return err
	}
	envs := map[string][]string{}
	for _, t := range targets {
		if envs[t.name], err = lambdaEnv(tpl, t, ln.Addr().String(), home); err != nil {
			return err
		}
	}
	once := func(t target) (time.Duration, error) {
		// Drop anything left from a previous run.
		select {
		case <-api.ready:
		default:
		}
		select {
		case <-api.initErr:
		default:
		}
		cmd := exec.Command(bins[t.name])
		cmd.Env = envs[t.name]
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stderr, &stderr
		exited := make(chan error, 1)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		go func() { exited <- cmd.Wait() }()
		stop := func() {
			_ = cmd.Process.Kill()
			<-exited
		}
		select {
		case at := <-api.ready:
			stop()
			return at.Sub(start), nil
		case msg := <-api.initErr:
			stop()
			return 0, fmt.Errorf("%s reported an init error: %s %s", t.name, msg, tail(stderr.String()))
		case err := <-exited:
			return 0, fmt.Errorf("%s exited before asking for an event (%v): %s", t.name, err, tail(stderr.String()))
		case <-time.After(20 * time.Second):
			stop()
			return 0, fmt.Errorf("%s did not ask for an event within 20s: %s", t.name, tail(stderr.String()))
		}
	}

	samples := map[string][]time.Duration{}
	for _, t := range targets { // one warm-up each: page cache, not measured
		if _, err := once(t); err != nil {
			return err
		}
	}
	for range o.runs { // interleaved, so drift hits every binary alike
		for _, t := range targets {
			d, err := once(t)
			if err != nil {
				return err
			}
			samples[t.name] = append(samples[t.name], d)
		}
	}
	base := median(samples["baseline"])
	w := table(out)
	fmt.Fprintln(w, "function\tmedian\tmin\tmax\tvs baseline\t")
	for _, t := range targets {
		s := samples[t.name]
		m := median(s)
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", t.name, ms(m), ms(slices.Min(s)), ms(slices.Max(s)), ratio(float64(m), float64(base)))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		s = "..." + s[len(s)-600:]
	}
	return s
}
