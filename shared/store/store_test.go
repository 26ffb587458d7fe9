package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

// countingDB counts the calls the store makes and records their inputs.
type countingDB struct {
	store.DB
	gets, queries, puts, updates, transacts atomic.Int32
	lastGet                                 atomic.Pointer[dynamodb.GetItemInput]
}

func (c *countingDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.gets.Add(1)
	c.lastGet.Store(in)
	return c.DB.GetItem(ctx, in, o...)
}

func (c *countingDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.queries.Add(1)
	return c.DB.Query(ctx, in, o...)
}

func (c *countingDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.puts.Add(1)
	return c.DB.PutItem(ctx, in, o...)
}

func (c *countingDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.updates.Add(1)
	return c.DB.UpdateItem(ctx, in, o...)
}

func (c *countingDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.transacts.Add(1)
	return c.DB.TransactWriteItems(ctx, in, o...)
}

func counting(t *testing.T) (*store.Store, *countingDB) {
	t.Helper()
	s := storetest.NewTable(t)
	c := &countingDB{DB: s.DB}
	return store.New(c, s.Table), c
}

func wantKind(t *testing.T, err error, kind platform.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", kind)
	}
	if got := platform.KindOf(err); got != kind {
		t.Fatalf("kind = %v, want %v (err: %v)", got, kind, err)
	}
}

