package health

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
)

// Fakes: each answers with err (if set) after delay, or with a healthy result.

type fakeDynamo struct {
	status types.TableStatus
	err    error
	delay  time.Duration
}

func (f fakeDynamo) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if err := wait(ctx, f.delay); err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	return &dynamodb.DescribeTableOutput{Table: &types.TableDescription{TableName: in.TableName, TableStatus: f.status}}, nil
}

type fakeSQS struct {
	errs  map[string]error // by queue URL
	delay time.Duration
	calls atomic.Int32
}

func (f *fakeSQS) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	f.calls.Add(1)
	if err := wait(ctx, f.delay); err != nil {
		return nil, err
	}
	if err := f.errs[*in.QueueUrl]; err != nil {
		return nil, err
	}
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{"ApproximateNumberOfMessages": "0"}}, nil
}

type fakeS3 struct {
	err   error
	panic bool
}

func (f fakeS3) HeadBucket(ctx context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	if f.panic {
		panic("boom")
	}
	return &s3.HeadBucketOutput{}, f.err
}

func wait(ctx context.Context, d time.Duration) error {
	if d == 0 {
		return nil
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

const (
	syncURL   = "https://sqs.us-east-1.amazonaws.com/123456789012/flux-SyncQueue-ABC"
	eventsURL = "https://sqs.us-east-1.amazonaws.com/123456789012/flux-EventsQueue-ABC"
	deployURL = "https://sqs.us-east-1.amazonaws.com/123456789012/flux-DeployQueue-ABC"
)

func testConfig() Config {
	return Config{
		TableName: "flux-Table-XYZ",
		Queues: map[string]string{
			ComponentSyncQueue: syncURL, ComponentEventsQueue: eventsURL, ComponentDeployQueue: deployURL,
		},
		BucketName: "flux-filesbucket-xyz",
		Timeout:    200 * time.Millisecond,
	}
}

// secretish is internal text that must never reach a client.
const secretish = "arn:aws:dynamodb:us-east-1:123456789012:table/flux-Table-XYZ AKIAIOSFODNN7EXAMPLE"

func apiErr(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: secretish}
}

func TestHealth(t *testing.T) {
	ok := Component{Status: StatusOK}
	tests := []struct {
		name       string
		clients    Clients
		wantStatus int
		want       map[string]Component // LatencyMs ignored
	}{
		{
			name:       "all healthy",
			clients:    Clients{DynamoDB: fakeDynamo{status: types.TableStatusActive}, SQS: &fakeSQS{}, S3: fakeS3{}},
			wantStatus: http.StatusOK,
			want: map[string]Component{
				"table": ok, "syncQueue": ok, "eventsQueue": ok, "deployQueue": ok, "bucket": ok,
			},
		},
		{
			name:       "table missing",
			clients:    Clients{DynamoDB: fakeDynamo{err: apiErr("ResourceNotFoundException")}, SQS: &fakeSQS{}, S3: fakeS3{}},
			wantStatus: http.StatusServiceUnavailable,
			want: map[string]Component{
				"table":     {Status: StatusDown, Reason: ReasonNotFound},
				"syncQueue": ok, "eventsQueue": ok, "deployQueue": ok, "bucket": ok,
			},
		},
		{
			name:       "table not active",
			clients:    Clients{DynamoDB: fakeDynamo{status: types.TableStatusUpdating}, SQS: &fakeSQS{}, S3: fakeS3{}},
			wantStatus: http.StatusServiceUnavailable,
			want: map[string]Component{
				"table":     {Status: StatusDown, Reason: ReasonNotActive},
				"syncQueue": ok, "eventsQueue": ok, "deployQueue": ok, "bucket": ok,
			},
		},
		{
			name: "one queue gone, another denied",
			clients: Clients{DynamoDB: fakeDynamo{status: types.TableStatusActive}, SQS: &fakeSQS{errs: map[string]error{
				eventsURL: apiErr("AWS.SimpleQueueService.NonExistentQueue"),
				deployURL: apiErr("AccessDenied"),
			}}, S3: fakeS3{}},
			wantStatus: http.StatusServiceUnavailable,
			want: map[string]Component{
				"table": ok, "syncQueue": ok, "bucket": ok,
				"eventsQueue": {Status: StatusDown, Reason: ReasonNotFound},
				"deployQueue": {Status: StatusDown, Reason: ReasonAccessDenied},
			},
		},
		{
			name:       "bucket unreachable",
			clients:    Clients{DynamoDB: fakeDynamo{status: types.TableStatusActive}, SQS: &fakeSQS{}, S3: fakeS3{err: errors.New("dial tcp 10.1.2.3:443: " + secretish)}},
			wantStatus: http.StatusServiceUnavailable,
			want: map[string]Component{
				"table": ok, "syncQueue": ok, "eventsQueue": ok, "deployQueue": ok,
				"bucket": {Status: StatusDown, Reason: ReasonUnavailable},
			},
		},
		{
			name:       "slow table times out, the rest still answer",
			clients:    Clients{DynamoDB: fakeDynamo{status: types.TableStatusActive, delay: 5 * time.Second}, SQS: &fakeSQS{}, S3: fakeS3{}},
			wantStatus: http.StatusServiceUnavailable,
			want: map[string]Component{
				"table":     {Status: StatusDown, Reason: ReasonTimeout},
				"syncQueue": ok, "eventsQueue": ok, "deployQueue": ok, "bucket": ok,
			},
		},
		{
			name:       "a panicking client is a down component, not a 500",
			clients:    Clients{DynamoDB: fakeDynamo{status: types.TableStatusActive}, SQS: &fakeSQS{}, S3: fakeS3{panic: true}},
			wantStatus: http.StatusServiceUnavailable,
			want: map[string]Component{
				"table": ok, "syncQueue": ok, "eventsQueue": ok, "deployQueue": ok,
				"bucket": {Status: StatusDown, Reason: ReasonUnavailable},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHandler(discard(), testConfig(), tt.clients)
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path, nil))
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("took %v: the timeout did not bound the checks", elapsed)
			}
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if got := rec.Header().Get(platform.RequestIDHeader); got == "" {
				t.Error("no X-Request-ID")
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			body := rec.Body.String()
			for _, leak := range []string{"arn:", "AKIA", "10.1.2.3", "123456789012", "flux-Table", "boom"} {
				if strings.Contains(body, leak) {
					t.Errorf("body leaks %q: %s", leak, body)
				}
			}
			var got Report
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body is not a report: %v: %s", err, body)
			}
			wantOverall := StatusOK
			if tt.wantStatus != http.StatusOK {
				wantOverall = StatusUnhealthy
			}
			if got.Status != wantOverall {
				t.Errorf("status = %q, want %q", got.Status, wantOverall)
			}
			if diff := cmp.Diff(tt.want, got.Components, cmp.Transformer("nolatency", func(c Component) Component {
				c.LatencyMs = 0
				return c
			})); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			if !strings.Contains(body, `"latencyMs":`) {
				t.Errorf("no latencyMs in %s", body)
			}
		})
	}
}

