package configgroup

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
)

type auditFake struct{ got []audit.Entry }

func (a *auditFake) Record(_ context.Context, e audit.Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	a.got = append(a.got, e)
	return nil
}

// createApiKey and revokeApiKey are audited with the caller, the key id
// and the result; the new key's secret is never in the entry.
func TestKeyMutationsAreAudited(t *testing.T) {
	f := newFixture(t)
	rec := &auditFake{}
	f.group = New(f.storage, &auth.Keys{Store: f.keys, Now: func() time.Time { return now }},
		slog.New(slog.NewTextHandler(io.Discard, nil)), WithAudit(rec))
	admin := id("t_acme", auth.ScopeKeysAdmin, auth.ScopeSyncRead)

	resp := f.call(t, admin, OpCreateAPIKey, CreateAPIKeyArgs{Name: "ci", Scopes: []string{"sync:read"}})
	created := decode[CreateAPIKeyResult](t, resp)
	f.call(t, admin, OpRevokeAPIKey, RevokeAPIKeyArgs{ID: created.APIKey.ID})
	f.call(t, id("t_acme", auth.ScopeConfigRead), OpCreateAPIKey, CreateAPIKeyArgs{Name: "sneaky", Scopes: []string{"keys:admin"}})
	f.call(t, admin, OpRevokeAPIKey, RevokeAPIKeyArgs{ID: "key_01B"}) // another tenant's: not found

	want := []struct {
		action, resourceID string
		result             audit.Result
	}{
		{"apiKey.create", created.APIKey.ID, audit.Success},
		{"apiKey.revoke", created.APIKey.ID, audit.Success},
		{"apiKey.create", "", audit.Denied},
		{"apiKey.revoke", "key_01B", audit.Failure},
	}
	if len(rec.got) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(rec.got), len(want), rec.got)
	}
	for i, w := range want {
		e := rec.got[i]
		if e.Action != w.action || e.ResourceID != w.resourceID || e.Result != w.result || e.TenantID != "t_acme" ||
			e.Actor != "api_key:key_caller" || e.RequestID != "req_test" {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
		if strings.Contains(e.Detail, created.Secret) || strings.Contains(e.Detail, "flx_") {
			t.Errorf("entry %d holds the secret: %q", i, e.Detail)
		}
	}
}
