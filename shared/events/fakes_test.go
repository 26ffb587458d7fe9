package events

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/webhooks"
)

const testShop = "src.myshopify.com"

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// fakes records every call the handler makes.
type fakes struct {
	mu        sync.Mutex
	calls     []string
	tenants   map[string]string
	conn      *store.ShopConnection
	errs      map[string]error // by call name
	objects   map[string]catalog.Object
	result    ingest.Result
	stats     fsync.Stats
	ops       []fsync.Operation
	captureAt time.Time
	deleteAt  time.Time
	panicOn   string
}

func newFakes() *fakes {
	return &fakes{tenants: map[string]string{testShop: "acme"}, errs: map[string]error{}, objects: map[string]catalog.Object{}}
}

func (f *fakes) call(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	if f.panicOn == name {
		panic("boom")
	}
	return f.errs[name]
}

func (f *fakes) TenantByShop(_ context.Context, shop string) (string, error) {
	if err := f.call("TenantByShop"); err != nil {
		return "", err
	}
	t, ok := f.tenants[shop]
	if !ok {
		return "", platform.E(platform.KindNotFound, "shop not found")
	}
	return t, nil
}

func (f *fakes) ShopConnection(context.Context, string, string) (store.ShopConnection, error) {
	if err := f.call("ShopConnection"); err != nil {
		return store.ShopConnection{}, err
	}
	if f.conn == nil {
		return store.ShopConnection{}, platform.E(platform.KindNotFound, "not connected")
	}
	return *f.conn, nil
}

func (f *fakes) MarkShopUninstalled(context.Context, string, string, time.Time) error {
	return f.call("MarkShopUninstalled")
}

func (f *fakes) EnsureEventSync(_ context.Context, _ string, t fsync.Type, at time.Time) (string, error) {
	if err := f.call("EnsureEventSync"); err != nil {
		return "", err
	}
	return store.EventSyncID(t, at), nil
}

func (f *fakes) RecordOperations(_ context.Context, _, _ string, ops []fsync.Operation) error {
	if err := f.call("RecordOperations"); err != nil {
		return err
	}
	f.ops = append(f.ops, ops...)
	return nil
}

func (f *fakes) AddSyncStats(_ context.Context, _, _ string, d fsync.Stats) error {
	if err := f.call("AddSyncStats"); err != nil {
		return err
	}
	f.stats.Processed += d.Processed
	f.stats.Warnings += d.Warnings
	return nil
}

func (f *fakes) Client(context.Context, string, string) (*shopify.Client, error) {
	return nil, f.call("Client")
}

func (f *fakes) Get(_ context.Context, t mapping.ObjectType, gid string) (catalog.Object, error) {
	if err := f.call("Get"); err != nil {
		return catalog.Object{}, err
	}
	o, ok := f.objects[gid]
	if !ok {
		return catalog.Object{}, platform.E(platform.KindNotFound, "gone")
	}
	return o, nil
}

func (f *fakes) Capture(_ context.Context, _ catalog.Object, at time.Time) (ingest.Result, error) {
	f.captureAt = at
	return f.result, f.call("Capture")
}

func (f *fakes) Delete(_ context.Context, _ mapping.ObjectType, _ string, at time.Time) (ingest.Result, error) {
	f.deleteAt = at
	return f.result, f.call("Delete")
}

// handler is a Handler over f, logging into the returned buffer.
func (f *fakes) handler() (*Handler, *bytes.Buffer) {
	var buf bytes.Buffer
	return &Handler{
		Store: f, Clients: f,
		Reader:   func(*shopify.Client) Getter { return f },
		Capturer: func(string, string, string) Capturer { return f },
		Now:      func() time.Time { return t0.Add(time.Hour) },
		Log:      slog.New(slog.NewJSONHandler(&buf, nil)),
	}, &buf
}

// body is an envelope message body.
func body(t testing.TB, topic string, payload any) string {
	t.Helper()
	e := webhooks.Envelope{Version: webhooks.EnvelopeVersion, Topic: topic, Shop: testShop, WebhookID: "wh-1",
		TriggeredAt: t0, APIVersion: "2026-10", ReceivedAt: t0}
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		e.Payload = b
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// handle runs one message and returns whether it was reported failed.
func handle(t testing.TB, h *Handler, msg string) bool {
	t.Helper()
	resp, err := h.Handle(t.Context(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-1", Body: msg}}})
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	return len(resp.BatchItemFailures) == 1 && resp.BatchItemFailures[0].ItemIdentifier == "m-1"
}
