package dev

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/flux-platform/flux/shared/rpc"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestStartFailsOnAFunctionWithoutBuilder(t *testing.T) {
	// Fails before touching AWS: no endpoints needed.
	_, err := Start(context.Background(), Options{
		TemplatePath: "testdata/template.yaml",
		Functions:    Registry{"AuthFunction": func(context.Context, Deps) (Handler, error) { return AuthorizerHandler(testAuthorizer), nil }},
		Log:          quietLog(),
	})
	if err == nil || !strings.Contains(err.Error(), "EchoFunction, WorkerFunction") || !strings.Contains(err.Error(), "functions.go") {
		t.Fatalf("err = %v, want it to name EchoFunction and WorkerFunction and functions.go", err)
	}
}

type fakeGroup struct{}

func (fakeGroup) Handle(_ context.Context, req rpc.Request) (rpc.Response, error) {
	return rpc.Response{Result: json.RawMessage(`"` + req.Operation + `"`)}, nil
}

func TestDepsInProcess(t *testing.T) {
	f := &functions{
		registry: Registry{
			"Gw":    func(ctx context.Context, d Deps) (Handler, error) { return APIHandler(testEcho), nil },
			"Group": func(context.Context, Deps) (Handler, error) { return GroupHandler{fakeGroup{}}, nil },
		},
		defs:     map[string]Function{"Gw": {LogicalID: "Gw"}, "Group": {LogicalID: "Group"}},
		env:      map[string]map[string]string{"Gw": {"GROUP_FUNCTION_X": "Group", "GROUP_FUNCTION_BAD": "Gw"}},
		log:      quietLog(),
		handlers: map[string]Handler{}, building: map[string]bool{},
	}
	d := Deps{LogicalID: "Gw", EnvMap: f.env["Gw"], stack: f}
	tr, err := d.InProcess(context.Background(), map[string]string{"x": "GROUP_FUNCTION_X"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.Call(context.Background(), rpc.Request{Group: "x", Operation: "op"})
	if err != nil || string(resp.Result) != `"op"` {
		t.Fatalf("call = %s, %v", resp.Result, err)
	}
	if _, err := d.InProcess(context.Background(), map[string]string{"x": "GROUP_FUNCTION_BAD"}); err == nil || !strings.Contains(err.Error(), "not a resolver group") {
		t.Errorf("non-group function: err = %v", err)
	}
	if _, err := d.InProcess(context.Background(), map[string]string{"x": "UNSET"}); err == nil || !strings.Contains(err.Error(), "UNSET is not set") {
		t.Errorf("unset variable: err = %v", err)
	}
}

// The testdata template, run for real: resources in the emulators, env
// resolved to them, routes served, the SQS event source wired to its queue.
func TestStackRunsTheTemplate(t *testing.T) {
	e := testEndpoints(t)
	ctx := context.Background()
	cfg, err := LocalAWS(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	run := "stack-test-" + randomSuffix()
	got := make(chan events.SQSMessage, 10)
	var echoEnv map[string]string
	reg := Registry{
		"AuthFunction": func(context.Context, Deps) (Handler, error) { return AuthorizerHandler(testAuthorizer), nil },
		"EchoFunction": func(_ context.Context, d Deps) (Handler, error) {
			echoEnv = d.EnvMap
			if d.Env.String("QUEUE_URL") == "" {
				return nil, d.Env.Err()
			}
			return APIHandler(testEcho), nil
		},
		"WorkerFunction": func(context.Context, Deps) (Handler, error) {
			return SQSHandler(func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				for _, m := range ev.Records {
					got <- m
				}
				return events.SQSEventResponse{}, nil
			}), nil
		},
	}
	s, err := Start(ctx, Options{
		TemplatePath: "testdata/template.yaml", AWS: cfg, Functions: reg,
		Names: Names{Table: run, Prefix: run + "-"}, Addr: "127.0.0.1:0",
		Parameters: map[string]string{"Greeting": "hi"},
		Log:        quietLog(), PollWait: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := s.Close(cctx); err != nil {
			t.Errorf("close: %v", err)
		}
		_, _ = dynamodb.NewFromConfig(cfg).DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(run)})
		for _, q := range []string{"WorkQueue", "WorkDLQ"} {
			_, _ = sqs.NewFromConfig(cfg).DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(s.QueueURL(q))})
		}
	}()

	if echoEnv["TABLE_NAME"] != run || echoEnv["QUEUE_URL"] != s.QueueURL("WorkQueue") || echoEnv["GREETING"] != "hi" ||
		echoEnv["BUCKET"] != strings.ToLower(run+"-Files") || !strings.HasPrefix(echoEnv["QUEUE_ARN"], "arn:aws:sqs:") {
		t.Errorf("echo env = %v", echoEnv)
	}
	ttl, err := dynamodb.NewFromConfig(cfg).DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(run)})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled {
		t.Errorf("table ttl = %+v, %v", ttl, err)
	}
	if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(echoEnv["BUCKET"])}); err != nil {
		t.Errorf("bucket: %v", err)
	}
	// The KMS key exists in moto and encrypts: the production adapter can use it.
	keyArn := s.Resolver.Resources["Secrets"].Attrs["Arn"]
	if out, err := kms.NewFromConfig(cfg).GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyArn), KeySpec: kmstypes.DataKeySpecAes256}); err != nil || len(out.Plaintext) != 32 {
		t.Errorf("kms key %q: GenerateDataKey: %v", keyArn, err)
	}
	q, err := sqs.NewFromConfig(cfg).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(s.QueueURL("WorkQueue")), AttributeNames: []sqstypes.QueueAttributeName{"RedrivePolicy", "VisibilityTimeout"}})
	if err != nil || !strings.Contains(q.Attributes["RedrivePolicy"], s.Resolver.Resources["WorkDLQ"].Attrs["Arn"]) || q.Attributes["VisibilityTimeout"] != "1" {
		t.Errorf("queue attributes = %v, %v", q.Attributes, err)
	}

	resp, err := http.Get(s.URL + "/public")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /public = %d", resp.StatusCode)
	}

	if _, err := sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(s.QueueURL("WorkQueue")), MessageBody: aws.String("work")}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m.Body != "work" || m.EventSourceARN != echoEnv["QUEUE_ARN"] {
			t.Errorf("worker got %+v", m)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the worker never received the message")
	}

	// A second start on the same names is idempotent (make dev restarts).
	s2, err := Start(ctx, Options{
		TemplatePath: "testdata/template.yaml", AWS: cfg, Functions: reg,
		Names: Names{Table: run, Prefix: run + "-"}, Addr: "127.0.0.1:0", Log: quietLog(), NoPollers: true,
	})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	if s2.QueueURL("WorkQueue") != s.QueueURL("WorkQueue") {
		t.Errorf("restart made another queue: %s vs %s", s2.QueueURL("WorkQueue"), s.QueueURL("WorkQueue"))
	}
	if err := s2.Close(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("close restart: %v", err)
	}
}
