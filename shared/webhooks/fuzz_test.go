package webhooks

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/store"
)

// FuzzParseHeaders: any header values either fail with 400/422 or give an
// envelope whose fields are safe to use as keys and in messages.
func FuzzParseHeaders(f *testing.F) {
	f.Add("products/update", "demo-source.myshopify.com", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "2026-11-24T19:12:03.451228711Z", "2026-10", "3f6a1d52")
	f.Add("customers/redact", "HTTPS://Shop.myshopify.com/", "x", "2026-11-24T19:12:03Z", "unstable", "")
	f.Add("", "", "", "", "", "")
	f.Add("a/b/c/d/e", "a#b.myshopify.com", "id#x", "2026-13-40T99:00:00Z", "2026-1", "a b")
	f.Fuzz(func(t *testing.T, topic, shop, id, at, version, event string) {
		h := http.Header{}
		h.Set(HeaderTopic, topic)
		h.Set(HeaderShopDomain, shop)
		h.Set(HeaderWebhookID, id)
		h.Set(HeaderTriggeredAt, at)
		h.Set(HeaderAPIVersion, version)
		h.Set(HeaderEventID, event)
		e, herr := parseHeaders(h)
		if herr != nil {
			if herr.status != http.StatusBadRequest && herr.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", herr.status)
			}
			return
		}
		if !topicPattern.MatchString(e.Topic) || store.ValidateWebhookID(e.WebhookID) != nil {
			t.Fatalf("accepted %+v", e)
		}
		if d, err := config.NormalizeShop(e.Shop); err != nil || d != e.Shop {
			t.Fatalf("shop %q not normalised", e.Shop)
		}
		if e.TriggeredAt.Location() != time.UTC || strings.Contains(e.WebhookID+e.Topic+e.EventID, "#") {
			t.Fatalf("accepted %+v", e)
		}
	})
}

// FuzzReceive: whatever the body and signature, the answer has a status
// and an unsigned request never reaches the store or the queue.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(`{"id":1}`), true, "products/update")
	f.Add([]byte(`{"id":1}`), false, "products/update")
	f.Add([]byte("\xff\xfe"), true, "shop/redact")
	f.Add([]byte(`[1,2,"\uFFFF"]`), true, "customers/redact")
	f.Add([]byte(``), true, "")
	f.Fuzz(func(t *testing.T, body []byte, signed bool, topic string) {
		r := newRig(t)
		secret := "not-the-secret"
		if signed {
			secret = testSecret
		}
		h := headers(topic, "wh-fuzz", body, secret)
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, Path, bytes.NewReader(body))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		r.handler.ServeHTTP(w, req)
		if w.Code < 200 || w.Code >= 500 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if !signed && (w.Code != http.StatusUnauthorized || r.deliveries.puts != 0 || len(r.queue.messages()) != 0) {
			t.Fatalf("unsigned: %d, %d puts, %d messages", w.Code, r.deliveries.puts, len(r.queue.messages()))
		}
		if w.Code == http.StatusOK {
			envs := envelopes(t, r.queue.messages())
			if len(envs) != 1 || envs[0].Topic != strings.TrimSpace(topic) {
				t.Fatalf("200 with %d messages", len(envs))
			}
		}
	})
}
