package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/store"
)

// GET /api/object-history and GET /api/object-diff over HTTP through the
// local stack, on versions written with store.PutVersion (as the sync
// worker writes them): pages of history, diffs between versions and between
// the demo group's two shops, a body over the inline limit held in S3 (moto),
// and the second tenant, a key without sync:read, no key and bad parameters.
func TestObjectVersionsEndToEnd(t *testing.T) {
	e := startStack(t)
	demo, second := e.keys["demo"], e.keys["second"]
	ctx := context.Background()
	st := store.New(dynamodb.NewFromConfig(e.cfg), e.stack.TableName())
	blobs := blobstore.S3{
		Client: s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		Bucket: e.names.BucketName("FilesBucket"),
	}
	const (
		src  = "demo-source.myshopify.com"
		prod = "demo-production.myshopify.com"
	)
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	put := func(shop, canonical, doc string) store.Version {
		t.Helper()
		c, err := capture.Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
		v, created, err := st.PutVersion(ctx, blobs, "demo", store.Version{
			ObjectType: mapping.Product, Canonical: canonical, Shop: shop, Hash: capture.Hash(c), Body: capture.Encode(c),
			SyncID: "sync-" + at.Format("1504"), CapturedAt: at, SourceUpdatedAt: at.Add(-time.Second),
		})
		if err != nil || !created {
			t.Fatalf("put version: created=%v err=%v", created, err)
		}
		return v
	}
	for i := 1; i <= 5; i++ {
		put(src, "classic-leather-bag", fmt.Sprintf(`{"handle":"classic-leather-bag","title":"Bag v%d","tags":["leather"]}`, i))
	}
	put(prod, "classic-leather-bag", `{"handle":"classic-leather-bag","title":"Bag v3","status":"DRAFT"}`)
	// A body over the inline limit: both versions live in S3.
	long := strings.Repeat("Soft full-grain leather. ", 5000)
	big1 := put(src, "big-bag", `{"handle":"big-bag","descriptionHtml":"`+long+`","title":"Big"}`)
	big2 := put(src, "big-bag", `{"handle":"big-bag","descriptionHtml":"`+long+`!","title":"Big"}`)
	if big1.S3Key == "" || big2.S3Key == "" || big2.Size <= store.InlineBodyLimit {
		t.Fatalf("large versions not in S3: %+v", big2)
	}

	get := func(key, path string, q url.Values) response {
		t.Helper()
		h := map[string]string{}
		if key != "" {
			h["Authorization"] = "Bearer " + key
		}
		return e.do("GET", path+"?"+q.Encode(), nil, h)
	}
	ok := func(r response, v any) {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatal(err)
		}
	}
	bag := func(kv ...string) url.Values {
		q := url.Values{"objectType": {"PRODUCT"}, "canonical": {"classic-leather-bag"}, "shop": {src}}
		for i := 0; i < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		return q
	}

	t.Run("history in pages", func(t *testing.T) {
		var seqs []int64
		q := bag("limit", "2")
		for page := 0; ; page++ {
			var h struct {
				ObjectType, Canonical, Shop string
				Versions                    []struct {
					Seq             int64
					Hash            string
					SyncID          *string
					CapturedAt      string
					SourceUpdatedAt *string
					Size            int
				}
				NextCursor *string
			}
			ok(get(demo, "/api/object-history", q), &h)
			if h.ObjectType != "PRODUCT" || h.Canonical != "classic-leather-bag" || h.Shop != src {
				t.Fatalf("object %+v", h)
			}
			for _, v := range h.Versions {
				if len(v.Hash) != 64 || v.SyncID == nil || v.SourceUpdatedAt == nil || v.Size == 0 {
					t.Errorf("version %+v", v)
				}
				if _, err := time.Parse(time.RFC3339Nano, v.CapturedAt); err != nil {
					t.Errorf("capturedAt %q", v.CapturedAt)
				}
				seqs = append(seqs, v.Seq)
			}
			if h.NextCursor == nil {
				break
			}
			if page > 5 {
				t.Fatal("cursor does not end")
			}
			q.Set("cursor", *h.NextCursor)
		}
		if fmt.Sprint(seqs) != "[5 4 3 2 1]" {
			t.Errorf("history = %v", seqs)
		}
	})

	type change struct {
		Kind, Path    string
		Before, After any
	}
	type diffAnswer struct {
		From *struct {
			Shop, Hash string
			Seq        int64
		}
		To struct {
			Shop, Hash string
			Seq        int64
		}
		Identical bool
		Changes   []change
		Summary   struct{ Added, Modified, Removed int }
		Truncated bool
	}
	t.Run("diff of the current version against the one before", func(t *testing.T) {
		var d diffAnswer
		ok(get(demo, "/api/object-diff", bag()), &d)
		if d.From == nil || d.From.Seq != 4 || d.To.Seq != 5 || d.Identical || len(d.Changes) != 1 ||
			d.Changes[0] != (change{"modified", "/title", "Bag v4", "Bag v5"}) {
			t.Errorf("%+v", d)
		}
	})
	t.Run("diff between two versions", func(t *testing.T) {
		var d diffAnswer
		ok(get(demo, "/api/object-diff", bag("from", "1", "to", "3")), &d)
		if d.From.Seq != 1 || d.To.Seq != 3 || d.Summary.Modified != 1 || d.Changes[0].After != "Bag v3" {
			t.Errorf("%+v", d)
		}
		ok(get(demo, "/api/object-diff", bag("from", "2", "to", "2")), &d)
		if !d.Identical || len(d.Changes) != 0 {
			t.Errorf("same version: %+v", d)
		}
	})
	t.Run("diff between the group's two shops", func(t *testing.T) {
		var d diffAnswer
		ok(get(demo, "/api/object-diff", bag("otherShop", prod)), &d)
		want := []change{
			{"added", "/status", nil, "DRAFT"},
			{"removed", "/tags", []any{"leather"}, nil},
			{"modified", "/title", "Bag v5", "Bag v3"},
		}
		if d.From.Shop != src || d.From.Seq != 5 || d.To.Shop != prod || d.To.Seq != 1 || fmt.Sprint(d.Changes) != fmt.Sprint(want) ||
			d.Summary.Added != 1 || d.Summary.Removed != 1 || d.Summary.Modified != 1 {
			t.Errorf("%+v", d)
		}
	})
	t.Run("a body over 100 KB held in S3 diffs", func(t *testing.T) {
		var d diffAnswer
		ok(get(demo, "/api/object-diff", url.Values{"objectType": {"PRODUCT"}, "canonical": {"big-bag"}, "shop": {src}}), &d)
		if d.From == nil || d.From.Hash != big1.Hash || d.To.Hash != big2.Hash || len(d.Changes) != 1 ||
			d.Changes[0].Path != "/descriptionHtml" || d.Changes[0].After != long+"!" {
			t.Errorf("from %+v to %+v, %d changes", d.From, d.To, len(d.Changes))
		}
	})

	t.Run("another tenant, scopes, credentials, parameters", func(t *testing.T) {
		syncRead, _, err := (&auth.Keys{Store: st}).Issue(ctx, "demo", "e2e", "sync read", []auth.Scope{auth.ScopeSyncRead})
		if err != nil {
			t.Fatal(err)
		}
		configOnly, _, err := (&auth.Keys{Store: st}).Issue(ctx, "demo", "e2e", "config only", []auth.Scope{auth.ScopeConfigRead})
		if err != nil {
			t.Fatal(err)
		}
		var h struct{ Versions []any }
		ok(get(syncRead, "/api/object-history", bag()), &h)
		if len(h.Versions) != 5 {
			t.Errorf("sync:read key: %d versions", len(h.Versions))
		}
		for _, path := range []string{"/api/object-history", "/api/object-diff"} {
			wantError(t, get(second, path, bag()), http.StatusNotFound, "NOT_FOUND")
			wantError(t, get(configOnly, path, bag()), http.StatusForbidden, "FORBIDDEN")
			wantError(t, get("", path, bag()), http.StatusUnauthorized, "UNAUTHENTICATED")
			wantError(t, get(demo, path, bag("canonical", "canvas-tote")), http.StatusNotFound, "NOT_FOUND")
			wantError(t, get(demo, path, bag("objectType", "SHOE")), http.StatusBadRequest, "VALIDATION_ERROR")
			wantError(t, get(demo, path, bag("shop", "demo-source.example.com")), http.StatusBadRequest, "VALIDATION_ERROR")
			wantError(t, get(demo, path, url.Values{"objectType": {"PRODUCT"}}), http.StatusBadRequest, "VALIDATION_ERROR")
			if r := e.do("POST", path, nil, map[string]string{"Authorization": "Bearer " + demo}); r.status < 400 {
				t.Errorf("POST %s: %d", path, r.status)
			}
		}
		// The second tenant's own shop has no such object, and cannot name a demo shop as the other shop.
		wantError(t, get(second, "/api/object-diff", bag("shop", "second-source.myshopify.com", "otherShop", src)), http.StatusNotFound, "NOT_FOUND")
		wantError(t, get(demo, "/api/object-history", bag("limit", "101")), http.StatusBadRequest, "VALIDATION_ERROR")
		wantError(t, get(demo, "/api/object-history", bag("cursor", "V#000000000003")), http.StatusBadRequest, "VALIDATION_ERROR")
		wantError(t, get(demo, "/api/object-diff", bag("to", "6")), http.StatusNotFound, "NOT_FOUND")
		wantError(t, get(demo, "/api/object-diff", bag("from", "abc")), http.StatusBadRequest, "VALIDATION_ERROR")
		wantError(t, get(demo, "/api/object-diff", bag("otherShop", prod, "from", "1")), http.StatusBadRequest, "VALIDATION_ERROR")
		r := get(second, "/api/object-diff", bag())
		if strings.Contains(string(r.body), "Bag v") {
			t.Errorf("another tenant saw data: %s", r.body)
		}
	})
}
