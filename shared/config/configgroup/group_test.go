package configgroup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
)

var now = time.Date(2026, 11, 24, 16, 0, 5, 0, time.UTC)

type fakeStorage struct {
	groups map[string]config.StoreGroup
	err    error
}

func (f *fakeStorage) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	if f.err != nil {
		return config.StoreGroup{}, f.err
	}
	g, ok := f.groups[tenantID]
	if !ok {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
	}
	g.Stores = append([]config.Store(nil), g.Stores...)
	return g, nil
}

type fakeKeys struct {
	mu   sync.Mutex
	keys map[string]auth.KeyRecord
	err  error
}

func (f *fakeKeys) LookupKey(context.Context, string) (auth.KeyRecord, error) {
	return auth.KeyRecord{}, platform.E(platform.KindNotFound, "api key not found")
}

func (f *fakeKeys) TouchKey(context.Context, string, string, time.Time, time.Duration) error {
	return nil
}

func (f *fakeKeys) CreateKey(_ context.Context, rec auth.KeyRecord, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.keys[rec.ID] = rec
	return nil
}

func (f *fakeKeys) ListKeys(_ context.Context, tenantID string) ([]auth.KeyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	out := []auth.KeyRecord{}
	for _, rec := range f.keys {
		if rec.TenantID == tenantID {
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func (f *fakeKeys) RevokeKey(_ context.Context, tenantID, keyID string, at time.Time) (auth.KeyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.keys[keyID]
	if !ok || rec.TenantID != tenantID {
		return auth.KeyRecord{}, platform.E(platform.KindNotFound, "api key not found")
	}
	if rec.RevokedAt == nil {
		rec.RevokedAt = &at
		f.keys[keyID] = rec
	}
	return rec, nil
}

func id(tenant string, scopes ...auth.Scope) auth.Identity {
	return auth.Identity{TenantID: tenant, Principal: "key_caller", PrincipalType: auth.PrincipalAPIKey, Scopes: scopes}
}

type fixture struct {
	storage *fakeStorage
	keys    *fakeKeys
	group   *rpc.Group
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		storage: &fakeStorage{groups: map[string]config.StoreGroup{
			"t_acme": {Name: "Acme", Stores: []config.Store{
				{Domain: "b-prod.myshopify.com", Classification: config.Production},
				{Domain: "a-prod.myshopify.com", Classification: config.Production},
				{Domain: "qa.myshopify.com", Classification: config.QA},
				{Domain: "src.myshopify.com", Classification: config.Source},
			}},
			"t_empty": {Name: "Empty"},
		}},
		keys: &fakeKeys{keys: map[string]auth.KeyRecord{
			"key_01A": {ID: "key_01A", TenantID: "t_acme", Name: "old", Prefix: "flx_abcdefgh",
				Scopes: []auth.Scope{auth.ScopeConfigRead}, CreatedAt: now.Add(-time.Hour)},
			"key_01B": {ID: "key_01B", TenantID: "t_other", Name: "foreign", Prefix: "flx_zzzzzzzz",
				Scopes: []auth.Scope{auth.ScopeConfigRead}, CreatedAt: now.Add(-time.Hour)},
		}},
	}
	f.group = New(f.storage, &auth.Keys{Store: f.keys, Now: func() time.Time { return now }},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	return f
}

func (f *fixture) call(t *testing.T, caller auth.Identity, op string, args any) rpc.Response {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.group.Handle(context.Background(), rpc.Request{
		Group: GroupName, Operation: op, Identity: caller, RequestID: "req_test", Arguments: raw,
	})
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	return resp
}

func decode[T any](t *testing.T, resp rpc.Response) T {
	t.Helper()
	if resp.Error != nil {
		t.Fatalf("error %+v", *resp.Error)
	}
	var v T
	if err := json.Unmarshal(resp.Result, &v); err != nil {
		t.Fatalf("decode %s: %v", resp.Result, err)
	}
	return v
}

func TestConfigOperation(t *testing.T) {
	f := newFixture(t)
	t.Run("stores in flow order, then by domain", func(t *testing.T) {
		got := decode[ConfigResult](t, f.call(t, id("t_acme", auth.ScopeConfigRead), OpConfig, nil))
		want := ConfigResult{StoreGroup: &config.StoreGroup{Name: "Acme", Stores: []config.Store{
			{Domain: "src.myshopify.com", Classification: config.Source},
			{Domain: "qa.myshopify.com", Classification: config.QA},
			{Domain: "a-prod.myshopify.com", Classification: config.Production},
			{Domain: "b-prod.myshopify.com", Classification: config.Production},
		}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("wire shape", func(t *testing.T) {
		resp := f.call(t, id("t_empty", auth.ScopeConfigRead), OpConfig, nil)
		if got, want := string(resp.Result), `{"storeGroup":{"name":"Empty","stores":[]}}`; got != want {
			t.Errorf("result = %s, want %s", got, want)
		}
		resp = f.call(t, id("t_none", auth.ScopeConfigRead), OpConfig, nil)
		if got, want := string(resp.Result), `{"storeGroup":null}`; got != want {
			t.Errorf("tenant without a group: result = %s, want %s", got, want)
		}
	})
}

func TestOperationErrors(t *testing.T) {
	secretCause := errors.New("dial tcp 10.0.0.9:443: secret-detail")
	tests := []struct {
		name    string
		caller  auth.Identity
		op      string
		args    any
		setup   func(*fixture)
		code    string
		message string
	}{
		{"config without config:read", id("t_acme", auth.ScopeKeysAdmin), OpConfig, nil, nil, "FORBIDDEN", "missing scope config:read"},
		{"config without identity", auth.Identity{}, OpConfig, nil, nil, "UNAUTHENTICATED", "authentication required"},
		{"config storage failure", id("t_acme", auth.ScopeConfigRead), OpConfig, nil,
			func(f *fixture) { f.storage.err = fmt.Errorf("query: %w", secretCause) }, "INTERNAL_ERROR", "internal error"},
		{"apiKeys without keys:admin", id("t_acme", auth.ScopeConfigRead), OpAPIKeys, nil, nil, "FORBIDDEN", "missing scope keys:admin"},
		{"apiKeys storage failure", id("t_acme", auth.ScopeKeysAdmin), OpAPIKeys, nil,
			func(f *fixture) { f.keys.err = secretCause }, "INTERNAL_ERROR", "internal error"},
		{"createApiKey without keys:admin", id("t_acme", auth.ScopeConfigRead), OpCreateAPIKey,
			CreateAPIKeyArgs{Name: "x", Scopes: []string{"config:read"}}, nil, "FORBIDDEN", "missing scope keys:admin"},
		{"createApiKey escalation", id("t_acme", auth.ScopeKeysAdmin, auth.ScopeConfigRead), OpCreateAPIKey,
			CreateAPIKeyArgs{Name: "x", Scopes: []string{"config:read", "releases:deploy"}}, nil, "FORBIDDEN",
			"cannot grant scope releases:deploy that the caller does not hold"},
		{"createApiKey unknown scope", id("t_acme", auth.AllScopes...), OpCreateAPIKey,
			CreateAPIKeyArgs{Name: "x", Scopes: []string{"everything"}}, nil, "VALIDATION_ERROR", `unknown scope "everything"`},
		{"createApiKey no scopes", id("t_acme", auth.AllScopes...), OpCreateAPIKey,
			CreateAPIKeyArgs{Name: "x"}, nil, "VALIDATION_ERROR", "at least one scope is required"},
		{"createApiKey name too long", id("t_acme", auth.AllScopes...), OpCreateAPIKey,
			CreateAPIKeyArgs{Name: strings.Repeat("n", 101), Scopes: []string{"config:read"}}, nil, "VALIDATION_ERROR", "name must be 1 to 100 characters"},
		{"createApiKey malformed arguments", id("t_acme", auth.AllScopes...), OpCreateAPIKey,
			map[string]any{"name": 5}, nil, "VALIDATION_ERROR", "malformed arguments"},
		{"revokeApiKey of another tenant", id("t_acme", auth.AllScopes...), OpRevokeAPIKey,
			RevokeAPIKeyArgs{ID: "key_01B"}, nil, "NOT_FOUND", "api key not found"},
		{"revokeApiKey of a malformed id", id("t_acme", auth.AllScopes...), OpRevokeAPIKey,
			RevokeAPIKeyArgs{ID: "../key"}, nil, "NOT_FOUND", "api key not found"},
		{"revokeApiKey without keys:admin", id("t_acme", auth.ScopeConfigRead), OpRevokeAPIKey,
			RevokeAPIKeyArgs{ID: "key_01A"}, nil, "FORBIDDEN", "missing scope keys:admin"},
		{"unknown operation", id("t_acme", auth.AllScopes...), "dropTable", nil, nil, "VALIDATION_ERROR", "unknown operation config.dropTable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			resp := f.call(t, tt.caller, tt.op, tt.args)
			want := &rpc.Error{Code: tt.code, Message: tt.message}
			if diff := cmp.Diff(want, resp.Error); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if resp.Result != nil {
				t.Errorf("result alongside an error: %s", resp.Result)
			}
		})
	}
	t.Run("revoking another tenant's key leaves it alone", func(t *testing.T) {
		f := newFixture(t)
		f.call(t, id("t_acme", auth.AllScopes...), OpRevokeAPIKey, RevokeAPIKeyArgs{ID: "key_01B"})
		if f.keys.keys["key_01B"].Revoked() {
			t.Error("foreign key revoked")
		}
	})
}

func TestAPIKeyLifecycle(t *testing.T) {
	f := newFixture(t)
	caller := id("t_acme", auth.ScopeKeysAdmin, auth.ScopeConfigRead, auth.ScopeSyncRead)

	created := decode[CreateAPIKeyResult](t, f.call(t, caller, OpCreateAPIKey,
		CreateAPIKeyArgs{Name: "  deploy bot ", Scopes: []string{"sync:read", "config:read", "sync:read"}}))
	if err := auth.ParseKey(created.Secret); err != nil {
		t.Fatalf("secret: %v", err)
	}
	wantKey := APIKey{
		ID: created.APIKey.ID, Name: "deploy bot", Prefix: auth.KeyDisplayPrefix(created.Secret),
		Scopes: []string{"config:read", "sync:read"}, CreatedAt: "2026-11-24T16:00:05Z",
	}
	if diff := cmp.Diff(wantKey, created.APIKey); diff != "" {
		t.Errorf("created key (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(created.APIKey.ID, "key_") {
		t.Errorf("id = %q", created.APIKey.ID)
	}

	list := f.call(t, caller, OpAPIKeys, nil)
	if strings.Contains(string(list.Result), created.Secret) {
		t.Fatalf("apiKeys shows the secret: %s", list.Result)
	}
	keys := decode[[]APIKey](t, list)
	if len(keys) != 2 || keys[0].ID != created.APIKey.ID || keys[1].ID != "key_01A" {
		t.Errorf("apiKeys = %+v", keys)
	}

	revoked := decode[APIKey](t, f.call(t, caller, OpRevokeAPIKey, RevokeAPIKeyArgs{ID: created.APIKey.ID}))
	if revoked.RevokedAt == nil || *revoked.RevokedAt != "2026-11-24T16:00:05Z" {
		t.Errorf("revokedAt = %v", revoked.RevokedAt)
	}
}

func TestAPIKeyFromRecord(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	used := time.Date(2026, 11, 24, 18, 30, 0, 0, berlin)
	revoked := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rec  auth.KeyRecord
		want APIKey
	}{
		{
			name: "never used, not revoked",
			rec: auth.KeyRecord{ID: "key_1", TenantID: "t", Name: "n", Prefix: "flx_abcdefgh",
				Scopes: []auth.Scope{auth.ScopeConfigRead}, CreatedBy: "key_0", CreatedAt: now},
			want: APIKey{ID: "key_1", Name: "n", Prefix: "flx_abcdefgh", Scopes: []string{"config:read"},
				CreatedAt: "2026-11-24T16:00:05Z"},
		},
		{
			name: "times in UTC",
			rec:  auth.KeyRecord{ID: "key_2", Name: "n", Prefix: "p", CreatedAt: used, LastUsedAt: &used, RevokedAt: &revoked},
			want: APIKey{ID: "key_2", Name: "n", Prefix: "p", Scopes: []string{},
				CreatedAt: "2026-11-24T17:30:00Z", LastUsedAt: ptr("2026-11-24T17:30:00Z"), RevokedAt: ptr("2026-11-25T01:00:00Z")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, APIKeyFromRecord(tt.rec)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func ptr(s string) *string { return &s }
