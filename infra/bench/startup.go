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

	"github.com/flux-platform/flux/shared/templatetest"
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
// credentials and no shared config files, plus its template variables with
// intrinsic functions replaced by plausible dummy values.
func lambdaEnv(tpl *templatetest.Template, t target, runtimeAddr, home string) []string {
	env := map[string]string{
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"HOME":                            home,
		"LANG":                            "en_US.UTF-8",
		"TZ":                              ":UTC",
		"AWS_LAMBDA_RUNTIME_API":          runtimeAddr,
		"AWS_REGION":                      "us-east-1",
		"AWS_DEFAULT_REGION":              "us-east-1",
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
		for k, v := range tpl.Env(t.logicalID) {
			env[k] = dummyValue(tpl, v)
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// dummyValue resolves a template value well enough to start a function:
// parameters take their defaults, queues a URL, the table a name, functions
// their logical id, attributes an ARN.
func dummyValue(tpl *templatetest.Template, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			if d, ok := tpl.ParameterDefault(ref); ok {
				return d
			}
			switch tpl.Resources[ref].Type {
			case "AWS::SQS::Queue":
				return "https://sqs.us-east-1.amazonaws.com/000000000000/flux-bench-" + ref
			case "AWS::DynamoDB::Table":
				return "flux-bench"
			case "AWS::S3::Bucket":
				return "flux-bench-" + strings.ToLower(ref)
			}
			return ref
		}
		if ga := templatetest.List(x["Fn::GetAtt"]); len(ga) == 2 {
			return fmt.Sprintf("arn:aws:bench:us-east-1:000000000000:%v", ga[0])
		}
		return "bench"
	default:
		return fmt.Sprint(v)
	}
}

func benchStartup(out io.Writer, root, tmp string, o options, tpl *templatetest.Template, targets []target) error {
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
		cmd.Env = lambdaEnv(tpl, t, ln.Addr().String(), home)
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
