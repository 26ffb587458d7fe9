package health

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store/storetest"
)

// awsEndpoint is moto's endpoint for SQS and S3 ($FLUX_TEST_AWS_ENDPOINT);
// the test is skipped without it unless FLUX_REQUIRE_INTEGRATION=1.
func awsEndpoint(t *testing.T) string {
	t.Helper()
	ep := os.Getenv("FLUX_TEST_AWS_ENDPOINT")
	if ep == "" {
		if os.Getenv(storetest.EnvRequireIntegration) == "1" {
			t.Fatalf("FLUX_TEST_AWS_ENDPOINT is not set but %s=1: start moto_server (make test does)", storetest.EnvRequireIntegration)
		}
		t.Skip("FLUX_TEST_AWS_ENDPOINT not set: skipping SQS/S3 integration test")
	}
	return ep
}

func randomName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// TestHealthIntegration checks real DynamoDB Local, SQS and S3 (moto): all
// healthy, then each kind of broken dependency reported as down with a 503.
func TestHealthIntegration(t *testing.T) {
	ep := awsEndpoint(t)
	ddb, table := storetest.NewTableName(t)
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	sqsClient := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), Credentials: creds})
	s3Client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), Credentials: creds, UsePathStyle: true})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	queues := map[string]string{}
	for _, name := range []string{ComponentSyncQueue, ComponentEventsQueue, ComponentDeployQueue} {
		out, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(randomName("flux-health-" + name + "-"))})
		if err != nil {
			t.Fatalf("create queue: %v", err)
		}
		queues[name] = aws.ToString(out.QueueUrl)
		t.Cleanup(func() {
			_, _ = sqsClient.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
		})
	}
	bucket := randomName("flux-health-")
	if _, err := s3Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	t.Cleanup(func() {
		_, _ = s3Client.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	})

	good := Config{TableName: table, Queues: queues, BucketName: bucket, Timeout: 5 * time.Second}
	clients := Clients{DynamoDB: ddb, SQS: sqsClient, S3: s3Client}
	withQueue := func(name, url string) Config {
		c := good
		c.Queues = map[string]string{}
		for k, v := range good.Queues {
			c.Queues[k] = v
		}
		c.Queues[name] = url
		return c
	}
	missingQueueURL := strings.TrimSuffix(queues[ComponentEventsQueue], "/") + "-gone"

	tests := []struct {
		name       string
		cfg        Config
		wantStatus int
		wantDown   map[string]string // component -> reason
	}{
		{"all up", good, http.StatusOK, nil},
		{"table missing", func() Config { c := good; c.TableName = "flux-no-such-table"; return c }(),
			http.StatusServiceUnavailable, map[string]string{ComponentTable: ReasonNotFound}},
		{"queue missing", withQueue(ComponentEventsQueue, missingQueueURL),
			http.StatusServiceUnavailable, map[string]string{ComponentEventsQueue: ReasonNotFound}},
		{"bucket missing", func() Config { c := good; c.BucketName = "flux-no-such-bucket-" + randomName(""); return c }(),
			http.StatusServiceUnavailable, map[string]string{ComponentBucket: ReasonNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			NewHandler(discard(), tt.cfg, clients).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Path, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			var r Report
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if len(r.Components) != 5 {
				t.Errorf("components %v, want 5", r.Components)
			}
			for name, c := range r.Components {
				if reason, down := tt.wantDown[name]; down {
					if c.Status != StatusDown || c.Reason != reason {
						t.Errorf("%s = %+v, want down (%s)", name, c, reason)
					}
				} else if c.Status != StatusOK {
					t.Errorf("%s = %+v, want ok", name, c)
				}
			}
			if body := rec.Body.String(); strings.Contains(body, "127.0.0.1") || strings.Contains(body, "arn:") {
				t.Errorf("body leaks endpoints or ARNs: %s", body)
			}
		})
	}
}

