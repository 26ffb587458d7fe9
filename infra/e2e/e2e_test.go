// Package e2e drives the local stack (infra/dev) over real HTTP, against
// DynamoDB Local and moto_server: the stack `make dev` runs, with the real
// functions of template.yaml.
//
// It needs $FLUX_TEST_DYNAMODB_ENDPOINT and $FLUX_TEST_AWS_ENDPOINT (make
// test sets them); without them it is skipped, unless
// FLUX_REQUIRE_INTEGRATION=1, when it fails.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/infra/dev"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/store"
)

const templatePath = "../../template.yaml"

func endpoints(t *testing.T) dev.Endpoints {
	t.Helper()
	e := dev.Endpoints{DynamoDB: os.Getenv("FLUX_TEST_DYNAMODB_ENDPOINT"), AWS: os.Getenv("FLUX_TEST_AWS_ENDPOINT")}
	if e.DynamoDB == "" || e.AWS == "" {
		if os.Getenv("FLUX_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("FLUX_TEST_DYNAMODB_ENDPOINT and FLUX_TEST_AWS_ENDPOINT must be set when FLUX_REQUIRE_INTEGRATION=1 (make test sets them)")
		}
		t.Skip("FLUX_TEST_DYNAMODB_ENDPOINT / FLUX_TEST_AWS_ENDPOINT not set: skipping the end-to-end test")
	}
	return e
}

// env is one running local stack with its seeded keys.
type env struct {
	t      *testing.T
	stack  *dev.Stack
	cfg    aws.Config
	names  dev.Names
	keys   map[string]string // tenant -> all-scopes key
	client *http.Client
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startStack starts the local stack on fresh names (table, queues, bucket)
// and a free port, with the demo tenants seeded.
func startStack(t *testing.T) *env {
	t.Helper()
	return startStackWith(t, dev.LocalShopify{})
}

// noPollers stops the queue workers, for tests of what is put on a queue.
func noPollers(o *dev.Options) { o.NoPollers = true }

// startStackWith is startStack with the stack's Shopify settings (the
// emulator's base URL, a local token key).
func startStackWith(t *testing.T, shopify dev.LocalShopify, tune ...func(*dev.Options)) *env {
	t.Helper()
	ctx := context.Background()
	cfg, err := dev.LocalAWS(ctx, endpoints(t))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	run := "e2e-" + hex.EncodeToString(b)
	names := dev.Names{Table: run, Prefix: run + "-"}
	opts := dev.Options{
		TemplatePath: templatePath,
		AWS:          cfg,
		Names:        names,
		Env:          shopify.Env(),
		Addr:         "127.0.0.1:0",
		Log:          testLogger(t),
		PollWait:     time.Second,
	}
	for _, f := range tune {
		f(&opts)
	}
	stack, err := dev.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start local stack: %v", err)
	}
	e := &env{t: t, stack: stack, cfg: cfg, names: names, client: &http.Client{Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := stack.Close(ctx); err != nil {
			t.Errorf("close stack: %v", err)
		}
		e.deleteResources(ctx)
	})
	seeded, err := dev.Seed(ctx, dev.NewSeedStore(cfg, stack.TableName()), t.TempDir(), dev.DemoTenants())
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	e.keys = map[string]string{}
	for _, k := range seeded {
		e.keys[k.TenantID] = k.Secret
	}
	if shopify.TokenKey != "" {
		// Connected as make dev connects them: the emulator's tokens, sealed.
		if _, err := dev.ConnectShops(ctx, cfg, stack.TableName(), shopify.TokenKey, dev.EmulatorConnections()); err != nil {
			t.Fatalf("connect demo stores: %v", err)
		}
	}
	return e
}

func (e *env) deleteResources(ctx context.Context) {
	_, _ = dynamodb.NewFromConfig(e.cfg).DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(e.stack.TableName())})
	q := sqs.NewFromConfig(e.cfg)
	for _, id := range e.stack.Template.OfType(dev.TypeQueue) {
		_, _ = q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(e.stack.QueueURL(id))})
	}
	s := s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, id := range e.stack.Template.OfType(dev.TypeBucket) {
		_, _ = s.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(e.names.BucketName(id))})
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(method, path string, body []byte, headers map[string]string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.stack.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.Header.Get("X-Request-ID") == "" {
		e.t.Errorf("%s %s: response %d without X-Request-ID", method, path, resp.StatusCode)
	}
	return response{resp.StatusCode, resp.Header, raw}
}