func TestHealthChecksRunConcurrently(t *testing.T) {
	// Three queue checks of 150 ms each finish in about 150 ms, not 450.
	q := &fakeSQS{delay: 150 * time.Millisecond}
	cfg := testConfig()
	cfg.Timeout = time.Second
	c := &Checker{Config: cfg, Clients: Clients{DynamoDB: fakeDynamo{status: types.TableStatusActive}, SQS: q, S3: fakeS3{}}}
	start := time.Now()
	r := c.Check(context.Background())
	if elapsed := time.Since(start); elapsed > 400*time.Millisecond {
		t.Errorf("checks took %v: not concurrent", elapsed)
	}
	if !r.Healthy() || q.calls.Load() != 3 {
		t.Errorf("report %+v, %d queue calls", r, q.calls.Load())
	}
}

func TestHealthRespectsRequestContext(t *testing.T) {
	cfg := testConfig()
	cfg.Timeout = time.Minute
	c := &Checker{Config: cfg, Clients: Clients{DynamoDB: fakeDynamo{status: types.TableStatusActive, delay: time.Minute}, SQS: &fakeSQS{}, S3: fakeS3{}}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r := c.Check(ctx)
	if got := r.Components[ComponentTable]; got.Status != StatusDown || got.Reason != ReasonTimeout {
		t.Errorf("table = %+v, want down/timeout", got)
	}
}

func TestHealthUnknownRoute(t *testing.T) {
	h := NewHandler(discard(), testConfig(), Clients{DynamoDB: fakeDynamo{}, SQS: &fakeSQS{}, S3: fakeS3{}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/nope", nil))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"code":"NOT_FOUND"`) {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}

// TestHealthThroughAPIGateway drives the Lambda handler with a REST API
// (payload 1.0) event from testdata, as the function receives it.
func TestHealthThroughAPIGateway(t *testing.T) {
	raw, err := readTestdata("apigw-health-request.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		clients Clients
		status  int
	}{
		{"healthy", Clients{DynamoDB: fakeDynamo{status: types.TableStatusActive}, SQS: &fakeSQS{}, S3: fakeS3{}}, 200},
		{"broken", Clients{DynamoDB: fakeDynamo{err: apiErr("ResourceNotFoundException")}, SQS: &fakeSQS{}, S3: fakeS3{}}, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handler := platform.APIGatewayHandler(NewHandler(discard(), testConfig(), tt.clients))
			resp, err := handler(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, resp.Body)
			}
			// The gateway's request id is the response's X-Request-ID.
			if got := headerOf(resp, platform.RequestIDHeader); got != ev.RequestContext.RequestID {
				t.Errorf("X-Request-ID = %q, want %q", got, ev.RequestContext.RequestID)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	full := map[string]string{
		"TABLE_NAME": "t", "SYNC_QUEUE_URL": "s", "EVENTS_QUEUE_URL": "e", "DEPLOY_QUEUE_URL": "d", "BUCKET_NAME": "b",
	}
	cfg, err := LoadConfig(platform.EnvFrom(full))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{TableName: "t", BucketName: "b", Timeout: DefaultTimeout, Queues: map[string]string{
		ComponentSyncQueue: "s", ComponentEventsQueue: "e", ComponentDeployQueue: "d",
	}}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}

	_, err = LoadConfig(platform.EnvFrom(map[string]string{"TABLE_NAME": "t", "HEALTH_TIMEOUT": "soon"}))
	if err == nil {
		t.Fatal("no error for missing variables")
	}
	for _, name := range []string{"SYNC_QUEUE_URL", "EVENTS_QUEUE_URL", "DEPLOY_QUEUE_URL", "BUCKET_NAME", "HEALTH_TIMEOUT"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func headerOf(resp events.APIGatewayProxyResponse, name string) string {
	// Header names are case-insensitive (the adapter canonicalizes them).
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, vs := range resp.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

func readTestdata(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }
