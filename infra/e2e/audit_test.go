package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/infra/dev"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/store"
)

// exportCap is the export's body cap in this test (AUDIT_EXPORT_MAX_BYTES),
// small so that a handful of entries already takes several pages.
const exportCap = 1024

// auditRow is one CSV row by column name.
type auditRow map[string]string

// export follows an export's pages from path (a query string after
// /api/audit-export?) and returns every row and the number of pages.
func (e *env) export(key, query string) (rows []auditRow, pages int) {
	e.t.Helper()
	seen := map[string]bool{}
	for {
		pages++
		if pages > 100 {
			e.t.Fatal("more than 100 pages")
		}
		r := e.do("GET", "/api/audit-export?"+query, nil, map[string]string{"Authorization": "Bearer " + key})
		if r.status != 200 {
			e.t.Fatalf("export page %d: status %d: %s", pages, r.status, r.body)
		}
		if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			e.t.Fatalf("Content-Type %q", ct)
		}
		if !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment;") {
			e.t.Errorf("Content-Disposition %q", r.header.Get("Content-Disposition"))
		}
		if len(r.body) > exportCap {
			e.t.Fatalf("page %d is %d bytes, over the cap %d", pages, len(r.body), exportCap)
		}
		if !bytes.HasSuffix(r.body, []byte("\r\n")) {
			e.t.Fatalf("page %d does not end with CRLF at a row boundary: %q", pages, r.body)
		}
		recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		if err != nil {
			e.t.Fatalf("page %d is not CSV: %v\n%s", pages, err, r.body)
		}
		for _, rec := range recs[1:] {
			row := auditRow{}
			for i, col := range recs[0] {
				row[col] = rec[i]
			}
			if seen[row["id"]] {
				e.t.Fatalf("entry %s on two pages", row["id"])
			}
			seen[row["id"]] = true
			rows = append(rows, row)
		}
		link := r.header.Get("Link")
		if link == "" {
			return rows, pages
		}
		next, ok := strings.CutPrefix(link, "<audit-export?")
		next, ok2 := strings.CutSuffix(next, `>; rel="next"`)
		if !ok || !ok2 {
			e.t.Fatalf("Link %q", link)
		}
		if v, _ := url.ParseQuery(next); v.Get("cursor") != r.header.Get("X-Flux-Next-Cursor") {
			e.t.Fatalf("Link cursor %q != X-Flux-Next-Cursor %q", v.Get("cursor"), r.header.Get("X-Flux-Next-Cursor"))
		}
		query = next
	}
}

func find(rows []auditRow, action, result string) []auditRow {
	var out []auditRow
	for _, r := range rows {
		if r["action"] == action && r["result"] == result {
			out = append(out, r)
		}
	}
	return out
}

