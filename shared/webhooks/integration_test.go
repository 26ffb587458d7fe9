package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

// awsEndpoint is moto's endpoint for SQS ($FLUX_TEST_AWS_ENDPOINT); skipped
// without it unless FLUX_REQUIRE_INTEGRATION=1.
func awsEndpoint(t *testing.T) string {
	t.Helper()
	ep := os.Getenv("FLUX_TEST_AWS_ENDPOINT")
	if ep == "" {
		if os.Getenv(storetest.EnvRequireIntegration) == "1" {
			t.Fatalf("FLUX_TEST_AWS_ENDPOINT is not set but %s=1: start moto_server (make test does)", storetest.EnvRequireIntegration)
		}
		t.Skip("FLUX_TEST_AWS_ENDPOINT not set: skipping SQS integration test")
	}
	return ep
}

// The receiver on DynamoDB Local and moto's SQS: one message per delivery,
// a replay sends nothing, a queue that is down releases the claim (the
// retry goes through), and the record carries the TTL attribute.
func TestReceiverIntegration(t *testing.T) {
	ep := awsEndpoint(t)
	st := storetest.NewTable(t)
	sqsClient := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	q, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("flux-webhooks-" + hex.EncodeToString(b))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = sqsClient.DeleteQueue(context.WithoutCancel(t.Context()), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl})
	})
	cfg, err := LoadConfig(platform.EnvFrom(map[string]string{
		"TABLE_NAME": st.Table, "EVENTS_QUEUE_URL": aws.ToString(q.QueueUrl), "SHOPIFY_API_SECRET": testSecret,
	}))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	recv, err := cfg.NewReceiver(ctx, st, sqsClient, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{recv: recv, handler: NewHandler(log, recv), deliveries: newFakeDeliveries(), queue: &fakeQueue{}}

	receive := func() []Envelope {
		t.Helper()
		out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, m := range out.Messages {
			msgs = append(msgs, aws.ToString(m.Body))
			_, _ = sqsClient.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle})
		}
		return envelopes(t, msgs)
	}

	body := payload(t, "products_update.json")
	h := headers("products/update", "0b7d1e7c-1111-4c1e-9a2b-000000000001", body, testSecret)
	if w := r.post(t, body, h); w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	envs := receive()
	if len(envs) != 1 || envs[0].Topic != "products/update" || !jsonEqual(t, envs[0].Payload, body) {
		t.Fatalf("messages %+v", envs)
	}
	d, state, err := st.WebhookDelivery(ctx, "0b7d1e7c-1111-4c1e-9a2b-000000000001")
	if err != nil || state != store.WebhookEnqueued || d.ExpiresAt.Sub(d.ReceivedAt) < 47*time.Hour {
		t.Fatalf("record %+v %s %v", d, state, err)
	}
	// Replay: 200, nothing sent.
	if w := r.post(t, body, h); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "duplicate") {
		t.Fatalf("replay: %d %s", w.Code, w.Body)
	}
	if envs := receive(); len(envs) != 0 {
		t.Fatalf("replay enqueued %d messages", len(envs))
	}
	// Bad signature: 401, no record, nothing sent.
	bad := headers("products/update", "0b7d1e7c-1111-4c1e-9a2b-000000000002", body, "wrong")
	wantErrorBody(t, r.post(t, body, bad), http.StatusUnauthorized, "UNAUTHENTICATED")
	if _, _, err := st.WebhookDelivery(ctx, "0b7d1e7c-1111-4c1e-9a2b-000000000002"); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("record after a bad signature: %v", err)
	}
	// SQS down (the queue URL points at a queue that does not exist): 503
	// and the claim is gone, so the retry is enqueued.
	h2 := headers("shop/redact", "0b7d1e7c-1111-4c1e-9a2b-000000000003", payload(t, "shop_redact.json"), testSecret)
	recv.QueueURL = aws.ToString(q.QueueUrl) + "-missing"
	wantErrorBody(t, r.post(t, payload(t, "shop_redact.json"), h2), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	if _, _, err := st.WebhookDelivery(ctx, "0b7d1e7c-1111-4c1e-9a2b-000000000003"); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("claim kept after the queue failed: %v", err)
	}
	recv.QueueURL = aws.ToString(q.QueueUrl)
	if w := r.post(t, payload(t, "shop_redact.json"), h2); w.Code != http.StatusOK {
		t.Fatalf("retry: %d %s", w.Code, w.Body)
	}
	if envs := receive(); len(envs) != 1 || !envs[0].Compliance || envs[0].Topic != "shop/redact" {
		t.Fatalf("retry messages %+v", envs)
	}
	// A payload over the message limit: enqueued truncated.
	recv.MaxMessageBytes = 1024
	big := []byte(`{"id":1,"body_html":"` + strings.Repeat("x", 5000) + `"}`)
	if w := r.post(t, big, headers("products/update", "0b7d1e7c-1111-4c1e-9a2b-000000000004", big, testSecret)); w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if envs := receive(); len(envs) != 1 || !envs[0].PayloadTruncated || string(envs[0].Payload) != `{"id":1}` {
		t.Fatalf("truncated %+v", envs)
	}
}
