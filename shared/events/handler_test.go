package events

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
)

func TestRouteOf(t *testing.T) {
	for topic, want := range map[string]route{
		"products/update":              {act: actCapture, typ: mapping.Product, syncType: fsync.Objects, resource: "Product"},
		"products/create":              {act: actCapture, typ: mapping.Product, syncType: fsync.Objects, resource: "Product"},
		"products/delete":              {act: actDelete, typ: mapping.Product, syncType: fsync.Objects, resource: "Product"},
		"collections/update":           {act: actCapture, typ: mapping.Collection, syncType: fsync.Objects, resource: "Collection"},
		"metaobjects/delete":           {act: actDelete, typ: mapping.Metaobject, syncType: fsync.Objects, resource: "Metaobject"},
		"discounts/create":             {act: actCapture, typ: mapping.Discount, syncType: fsync.Objects, resource: "DiscountNode"},
		"metafield_definitions/create": {act: actCapture, typ: mapping.MetafieldDefinition, syncType: fsync.Objects, resource: "MetafieldDefinition"},
		"themes/publish":               {act: actCapture, typ: mapping.Theme, syncType: fsync.Theme, resource: "OnlineStoreTheme"},
		"themes/update":                {act: actCapture, typ: mapping.Theme, syncType: fsync.Theme, resource: "OnlineStoreTheme"},
		"app/uninstalled":              {act: actUninstall},
		"customers/redact":             {act: actCompliance},
		"customers/data_request":       {act: actCompliance},
		"shop/redact":                  {act: actShopRedact},
	} {
		if got := routeOf(topic); got != want {
			t.Errorf("%s: %+v, want %+v", topic, got, want)
		}
	}
	for _, topic := range []string{"orders/create", "products/publish", "themes/delete", "inventory_levels/update", "x"} {
		if got := routeOf(topic); got.act != actIgnore || got.why == "" {
			t.Errorf("%s: %+v, want ignored with a reason", topic, got)
		}
	}
}

func TestPayloadGID(t *testing.T) {
	for _, c := range []struct {
		topic, payload, want string
	}{
		{"products/update", `{"id": 7, "admin_graphql_api_id": "gid://shopify/Product/7"}`, "gid://shopify/Product/7"},
		{"products/delete", `{"id": 9007199254740993}`, "gid://shopify/Product/9007199254740993"},
		{"metaobjects/delete", `{"id": "gid://shopify/Metaobject/5", "type": "designer"}`, "gid://shopify/Metaobject/5"},
		{"discounts/update", `{"admin_graphql_api_id": "gid://shopify/DiscountAutomaticNode/3"}`, "gid://shopify/DiscountAutomaticNode/3"},
		{"metafield_definitions/delete", `{"id": "gid://shopify/MetafieldDefinition/4"}`, "gid://shopify/MetafieldDefinition/4"},
		{"themes/publish", `{"id": 12, "role": "main"}`, "gid://shopify/OnlineStoreTheme/12"},
		// A GID of another resource is not taken for the object's.
		{"products/update", `{"id": 8, "admin_graphql_api_id": "gid://shopify/Collection/8"}`, "gid://shopify/Product/8"},
	} {
		p, err := parsePayload(json.RawMessage(c.payload))
		if err != nil {
			t.Fatalf("%s: %v", c.payload, err)
		}
		got, err := p.gid(routeOf(c.topic))
		if err != nil || got != c.want {
			t.Errorf("%s %s: %q %v, want %q", c.topic, c.payload, got, err, c.want)
		}
	}
	for _, bad := range []string{``, `null`, `{}`, `{"id": -1}`, `{"id": 0}`, `{"id": "x"}`, `{"id": 1.5}`, `[1]`} {
		p, err := parsePayload(json.RawMessage(bad))
		if err == nil {
			_, err = p.gid(routeOf("products/update"))
		}
		if platform.KindOf(err) != platform.KindValidation {
			t.Errorf("%q: %v, want validation", bad, err)
		}
	}
}

