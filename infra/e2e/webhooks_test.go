package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/infra/dev"
	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/webhooks"
)

// Shopify's webhooks into the local stack: the emulator (signing with the
// stack's app secret) delivers a products/update, fired by a merchant's
// edit through its control API, to POST /webhooks/shopify; the event is on
// EventsQueue once; a replay of the delivery and a forged one add nothing;
// a compliance topic is enqueued flagged.
func TestWebhooksFromTheEmulator(t *testing.T) {
	srv, err := emulator.New(t.Context(), emulator.Options{APISecret: dev.LocalShopifyAPISecret,
		WebhookRetryDelay: 200 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	// The receiver's contract is what it puts on EventsQueue: no worker
	// consumes it here (syncengine_test.go runs worker-events).
	e := startStackWith(t, dev.LocalShopify{}, noPollers)
	callback := e.stack.URL + webhooks.Path
	queue := sqs.NewFromConfig(e.cfg)
	queueURL := e.stack.QueueURL("EventsQueue")

	control := func(method, path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(t.Context(), method, hs.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
		}
		return out
	}
	deliveries := func(topic string) []emulator.Delivery {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, hs.URL+"/_emulator/webhooks/deliveries", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Deliveries []emulator.Delivery }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		var list []emulator.Delivery
		for _, d := range out.Deliveries {
			if d.Topic == topic {
				list = append(list, d)
			}
		}
		return list
	}
	// waitDelivered waits for the emulator's log to show a delivery of topic
	// (a delivery is logged once the callback answered).
	waitDelivered := func(topic string) emulator.Delivery {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if ds := deliveries(topic); len(ds) > 0 {
				return ds[0]
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("no %s delivery", topic)
		return emulator.Delivery{}
	}
	receive := func() []webhooks.Envelope {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		out, err := queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		var envs []webhooks.Envelope
		for _, m := range out.Messages {
			var env webhooks.Envelope
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
				t.Fatalf("message is not an envelope: %v", err)
			}
			envs = append(envs, env)
			_, _ = queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle})
		}
		return envs
	}

	// A merchant edits a product of the source shop.
	control("POST", "/_emulator/shops/demo-source/webhooks", map[string]any{"topic": "products/update", "callbackUrl": callback, "apiVersion": "2026-10"})
	var product struct {
		Data struct {
			Products struct{ Nodes []struct{ ID string } }
		}
	}
	q, _ := json.Marshal(map[string]string{"query": "{ products(first: 1) { nodes { id } } }"})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, hs.URL+"/admin/api/2026-10/graphql.json", bytes.NewReader(q))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", emulator.SourceToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&product)
	resp.Body.Close()
	if err != nil || len(product.Data.Products.Nodes) != 1 {
		t.Fatalf("product: %v", err)
	}
	gid := product.Data.Products.Nodes[0].ID
	control("PATCH", "/_emulator/shops/demo-source/objects/Product/"+gid[strings.LastIndex(gid, "/")+1:],
		map[string]any{"fields": map[string]any{"title": "Edited by webhook e2e"}})

	d := waitDelivered("products/update")
	if d.Status != http.StatusOK {
		t.Fatalf("delivery answered %d (%s)", d.Status, d.Error)
	}
	envs := receive()
	if len(envs) != 1 {
		t.Fatalf("%d messages on EventsQueue, want 1", len(envs))
	}
	env := envs[0]
	var p struct {
		Title             string `json:"title"`
		AdminGraphqlAPIID string `json:"admin_graphql_api_id"`
	}
	if err := json.Unmarshal(env.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if env.Topic != "products/update" || env.Shop != emulator.SourceShop || env.WebhookID != d.ID || env.EventID == "" ||
		env.APIVersion != "2026-10" || env.Compliance || p.Title != "Edited by webhook e2e" || p.AdminGraphqlAPIID != gid {
		t.Errorf("envelope %+v, payload %+v", env, p)
	}

	// Shopify's retry of the same delivery: 200, nothing new.
	post := func(body []byte, h map[string]string) response {
		t.Helper()
		return e.do("POST", webhooks.Path, body, h)
	}
	if r := post(d.Body, d.Headers); r.status != http.StatusOK || !strings.Contains(string(r.body), "duplicate") {
		t.Fatalf("replay: %d %s", r.status, r.body)
	}
	// A forged delivery (body changed, signature kept): 401, nothing.
	forged := map[string]string{}
	for k, v := range d.Headers {
		forged[k] = v
	}
	forged["X-Shopify-Webhook-Id"] = "forged-0001"
	wantError(t, post([]byte(strings.Replace(string(d.Body), "Edited", "Forged", 1)), forged), http.StatusUnauthorized, "UNAUTHENTICATED")
	if envs := receive(); len(envs) != 0 {
		t.Fatalf("replay or forgery enqueued %d messages", len(envs))
	}

	// A compliance topic for a shop Flux has never seen: accepted, flagged.
	control("POST", "/_emulator/shops/second-source/webhooks/trigger", map[string]any{"topic": "customers/redact", "callbackUrl": callback,
		"apiVersion": "2026-10", "payload": map[string]any{"shop_id": 1, "shop_domain": "second-source.myshopify.com",
			"customer": map[string]any{"id": 191167, "email": "john@example.com"}, "orders_to_redact": []int{299938}}})
	d = waitDelivered("customers/redact")
	if d.Status != http.StatusOK {
		t.Fatalf("customers/redact answered %d", d.Status)
	}
	envs = receive()
	if len(envs) != 1 || !envs[0].Compliance || envs[0].Shop != "second-source.myshopify.com" {
		t.Fatalf("compliance messages %s", fmt.Sprint(envs))
	}
}
