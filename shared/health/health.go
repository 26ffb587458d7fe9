// Package health answers GET /api/health (public: the status of each
// dependency: table, queues, bucket), GET /api/health/stores
// (authenticated: each store of the caller's group, its Shopify
// reachability and token state) and, in heartbeat, GET /api/heartbeat
// (liveness, no dependencies).
package health

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/flux-platform/flux/shared/platform"
)

// TableDescriber is the part of the DynamoDB client health uses.
type TableDescriber interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// QueueAttributesGetter is the part of the SQS client health uses.
type QueueAttributesGetter interface {
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// BucketHeader is the part of the S3 client health uses.
type BucketHeader interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
}

// Clients are the dependencies' clients, built once per cold start.
type Clients struct {
	DynamoDB TableDescriber
	SQS      QueueAttributesGetter
	S3       BucketHeader
}

// Status values of the report and of each component.
const (
	StatusOK        = "ok"
	StatusUnhealthy = "unhealthy"
	StatusDown      = "down"
)

// Safe reasons: the only text about a failure a client sees. The cause is
// logged, never sent (it may name ARNs, hosts or accounts).
const (
	ReasonTimeout      = "timeout"
	ReasonNotFound     = "not found"
	ReasonAccessDenied = "access denied"
	ReasonNotActive    = "not active"
	ReasonUnavailable  = "unavailable"
)

// Component is one dependency's status.
type Component struct {
	Status    string `json:"status"`
	LatencyMs int64  `json:"latencyMs"`
	Reason    string `json:"reason,omitempty"`
}

// Report is the body of GET /api/health.
type Report struct {
	Status     string               `json:"status"`
	Components map[string]Component `json:"components"`
}

// Healthy reports whether every component is ok.
func (r Report) Healthy() bool { return r.Status == StatusOK }

// Checker checks the dependencies named by its Config.
type Checker struct {
	Config  Config
	Clients Clients
}

type check struct {
	name string
	run  func(ctx context.Context) error
}

func (c *Checker) checks() []check {
	var cs []check
	if c.Config.TableName != "" {
		cs = append(cs, check{ComponentTable, c.checkTable})
	}
	names := make([]string, 0, len(c.Config.Queues))
	for name := range c.Config.Queues {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		url := c.Config.Queues[name]
		cs = append(cs, check{name, func(ctx context.Context) error { return c.checkQueue(ctx, url) }})
	}
	if c.Config.BucketName != "" {
		cs = append(cs, check{ComponentBucket, c.checkBucket})
	}
	return cs
}

func (c *Checker) checkTable(ctx context.Context) error {
	out, err := c.Clients.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(c.Config.TableName)})
	if err != nil {
		return err
	}
	if out.Table == nil || out.Table.TableStatus != types.TableStatusActive {
		return errNotActive
	}
	return nil
}

func (c *Checker) checkQueue(ctx context.Context, url string) error {
	_, err := c.Clients.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages},
	})
	return err
}

func (c *Checker) checkBucket(ctx context.Context) error {
	_, err := c.Clients.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(c.Config.BucketName)})
	return err
}

var errNotActive = errors.New("table is not ACTIVE")

// Check runs every check concurrently, each bounded by Config.Timeout and by
// ctx. It never fails: a failing dependency is a component that is down.
func (c *Checker) Check(ctx context.Context) Report {
	timeout := c.Config.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cs := c.checks()
	results := make([]Component, len(cs))
	var wg sync.WaitGroup
	for i, ch := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = run(ctx, ch)
		}()
	}
	wg.Wait()

	report := Report{Status: StatusOK, Components: make(map[string]Component, len(cs))}
	for i, ch := range cs {
		report.Components[ch.name] = results[i]
		if results[i].Status != StatusOK {
			report.Status = StatusUnhealthy
		}
	}
	return report
}

func run(ctx context.Context, ch check) (comp Component) {
	start := time.Now()
	defer func() {
		comp.LatencyMs = time.Since(start).Milliseconds()
		if p := recover(); p != nil {
			platform.Log(ctx).Error("health check panic", "component", ch.name, "panic", p)
			comp.Status, comp.Reason = StatusDown, ReasonUnavailable
		}
	}()
	err := ch.run(ctx)
	if err == nil {
		return Component{Status: StatusOK}
	}
	reason := classify(ctx, err)
	platform.Log(ctx).Warn("dependency unhealthy", "component", ch.name, "reason", reason, "error", err.Error())
	return Component{Status: StatusDown, Reason: reason}
}

// classify maps an error to a safe reason.
func classify(ctx context.Context, err error) string {
	if errors.Is(err, errNotActive) {
		return ReasonNotActive
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return ReasonTimeout
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ResourceNotFoundException", "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
			"NotFound", "NoSuchBucket":
			return ReasonNotFound
		case "AccessDenied", "AccessDeniedException", "Forbidden", "UnauthorizedOperation",
			"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException":
			return ReasonAccessDenied
		}
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		switch respErr.HTTPStatusCode() {
		case http.StatusNotFound:
			return ReasonNotFound
		case http.StatusForbidden, http.StatusUnauthorized:
			return ReasonAccessDenied
		}
	}
	return ReasonUnavailable
}

// ServeHTTP answers GET /api/health: 200 when every component is ok, 503
// otherwise. Never 500: a failing dependency is reported, not raised.
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	report := c.Check(r.Context())
	status := http.StatusOK
	if !report.Healthy() {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteJSON(r.Context(), w, status, report)
}

// Path is the route served.
const Path = "/api/health"

// NewHandler is GET /api/health alone behind platform.Edge (request id,
// panic safety).
func NewHandler(log *slog.Logger, cfg Config, clients Clients) http.Handler {
	return NewFunctionHandler(log, cfg, clients, nil)
}

// NewFunctionHandler is the handler of the rest-health function: the
// public GET /api/health and, when stores is not nil, the authenticated
// GET /api/health/stores (API Gateway runs the authorizer on that route
// only; the handler requires the scope stores:read itself).
func NewFunctionHandler(log *slog.Logger, cfg Config, clients Clients, stores *StoreChecker) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, &Checker{Config: cfg, Clients: clients})
	if stores != nil {
		mux.Handle("GET "+StoresPath, stores)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		platform.WriteError(r.Context(), w, platform.E(platform.KindNotFound, "not found"))
	})
	return platform.Edge(log, mux)
}
