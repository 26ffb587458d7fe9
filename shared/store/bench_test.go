package store_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

// capacityDB asks DynamoDB for the consumed capacity of every read the store
// makes and adds it up, so benchmarks can report capacity units per call.
type capacityDB struct {
	store.DB
	calls int
	units float64
}

func (c *capacityDB) add(cc *types.ConsumedCapacity) {
	c.calls++
	if cc != nil {
		c.units += aws.ToFloat64(cc.CapacityUnits)
	}
}

func (c *capacityDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.DB.GetItem(ctx, in, o...)
	if err == nil {
		c.add(out.ConsumedCapacity)
	}
	return out, err
}

func (c *capacityDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := c.DB.Query(ctx, in, o...)
	if err == nil {
		c.add(out.ConsumedCapacity)
	}
	return out, err
}

// BenchmarkLookupKey is the authorizer's read: reports DynamoDB calls and
// read capacity units per authentication (the minimum is 1 call, 1 RCU for a
// strongly consistent read of an item under 4 KB).
func BenchmarkLookupKey(b *testing.B) {
	ctx := context.Background()
	s := storetest.NewTable(b)
	storetest.NewTenant(b, s, "a", "A")
	secret, _, err := (&auth.Keys{Store: s}).Issue(ctx, "a", "bench", "k", auth.AllScopes)
	if err != nil {
		b.Fatal(err)
	}
	hash := auth.HashKey(secret)
	db := &capacityDB{DB: s.DB}
	cs := store.New(db, s.Table)
	b.ResetTimer()
	for b.Loop() {
		if _, err := cs.LookupKey(ctx, hash); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(db.calls)/float64(b.N), "calls/op")
	b.ReportMetric(db.units/float64(b.N), "RCU/op")
}

// BenchmarkStoreGroup is the config query's read: one Query for the group
// and its stores.
func BenchmarkStoreGroup(b *testing.B) {
	ctx := context.Background()
	s := storetest.NewTable(b)
	storetest.NewTenant(b, s, "a", "A")
	if err := s.SetGroupName(ctx, "a", "G"); err != nil {
		b.Fatal(err)
	}
	for _, d := range []string{"src", "qa", "rc", "prod"} {
		if err := s.AddStore(ctx, "a", config.Store{Domain: "a-" + d + ".myshopify.com", Classification: config.QA}); err != nil {
			b.Fatal(err)
		}
	}
	db := &capacityDB{DB: s.DB}
	cs := store.New(db, s.Table)
	b.ResetTimer()
	for b.Loop() {
		if _, err := cs.StoreGroup(ctx, "a"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(db.calls)/float64(b.N), "calls/op")
	b.ReportMetric(db.units/float64(b.N), "RCU/op")
}
