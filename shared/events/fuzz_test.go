package events

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func contextWithTimeout(t testing.TB, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}

// FuzzParseEnvelope: any body parses or is a validation error, never a
// panic; what parses survives a round trip unchanged.
func FuzzParseEnvelope(f *testing.F) {
	f.Add(`{"version":1,"topic":"products/update","shop":"src.myshopify.com","webhookId":"w-1","triggeredAt":"2026-12-03T10:00:00Z","apiVersion":"2026-10","payload":{"id":1}}`)
	f.Add(`{"version":1,"topic":"app/uninstalled","shop":"a.myshopify.com","webhookId":"x","triggeredAt":"2026-12-03T10:00:00.123+01:00","payloadTruncated":true}`)
	f.Add(`{"version":2}`)
	f.Add(`null`)
	f.Add(`{"version":1,"topic":"products/update","shop":"SRC.myshopify.com","webhookId":"w","triggeredAt":"2026-12-03T10:00:00Z"}`)
	f.Fuzz(func(t *testing.T, body string) {
		e, err := ParseEnvelope(body)
		if err != nil {
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := ParseEnvelope(string(b))
		if err != nil {
			t.Fatalf("round trip of %s: %v", b, err)
		}
		if !reflect.DeepEqual(compactPayload(t, e), compactPayload(t, again)) {
			t.Fatalf("round trip changed %+v into %+v", e, again)
		}
		// Routing and payload reading never panic either.
		if rt := routeOf(e.Topic); rt.act == actCapture || rt.act == actDelete {
			if p, err := parsePayload(e.Payload); err == nil {
				_, _ = p.gid(rt)
				_ = p.updatedAt()
			}
		}
	})
}

func compactPayload(t *testing.T, e any) any {
	b, _ := json.Marshal(e)
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
