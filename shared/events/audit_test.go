package events

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/store"
)

type auditFake struct{ got []audit.Entry }

func (a *auditFake) Record(_ context.Context, e audit.Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	a.got = append(a.got, e)
	return nil
}

// The worker audits the uninstalls it applies (and fails to apply) as
// system:worker-events; events that change nothing are not audited.
func TestUninstallIsAudited(t *testing.T) {
	active := func(f *fakes) {
		f.conn = &store.ShopConnection{Status: store.ConnectionActive, InstalledAt: t0.Add(-time.Hour)}
	}
	for _, c := range []struct {
		name   string
		topic  string
		setup  func(f *fakes)
		result audit.Result
	}{
		{"uninstalled", "app/uninstalled", active, audit.Success},
		{"shop redact", "shop/redact", active, audit.Success},
		{"mark fails", "app/uninstalled", func(f *fakes) { active(f); f.errs["MarkShopUninstalled"] = errors.New("throttled") }, audit.Failure},
		{"already uninstalled", "app/uninstalled", func(f *fakes) { f.conn = &store.ShopConnection{Status: store.ConnectionUninstalled} }, ""},
		{"reinstalled since", "app/uninstalled", func(f *fakes) {
			f.conn = &store.ShopConnection{Status: store.ConnectionActive, InstalledAt: t0.Add(time.Second)}
		}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakes()
			c.setup(f)
			h, _ := f.handler()
			rec := &auditFake{}
			h.Audit = rec
			handle(t, h, body(t, c.topic, map[string]any{"id": 1}))
			if c.result == "" {
				if len(rec.got) != 0 {
					t.Fatalf("audited %+v", rec.got)
				}
				return
			}
			if len(rec.got) != 1 {
				t.Fatalf("%d entries", len(rec.got))
			}
			want := audit.Entry{TenantID: "acme", Actor: "system:worker-events", Action: "store.uninstall", ResourceType: "store",
				ResourceID: testShop, Shop: testShop, Result: c.result, RequestID: "webhook:wh-1"}
			if d := cmp.Diff(want, rec.got[0], cmpopts.IgnoreFields(audit.Entry{}, "ID", "At", "Detail")); d != "" {
				t.Errorf("entry (-want +got):\n%s", d)
			}
		})
	}
}
