// Package dev is Flux's local stack: the emulators (DynamoDB Local,
// moto_server) as child processes, the template's resources created in them,
// an API Gateway (REST, payload 1.0) emulation whose routes, authorizer and
// gateway responses are read from template.yaml, the SQS event-source
// pollers, and the real function handlers linked in-process (functions.go).
// `make dev` (infra/cmd/flux-dev) and the end-to-end test (infra/e2e) both
// run it.
package dev

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/logging"
)

// Endpoints are the emulators the stack's AWS clients talk to.
type Endpoints struct {
	DynamoDB string // DynamoDB Local, e.g. http://127.0.0.1:8000
	AWS      string // moto_server (SQS, S3, KMS, SSM...), e.g. http://127.0.0.1:4566
}

// LocalAWS is an aws.Config for the emulators: region us-east-1, static
// "test" credentials, DynamoDB at e.DynamoDB and every other service at
// e.AWS. It sets no environment variables, so tests can use it freely; the
// endpoints take precedence over AWS_ENDPOINT_URL_* in the environment.
func LocalAWS(ctx context.Context, e Endpoints) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx,
		awsconfig.WithRegion(LocalRegion),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
	)
	if err != nil {
		return aws.Config{}, fmt.Errorf("local aws config: %w", err)
	}
	cfg.ConfigSources = append([]any{localEndpoints(e)}, cfg.ConfigSources...)
	// The emulators' responses make the SDK warn about checksums it cannot
	// verify (DynamoDB Local omits x-amz-crc32 on errors); keep those at
	// debug level instead of on stderr.
	cfg.Logger = logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		slog.Debug(fmt.Sprintf(format, v...), "source", "aws-sdk", "classification", string(c))
	})
	return cfg, nil
}

// localEndpoints is a config source the SDK's clients ask for their base
// endpoint (the same hook AWS_ENDPOINT_URL_<SERVICE> goes through).
type localEndpoints Endpoints

func (l localEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	if sdkID == "DynamoDB" || sdkID == "DynamoDB Streams" {
		return l.DynamoDB, l.DynamoDB != "", nil
	}
	return l.AWS, l.AWS != "", nil
}

// Options configure a Stack.
type Options struct {
	// TemplatePath is template.yaml.
	TemplatePath string
	// AWS is the configuration of every client (see LocalAWS).
	AWS aws.Config
	// Names of the table, queues and bucket.
	Names Names
	// Parameters override the template's parameter defaults.
	Parameters map[string]string
	// Env is added to every function's environment (e.g. SHOPIFY_API_KEY and
	// SHOPIFY_API_SECRET); FunctionEnv to one function's (logical id ->
	// variables), last. Both win over the template.
	Env         map[string]string
	FunctionEnv map[string]map[string]string
	// Functions are the builders; nil = Functions(), the real ones.
	Functions Registry
	// Addr is where the API listens: "127.0.0.1:3000", or "127.0.0.1:0" for
	// a free port.
	Addr string
	// Log receives the stack's and the functions' logs; nil = slog.Default().
	Log *slog.Logger
	// PollWait is the SQS long-poll wait of the event-source pollers
	// (default 20 s); NoPollers disables them.
	PollWait  time.Duration
	NoPollers bool
	// QueueAttributes override queues' attributes (logical id -> attribute
	// -> value): tests of redelivery shorten a VisibilityTimeout.
	QueueAttributes map[string]map[string]string
}

// PublicURLParameter is the template parameter that holds the API's public
// base URL; unless Options.Parameters sets it, the stack gives it its own URL.
const PublicURLParameter = "PublicUrl"

// Stack is a running local stack (without its emulator processes, which the
// caller starts and stops: see StartDynamoDBLocal, StartMoto).
type Stack struct {
	Template *Template
	Resolver *Resolver
	Routes   []Route
	// URL is the API's base URL, e.g. http://127.0.0.1:3000.
	URL string
	// Env is each function's resolved environment.
	Env map[string]map[string]string

	opts    Options
	funcs   *functions
	server  *http.Server
	served  chan struct{}
	srvErr  error
	cancel  context.CancelFunc
	pollers sync.WaitGroup
	once    sync.Once
}