// TestAuditEndToEnd: mutations over HTTP leave audit entries (who, what,
// when, result) that GET /api/audit-export returns as CSV pages; a denied
// mutation is recorded as denied; another tenant sees none; audit:read is
// required.
func TestAuditEndToEnd(t *testing.T) {
	e := startStackWith(t, dev.LocalShopify{}, noPollers, func(o *dev.Options) {
		o.FunctionEnv = map[string]map[string]string{"RestAuditExportFunction": {"AUDIT_EXPORT_MAX_BYTES": "1024"}}
	})
	demo, second := e.keys["demo"], e.keys["second"]
	ctx := context.Background()
	st := store.New(dynamodb.NewFromConfig(e.cfg), e.stack.TableName())
	demoKey, err := st.LookupKey(ctx, auth.HashKey(demo))
	if err != nil {
		t.Fatal(err)
	}
	demoActor := "api_key:" + demoKey.ID
	from := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)

	// createApiKey, then revokeApiKey.
	r := e.graphql(demo, `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret apiKey { id } } }`,
		map[string]any{"in": map[string]any{"name": "audit, \"e2e\" key", "scopes": []string{"config:read"}}})
	var created struct {
		Data struct {
			CreateApiKey struct {
				Secret string
				APIKey struct{ ID string } `json:"apiKey"`
			} `json:"createApiKey"`
		}
	}
	if err := json.Unmarshal(r.body, &created); err != nil || created.Data.CreateApiKey.Secret == "" {
		t.Fatalf("createApiKey: %d %s", r.status, r.body)
	}
	newKey, newID := created.Data.CreateApiKey.Secret, created.Data.CreateApiKey.APIKey.ID
	if g := decode(t, e.graphql(demo, `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, map[string]any{"id": newID})); len(g.Errors) != 0 {
		t.Fatalf("revokeApiKey: %+v", g.Errors)
	}
	// startSync (no pollers: the sync stays RUNNING, which is all this needs).
	var started struct {
		Data struct {
			StartSync struct{ SyncID string } `json:"startSync"`
		}
	}
	r = e.graphql(demo, `mutation { startSync(type: OBJECTS, triggeredBy: "audit e2e") { syncId status } }`, nil)
	if err := json.Unmarshal(r.body, &started); err != nil || started.Data.StartSync.SyncID == "" {
		t.Fatalf("startSync: %d %s", r.status, r.body)
	}
	// upsertMappings.
	if g := decode(t, e.graphql(demo, `mutation { upsertMappings(mappings: [
		{ objectType: PRODUCT, canonical: "classic-leather-bag", gid: "gid://shopify/Product/123", shop: "demo-source.myshopify.com" }
	]) { canonical } }`, nil)); len(g.Errors) != 0 {
		t.Fatalf("upsertMappings: %+v", g.Errors)
	}
	// A key without sync:write: startSync is denied, and recorded.
	weakSecret, weak, err := (&auth.Keys{Store: st}).Issue(ctx, "demo", "e2e", "config only", []auth.Scope{auth.ScopeConfigRead})
	if err != nil {
		t.Fatal(err)
	}
	if g := decode(t, e.graphql(weakSecret, `mutation { startSync(type: OBJECTS) { syncId } }`, nil)); len(g.Errors) != 1 || g.Errors[0].Extensions.Code != "FORBIDDEN" {
		t.Fatalf("startSync without sync:write: %+v", g.Errors)
	}
	to := time.Now().UTC().Add(time.Minute).Format(time.RFC3339)
	window := "from=" + url.QueryEscape(from) + "&to=" + url.QueryEscape(to)

	rows, pages := e.export(demo, window)
	t.Logf("%d rows in %d pages", len(rows), pages)
	if pages < 2 {
		t.Errorf("the export took %d page(s) under a %d-byte cap; want it to page", pages, exportCap)
	}
	t.Run("each mutation has its entry with the right actor and result", func(t *testing.T) {
		want := []struct {
			action, result, actor, resourceID string
		}{
			{"apiKey.create", "success", demoActor, newID},
			{"apiKey.revoke", "success", demoActor, newID},
			{"sync.start", "success", demoActor, started.Data.StartSync.SyncID},
			{"mappings.upsert", "success", demoActor, "PRODUCT:classic-leather-bag"},
			{"sync.start", "denied", "api_key:" + weak.ID, ""},
		}
		for _, w := range want {
			got := find(rows, w.action, w.result)
			if len(got) != 1 {
				t.Errorf("%s %s: %d entries, want 1; rows %v", w.action, w.result, len(got), rows)
				continue
			}
			g := got[0]
			if g["actor"] != w.actor || g["resourceId"] != w.resourceID || g["requestId"] == "" || !strings.HasPrefix(g["id"], "aud_") {
				t.Errorf("%s %s: %v, want actor %s resourceId %q and a request id", w.action, w.result, g, w.actor, w.resourceID)
			}
			if at, err := time.Parse(time.RFC3339Nano, g["at"]); err != nil || at.Before(time.Now().Add(-2*time.Minute)) {
				t.Errorf("%s: at %q", w.action, g["at"])
			}
		}
		if len(rows) != len(want) {
			t.Errorf("%d rows, want %d: %v", len(rows), len(want), rows)
		}
		if g := find(rows, "mappings.upsert", "success"); len(g) == 1 && g[0]["shop"] != "demo-source.myshopify.com" {
			t.Errorf("upsert shop %q", g[0]["shop"])
		}
	})
	t.Run("no secret is exported", func(t *testing.T) {
		for _, row := range rows {
			for col, v := range row {
				for _, secret := range []string{newKey, demo, weakSecret, "flx_"} {
					if strings.Contains(v, secret) {
						t.Errorf("column %s holds a secret: %q", col, v)
					}
				}
			}
		}
	})
	t.Run("filters", func(t *testing.T) {
		got, _ := e.export(demo, window+"&result=denied")
		if len(got) != 1 || got[0]["action"] != "sync.start" {
			t.Errorf("result=denied: %v", got)
		}
		got, _ = e.export(demo, window+"&action=apiKey.revoke&actor="+url.QueryEscape(demoActor))
		if len(got) != 1 || got[0]["resourceId"] != newID {
			t.Errorf("action and actor: %v", got)
		}
	})
	t.Run("another tenant sees none of them", func(t *testing.T) {
		got, _ := e.export(second, window)
		if len(got) != 0 {
			t.Errorf("second tenant's export: %v", got)
		}
	})
	t.Run("audit:read is required", func(t *testing.T) {
		wantError(t, e.do("GET", "/api/audit-export?"+window, nil, map[string]string{"Authorization": "Bearer " + weakSecret}), 403, "FORBIDDEN")
		wantError(t, e.do("GET", "/api/audit-export?"+window, nil, nil), 401, "UNAUTHENTICATED")
		// The revoked key is refused by the authorizer itself.
		wantError(t, e.do("GET", "/api/audit-export?"+window, nil, map[string]string{"Authorization": "Bearer " + newKey}), 401, "UNAUTHENTICATED")
	})
	t.Run("bad parameters are 400 in the API's format", func(t *testing.T) {
		for _, q := range []string{"", "from=yesterday", "from=" + url.QueryEscape(to) + "&to=" + url.QueryEscape(from), window + "&result=maybe", window + "&cursor=xyz", window + "&limit=5"} {
			r := e.do("GET", "/api/audit-export?"+q, nil, map[string]string{"Authorization": "Bearer " + demo})
			wantError(t, r, 400, "VALIDATION_ERROR")
		}
	})
	t.Run("a page's columns", func(t *testing.T) {
		r := e.do("GET", "/api/audit-export?"+window, nil, map[string]string{"Authorization": "Bearer " + demo})
		head, _, _ := bytes.Cut(r.body, []byte("\r\n"))
		cols := strings.Split(string(head), ",")
		if !slices.Equal(cols, []string{"at", "id", "actor", "action", "resourceType", "resourceId", "shop", "result", "detail", "requestId"}) {
			t.Errorf("header %q", head)
		}
	})
}
