package configgroup

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store/storetest"
)

// TestGroupOnDynamoDB runs the group on the real single table (DynamoDB
// Local at $FLUX_TEST_DYNAMODB_ENDPOINT): the store group in flow order, a
// tenant without stores, key issue/list/revoke, and tenant isolation.
func TestGroupOnDynamoDB(t *testing.T) {
	st := storetest.NewTable(t)
	ctx := context.Background()
	storetest.NewTenant(t, st, "t_acme", "Acme")
	storetest.NewTenant(t, st, "t_other", "Other")
	storetest.NewTenant(t, st, "t_new", "New")
	storetest.NewTenant(t, st, "t_named", "Named")
	if err := st.SetGroupName(ctx, "t_named", "Named group"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetGroupName(ctx, "t_acme", "Acme stores"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []config.Store{
		{Domain: "acme.myshopify.com", Classification: config.Production},
		{Domain: "acme-source.myshopify.com", Classification: config.Source},
		{Domain: "acme-qa.myshopify.com", Classification: config.QA},
	} {
		if err := st.AddStore(ctx, "t_acme", s); err != nil {
			t.Fatalf("add store %s: %v", s.Domain, err)
		}
	}
	keys := &auth.Keys{Store: st}
	_, foreign, err := keys.Issue(ctx, "t_other", "op", "foreign", []auth.Scope{auth.ScopeConfigRead})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{group: New(st, keys, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	acme := id("t_acme", auth.AllScopes...)

	t.Run("config", func(t *testing.T) {
		got := decode[ConfigResult](t, f.call(t, acme, OpConfig, nil))
		want := ConfigResult{StoreGroup: &config.StoreGroup{Name: "Acme stores", Stores: []config.Store{
			{Domain: "acme-source.myshopify.com", Classification: config.Source},
			{Domain: "acme-qa.myshopify.com", Classification: config.QA},
			{Domain: "acme.myshopify.com", Classification: config.Production},
		}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("config of a tenant without a group", func(t *testing.T) {
		resp := f.call(t, id("t_new", auth.ScopeConfigRead), OpConfig, nil)
		if resp.Error != nil || string(resp.Result) != `{"storeGroup":null}` {
			t.Errorf("result = %s, error = %+v", resp.Result, resp.Error)
		}
	})
	t.Run("config of a group without stores", func(t *testing.T) {
		resp := f.call(t, id("t_named", auth.ScopeConfigRead), OpConfig, nil)
		if resp.Error != nil || string(resp.Result) != `{"storeGroup":{"name":"Named group","stores":[]}}` {
			t.Errorf("result = %s, error = %+v", resp.Result, resp.Error)
		}
	})
	t.Run("keys", func(t *testing.T) {
		created := decode[CreateAPIKeyResult](t, f.call(t, acme, OpCreateAPIKey,
			CreateAPIKeyArgs{Name: "ci", Scopes: []string{"config:read"}}))
		rec, err := st.LookupKey(ctx, auth.HashKey(created.Secret))
		if err != nil || rec.ID != created.APIKey.ID || rec.TenantID != "t_acme" {
			t.Fatalf("lookup by hash: %+v %v", rec, err)
		}
		list := decode[[]APIKey](t, f.call(t, acme, OpAPIKeys, nil))
		if len(list) != 1 || list[0].ID != created.APIKey.ID {
			t.Errorf("apiKeys = %+v", list)
		}
		wantNotFound := &rpc.Error{Code: "NOT_FOUND", Message: "api key not found"}
		if diff := cmp.Diff(wantNotFound, f.call(t, acme, OpRevokeAPIKey, RevokeAPIKeyArgs{ID: foreign.ID}).Error); diff != "" {
			t.Errorf("revoking another tenant's key (-want +got):\n%s", diff)
		}
		revoked := decode[APIKey](t, f.call(t, acme, OpRevokeAPIKey, RevokeAPIKeyArgs{ID: created.APIKey.ID}))
		if revoked.RevokedAt == nil {
			t.Errorf("not revoked: %+v", revoked)
		}
		others, err := st.ListKeys(ctx, "t_other")
		if err != nil || len(others) != 1 || others[0].Revoked() {
			t.Errorf("foreign keys = %+v, %v", others, err)
		}
	})
}
