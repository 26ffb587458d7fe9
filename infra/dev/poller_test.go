package dev

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// testEndpoints are the emulators of integration tests: $FLUX_TEST_DYNAMODB_ENDPOINT
// and $FLUX_TEST_AWS_ENDPOINT. Without them the test is skipped, unless
// FLUX_REQUIRE_INTEGRATION=1 (make test), when it fails.
func testEndpoints(t *testing.T) Endpoints {
	t.Helper()
	e := Endpoints{DynamoDB: os.Getenv("FLUX_TEST_DYNAMODB_ENDPOINT"), AWS: os.Getenv("FLUX_TEST_AWS_ENDPOINT")}
	if e.DynamoDB == "" || e.AWS == "" {
		if os.Getenv("FLUX_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("FLUX_TEST_DYNAMODB_ENDPOINT and FLUX_TEST_AWS_ENDPOINT must be set when FLUX_REQUIRE_INTEGRATION=1 (make test sets them)")
		}
		t.Skip("FLUX_TEST_DYNAMODB_ENDPOINT / FLUX_TEST_AWS_ENDPOINT not set: skipping integration test")
	}
	return e
}

func randomSuffix() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newRedriveQueue creates a queue (visibility timeout 1 s) with a DLQ after
// maxReceive receives.
func newRedriveQueue(t *testing.T, c *sqs.Client, maxReceive string) (url, arn, dlqURL string) {
	t.Helper()
	ctx := context.Background()
	name := "poller-test-" + randomSuffix()
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	dlqArn := queueArn(t, c, *dlq.QueueUrl)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":` + maxReceive + `}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
		_, _ = c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: dlq.QueueUrl})
	})
	return *q.QueueUrl, queueArn(t, c, *q.QueueUrl), *dlq.QueueUrl
}

func queueArn(t *testing.T, c *sqs.Client, url string) string {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["QueueArn"]
}

func send(t *testing.T, c *sqs.Client, url, body string) string {
	t.Helper()
	out, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{
		QueueUrl: aws.String(url), MessageBody: aws.String(body),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"kind": {DataType: aws.String("String"), StringValue: aws.String("test")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return *out.MessageId
}

func TestPollerBatchItemFailuresGoToTheDLQ(t *testing.T) {
	e := testEndpoints(t)
	cfg, err := LocalAWS(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	c := sqs.NewFromConfig(cfg)
	url, arn, dlqURL := newRedriveQueue(t, c, "2")

	var mu sync.Mutex
	seen := map[string][]events.SQSMessage{} // body -> deliveries
	handler := func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		var resp events.SQSEventResponse
		for _, m := range ev.Records {
			seen[m.Body] = append(seen[m.Body], m)
			if m.Body == "poison" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp, nil
	}
	poisonID := send(t, c, url, "poison")
	send(t, c, url, "ok-1")
	send(t, c, url, "ok-2")

	ctx, cancel := context.WithCancel(context.Background())
	p := &Poller{
		Client: c, QueueURL: url, QueueARN: arn, Function: "TestWorker", Handler: handler,
		BatchSize: 10, ReportBatchItemFailures: true, WaitTime: time.Second,
	}
	stopped := make(chan struct{})
	go func() { p.Run(ctx); close(stopped) }()

	// The poison message fails on each of its 2 receives, then SQS moves it
	// to the DLQ.
	var dlqMsgs []sqstypes.Message
	deadline := time.Now().Add(30 * time.Second)
	for len(dlqMsgs) == 0 && time.Now().Before(deadline) {
		out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL), WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		dlqMsgs = out.Messages
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("poller did not stop on cancel")
	}
	if len(dlqMsgs) != 1 || aws.ToString(dlqMsgs[0].Body) != "poison" || aws.ToString(dlqMsgs[0].MessageId) != poisonID {
		t.Fatalf("DLQ holds %v, want the poison message", dlqMsgs)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, ok := range []string{"ok-1", "ok-2"} {
		if n := len(seen[ok]); n != 1 {
			t.Errorf("%s delivered %d times, want once (it succeeded, so it was deleted)", ok, n)
		}
	}
	if n := len(seen["poison"]); n != 2 {
		t.Errorf("poison delivered %d times, want maxReceiveCount = 2", n)
	}
	for i, m := range seen["poison"] {
		if m.EventSourceARN != arn || m.EventSource != "aws:sqs" || m.ReceiptHandle == "" || m.MessageId != poisonID {
			t.Errorf("delivery %d: %+v", i, m)
		}
		if got, want := m.Attributes["ApproximateReceiveCount"], []string{"1", "2"}[i]; got != want {
			t.Errorf("delivery %d ApproximateReceiveCount = %q, want %q", i, got, want)
		}
		if a := m.MessageAttributes["kind"]; aws.ToString(a.StringValue) != "test" || a.DataType != "String" {
			t.Errorf("message attributes = %+v", m.MessageAttributes)
		}
	}
}

func TestPollerHandlerErrorDeletesNothing(t *testing.T) {
	e := testEndpoints(t)
	cfg, err := LocalAWS(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	c := sqs.NewFromConfig(cfg)
	url, arn, _ := newRedriveQueue(t, c, "5")
	send(t, c, url, "a")
	send(t, c, url, "b")

	calls := 0
	fail := true
	p := &Poller{
		Client: c, QueueURL: url, QueueARN: arn, Function: "TestWorker", BatchSize: 10,
		ReportBatchItemFailures: true, WaitTime: time.Second,
		Handler: func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			calls++
			if fail {
				return events.SQSEventResponse{}, errors.New("worker crashed")
			}
			return events.SQSEventResponse{}, nil
		},
	}
	ctx := context.Background()
	received := 0
	for received < 2 {
		n, err := p.PollOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		received += n
	}
	// Both come back after the visibility timeout: nothing was deleted.
	fail = false
	time.Sleep(1200 * time.Millisecond)
	again := 0
	deadline := time.Now().Add(10 * time.Second)
	for again < 2 && time.Now().Before(deadline) {
		n, err := p.PollOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		again += n
	}
	if again != 2 {
		t.Fatalf("redelivered %d messages after a failed invocation, want 2", again)
	}
	// Now they succeeded and are gone.
	time.Sleep(1200 * time.Millisecond)
	if n, err := p.PollOnce(ctx); err != nil || n != 0 {
		t.Fatalf("after success: %d messages (err %v), want 0", n, err)
	}
}
