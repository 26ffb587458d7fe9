package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
)

func TestStoreGroupFromItems(t *testing.T) {
	st := func(domain string, c config.Classification) storeItem {
		return storeToItem("t", config.Store{Domain: domain, Classification: c}, time.Time{})
	}
	tests := []struct {
		name   string
		group  *groupItem
		stores []storeItem
		want   config.StoreGroup
	}{
		{"name only", &groupItem{Name: "G"}, nil, config.StoreGroup{Name: "G", Stores: []config.Store{}}},
		{"stores without a name", nil, []storeItem{st("b.myshopify.com", config.QA)},
			config.StoreGroup{Stores: []config.Store{{Domain: "b.myshopify.com", Classification: config.QA}}}},
		{"classification order then domain", &groupItem{Name: "G"}, []storeItem{
			st("z.myshopify.com", config.Production), st("b.myshopify.com", config.QA),
			st("y.myshopify.com", config.ReleaseCandidate), st("a.myshopify.com", config.QA),
			st("x.myshopify.com", config.Source), st("a.myshopify.com", config.Production),
			st("u.myshopify.com", "UNKNOWN"),
		}, config.StoreGroup{Name: "G", Stores: []config.Store{
			{Domain: "x.myshopify.com", Classification: config.Source},
			{Domain: "a.myshopify.com", Classification: config.QA},
			{Domain: "b.myshopify.com", Classification: config.QA},
			{Domain: "y.myshopify.com", Classification: config.ReleaseCandidate},
			{Domain: "a.myshopify.com", Classification: config.Production},
			{Domain: "z.myshopify.com", Classification: config.Production},
			{Domain: "u.myshopify.com", Classification: "UNKNOWN"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, storeGroupFromItems(tt.group, tt.stores)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeyItemsRoundTrip(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	used := created.Add(time.Hour)
	revoked := created.Add(2 * time.Hour)
	tests := []struct {
		name string
		rec  auth.KeyRecord
	}{
		{"fresh", auth.KeyRecord{ID: "key_1", TenantID: "t", Name: "n", Prefix: "flx_abcdefgh",
			Scopes: []auth.Scope{auth.ScopeConfigRead, auth.ScopeKeysAdmin}, CreatedBy: "me", CreatedAt: created}},
		{"used and revoked", auth.KeyRecord{ID: "key_2", TenantID: "t", Name: "n", Prefix: "flx_abcdefgh",
			Scopes: []auth.Scope{auth.ScopeSyncRead}, CreatedAt: created, LastUsedAt: &used, RevokedAt: &revoked}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, h := keyToItems(tt.rec, "hash")
			if k.PK != TenantPK("t") || k.SK != APIKeySK(tt.rec.ID) || h.PK != KeyHashPK("hash") || k.Hash != "hash" {
				t.Errorf("keys: %s/%s, %s/%s", k.PK, k.SK, h.PK, h.SK)
			}
			got, err := keyRecordFromItem(k)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.rec, got); diff != "" {
				t.Errorf("key item (-want +got):\n%s", diff)
			}
			got, err = keyRecordFromHashItem(h)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.rec
			want.LastUsedAt = nil // not kept on the lookup item
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("hash item (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("retired scopes are dropped, not granted", func(t *testing.T) {
		got := scopesFromNames([]string{"config:read", "root", "keys:admin"})
		if diff := cmp.Diff([]auth.Scope{auth.ScopeConfigRead, auth.ScopeKeysAdmin}, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