func product(gid, canonical string, updated time.Time) catalog.Object {
	return catalog.Object{Type: mapping.Product, GID: gid, Canonical: canonical, UpdatedAt: updated, Raw: json.RawMessage(`{}`)}
}

func updateOp() ingest.Result {
	return ingest.Result{Written: true, Warnings: []capture.Warning{{Path: "/x"}},
		Op: &fsync.Operation{ID: "op-1", Type: fsync.Update, ObjectType: "PRODUCT", Canonical: "bag", Shop: testShop}}
}

func TestProductUpdateCapturesUnderTheDaysEventSync(t *testing.T) {
	f := newFakes()
	f.objects["gid://shopify/Product/7"] = product("gid://shopify/Product/7", "bag", t0.Add(-time.Minute))
	f.result = updateOp()
	h, logs := f.handler()
	upd := t0.Add(-time.Second)
	if handle(t, h, body(t, "products/update", map[string]any{"id": 7, "updated_at": upd.Format(time.RFC3339), "title": "SECRET-TITLE"})) {
		t.Fatal("reported failed")
	}
	want := []string{"TenantByShop", "Client", "Get", "EnsureEventSync", "Capture", "RecordOperations", "AddSyncStats"}
	if diff := cmp.Diff(want, f.calls); diff != "" {
		t.Fatalf("calls (-want +got):\n%s", diff)
	}
	if !f.captureAt.Equal(upd) {
		t.Errorf("sourceAt %v, want the payload's updated_at %v", f.captureAt, upd)
	}
	if len(f.ops) != 1 || f.stats != (fsync.Stats{Processed: 1, Warnings: 1}) {
		t.Errorf("ops %+v stats %+v", f.ops, f.stats)
	}
	line := logs.String()
	for _, want := range []string{`"message_id":"m-1"`, `"outcome":"applied"`, `"tenant_id":"acme"`, `"topic":"products/update"`, "UPDATE PRODUCT bag"} {
		if !strings.Contains(line, want) {
			t.Errorf("log %s lacks %s", line, want)
		}
	}
	if strings.Contains(line, "SECRET-TITLE") || strings.Count(line, "\n") != 1 {
		t.Errorf("log must be one line without the payload: %s", line)
	}
	// A second event of the same day reuses the cached sync id.
	f.calls = nil
	handle(t, h, body(t, "products/update", map[string]any{"id": 7}))
	if slices.Contains(f.calls, "EnsureEventSync") {
		t.Errorf("event sync not cached: %v", f.calls)
	}
	// Without updated_at, the object's own newer updatedAt labels the state.
	if want := t0; !f.captureAt.Equal(want) {
		t.Errorf("sourceAt %v, want triggeredAt %v", f.captureAt, want)
	}
	f.objects["gid://shopify/Product/7"] = product("gid://shopify/Product/7", "bag", t0.Add(time.Hour))
	handle(t, h, body(t, "products/update", map[string]any{"id": 7}))
	if want := t0.Add(time.Hour); !f.captureAt.Equal(want) {
		t.Errorf("sourceAt %v, want the object's updatedAt %v", f.captureAt, want)
	}
}

