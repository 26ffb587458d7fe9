package dev

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/store"
)

func newSeedTable(t *testing.T) (aws.Config, string) {
	t.Helper()
	e := testEndpoints(t)
	ctx := context.Background()
	cfg, err := LocalAWS(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	tpl := loadTestTemplate(t, "../../template.yaml")
	name := "seed-test-" + randomSuffix()
	c := dynamodb.NewFromConfig(cfg)
	if err := createTable(ctx, c, fakeResolver(t, tpl), name, tpl.Resources["Table"].Properties); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return cfg, name
}

func TestSeedIsIdempotentAndKeepsWorkingKeys(t *testing.T) {
	cfg, table := newSeedTable(t)
	ctx := context.Background()
	dir := t.TempDir()
	st := NewSeedStore(cfg, table)

	first, err := Seed(ctx, st, dir, DemoTenants())
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || first[0].Reused || first[1].Reused {
		t.Fatalf("first seed = %+v", first)
	}
	for _, k := range first {
		fi, err := os.Stat(k.Path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", k.Path, fi.Mode().Perm())
		}
		raw, _ := os.ReadFile(k.Path)
		if strings.TrimSpace(string(raw)) != k.Secret {
			t.Errorf("%s does not hold the key", k.Path)
		}
	}
	if filepath.Base(first[0].Path) != "demo-api-key" || filepath.Base(first[1].Path) != "second-tenant-api-key" {
		t.Errorf("key files = %s, %s", first[0].Path, first[1].Path)
	}

	// A restart keeps the keys that still work.
	again, err := Seed(ctx, st, dir, DemoTenants())
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if !again[i].Reused || again[i].Secret != first[i].Secret {
			t.Errorf("restart: key %d = %+v, want the first key reused", i, again[i])
		}
	}

	// The group is seeded once, not duplicated.
	s := store.New(dynamodb.NewFromConfig(cfg), table)
	g, err := s.StoreGroup(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	want := config.StoreGroup{Name: "Demo store group", Stores: []config.Store{
		{Domain: "demo-source.myshopify.com", Classification: config.Source},
		{Domain: "demo-production.myshopify.com", Classification: config.Production},
	}}
	if d := cmp.Diff(want, g); d != "" {
		t.Errorf("demo group (-want +got):\n%s", d)
	}

	// A revoked key is replaced on the next start.
	rec, err := s.LookupKey(ctx, auth.HashKey(first[0].Secret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeKey(ctx, "demo", rec.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	// And a damaged key file too.
	if err := os.WriteFile(first[1].Path, []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	third, err := Seed(ctx, st, dir, DemoTenants())
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range third {
		if k.Reused || k.Secret == first[i].Secret {
			t.Errorf("key %d was kept after revocation/damage: %+v", i, k)
		}
		raw, _ := os.ReadFile(k.Path)
		if strings.TrimSpace(string(raw)) != k.Secret {
			t.Errorf("%s not rewritten", k.Path)
		}
	}
}

func TestStartAndStopEmulators(t *testing.T) {
	testEndpoints(t) // integration only: starts real processes
	dir := os.Getenv("FLUX_DYNAMODB_LOCAL_DIR")
	if dir == "" {
		dir = "../../.tools/dynamodb-local"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	port := freePort(t)
	moto, err := StartMoto(ctx, MotoOptions{Port: port})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StartMoto(ctx, MotoOptions{Port: port}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second moto on the same port: err = %v, want 'in use'", err)
	}
	if err := moto.Stop(ctx); err != nil {
		t.Errorf("stop moto: %v", err)
	}
	select {
	case <-moto.Done():
	default:
		t.Error("moto still running after Stop")
	}

	ddb, err := StartDynamoDBLocal(ctx, DynamoDBLocalOptions{Dir: dir, Port: freePort(t), DBPath: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LocalAWS(ctx, Endpoints{DynamoDB: ddb.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Errorf("DynamoDB Local does not answer: %v", err)
	}
	if err := ddb.Stop(ctx); err != nil {
		t.Errorf("stop DynamoDB Local: %v", err)
	}

	if _, err := StartDynamoDBLocal(ctx, DynamoDBLocalOptions{Dir: t.TempDir(), Port: freePort(t)}); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("missing jar: err = %v", err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