// TestStoresIntegration: GET /api/health/stores through the function's own
// builder (NewStoreChecker) against DynamoDB Local, KMS on moto and the
// Shopify emulator: a connected store answers, a store never installed and
// an uninstalled one say so, a connection with a token Shopify does not
// know is rejected.
func TestStoresIntegration(t *testing.T) {
	ep := awsEndpoint(t)
	st := storetest.NewTable(t)
	ctx := context.Background()
	kmsc := kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	alias := "alias/" + randomName("flux-health-stores-")
	if _, err := secrets.EnsureKey(ctx, kmsc, alias); err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.New(t.Context(), emulator.Options{Versions: []string{shopify.DefaultAPIVersion}, SourceProducts: 5, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	const (
		tenantID  = "t_health"
		forgotten = "forgotten.myshopify.com"
	)
	storetest.NewTenant(t, st, tenantID, "Health")
	for _, s := range []config.Store{
		{Domain: emulator.SourceShop, Classification: config.Source},
		{Domain: emulator.ProductionShop, Classification: config.Production},
		{Domain: emulator.SecondShop, Classification: config.QA},
		{Domain: forgotten, Classification: config.ReleaseCandidate},
	} {
		if err := st.AddStore(ctx, tenantID, s); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := LoadStoresConfig(platform.EnvFrom(map[string]string{
		"TABLE_NAME": st.Table, "TOKEN_KMS_KEY_ID": alias, "SHOPIFY_API_KEY": "emulator-app-key", "SHOPIFY_API_SECRET": "emulator-app-secret",
		"SHOPIFY_BASE_URL": hs.URL + "/store/{shop}", "SHOPIFY_API_VERSION": shopify.DefaultAPIVersion,
	}))
	if err != nil {
		t.Fatal(err)
	}
	checker, err := sc.NewStoreChecker(ctx, st, kmsc, nil, discard())
	if err != nil {
		t.Fatal(err)
	}
	// What the install callback stores (sealed with the same key).
	sealer, _ := secrets.NewKMSSealer(kmsc, alias)
	tokens := shoptokens.New(st, sealer, nil, shoptokens.Options{Log: discard()})
	connect := func(shop, token string) {
		if _, err := tokens.Connect(ctx, tenantID, shopify.Session{ID: shopify.OfflineSessionID(shop), Shop: shop, AccessToken: token, Scope: "read_products"}); err != nil {
			t.Fatal(err)
		}
	}
	connect(emulator.SourceShop, emulator.SourceToken)
	connect(emulator.ProductionShop, "shpat_revoked_by_the_merchant")
	connect(emulator.SecondShop, emulator.SecondToken)
	if err := st.MarkShopUninstalled(ctx, tenantID, emulator.SecondShop, time.Now()); err != nil {
		t.Fatal(err)
	}

	code, body, _ := serveStores(t, NewFunctionHandler(discard(), Config{}, Clients{}, checker), tenantID, "stores:read")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	var got StoresReport
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	for i := range got.Stores {
		got.Stores[i].LatencyMs = 0
	}
	want := []StoreStatus{
		{Shop: emulator.SourceShop, Classification: "SOURCE", Reachable: true, Token: TokenActive},
		{Shop: emulator.SecondShop, Classification: "QA", Token: TokenUninstalled, Reason: ReasonUninstalled},
		{Shop: forgotten, Classification: "RELEASE_CANDIDATE", Token: TokenNotConnected, Reason: ReasonNotConnected},
		{Shop: emulator.ProductionShop, Classification: "PRODUCTION", Token: TokenRejected, Reason: ReasonRejected},
	}
	if diff := cmp.Diff(want, got.Stores); diff != "" {
		t.Errorf("stores (-want +got):\n%s", diff)
	}
	for _, leak := range []string{"shpat_", "127.0.0.1", "arn:"} {
		if strings.Contains(body, leak) {
			t.Errorf("body leaks %q: %s", leak, body)
		}
	}
	// Another tenant sees none of them.
	if code, body, _ := serveStores(t, NewFunctionHandler(discard(), Config{}, Clients{}, checker), "t_other", "stores:read"); code != 200 || strings.TrimSpace(body) != `{"stores":[]}` {
		t.Errorf("another tenant: %d %s", code, body)
	}
}
