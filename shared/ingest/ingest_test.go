package ingest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/blobstore/blobtest"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
)

const (
	tenant = "acme"
	shop   = "src.myshopify.com"
)

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	s     *store.Store
	blobs *blobtest.Mem
}

// newEnv is a fresh table with syncs sync_1 (running) and sync_2, sync_3
// (recorded under directly; their status does not matter to captures).
func newEnv(t *testing.T) *env {
	t.Helper()
	s := storetest.NewTable(t)
	for _, id := range []string{"sync_1", "sync_2", "sync_3"} {
		typ := fsync.Objects
		if id != "sync_1" {
			typ = fsync.Theme // its own slot, so each is created
			if id == "sync_3" {
				typ = fsync.Files
			}
		}
		if _, _, err := s.CreateSync(t.Context(), fsync.Sync{ID: id, TenantID: tenant, Type: typ, TriggeredBy: "test", TriggeredAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	return &env{t: t, s: s, blobs: &blobtest.Mem{}}
}

func (e *env) capturer(syncID string) *ingest.Capturer {
	return ingest.New(e.s, e.blobs, tenant, shop, syncID)
}

func product(id int, handle, title string, at time.Time) catalog.Object {
	gid := fmt.Sprintf("gid://shopify/Product/%d", id)
	raw := fmt.Sprintf(`{"id":%q,"handle":%q,"title":%q,"updatedAt":%q}`, gid, handle, title, at.Format(time.RFC3339))
	return catalog.Object{Type: mapping.Product, GID: gid, Canonical: handle, UpdatedAt: at, Raw: json.RawMessage(raw)}
}

func pgid(id int) string { return fmt.Sprintf("gid://shopify/Product/%d", id) }

// opv is the comparable part of an operation.
type opv struct {
	ID   string
	Type fsync.OperationType
	Canonical,
	Shop string
	Version int64
}

func opvs(t *testing.T, ops []fsync.Operation) []opv {
	t.Helper()
	out := []opv{}
	for _, o := range ops {
		var d struct {
			Version int64 `json:"version"`
		}
		if err := json.Unmarshal([]byte(o.Details), &d); err != nil {
			t.Fatalf("details %q: %v", o.Details, err)
		}
		if o.ObjectType != string(mapping.Product) {
			t.Errorf("op %s objectType %s", o.ID, o.ObjectType)
		}
		out = append(out, opv{o.ID, o.Type, o.Canonical, o.Shop, d.Version})
	}
	return out
}

func want(typ fsync.OperationType, canonical string, seq int64) opv {
	return opv{ingest.OperationID(shop, mapping.Product, canonical, seq), typ, canonical, shop, seq}
}

func (e *env) current(canonical string) store.Version {
	e.t.Helper()
	v, err := e.s.CurrentVersion(e.t.Context(), tenant, mapping.Product, shop, canonical)
	if err != nil {
		e.t.Fatalf("current %s: %v", canonical, err)
	}
	return v
}

func (e *env) mapped(gid string) string {
	e.t.Helper()
	ms, err := e.s.MappingsByGID(e.t.Context(), tenant, mapping.Product, []string{shop}, []string{gid})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(ms) == 0 {
		return ""
	}
	return ms[0].Canonical
}

func (e *env) recorded(syncID string) []opv {
	e.t.Helper()
	ops, _, err := e.s.ListOperations(e.t.Context(), tenant, syncID, "", store.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return opvs(e.t, ops)
}

// step is one capture or delete and what it must do.
type step struct {
	name    string
	syncID  string
	objs    []catalog.Object
	at      []time.Time            // CapturePage's sourceAt
	del     string                 // Delete this gid instead (at del At)
	delAt   time.Time              // for del
	wantOps [][]opv                // per object: Result.Operations()
	check   func(*testing.T, *env) // after the step
	written []bool
	stale   []bool
}

func (e *env) run(st step) {
	t := e.t
	c := e.capturer(st.syncID)
	var rs []ingest.Result
	if st.del != "" {
		r, err := c.Delete(t.Context(), mapping.Product, st.del, st.delAt)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		rs = []ingest.Result{r}
	} else {
		var err error
		rs, err = c.CapturePage(t.Context(), st.objs, st.at)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	got := make([][]opv, len(rs))
	var all []fsync.Operation
	for i, r := range rs {
		got[i] = opvs(t, r.Operations())
		all = append(all, r.Operations()...)
		if st.written != nil && r.Written != st.written[i] {
			t.Errorf("%s: result %d written %v, want %v", st.name, i, r.Written, st.written[i])
		}
		stale := st.stale != nil && st.stale[i]
		if r.Stale != stale {
			t.Errorf("%s: result %d stale %v, want %v", st.name, i, r.Stale, stale)
		}
	}
	if diff := cmp.Diff(st.wantOps, got); diff != "" {
		t.Errorf("%s: operations (-want +got):\n%s", st.name, diff)
	}
	// The worker records what it got (replays are no-ops).
	if err := e.s.RecordOperations(t.Context(), tenant, st.syncID, all); err != nil {
		t.Fatalf("%s: record: %v", st.name, err)
	}
	if st.check != nil {
		st.check(t, e)
	}
}

func TestCaptureLifecycle(t *testing.T) {
	e := newEnv(t)
	t1, t2, t3 := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)
	bag, tote := product(1001, "bag", "Bag", t0), product(1002, "tote", "Tote", t0)
	bag2 := product(1001, "bag", "Leather bag", t1)
	steps := []step{
		{name: "new objects", syncID: "sync_1", objs: []catalog.Object{bag, tote},
			wantOps: [][]opv{{want(fsync.Create, "bag", 1)}, {want(fsync.Create, "tote", 1)}},
			written: []bool{true, true},
			check: func(t *testing.T, e *env) {
				if diff := cmp.Diff([]string{"bag", "tote"}, []string{e.mapped(pgid(1001)), e.mapped(pgid(1002))}); diff != "" {
					t.Errorf("mappings (-want +got):\n%s", diff)
				}
				v := e.current("bag")
				if v.Seq != 1 || v.SyncID != "sync_1" || !v.SourceUpdatedAt.Equal(t0) || ingest.IsTombstone(v) {
					t.Errorf("bag v1 %+v", v)
				}
				var body map[string]any
				if err := json.Unmarshal(v.Body, &body); err != nil || body["title"] != "Bag" || body["id"] != nil || body["updatedAt"] != nil {
					t.Errorf("bag body %s (%v): want the canonical form without id and updatedAt", v.Body, err)
				}
			}},
		{name: "replay under the same sync", syncID: "sync_1", objs: []catalog.Object{bag, tote},
			wantOps: [][]opv{{want(fsync.Create, "bag", 1)}, {want(fsync.Create, "tote", 1)}},
			written: []bool{false, false}},
		{name: "unchanged under another sync", syncID: "sync_2", objs: []catalog.Object{bag, tote},
			wantOps: [][]opv{{}, {}}, written: []bool{false, false}},
		{name: "only volatile fields changed", syncID: "sync_2", objs: []catalog.Object{product(1001, "bag", "Bag", t1)},
			wantOps: [][]opv{{}}, written: []bool{false}},
		{name: "changed content", syncID: "sync_2", objs: []catalog.Object{bag2},
			wantOps: [][]opv{{want(fsync.Update, "bag", 2)}}, written: []bool{true},
			check: func(t *testing.T, e *env) {
				if v := e.current("bag"); v.Seq != 2 || v.SyncID != "sync_2" {
					t.Errorf("bag current %+v, want v2 of sync_2", v)
				}
			}},
		{name: "changed content replayed", syncID: "sync_2", objs: []catalog.Object{bag2},
			wantOps: [][]opv{{want(fsync.Update, "bag", 2)}}, written: []bool{false}},
		{name: "stale capture", syncID: "sync_2", objs: []catalog.Object{product(1001, "bag", "Old bag", t0)},
			wantOps: [][]opv{{}}, written: []bool{false}, stale: []bool{true},
			check: func(t *testing.T, e *env) {
				if v := e.current("bag"); v.Seq != 2 {
					t.Errorf("stale capture wrote version %d", v.Seq)
				}
			}},
		{name: "stale by sourceAt", syncID: "sync_2", objs: []catalog.Object{product(1001, "bag", "Old bag", t2)}, at: []time.Time{t0},
			wantOps: [][]opv{{}}, written: []bool{false}, stale: []bool{true}},
		{name: "handle changed", syncID: "sync_2", objs: []catalog.Object{product(1001, "satchel", "Leather bag", t2)},
			wantOps: [][]opv{{want(fsync.Delete, "bag", 3), want(fsync.Create, "satchel", 1)}}, written: []bool{true},
			check: func(t *testing.T, e *env) {
				if got := e.mapped(pgid(1001)); got != "satchel" {
					t.Errorf("gid 1001 mapped to %q, want satchel", got)
				}
				old := e.current("bag")
				if !ingest.IsTombstone(old) || old.Seq != 3 || !old.SourceUpdatedAt.Equal(t2) || string(old.Body) != string(ingest.Tombstone) {
					t.Errorf("old canonical's current %+v, want tombstone v3", old)
				}
				if v := e.current("satchel"); v.Seq != 1 || ingest.IsTombstone(v) {
					t.Errorf("satchel %+v", v)
				}
			}},
		{name: "handle changed, replayed", syncID: "sync_2", objs: []catalog.Object{product(1001, "satchel", "Leather bag", t2)},
			// The mapping is re-pointed already: the DELETE is not
			// returned again, but it was recorded before the re-point.
			wantOps: [][]opv{{want(fsync.Create, "satchel", 1)}}, written: []bool{false}},
		{name: "delete unknown gid", syncID: "sync_2", del: pgid(1999), delAt: t2,
			wantOps: [][]opv{{}}},
		{name: "stale delete", syncID: "sync_2", del: pgid(1002), delAt: t0.Add(-time.Minute),
			wantOps: [][]opv{{}}, stale: []bool{true},
			check: func(t *testing.T, e *env) {
				if v := e.current("tote"); v.Seq != 1 || ingest.IsTombstone(v) {
					t.Errorf("stale delete wrote %+v", v)
				}
				if got := e.mapped(pgid(1002)); got != "tote" {
					t.Errorf("stale delete removed the mapping (%q)", got)
				}
			}},
		{name: "delete", syncID: "sync_2", del: pgid(1002), delAt: t2,
			wantOps: [][]opv{{want(fsync.Delete, "tote", 2)}}, written: []bool{true},
			check: func(t *testing.T, e *env) {
				if v := e.current("tote"); !ingest.IsTombstone(v) || v.Seq != 2 || v.SyncID != "sync_2" {
					t.Errorf("tote after delete %+v", v)
				}
				if got := e.mapped(pgid(1002)); got != "" {
					t.Errorf("deleted gid still mapped to %q", got)
				}
			}},
		{name: "delete again (mapping gone)", syncID: "sync_2", del: pgid(1002), delAt: t3,
			wantOps: [][]opv{{}}},
		{name: "re-created with a new gid", syncID: "sync_3", objs: []catalog.Object{product(1003, "tote", "Tote again", t3)},
			wantOps: [][]opv{{want(fsync.Create, "tote", 3)}}, written: []bool{true},
			check: func(t *testing.T, e *env) {
				if got := e.mapped(pgid(1003)); got != "tote" {
					t.Errorf("gid 1003 mapped to %q", got)
				}
			}},
		{name: "re-created, changed again", syncID: "sync_3", objs: []catalog.Object{product(1003, "tote", "Tote v4", t3.Add(time.Minute))},
			wantOps: [][]opv{{want(fsync.Update, "tote", 4)}}, written: []bool{true}},
	}
	for _, st := range steps {
		e.run(st)
	}
	// What the syncs recorded: each operation once, replays included.
	wantRecorded := map[string][]opv{
		"sync_1": {want(fsync.Create, "bag", 1), want(fsync.Create, "tote", 1)},
		"sync_2": {want(fsync.Create, "satchel", 1), want(fsync.Delete, "bag", 3), want(fsync.Delete, "tote", 2), want(fsync.Update, "bag", 2)},
		"sync_3": {want(fsync.Create, "tote", 3), want(fsync.Update, "tote", 4)},
	}
	for id, w := range wantRecorded {
		if diff := cmp.Diff(w, e.recorded(id)); diff != "" {
			t.Errorf("%s recorded (-want +got):\n%s", id, diff)
		}
	}
	sy, err := e.s.GetSync(t.Context(), tenant, "sync_2")
	if err != nil || sy.Stats.Created != 1 || sy.Stats.Updated != 1 || sy.OperationsCount != 4 {
		t.Errorf("sync_2 stats %+v ops %d err %v", sy.Stats, sy.OperationsCount, err)
	}
}

// A crash after the old canonical's mapping moved, before the worker
// recorded the page: the replay cannot see the move any more, but the
// DELETE was recorded before the mapping changed.
func TestHandleChangeDeleteRecordedBeforeRepoint(t *testing.T) {
	e := newEnv(t)
	if _, err := e.capturer("sync_1").CapturePage(t.Context(), []catalog.Object{product(1001, "bag", "Bag", t0)}, nil); err != nil {
		t.Fatal(err)
	}
	// sync_2 captures the rename and "crashes" (records nothing itself).
	if _, err := e.capturer("sync_2").CapturePage(t.Context(), []catalog.Object{product(1001, "satchel", "Bag", t0.Add(time.Hour))}, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]opv{want(fsync.Delete, "bag", 2)}, e.recorded("sync_2")); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
	// Delete likewise records its DELETE before removing the mapping.
	if _, err := e.capturer("sync_3").Delete(t.Context(), mapping.Product, pgid(1001), t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]opv{want(fsync.Delete, "satchel", 2)}, e.recorded("sync_3")); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
}

// An object's old handle taken in the same page by another object is that
// object's next version, not a deletion.
func TestHandleTakenInSamePage(t *testing.T) {
	e := newEnv(t)
	if _, err := e.capturer("sync_1").CapturePage(t.Context(), []catalog.Object{product(1001, "bag", "Bag", t0)}, nil); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Hour)
	objs := []catalog.Object{product(1002, "bag", "New bag", t1), product(1001, "old-bag", "Bag", t1)}
	e.run(step{name: "take the handle", syncID: "sync_2", objs: objs,
		wantOps: [][]opv{{want(fsync.Update, "bag", 2)}, {want(fsync.Create, "old-bag", 1)}},
		written: []bool{true, true},
		check: func(t *testing.T, e *env) {
			if diff := cmp.Diff([]string{"bag", "old-bag"}, []string{e.mapped(pgid(1002)), e.mapped(pgid(1001))}); diff != "" {
				t.Errorf("mappings (-want +got):\n%s", diff)
			}
			if v := e.current("bag"); ingest.IsTombstone(v) || v.Seq != 2 {
				t.Errorf("bag %+v, want v2 with the new object's content", v)
			}
		}})
}

func TestCaptureReferences(t *testing.T) {
	e := newEnv(t)
	coll := catalog.Object{Type: mapping.Collection, GID: "gid://shopify/Collection/5", Canonical: "summer", UpdatedAt: t0,
		Raw: json.RawMessage(`{"id":"gid://shopify/Collection/5","handle":"summer","title":"Summer"}`)}
	withRef := func(id int, handle string) catalog.Object {
		o := product(id, handle, "P", t0)
		o.Raw = json.RawMessage(fmt.Sprintf(`{"id":%q,"handle":%q,"featured":"gid://shopify/Collection/5","other":"gid://shopify/Collection/6"}`, pgid(id), handle))
		return o
	}
	// Before the collection is mapped: unresolved, with a warning.
	r, err := e.capturer("sync_1").Capture(t.Context(), withRef(1001, "early"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 2 {
		t.Errorf("warnings %+v, want 2", r.Warnings)
	}
	c := e.capturer("sync_1")
	if _, err := c.Capture(t.Context(), coll, time.Time{}); err != nil {
		t.Fatal(err)
	}
	r, err = c.Capture(t.Context(), withRef(1002, "late"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"gid://shopify/Collection/6"}, warnGIDs(r)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	var body map[string]any
	if err := json.Unmarshal(e.current("late").Body, &body); err != nil {
		t.Fatal(err)
	}
	wantBody := map[string]any{
		"handle":   "late",
		"featured": map[string]any{"$ref": map[string]any{"type": "COLLECTION", "canonical": "summer"}},
		"other":    map[string]any{"$unresolved": "gid://shopify/Collection/6"},
	}
	if diff := cmp.Diff(wantBody, body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func warnGIDs(r ingest.Result) []string {
	var out []string
	for _, w := range r.Warnings {
		out = append(out, w.GID)
	}
	return out
}

func TestCaptureLargeBodyGoesToBlobs(t *testing.T) {
	e := newEnv(t)
	o := product(1001, "big", strings.Repeat("x", store.InlineBodyLimit+10), t0)
	r, err := e.capturer("sync_1").Capture(t.Context(), o, time.Time{})
	if err != nil || r.Op == nil || r.Op.Type != fsync.Create {
		t.Fatalf("capture: %+v %v", r, err)
	}
	v := e.current("big")
	if v.S3Key == "" || len(v.Body) != 0 {
		t.Fatalf("large version kept inline: s3Key %q, %d body bytes", v.S3Key, len(v.Body))
	}
	body, err := e.s.VersionBody(t.Context(), e.blobs, v)
	if err != nil || len(body) != v.Size || !strings.Contains(string(body), "xxxx") {
		t.Errorf("blob body %d bytes (size %d), %v", len(body), v.Size, err)
	}
}

func TestCapturePageRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.capturer("sync_1")
	coll := catalog.Object{Type: mapping.Collection, GID: "gid://shopify/Collection/5", Canonical: "summer", Raw: json.RawMessage(`{}`)}
	noCanon := product(1002, "x", "X", t0)
	noCanon.Canonical = ""
	tests := []struct {
		name string
		objs []catalog.Object
	}{
		{"mixed types", []catalog.Object{product(1001, "a", "A", t0), coll}},
		{"no canonical", []catalog.Object{noCanon}},
	}
	for _, tt := range tests {
		if _, err := c.CapturePage(t.Context(), tt.objs, nil); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	if rs, err := c.CapturePage(t.Context(), nil, nil); err != nil || len(rs) != 0 {
		t.Errorf("empty page: %v %v", rs, err)
	}
	if got := e.mapped(pgid(1001)); got != "" {
		t.Errorf("refused page wrote a mapping (%q)", got)
	}
}
