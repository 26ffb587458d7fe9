package install

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flux-platform/flux/shared/audit"
)

type auditFake struct{ got []audit.Entry }

func (a *auditFake) Record(_ context.Context, e audit.Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	a.got = append(a.got, e)
	return nil
}

// An install that reached a tenant is audited, connected or not; a forged
// callback (bad hmac) has no tenant and is not; no token is ever in it.
func TestCallbackIsAudited(t *testing.T) {
	for _, c := range []struct {
		name   string
		setup  func(f *callbackFixture)
		query  func(f *callbackFixture) string
		result audit.Result
	}{
		{"connected", nil, nil, audit.Success},
		{"storage down", func(f *callbackFixture) { f.tokens.err = errors.New("dynamodb: connection reset") }, nil, audit.Failure},
		{"forged", nil, func(f *callbackFixture) string {
			return strings.Replace(f.cases.query(t, "callback-with-host"), "hmac=", "hmac=0", 1)
		}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newCallbackFixture(t)
			rec := &auditFake{}
			f.h.Audit = rec
			if c.setup != nil {
				c.setup(f)
			}
			q := f.cases.query(t, "callback-with-host")
			if c.query != nil {
				q = c.query(f)
			}
			f.serve(t, q, "application/json")
			if c.result == "" {
				if len(rec.got) != 0 {
					t.Fatalf("audited %+v", rec.got)
				}
				return
			}
			if len(rec.got) != 1 {
				t.Fatalf("%d entries", len(rec.got))
			}
			e := rec.got[0]
			if e.TenantID != testTenant || e.Actor != "system:oauth-callback" || e.Action != "store.connect" ||
				e.Shop != testShop || e.ResourceID != testShop || e.Result != c.result || e.RequestID == "" {
				t.Errorf("entry %+v", e)
			}
			if strings.Contains(e.Detail, "shpat_") || strings.Contains(e.Detail, "shprt_") || strings.Contains(e.Detail, "connection reset") {
				t.Errorf("detail %q", e.Detail)
			}
		})
	}
}