func TestFailureClassification(t *testing.T) {
	obj := product("gid://shopify/Product/7", "bag", t0)
	for _, c := range []struct {
		name   string
		setup  func(*fakes)
		failed bool
		calls  string // a call that must (or, with a "!" prefix, must not) happen
	}{
		{"shopify unavailable", func(f *fakes) { f.errs["Get"] = platform.E(platform.KindUnavailable, "5xx") }, true, "!EnsureEventSync"},
		{"shopify throttled", func(f *fakes) { f.errs["Get"] = platform.E(platform.KindRateLimited, "throttled") }, true, "!Capture"},
		{"dynamodb tenant lookup", func(f *fakes) { f.errs["TenantByShop"] = fmt.Errorf("dynamodb: boom") }, true, "!Get"},
		{"dynamodb event sync", func(f *fakes) { f.errs["EnsureEventSync"] = fmt.Errorf("dynamodb: boom") }, true, "!Capture"},
		{"capture conflict", func(f *fakes) { f.errs["Capture"] = platform.E(platform.KindConflict, "raced") }, true, "!RecordOperations"},
		{"record operations", func(f *fakes) { f.result = updateOp(); f.errs["RecordOperations"] = fmt.Errorf("boom") }, true, "!AddSyncStats"},
		{"stats", func(f *fakes) { f.errs["AddSyncStats"] = fmt.Errorf("boom") }, true, "AddSyncStats"},
		{"panic", func(f *fakes) { f.panicOn = "Capture" }, true, "Capture"},
		{"unknown shop", func(f *fakes) { delete(f.tenants, testShop) }, false, "!Get"},
		{"invalid object", func(f *fakes) { f.errs["Get"] = platform.E(platform.KindValidation, "no canonical") }, false, "!Capture"},
		{"no canonical", func(f *fakes) { o := obj; o.Canonical = ""; f.objects[o.GID] = o }, false, "!Capture"},
		{"scope missing", func(f *fakes) { f.errs["Get"] = platform.E(platform.KindForbidden, "scope") }, false, "!Capture"},
		{"gone from the shop", func(f *fakes) { delete(f.objects, obj.GID) }, false, "Delete"},
		{"client: not connected", func(f *fakes) {
			f.errs["Client"] = platform.E(platform.KindUnavailable, "no token")
			f.conn = &store.ShopConnection{Status: store.ConnectionUninstalled}
		}, false, "!Delete"},
		{"client: token read failed", func(f *fakes) {
			f.errs["Client"] = platform.E(platform.KindUnavailable, "ssm")
			f.conn = &store.ShopConnection{Status: store.ConnectionActive}
		}, true, "!Delete"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakes()
			f.objects[obj.GID] = obj
			c.setup(f)
			h, logs := f.handler()
			if got := handle(t, h, body(t, "products/update", map[string]any{"id": 7})); got != c.failed {
				t.Fatalf("failed %v, want %v; calls %v; log %s", got, c.failed, f.calls, logs)
			}
			name, not := strings.CutPrefix(c.calls, "!")
			if slices.Contains(f.calls, name) == not {
				t.Errorf("calls %v: %s", f.calls, c.calls)
			}
			if !strings.Contains(logs.String(), `"message_id":"m-1"`) {
				t.Errorf("no log line: %s", logs)
			}
		})
	}
}

func TestEnvelopeGarbageGoesToTheDLQ(t *testing.T) {
	for _, msg := range []string{``, `{`, `[]`, `{"version": 2, "topic": "products/update", "shop": "src.myshopify.com", "webhookId": "w", "triggeredAt": "2026-12-03T10:00:00Z"}`,
		`{"version": 1, "topic": "products/update", "shop": "evil.com", "webhookId": "w", "triggeredAt": "2026-12-03T10:00:00Z"}`,
		`{"version": 1, "topic": "products/update", "shop": "src.myshopify.com", "webhookId": "w"}`} {
		f := newFakes()
		h, logs := f.handler()
		if !handle(t, h, msg) || len(f.calls) != 0 {
			t.Errorf("%q: not reported failed, or calls %v", msg, f.calls)
		}
		if !strings.Contains(logs.String(), `"outcome":"dead"`) || !strings.Contains(logs.String(), `"level":"ERROR"`) {
			t.Errorf("%q: log %s", msg, logs)
		}
	}
}