// Start reads the template, creates its resources (idempotently), builds
// every function (a function without a builder fails the start), starts the
// SQS pollers and serves the API.
func Start(ctx context.Context, o Options) (*Stack, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Functions == nil {
		o.Functions = Functions()
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:3000"
	}
	if o.Names.Table == "" {
		o.Names.Table = "flux-local"
	}
	t, err := LoadTemplate(o.TemplatePath)
	if err != nil {
		return nil, err
	}
	fns, err := t.Functions()
	if err != nil {
		return nil, err
	}
	apis, err := t.APIs()
	if err != nil {
		return nil, err
	}
	routes, err := BuildRoutes(fns, apis)
	if err != nil {
		return nil, err
	}
	if err := CheckRegistry(fns, o.Functions); err != nil {
		return nil, err
	}
	for id := range o.FunctionEnv {
		if t.Resources[id].Type != TypeFunction {
			return nil, fmt.Errorf("FunctionEnv names %s, which is not a function of the template", id)
		}
	}
	// Listen first: the API's own URL is a parameter of the functions that
	// hand it out (OAuth redirect_uri), as the deployed URL is in AWS.
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	ok := false
	defer func() {
		if !ok {
			ln.Close()
		}
	}()
	url := "http://" + ln.Addr().String()
	params := o.Parameters
	if _, declared := t.Parameters[PublicURLParameter]; declared && params[PublicURLParameter] == "" {
		params = maps.Clone(params)
		if params == nil {
			params = map[string]string{}
		}
		params[PublicURLParameter] = url
	}
	r, err := Provision(ctx, o.AWS, t, o.Names, params, o.QueueAttributes)
	if err != nil {
		return nil, fmt.Errorf("create local resources: %w", err)
	}
	s := &Stack{Template: t, Resolver: r, Routes: routes, Env: map[string]map[string]string{}, opts: o, URL: url}
	defs := map[string]Function{}
	for _, f := range fns {
		env, err := FunctionEnv(r, f, o.Env, o.FunctionEnv[f.LogicalID])
		if err != nil {
			return nil, err
		}
		s.Env[f.LogicalID] = env
		defs[f.LogicalID] = f
	}
	s.funcs = &functions{
		registry: o.Functions, defs: defs, env: s.Env, aws: o.AWS, log: o.Log,
		handlers: map[string]Handler{}, building: map[string]bool{},
	}
	if err := s.funcs.buildAll(ctx); err != nil {
		return nil, err
	}
	stages := map[string]string{}
	for id, a := range apis {
		st, err := r.String(a.StageName)
		if err != nil {
			return nil, fmt.Errorf("api %s StageName: %w", id, err)
		}
		stages[id] = st
	}
	gw := NewGateway(GatewayConfig{
		Routes: routes, APIs: apis, Stages: stages, Functions: fns,
		Handler: s.funcs.get, Log: o.Log,
	})

	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	if !o.NoPollers {
		if err := s.startPollers(pctx, fns); err != nil {
			cancel()
			return nil, err
		}
	}

	ok = true
	s.server = &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	s.served = make(chan struct{})
	go func() {
		err := s.server.Serve(ln)
		if !errors.Is(err, http.ErrServerClosed) {
			s.srvErr = err
		}
		close(s.served)
	}()
	return s, nil
}

func (s *Stack) startPollers(ctx context.Context, fns []Function) error {
	client := sqs.NewFromConfig(s.opts.AWS)
	for _, f := range fns {
		for _, e := range f.SQSEvents {
			if !e.Enabled {
				continue
			}
			q, ok := s.Resolver.Resources[e.QueueLogicalID]
			if e.QueueLogicalID == "" || !ok || s.Template.Resources[e.QueueLogicalID].Type != TypeQueue {
				return fmt.Errorf("function %s event %s: Queue must be !GetAtt <Queue>.Arn of a queue in the template", f.LogicalID, e.Name)
			}
			h, err := s.funcs.get(ctx, f.LogicalID)
			if err != nil {
				return err
			}
			sh, ok := h.(SQSHandler)
			if !ok {
				return fmt.Errorf("function %s has an SQS event but its builder returns a %s handler", f.LogicalID, h.handlerKind())
			}
			timeout := time.Duration(f.Timeout) * time.Second
			p := &Poller{
				Client: client, QueueURL: q.Ref, QueueARN: q.Attrs["Arn"], Function: f.LogicalID,
				Handler: sh, BatchSize: e.BatchSize, ReportBatchItemFailures: e.ReportBatchItemErrors,
				WaitTime: s.opts.PollWait, Timeout: timeout, Log: s.opts.Log,
			}
			s.pollers.Add(1)
			go func() {
				defer s.pollers.Done()
				p.Run(ctx)
			}()
		}
	}
	return nil
}

// Handler is the built handler of a function (for tests that invoke one
// directly).
func (s *Stack) Handler(ctx context.Context, logicalID string) (Handler, error) {
	return s.funcs.get(ctx, logicalID)
}

// QueueURL is the local URL of a queue resource ("" if unknown).
func (s *Stack) QueueURL(logicalID string) string { return s.Resolver.Resources[logicalID].Ref }

// TableName is the local name of the (first) table.
func (s *Stack) TableName() string {
	ids := s.Template.OfType(TypeTable)
	if len(ids) == 0 {
		return ""
	}
	return s.Resolver.Resources[ids[0]].Ref
}

// Describe lists the routes for a start-up banner.
func (s *Stack) Describe() []string {
	var lines []string
	for _, r := range s.Routes {
		auth := r.Authorizer
		if auth == "" {
			auth = "no auth"
		}
		lines = append(lines, fmt.Sprintf("%-6s %-32s -> %s (%s)", r.Method, r.Path, r.Function, auth))
	}
	sort.Strings(lines)
	return lines
}

// Close stops serving (letting requests in flight finish until ctx is done)
// and stops the pollers.
func (s *Stack) Close(ctx context.Context) error {
	var err error
	s.once.Do(func() {
		if s.server != nil {
			err = s.server.Shutdown(ctx)
			<-s.served
			if s.srvErr != nil && err == nil {
				err = s.srvErr
			}
		}
		s.cancel()
		done := make(chan struct{})
		go func() { s.pollers.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("pollers did not stop: %w", ctx.Err())
			}
		}
	})
	return err
}

// Served is closed when the HTTP server has stopped; ServeErr says why.
func (s *Stack) Served() <-chan struct{} { return s.served }

// ServeErr is the HTTP server's error once Served is closed (nil after Close).
func (s *Stack) ServeErr() error {
	select {
	case <-s.served:
		return s.srvErr
	default:
		return nil
	}
}