// graphql posts a query with a key ("" = none).
func (e *env) graphql(key, query string, vars map[string]any) response {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.t.Fatal(err)
	}
	h := map[string]string{"Content-Type": "application/json"}
	if key != "" {
		h["Authorization"] = "Bearer " + key
	}
	return e.do("POST", "/api/graphql", body, h)
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code       string `json:"code"`
		StatusCode int    `json:"statusCode"`
	} `json:"extensions"`
	Path []any `json:"path"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

func decode(t *testing.T, r response) gqlResponse {
	t.Helper()
	var g gqlResponse
	if err := json.Unmarshal(r.body, &g); err != nil {
		t.Fatalf("status %d, body is not JSON: %v: %s", r.status, err, r.body)
	}
	return g
}

// wantError checks a whole-request failure in the API's error format.
func wantError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	g := decode(t, r)
	if len(g.Errors) == 0 || g.Errors[0].Extensions.Code != code || g.Errors[0].Extensions.StatusCode != status {
		t.Fatalf("errors = %+v, want code %s statusCode %d; body %s", g.Errors, code, status, r.body)
	}
	if g.Errors[0].Message == "" {
		t.Errorf("error without a message: %s", r.body)
	}
}

const configQuery = `{ config { storeGroup { name stores { domain classification } } } }`

func TestLocalStackEndToEnd(t *testing.T) {
	e := startStack(t)

	t.Run("heartbeat", func(t *testing.T) {
		r := e.do("GET", "/api/heartbeat", nil, nil)
		if r.status != 200 {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
	})

	t.Run("config query returns the demo group", func(t *testing.T) {
		r := e.graphql(e.keys["demo"], configQuery, nil)
		if r.status != 200 {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		want := `{"data":{"config":{"storeGroup":{"name":"Demo store group","stores":[` +
			`{"domain":"demo-source.myshopify.com","classification":"SOURCE"},` +
			`{"domain":"demo-production.myshopify.com","classification":"PRODUCTION"}]}}}}`
		var got, exp any
		_ = json.Unmarshal([]byte(want), &exp)
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(exp, got); d != "" {
			t.Errorf("config (-want +got):\n%s", d)
		}
	})

	t.Run("x-api-key header works too", func(t *testing.T) {
		body, _ := json.Marshal(map[string]string{"query": configQuery})
		r := e.do("POST", "/api/graphql", body, map[string]string{"Content-Type": "application/json", "x-api-key": e.keys["demo"]})
		if r.status != 200 || len(decode(t, r).Errors) != 0 {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
	})

	t.Run("no key is 401 UNAUTHENTICATED", func(t *testing.T) {
		wantError(t, e.graphql("", configQuery, nil), 401, "UNAUTHENTICATED")
	})

	t.Run("malformed key is 401", func(t *testing.T) {
		wantError(t, e.graphql("flx_not-a-real-key", configQuery, nil), 401, "UNAUTHENTICATED")
	})

	t.Run("unknown well-formed key is 401", func(t *testing.T) {
		secret, _, _, err := auth.NewKeySecret()
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, e.graphql(secret, configQuery, nil), 401, "UNAUTHENTICATED")
	})

	t.Run("key without config:read gets FORBIDDEN on the field", func(t *testing.T) {
		st := store.New(dynamodb.NewFromConfig(e.cfg), e.stack.TableName())
		secret, _, err := (&auth.Keys{Store: st}).Issue(context.Background(), "demo", "e2e", "sync only", []auth.Scope{auth.ScopeSyncRead})
		if err != nil {
			t.Fatal(err)
		}
		r := e.graphql(secret, configQuery, nil)
		g := decode(t, r)
		if len(g.Errors) != 1 || g.Errors[0].Extensions.Code != "FORBIDDEN" || g.Errors[0].Extensions.StatusCode != 403 {
			t.Fatalf("status %d, errors = %+v; body %s", r.status, g.Errors, r.body)
		}
		if strings.Contains(string(r.body), "demo-source") {
			t.Errorf("forbidden response leaks data: %s", r.body)
		}
	})

	t.Run("second tenant sees only its own group", func(t *testing.T) {
		r := e.graphql(e.keys["second"], configQuery, nil)
		want := `{"data":{"config":{"storeGroup":{"name":"Second store group","stores":[` +
			`{"domain":"second-source.myshopify.com","classification":"SOURCE"}]}}}}`
		var got, exp any
		_ = json.Unmarshal([]byte(want), &exp)
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(exp, got); d != "" {
			t.Errorf("config (-want +got):\n%s", d)
		}
	})

	t.Run("created key works until revoked", func(t *testing.T) {
		r := e.graphql(e.keys["demo"], `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id name scopes } } }`,
			map[string]any{"in": map[string]any{"name": "e2e key", "scopes": []string{"config:read"}}})
		var created struct {
			Data struct {
				CreateApiKey struct {
					Secret string `json:"secret"`
					APIKey struct {
						ID     string   `json:"id"`
						Scopes []string `json:"scopes"`
					} `json:"apiKey"`
				} `json:"createApiKey"`
			} `json:"data"`
		}
		if err := json.Unmarshal(r.body, &created); err != nil || created.Data.CreateApiKey.Secret == "" {
			t.Fatalf("createApiKey: status %d body %s (%v)", r.status, r.body, err)
		}
		key, id := created.Data.CreateApiKey.Secret, created.Data.CreateApiKey.APIKey.ID
		if r := e.graphql(key, configQuery, nil); r.status != 200 || len(decode(t, r).Errors) != 0 {
			t.Fatalf("new key: status %d body %s", r.status, r.body)
		}
		r = e.graphql(e.keys["demo"], `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, map[string]any{"id": id})
		if g := decode(t, r); r.status != 200 || len(g.Errors) != 0 {
			t.Fatalf("revokeApiKey: status %d body %s", r.status, r.body)
		}
		wantError(t, e.graphql(key, configQuery, nil), 401, "UNAUTHENTICATED")
	})

	t.Run("another tenant cannot revoke a key", func(t *testing.T) {
		r := e.graphql(e.keys["demo"], `{ apiKeys { id } }`, nil)
		var list struct {
			Data struct {
				APIKeys []struct{ ID string } `json:"apiKeys"`
			} `json:"data"`
		}
		if err := json.Unmarshal(r.body, &list); err != nil || len(list.Data.APIKeys) == 0 {
			t.Fatalf("apiKeys: %s (%v)", r.body, err)
		}
		r = e.graphql(e.keys["second"], `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, map[string]any{"id": list.Data.APIKeys[0].ID})
		g := decode(t, r)
		if len(g.Errors) == 0 || g.Errors[0].Extensions.Code != "NOT_FOUND" {
			t.Fatalf("cross-tenant revoke: status %d body %s", r.status, r.body)
		}
		if r := e.graphql(e.keys["demo"], configQuery, nil); r.status != 200 {
			t.Fatalf("demo key stopped working: %s", r.body)
		}
	})

	t.Run("malformed JSON is a 4xx VALIDATION_ERROR", func(t *testing.T) {
		r := e.do("POST", "/api/graphql", []byte(`{"query": `), map[string]string{
			"Content-Type": "application/json", "Authorization": "Bearer " + e.keys["demo"],
		})
		if r.status < 400 || r.status > 499 {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		g := decode(t, r)
		if len(g.Errors) == 0 || g.Errors[0].Extensions.Code != "VALIDATION_ERROR" || g.Errors[0].Extensions.StatusCode != r.status {
			t.Fatalf("errors = %+v", g.Errors)
		}
	})

	t.Run("body over 10 MB is 413", func(t *testing.T) {
		big := bytes.Repeat([]byte(" "), dev.MaxRequestBody+1)
		wantError(t, e.do("POST", "/api/graphql", big, map[string]string{
			"Content-Type": "application/json", "Authorization": "Bearer " + e.keys["demo"],
		}), 413, "VALIDATION_ERROR")
	})

	t.Run("unknown route is 404", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/nope", nil, nil), 404, "NOT_FOUND")
		wantError(t, e.do("DELETE", "/api/heartbeat", nil, nil), 404, "NOT_FOUND")
	})

	t.Run("health reports every component", func(t *testing.T) {
		r := e.do("GET", "/api/health", nil, nil)
		if r.status != 200 {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		var h struct {
			Status     string                    `json:"status"`
			Components map[string]map[string]any `json:"components"`
		}
		if err := json.Unmarshal(r.body, &h); err != nil {
			t.Fatal(err)
		}
		if h.Status != "ok" {
			t.Errorf("status = %q: %s", h.Status, r.body)
		}
		for _, c := range []string{"table", "syncQueue", "eventsQueue", "deployQueue", "bucket"} {
			if h.Components[c]["status"] != "ok" {
				t.Errorf("component %s = %v", c, h.Components[c])
			}
		}
	})
}

// A dependency that is gone makes health answer 503 unhealthy, not 500.
func TestHealthWithBrokenDependency(t *testing.T) {
	ep := endpoints(t)
	ctx := context.Background()
	cfg, err := dev.LocalAWS(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	run := "e2e-" + hex.EncodeToString(b)
	stack, err := dev.Start(ctx, dev.Options{
		TemplatePath: templatePath,
		AWS:          cfg,
		Names:        dev.Names{Table: run, Prefix: run + "-"},
		Env:          dev.LocalShopify{}.Env(),
		Addr:         "127.0.0.1:0",
		Log:          testLogger(t),
		NoPollers:    true,
		FunctionEnv: map[string]map[string]string{
			"RestHealthFunction": {"SYNC_QUEUE_URL": ep.AWS + "/" + dev.LocalAccountID + "/" + run + "-does-not-exist"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, stack: stack, cfg: cfg, names: dev.Names{Table: run, Prefix: run + "-"}, client: &http.Client{Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = stack.Close(ctx)
		e.deleteResources(ctx)
	})
	r := e.do("GET", "/api/health", nil, nil)
	if r.status != 503 {
		t.Fatalf("status = %d, want 503: %s", r.status, r.body)
	}
	var h struct {
		Status     string                    `json:"status"`
		Components map[string]map[string]any `json:"components"`
	}
	if err := json.Unmarshal(r.body, &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != "unhealthy" || h.Components["syncQueue"]["status"] == "ok" || h.Components["table"]["status"] != "ok" {
		t.Errorf("health = %s", r.body)
	}
}