func TestDeletesThemesAndOtherTopics(t *testing.T) {
	live := catalog.Object{Type: mapping.Theme, GID: "gid://shopify/OnlineStoreTheme/12", Canonical: "live", Raw: json.RawMessage(`{}`)}
	for _, c := range []struct {
		name, topic string
		payload     any
		setup       func(*fakes)
		want        []string
	}{
		{"delete", "products/delete", map[string]any{"id": 7}, nil,
			[]string{"TenantByShop", "EnsureEventSync", "Delete", "AddSyncStats"}},
		{"truncated payload", "products/update", nil, nil, []string{"TenantByShop"}},
		{"theme of another role", "themes/update", map[string]any{"id": 12, "role": "unpublished"}, nil, []string{"TenantByShop"}},
		{"theme read is not live", "themes/update", map[string]any{"id": 12}, func(f *fakes) {
			o := live
			o.Canonical = "name/x"
			f.objects[o.GID] = o
		}, []string{"TenantByShop", "Client", "Get"}},
		{"theme published", "themes/publish", map[string]any{"id": 12, "role": "main"}, func(f *fakes) { f.objects[live.GID] = live },
			[]string{"TenantByShop", "Client", "Get", "EnsureEventSync", "Capture", "AddSyncStats"}},
		{"theme deleted", "themes/delete", map[string]any{"id": 12}, nil, nil},
		{"unknown topic", "orders/create", map[string]any{"id": 1}, nil, nil},
		{"customers redact", "customers/redact", map[string]any{"customer": map[string]any{"email": "a@b.c"}}, nil, []string{"TenantByShop"}},
		{"customers data request", "customers/data_request", map[string]any{"customer": map[string]any{"email": "a@b.c"}}, nil, []string{"TenantByShop"}},
		{"uninstalled", "app/uninstalled", map[string]any{"id": 1}, func(f *fakes) {
			f.conn = &store.ShopConnection{Status: store.ConnectionActive, InstalledAt: t0.Add(-time.Hour)}
		}, []string{"TenantByShop", "ShopConnection", "MarkShopUninstalled"}},
		{"uninstalled, reinstalled since", "app/uninstalled", map[string]any{"id": 1}, func(f *fakes) {
			f.conn = &store.ShopConnection{Status: store.ConnectionActive, InstalledAt: t0.Add(time.Second)}
		}, []string{"TenantByShop", "ShopConnection"}},
		{"uninstalled, never connected", "app/uninstalled", map[string]any{"id": 1}, nil, []string{"TenantByShop", "ShopConnection"}},
		{"shop redact", "shop/redact", map[string]any{"shop_id": 1}, func(f *fakes) {
			f.conn = &store.ShopConnection{Status: store.ConnectionActive, InstalledAt: t0.Add(-time.Hour)}
		}, []string{"TenantByShop", "ShopConnection", "MarkShopUninstalled"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakes()
			if c.setup != nil {
				c.setup(f)
			}
			h, logs := f.handler()
			if handle(t, h, body(t, c.topic, c.payload)) {
				t.Fatalf("reported failed: %s", logs)
			}
			if diff := cmp.Diff(c.want, f.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s\nlog %s", diff, logs)
			}
			if strings.Contains(logs.String(), "a@b.c") {
				t.Errorf("log holds the payload: %s", logs)
			}
			if c.topic == "products/delete" && !f.deleteAt.Equal(t0) {
				t.Errorf("delete at %v, want triggeredAt", f.deleteAt)
			}
		})
	}
}

func TestDeadlineReserveLeavesMessagesForRedelivery(t *testing.T) {
	f := newFakes()
	h, _ := f.handler()
	h.Reserve = time.Hour
	ctx, cancel := contextWithTimeout(t, time.Minute)
	defer cancel()
	resp, err := h.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "a", Body: body(t, "products/update", map[string]any{"id": 1})}, {MessageId: "b"}}})
	if err != nil || len(resp.BatchItemFailures) != 2 || len(f.calls) != 0 {
		t.Fatalf("resp %+v err %v calls %v", resp, err, f.calls)
	}
}