func TestTenants(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	if err := s.CreateTenant(ctx, config.Tenant{ID: "acme", Name: " Acme Inc "}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		tenant   config.Tenant
		wantKind platform.Kind
	}{
		{"duplicate id", config.Tenant{ID: "acme", Name: "Other"}, platform.KindConflict},
		{"bad id", config.Tenant{ID: "a#b", Name: "x"}, platform.KindValidation},
		{"empty name", config.Tenant{ID: "beta", Name: "  "}, platform.KindValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantKind(t, s.CreateTenant(ctx, tt.tenant), tt.wantKind)
		})
	}
	t.Run("read back", func(t *testing.T) {
		got, err := s.Tenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(config.Tenant{ID: "acme", Name: "Acme Inc"}, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("missing", func(t *testing.T) {
		_, err := s.Tenant(ctx, "nobody")
		wantKind(t, err, platform.KindNotFound)
	})
	t.Run("list via GSI1", func(t *testing.T) {
		storetest.NewTenant(t, s, "zeta", "Zeta")
		got, err := s.ListTenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []config.Tenant{{ID: "acme", Name: "Acme Inc"}, {ID: "zeta", Name: "Zeta"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestStoreGroup(t *testing.T) {
	ctx := context.Background()
	s, db := counting(t)
	storetest.NewTenant(t, s, "acme", "Acme")
	storetest.NewTenant(t, s, "other", "Other")

	t.Run("no group yet", func(t *testing.T) {
		_, err := s.StoreGroup(ctx, "acme")
		wantKind(t, err, platform.KindNotFound)
	})
	t.Run("missing tenant", func(t *testing.T) {
		_, err := s.StoreGroup(ctx, "nobody")
		wantKind(t, err, platform.KindNotFound)
		wantKind(t, s.SetGroupName(ctx, "nobody", "G"), platform.KindNotFound)
		wantKind(t, s.AddStore(ctx, "nobody", config.Store{Domain: "n.myshopify.com", Classification: config.QA}), platform.KindNotFound)
	})

	if err := s.SetGroupName(ctx, "acme", "Acme stores"); err != nil {
		t.Fatal(err)
	}
	adds := []config.Store{
		{Domain: "acme-prod.myshopify.com", Classification: config.Production},
		{Domain: "https://ACME-QA-2.myshopify.com/", Classification: "qa"},
		{Domain: "acme-src.myshopify.com", Classification: config.Source},
		{Domain: "acme-rc.myshopify.com", Classification: config.ReleaseCandidate},
		{Domain: "acme-qa-1.myshopify.com", Classification: config.QA},
		{Domain: "acme-moved.myshopify.com", Classification: config.QA},
	}
	for _, st := range adds {
		if err := s.AddStore(ctx, "acme", st); err != nil {
			t.Fatalf("add %v: %v", st, err)
		}
	}
	// Adding again changes the classification; it is still the same tenant's shop.
	if err := s.AddStore(ctx, "acme", config.Store{Domain: "acme-moved.myshopify.com", Classification: config.Production}); err != nil {
		t.Fatalf("re-add: %v", err)
	}

	bad := []struct {
		name     string
		tenant   string
		store    config.Store
		wantKind platform.Kind
	}{
		{"shop of another tenant", "other", config.Store{Domain: "acme-prod.myshopify.com", Classification: config.Production}, platform.KindConflict},
		{"not a shop domain", "acme", config.Store{Domain: "example.com", Classification: config.QA}, platform.KindValidation},
		{"bad classification", "acme", config.Store{Domain: "x.myshopify.com", Classification: "STAGING"}, platform.KindValidation},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			wantKind(t, s.AddStore(ctx, tt.tenant, tt.store), tt.wantKind)
		})
	}

	t.Run("sorted group in one query", func(t *testing.T) {
		before := db.queries.Load()
		got, err := s.StoreGroup(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		want := config.StoreGroup{Name: "Acme stores", Stores: []config.Store{
			{Domain: "acme-src.myshopify.com", Classification: config.Source},
			{Domain: "acme-qa-1.myshopify.com", Classification: config.QA},
			{Domain: "acme-qa-2.myshopify.com", Classification: config.QA},
			{Domain: "acme-rc.myshopify.com", Classification: config.ReleaseCandidate},
			{Domain: "acme-moved.myshopify.com", Classification: config.Production},
			{Domain: "acme-prod.myshopify.com", Classification: config.Production},
		}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if n := db.queries.Load() - before; n != 1 {
			t.Errorf("queries = %d, want 1", n)
		}
	})
	t.Run("other tenant sees none of it", func(t *testing.T) {
		_, err := s.StoreGroup(ctx, "other")
		wantKind(t, err, platform.KindNotFound)
	})
	t.Run("tenant by shop", func(t *testing.T) {
		got, err := s.TenantByShop(ctx, "ACME-RC.myshopify.com")
		if err != nil || got != "acme" {
			t.Errorf("TenantByShop = %q, %v", got, err)
		}
		_, err = s.TenantByShop(ctx, "unknown.myshopify.com")
		wantKind(t, err, platform.KindNotFound)
	})
	t.Run("remove store frees the shop", func(t *testing.T) {
		if _, err := s.ConnectShop(ctx, "acme", "acme-prod.myshopify.com", store.ShopTokens{AccessToken: []byte("sealed")}, time.Now()); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.RemoveStore(ctx, "other", "acme-prod.myshopify.com"), platform.KindNotFound)
		if _, err := s.ShopConnection(ctx, "acme", "acme-prod.myshopify.com"); err != nil {
			t.Fatalf("another tenant's failed removal touched the connection: %v", err)
		}
		if err := s.RemoveStore(ctx, "acme", "acme-prod.myshopify.com"); err != nil {
			t.Fatal(err)
		}
		_, err := s.ShopConnection(ctx, "acme", "acme-prod.myshopify.com")
		wantKind(t, err, platform.KindNotFound)
		wantKind(t, s.RemoveStore(ctx, "acme", "acme-prod.myshopify.com"), platform.KindNotFound)
		_, err = s.TenantByShop(ctx, "acme-prod.myshopify.com")
		wantKind(t, err, platform.KindNotFound)
		if err := s.AddStore(ctx, "other", config.Store{Domain: "acme-prod.myshopify.com", Classification: config.Production}); err != nil {
			t.Fatalf("freed shop should be addable by another tenant: %v", err)
		}
		got, err := s.StoreGroup(ctx, "other")
		if err != nil {
			t.Fatal(err)
		}
		want := config.StoreGroup{Stores: []config.Store{{Domain: "acme-prod.myshopify.com", Classification: config.Production}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestConcurrentAddStoreOneWinner(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	const tenants = 6
	for i := range tenants {
		storetest.NewTenant(t, s, fmt.Sprintf("t%d", i), "T")
	}
	for round := range 3 {
		shop := fmt.Sprintf("contested-%d.myshopify.com", round)
		var wg sync.WaitGroup
		errs := make([]error, tenants)
		start := make(chan struct{})
		for i := range tenants {
			wg.Go(func() {
				<-start
				errs[i] = s.AddStore(ctx, fmt.Sprintf("t%d", i), config.Store{Domain: shop, Classification: config.Production})
			})
		}
		close(start)
		wg.Wait()
		winner := ""
		for i, err := range errs {
			switch {
			case err == nil:
				if winner != "" {
					t.Fatalf("round %d: two winners: %s and t%d", round, winner, i)
				}
				winner = fmt.Sprintf("t%d", i)
			case platform.KindOf(err) != platform.KindConflict:
				t.Errorf("round %d: t%d: kind %v, want conflict: %v", round, i, platform.KindOf(err), err)
			}
		}
		if winner == "" {
			t.Fatalf("round %d: no winner: %v", round, errs)
		}
		owner, err := s.TenantByShop(ctx, shop)
		if err != nil || owner != winner {
			t.Errorf("round %d: owner = %q, %v; want %s", round, owner, err, winner)
		}
		for i := range tenants {
			id := fmt.Sprintf("t%d", i)
			g, err := s.StoreGroup(ctx, id)
			has := err == nil && len(g.Stores) > 0 && g.Stores[len(g.Stores)-1].Domain == shop
			if has != (id == winner) {
				t.Errorf("round %d: tenant %s has store %v, winner %s", round, id, has, winner)
			}
		}
	}
}

func newKey(t *testing.T, tenant, name string, created time.Time, scopes ...auth.Scope) (auth.KeyRecord, string) {
	t.Helper()
	_, prefix, hash, err := auth.NewKeySecret()
	if err != nil {
		t.Fatal(err)
	}
	return auth.KeyRecord{
		ID: auth.NewKeyID(created), TenantID: tenant, Name: name, Prefix: prefix,
		Scopes: scopes, CreatedBy: "test", CreatedAt: created,
	}, hash
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	s, db := counting(t)
	storetest.NewTenant(t, s, "a", "A")
	storetest.NewTenant(t, s, "b", "B")

	k1, h1 := newKey(t, "a", "first", t0, auth.ScopeConfigRead)
	k2, h2 := newKey(t, "a", "second", t0.Add(time.Minute), auth.ScopeConfigRead, auth.ScopeKeysAdmin)
	kb, hb := newKey(t, "b", "b's", t0.Add(2*time.Minute), auth.ScopeConfigRead)
	for _, k := range []struct {
		rec  auth.KeyRecord
		hash string
	}{{k1, h1}, {k2, h2}, {kb, hb}} {
		if err := s.CreateKey(ctx, k.rec, k.hash); err != nil {
			t.Fatalf("create %s: %v", k.rec.Name, err)
		}
	}

	t.Run("create conflicts", func(t *testing.T) {
		dupID, _ := newKey(t, "a", "dup id", t0, auth.ScopeConfigRead)
		dupID.ID = k1.ID
		_, fresh := newKey(t, "a", "x", t0)
		noTenant, h := newKey(t, "ghost", "x", t0, auth.ScopeConfigRead)
		tests := []struct {
			name     string
			rec      auth.KeyRecord
			hash     string
			wantKind platform.Kind
		}{
			{"same id", dupID, fresh, platform.KindConflict},
			{"same hash", func() auth.KeyRecord { r, _ := newKey(t, "a", "dup hash", t0); return r }(), h1, platform.KindConflict},
			{"missing tenant", noTenant, h, platform.KindNotFound},
			{"bad hash", noTenant, "NOTHEX", platform.KindValidation},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantKind(t, s.CreateKey(ctx, tt.rec, tt.hash), tt.wantKind)
			})
		}
	})

	t.Run("lookup is one consistent GetItem", func(t *testing.T) {
		before := db.gets.Load()
		got, err := s.LookupKey(ctx, h2)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(k2, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if n := db.gets.Load() - before; n != 1 {
			t.Errorf("GetItem calls = %d, want 1", n)
		}
		if !aws.ToBool(db.lastGet.Load().ConsistentRead) {
			t.Error("LookupKey read is not strongly consistent")
		}
	})
	t.Run("lookup unknown", func(t *testing.T) {
		_, unknown, _ := func() (string, string, error) { _, _, h, err := auth.NewKeySecret(); return "", h, err }()
		for _, h := range []string{unknown, "", "zz"} {
			_, err := s.LookupKey(ctx, h)
			wantKind(t, err, platform.KindNotFound)
		}
	})

	t.Run("list newest first, own tenant only", func(t *testing.T) {
		got, err := s.ListKeys(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]auth.KeyRecord{k2, k1}, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		got, err = s.ListKeys(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]auth.KeyRecord{kb}, got); diff != "" {
			t.Errorf("tenant b (-want +got):\n%s", diff)
		}
		got, err = s.ListKeys(ctx, "nobody")
		if err != nil || len(got) != 0 {
			t.Errorf("ListKeys(nobody) = %v, %v", got, err)
		}
	})

	t.Run("tenant b cannot revoke a's key", func(t *testing.T) {
		_, err := s.RevokeKey(ctx, "b", k1.ID, t0)
		wantKind(t, err, platform.KindNotFound)
		_, err = s.RevokeKey(ctx, "a", "key_UNKNOWN", t0)
		wantKind(t, err, platform.KindNotFound)
		got, err := s.LookupKey(ctx, h1)
		if err != nil || got.Revoked() {
			t.Errorf("a's key after b's attempt: revoked=%v err=%v", got.Revoked(), err)
		}
	})

	t.Run("revocation is visible at once and keeps the first time", func(t *testing.T) {
		first := t0.Add(time.Hour)
		rec, err := s.RevokeKey(ctx, "a", k1.ID, first)
		if err != nil {
			t.Fatal(err)
		}
		want := k1
		want.RevokedAt = &first
		if diff := cmp.Diff(want, rec); diff != "" {
			t.Errorf("revoke result (-want +got):\n%s", diff)
		}
		got, err := s.LookupKey(ctx, h1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("lookup after revoke (-want +got):\n%s", diff)
		}
		rec, err = s.RevokeKey(ctx, "a", k1.ID, first.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if rec.RevokedAt == nil || !rec.RevokedAt.Equal(first) {
			t.Errorf("second revoke RevokedAt = %v, want %v", rec.RevokedAt, first)
		}
		got, _ = s.LookupKey(ctx, h1)
		if got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
			t.Errorf("lookup after second revoke RevokedAt = %v, want %v", got.RevokedAt, first)
		}
		list, _ := s.ListKeys(ctx, "a")
		if len(list) != 2 || list[1].RevokedAt == nil || !list[1].RevokedAt.Equal(first) || list[0].Revoked() {
			t.Errorf("list after revoke = %+v", list)
		}
	})
}

func TestTouchKeyThrottles(t *testing.T) {
	ctx := context.Background()
	s, db := counting(t)
	storetest.NewTenant(t, s, "a", "A")
	k, h := newKey(t, "a", "k", t0, auth.ScopeConfigRead)
	if err := s.CreateKey(ctx, k, h); err != nil {
		t.Fatal(err)
	}
	const interval = 5 * time.Minute
	steps := []struct {
		name string
		at   time.Time
		want time.Time // lastUsedAt after the call
	}{
		{"first use writes", t0.Add(time.Hour), t0.Add(time.Hour)},
		{"within interval is skipped", t0.Add(time.Hour + time.Minute), t0.Add(time.Hour)},
		{"just before interval is skipped", t0.Add(time.Hour + interval - time.Millisecond), t0.Add(time.Hour)},
		{"after interval writes", t0.Add(time.Hour + interval + time.Millisecond), t0.Add(time.Hour + interval + time.Millisecond)},
		{"older time never moves it back", t0, t0.Add(time.Hour + interval + time.Millisecond)},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := s.TouchKey(ctx, "a", k.ID, st.at, interval); err != nil {
				t.Fatalf("TouchKey: %v", err)
			}
			list, err := s.ListKeys(ctx, "a")
			if err != nil || len(list) != 1 || list[0].LastUsedAt == nil {
				t.Fatalf("list = %+v, %v", list, err)
			}
			if !list[0].LastUsedAt.Equal(st.want) {
				t.Errorf("lastUsedAt = %v, want %v", list[0].LastUsedAt, st.want)
			}
		})
	}
	t.Run("one UpdateItem per call, unknown key is no error", func(t *testing.T) {
		before := db.updates.Load()
		if err := s.TouchKey(ctx, "b", k.ID, t0.Add(48*time.Hour), interval); err != nil {
			t.Errorf("TouchKey on another tenant's key: %v", err)
		}
		if n := db.updates.Load() - before; n != 1 {
			t.Errorf("UpdateItem calls = %d, want 1", n)
		}
		list, _ := s.ListKeys(ctx, "b")
		if len(list) != 0 {
			t.Errorf("touch created an item for tenant b: %+v", list)
		}
	})
}

func TestCreateTableIsIdempotent(t *testing.T) {
	c, name := storetest.NewTableName(t)
	ctx := context.Background()
	if err := store.CreateTable(ctx, c, name); err != nil {
		t.Fatalf("second CreateTable: %v", err)
	}
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(ttl.TimeToLiveDescription.AttributeName); got != store.AttrTTL {
		t.Errorf("ttl attribute = %q (status %s)", got, ttl.TimeToLiveDescription.TimeToLiveStatus)
	}
	desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var gsis []string
	for _, g := range desc.Table.GlobalSecondaryIndexes {
		gsis = append(gsis, aws.ToString(g.IndexName))
	}
	if diff := cmp.Diff([]string{"GSI1", "GSI2"}, gsis, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("GSIs (-want +got):\n%s", diff)
	}
}

func TestContextCanceled(t *testing.T) {
	s := storetest.NewTable(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.StoreGroup(ctx, "a")
	if !errors.Is(err, context.Canceled) || platform.KindOf(err) != platform.KindInternal {
		t.Errorf("err = %v, want wrapped context.Canceled", err)
	}
}
