// Package storetest gives integration tests a fresh DynamoDB table on
// DynamoDB Local (or any endpoint) at $FLUX_TEST_DYNAMODB_ENDPOINT.
//
// Without that variable the test is skipped, unless FLUX_REQUIRE_INTEGRATION=1
// (set by `make test`), in which case it fails.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/store"
)

// Environment variables read by this package.
const (
	EnvEndpoint           = "FLUX_TEST_DYNAMODB_ENDPOINT"
	EnvRequireIntegration = "FLUX_REQUIRE_INTEGRATION"
)

// Endpoint is the DynamoDB endpoint for integration tests; it skips (or
// fails, when integration is required) the test when none is set.
func Endpoint(t testing.TB) string {
	t.Helper()
	ep := os.Getenv(EnvEndpoint)
	if ep == "" {
		if os.Getenv(EnvRequireIntegration) == "1" {
			t.Fatalf("%s is not set but %s=1: start DynamoDB Local (make test does)", EnvEndpoint, EnvRequireIntegration)
		}
		t.Skipf("%s not set: skipping DynamoDB integration test", EnvEndpoint)
	}
	return ep
}

// Client is a DynamoDB client for the test endpoint with static local
// credentials ("test"/"test", us-east-1).
func Client(t testing.TB) *dynamodb.Client {
	t.Helper()
	ep := Endpoint(t)
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ep),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		// DynamoDB Local omits x-amz-crc32 on error responses, which makes
		// the SDK log a spurious checksum warning (aws/aws-sdk-go-v2#3545).
		DisableValidateResponseChecksum: true,
	})
}

// NewTableName creates a fresh table with a random name on the test
// endpoint, deletes it when the test ends, and returns the client and name.
func NewTableName(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	c := Client(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "flux-test-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := store.CreateTable(ctx, c, name); err != nil {
		t.Fatalf("create test table: %v", err)
	}
	t.Cleanup(func() {
		// t.Context() is already done when cleanups run.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 30*time.Second)
		defer cancel()
		if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Logf("delete test table %s: %v", name, err)
		}
	})
	return c, name
}

// NewTable is a Store on a fresh table (see NewTableName).
func NewTable(t testing.TB) *store.Store {
	t.Helper()
	c, name := NewTableName(t)
	return store.New(c, name)
}

// NewTenant creates a tenant (id and name) in s, failing the test on error.
// API keys and stores need their tenant to exist.
func NewTenant(t testing.TB, s *store.Store, id, name string) config.Tenant {
	t.Helper()
	tn := config.Tenant{ID: id, Name: name}
	if err := s.CreateTenant(t.Context(), tn); err != nil {
		t.Fatalf("create tenant %s: %v", id, err)
	}
	return tn
}
