package main

import (
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// DynamoDB's pricing as the section applies it.
func TestCapturePricing(t *testing.T) {
	for _, tt := range []struct {
		size     int
		tx       bool
		wcu, rcu float64 // rcu strongly consistent
	}{
		{0, false, 1, 1}, {1024, false, 1, 1}, {1025, false, 2, 1}, {1025, true, 4, 1},
		{4096, true, 8, 1}, {4097, false, 5, 2},
	} {
		if got := wcuOf(tt.size, tt.tx); got != tt.wcu {
			t.Errorf("wcuOf(%d, %v) = %v, want %v", tt.size, tt.tx, got, tt.wcu)
		}
		if got := rcuOf(tt.size, true); got != tt.rcu {
			t.Errorf("rcuOf(%d, consistent) = %v, want %v", tt.size, got, tt.rcu)
		}
		if got := rcuOf(tt.size, false); got != tt.rcu/2 {
			t.Errorf("rcuOf(%d, eventual) = %v, want %v", tt.size, got, tt.rcu/2)
		}
	}
	item := map[string]types.AttributeValue{
		"PK":   &types.AttributeValueMemberS{Value: "TENANT#x"},        // 2 + 8
		"seq":  &types.AttributeValueMemberN{Value: "12"},              // 3 + 2
		"body": &types.AttributeValueMemberB{Value: make([]byte, 100)}, // 4 + 100
	}
	if got := itemSize(item); got != 119 {
		t.Errorf("itemSize = %d, want 119", got)
	}
	const tenant = "acme"
	key := func(pk, sk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}
	}
	obj := store.ObjectPK(tenant, "PRODUCT", "a.myshopify.com", "products/x")
	for _, tt := range []struct {
		pk, sk, want string
	}{
		{obj, store.VersionSK(1), "version"},
		{obj, "CURRENT", "CURRENT"},
		{store.MappingPK(tenant, "PRODUCT", "a.myshopify.com"), store.MappingSK("products/x"), "mapping (canonical→gid)"},
		{store.MappingPK(tenant, "PRODUCT", "a.myshopify.com"), store.MappingCountSK(), "mapping counter"},
		{store.GIDPK(tenant, "a.myshopify.com"), store.GIDSK("Product/1"), "mapping (gid→canonical)"},
		{store.SyncOpsPK(tenant, "s1"), store.SyncOpSK(fsync.Create, "op"), "operation"},
		{store.TenantPK(tenant), store.SyncSK("s1"), "sync"},
		{store.TenantPK(tenant), store.SyncRunSK("s1"), "checkpoint"},
	} {
		if got := itemKind(tenant, key(tt.pk, tt.sk)); got != tt.want {
			t.Errorf("itemKind(%s, %s) = %q, want %q", tt.pk, tt.sk, got, tt.want)
		}
	}
	// The minimum: version and operation at the run's mean, CURRENT and
	// two mapping items at 2 each.
	f := ddbFigures{kinds: map[string]*kindTally{
		"version":   {items: 2, wcu: 12},
		"operation": {items: 2, wcu: 4},
	}}
	if got := minimumWCU(f); got != 6+2+4+2 {
		t.Errorf("minimumWCU = %v, want 14", got)
	}
}

// A small case end to end on DynamoDB Local (make test starts it): every
// object read is captured once, a capture writes at least the minimum, and
// a second sync with no change records nothing.
func TestCaptureCaseShort(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs the emulator's source shop")
	}
	ep := os.Getenv(storetest.EnvEndpoint)
	if ep == "" {
		t.Skipf("%s not set (make test sets it)", storetest.EnvEndpoint)
	}
	client := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	cfg := captureBenchConfig{bulkPoll: 20 * time.Millisecond, lambda: time.Minute}
	cc, err := runCaptureCase(t.Context(), client, 20, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cc.baseline.products != 20 || cc.baseline.objects == 0 {
		t.Fatalf("baseline read %d objects, %d products", cc.baseline.objects, cc.baseline.products)
	}
	first := cc.first
	if first.objects != cc.baseline.objects || first.sync.Stats.Created != cc.baseline.objects || first.sync.Stats.Errors != 0 {
		t.Errorf("first sync %+v, baseline %d objects", first.sync.Stats, cc.baseline.objects)
	}
	if got, min := first.ddb.wcu()/float64(first.sync.Stats.Created), minimumWCU(first.ddb); got < min {
		t.Errorf("%.2f WCU per created object, under the minimum %.2f", got, min)
	}
	if v := first.ddb.kind("version"); v.items != first.sync.Stats.Created {
		t.Errorf("%d version items for %d created objects", v.items, first.sync.Stats.Created)
	}
	if cc.incr.sync.OperationsCount != 0 || cc.incr.ddb.kind("version").items != 0 {
		t.Errorf("no-change sync: %d operations, %d versions", cc.incr.sync.OperationsCount, cc.incr.ddb.kind("version").items)
	}
	if cc.hasReco {
		t.Error("reconcile row run with -capture-reconcile-max 0")
	}
}
