package catalog

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// The emulator README's counts for demo-source.
var sourceCounts = map[mapping.ObjectType]int{
	mapping.Product: 520, mapping.Collection: 25, mapping.Page: 16, mapping.Blog: 3, mapping.Article: 42,
	mapping.Menu: 3, mapping.Discount: 12, mapping.MetaobjectDefinition: 3, mapping.Metaobject: 24,
	mapping.MetafieldDefinition: 11, mapping.File: 1178, mapping.Theme: 1,
}

func TestListEveryType(t *testing.T) {
	e := sourceEnv(t)
	lists := map[mapping.ObjectType]Page{}
	for _, typ := range mapping.ObjectTypes {
		want, ok := sourceCounts[typ]
		if !ok {
			continue
		}
		t.Run(string(typ), func(t *testing.T) {
			p := listAll(t, e.reader, typ, time.Time{})
			lists[typ] = p
			// Every seeded object has a valid canonical path: none is Invalid.
			if len(p.Invalid) != 0 || len(p.Objects) != want {
				t.Errorf("%d objects and invalid %+v, want %d objects", len(p.Objects), p.Invalid, want)
			}
			seen := map[string]string{}
			gids := map[string]bool{}
			for _, o := range p.Objects {
				if o.Type != typ || o.GID == "" || len(o.Raw) == 0 {
					t.Fatalf("bad object %+v", o)
				}
				if err := mapping.ValidateGID(typ, o.GID); err != nil {
					t.Error(err)
				}
				if prev, dup := seen[o.Canonical]; dup {
					t.Errorf("canonical %q of %s and %s", o.Canonical, prev, o.GID)
				}
				seen[o.Canonical] = o.GID
				gids[o.GID] = true
				if specs[typ].updated != nil && o.UpdatedAt.IsZero() {
					t.Errorf("%s has no UpdatedAt", o.GID)
				}
				if strings.Contains(string(o.Raw), "pageInfo") {
					t.Fatalf("%s Raw keeps pageInfo", o.GID)
				}
				normalized(t, o)
			}
			ids := idsAll(t, e.reader, typ)
			got := map[string]bool{}
			for _, id := range ids {
				got[id] = true
			}
			for _, iv := range p.Invalid {
				gids[iv.GID] = true
			}
			if len(ids) != len(got) || !cmp.Equal(got, gids) {
				t.Errorf("IDs: %d (%d unique), List: %d", len(ids), len(got), len(gids))
			}
		})
	}
	e.checkCosts(t)

	// Spot checks of content.
	if th := lists[mapping.Theme]; len(th.Objects) == 1 {
		o := th.Objects[0]
		m := rawMap(t, o)
		if o.Canonical != "live" || m["role"] != "MAIN" || str(m, "name") == "" || len(nodes(obj(m, "files"))) == 0 {
			t.Errorf("theme %s %v", o.Canonical, m)
		}
		f := asObj(nodes(obj(m, "files"))[0])
		for _, k := range []string{"filename", "checksumMd5", "size", "contentType"} {
			if f[k] == nil {
				t.Errorf("theme file without %s: %v", k, f)
			}
		}
	}
	for _, o := range lists[mapping.Article].Objects {
		if !strings.Contains(o.Canonical, "/") {
			t.Errorf("article canonical %q", o.Canonical)
		}
	}
	codes, autos := 0, 0
	for _, o := range lists[mapping.Discount].Objects {
		switch {
		case strings.HasPrefix(o.Canonical, "code/"):
			codes++
		case strings.HasPrefix(o.Canonical, "automatic/"):
			autos++
		}
	}
	if codes == 0 || autos == 0 {
		t.Errorf("discounts: %d code, %d automatic", codes, autos)
	}
	owners := map[string]bool{}
	for _, o := range lists[mapping.MetafieldDefinition].Objects {
		owners[strings.SplitN(o.Canonical, ".", 2)[0]] = true
	}
	if len(owners) < 2 {
		t.Errorf("metafield definitions of owners %v", owners)
	}
	manual, smart := 0, 0
	for _, o := range lists[mapping.Collection].Objects {
		m := rawMap(t, o)
		if m["ruleSet"] != nil {
			smart++
			if _, ok := m["products"]; ok {
				t.Errorf("smart collection %s keeps its products", o.Canonical)
			}
		} else {
			manual++
			if len(nodes(obj(m, "products"))) == 0 {
				t.Errorf("manual collection %s without products", o.Canonical)
			}
		}
	}
	if manual == 0 || smart == 0 {
		t.Errorf("%d manual, %d smart collections", manual, smart)
	}
}

// Every product's variants, media and metafields are complete: compared with
// a direct query of each product's counts.
func TestProductsComplete(t *testing.T) {
	e := sourceEnv(t)
	p := listAll(t, e.reader, mapping.Product, time.Time{})
	followed := 0
	for _, o := range p.Objects {
		m := rawMap(t, o)
		if len(nodes(obj(m, "variants"))) > 10 {
			followed++
		}
	}
	if followed == 0 {
		t.Fatal("no product has more variants than the first page: the follow-up path is untested")
	}
	// Counts from Shopify, 50 products per query.
	counts := map[string][2]int{}
	for start := 0; start < len(p.Objects); start += 50 {
		var ids []string
		for _, o := range p.Objects[start:min(len(p.Objects), start+50)] {
			ids = append(ids, o.GID)
		}
		resp, err := e.reader.Client.GraphQL(t.Context(), `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { id variantsCount { count } mediaCount { count } } } }`,
			map[string]any{"ids": ids}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Nodes []struct {
				ID            string
				VariantsCount struct{ Count int }
				MediaCount    struct{ Count int }
			}
		}
		if err := resp.Decode(&d); err != nil {
			t.Fatal(err)
		}
		for _, n := range d.Nodes {
			counts[n.ID] = [2]int{n.VariantsCount.Count, n.MediaCount.Count}
		}
	}
	for _, o := range p.Objects {
		m := rawMap(t, o)
		got := [2]int{len(nodes(obj(m, "variants"))), len(nodes(obj(m, "media")))}
		if got != counts[o.GID] {
			t.Errorf("%s: variants, media %v, Shopify counts %v", o.Canonical, got, counts[o.GID])
		}
		for _, v := range nodes(obj(m, "variants")) {
			if obj(asObj(v), "metafields") == nil {
				t.Fatalf("%s: variant without metafields connection", o.Canonical)
			}
		}
	}
	e.checkCosts(t)
}

// Small nested pages force follow-up queries at every level.
func TestFollowUpPages(t *testing.T) {
	e := sourceEnv(t)
	saved := specs[mapping.Product]
	small := *saved
	small.conns = append([]connSpec(nil), saved.conns...)
	for i := range small.conns {
		small.conns[i].first = 1
		if len(small.conns[i].children) > 0 {
			ch := append([]connSpec(nil), small.conns[i].children...)
			ch[0].first = 1
			small.conns[i].children = ch
		}
	}
	specs[mapping.Product] = &small
	e.reader.PageSize = 7
	p, err := e.reader.List(t.Context(), mapping.Product, time.Time{}, "")
	specs[mapping.Product] = saved
	if err != nil {
		t.Fatal(err)
	}
	q, err := e.reader.List(t.Context(), mapping.Product, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Objects) != 7 || len(q.Objects) != 7 {
		t.Fatalf("%d, %d objects", len(p.Objects), len(q.Objects))
	}
	for i := range p.Objects {
		if a, b := normalized(t, p.Objects[i]), normalized(t, q.Objects[i]); a != b {
			t.Errorf("%s: pages of 1 differ:\n%s\n%s", p.Objects[i].Canonical, a, b)
		}
	}
}

func TestSinceAndGet(t *testing.T) {
	e := sourceEnv(t)
	ctx := t.Context()
	p, err := e.reader.List(ctx, mapping.Product, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	target := p.Objects[3]
	_, num, _ := mapping.ParseGID(target.GID)
	start := time.Now().Add(-time.Second)
	e.control(t, "PATCH", fmt.Sprintf("shops/%s/objects/Product/%d", "demo-source.myshopify.com", num),
		map[string]any{"fields": map[string]any{"title": "Edited title"}}, nil)

	got := listAll(t, e.reader, mapping.Product, start)
	if len(got.Objects) != 1 || got.Objects[0].GID != target.GID {
		t.Fatalf("since: %d objects", len(got.Objects))
	}
	if !strings.Contains(string(got.Objects[0].Raw), "Edited title") || got.Objects[0].UpdatedAt.Before(start) {
		t.Errorf("edited object %s at %v", got.Objects[0].Raw[:80], got.Objects[0].UpdatedAt)
	}
	// Types without an updated_at filter read everything.
	if n := len(listAll(t, e.reader, mapping.Menu, start).Objects); n != 3 {
		t.Errorf("menus since: %d", n)
	}

	o, err := e.reader.Get(ctx, mapping.Product, target.GID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Canonical != target.Canonical || !strings.Contains(string(o.Raw), "Edited title") {
		t.Errorf("Get: %s", o.Canonical)
	}
	if a, b := normalized(t, o), normalized(t, got.Objects[0]); a != b {
		t.Errorf("Get and List differ:\n%s\n%s", a, b)
	}

	e.control(t, "DELETE", fmt.Sprintf("shops/%s/objects/Product/%d", "demo-source.myshopify.com", num), nil, nil)
	_, err = e.reader.Get(ctx, mapping.Product, target.GID)
	if platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("Get deleted: %v", err)
	}
	if !strings.Contains(fmt.Sprint(err), target.GID) {
		t.Errorf("error does not name the GID: %v", err)
	}
	for _, bad := range []struct {
		typ mapping.ObjectType
		gid string
	}{{mapping.Product, "gid://shopify/Collection/1"}, {mapping.Product, "nope"}} {
		if _, err := e.reader.Get(ctx, bad.typ, bad.gid); platform.KindOf(err) != platform.KindValidation {
			t.Errorf("Get %s %s: %v", bad.typ, bad.gid, err)
		}
	}
}

// Get of one object of every type equals its List form.
func TestGetEveryType(t *testing.T) {
	e := sourceEnv(t)
	for typ := range sourceCounts {
		t.Run(string(typ), func(t *testing.T) {
			p, err := e.reader.List(t.Context(), typ, time.Time{}, "")
			if err != nil {
				t.Fatal(err)
			}
			want := p.Objects[len(p.Objects)-1]
			got, err := e.reader.Get(t.Context(), typ, want.GID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Canonical != want.Canonical || !got.UpdatedAt.Equal(want.UpdatedAt) {
				t.Errorf("Get %s %v, List %s %v", got.Canonical, got.UpdatedAt, want.Canonical, want.UpdatedAt)
			}
			if diff := cmp.Diff(normalized(t, want), normalized(t, got)); diff != "" {
				t.Errorf("Get differs from List (-list +get):\n%s", diff)
			}
		})
	}
	// A discount by its DiscountCodeNode GID.
	p, _ := e.reader.List(t.Context(), mapping.Discount, time.Time{}, "")
	for _, o := range p.Objects {
		if strings.HasPrefix(o.Canonical, "code/") {
			_, n, _ := mapping.ParseGID(o.GID)
			got, err := e.reader.Get(t.Context(), mapping.Discount, fmt.Sprintf("gid://shopify/DiscountCodeNode/%d", n))
			if err != nil || got.Canonical != o.Canonical {
				t.Errorf("Get DiscountCodeNode: %v %q", err, got.Canonical)
			}
			break
		}
	}
	e.checkCosts(t)
}

func TestBulkEqualsList(t *testing.T) {
	e := sourceEnv(t)
	for _, typ := range []mapping.ObjectType{mapping.Product, mapping.Collection, mapping.Page, mapping.Blog, mapping.Article, mapping.File} {
		t.Run(string(typ), func(t *testing.T) {
			list := listAll(t, e.reader, typ, time.Time{})
			url := runBulk(t, e.reader, typ)
			var bulk []Object
			var order []string // every root, valid or not
			var invalid []Invalid
			if err := e.reader.StreamBulk(t.Context(), typ, url, 0, func(o Object) error {
				bulk = append(bulk, o)
				order = append(order, o.GID)
				return nil
			}, func(iv Invalid) error {
				invalid = append(invalid, iv)
				order = append(order, iv.GID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(bulk) != len(list.Objects) || !cmp.Equal(invalid, list.Invalid, cmpopts.EquateEmpty()) {
				t.Fatalf("bulk %d objects %d invalid, list %d, %d", len(bulk), len(invalid), len(list.Objects), len(list.Invalid))
			}
			byGID := map[string]Object{}
			for _, o := range bulk {
				byGID[o.GID] = o
			}
			for _, want := range list.Objects {
				got, ok := byGID[want.GID]
				if !ok {
					t.Fatalf("bulk lacks %s", want.GID)
				}
				if got.Canonical != want.Canonical || !got.UpdatedAt.Equal(want.UpdatedAt) {
					t.Errorf("%s: bulk %q %v, list %q %v", want.GID, got.Canonical, got.UpdatedAt, want.Canonical, want.UpdatedAt)
				}
				if diff := cmp.Diff(normalized(t, want), normalized(t, got)); diff != "" {
					t.Fatalf("%s: bulk differs (-list +bulk):\n%s", want.Canonical, diff)
				}
			}
			// skip resumes after the first objects, in the same order.
			const skip = 7
			var rest []string
			if err := e.reader.StreamBulk(t.Context(), typ, url, skip, func(o Object) error {
				rest = append(rest, o.GID)
				return nil
			}, func(iv Invalid) error {
				rest = append(rest, iv.GID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			want := order[min(skip, len(order)):]
			if diff := cmp.Diff(want, rest, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("skip %d (-want +got):\n%s", skip, diff)
			}
		})
	}
	if _, err := e.reader.StartBulk(t.Context(), mapping.Discount); !errors.Is(err, ErrBulkUnsupported) {
		t.Errorf("bulk discounts: %v", err)
	}
	if _, err := e.reader.BulkState(t.Context(), "gid://shopify/BulkOperation/999999"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("unknown operation: %v", err)
	}
}

func runBulk(t *testing.T, r *Reader, typ mapping.ObjectType) string {
	t.Helper()
	id, err := r.StartBulk(t.Context(), typ)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		op, err := r.BulkState(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		switch op.Status {
		case shopify.BulkCompleted:
			return op.URL
		case shopify.BulkFailed, shopify.BulkCanceled, shopify.BulkExpired:
			t.Fatalf("bulk %s: %s %s", typ, op.Status, op.ErrorCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("bulk did not finish")
	return ""
}

func TestThemeBodies(t *testing.T) {
	e := sourceEnv(t)
	p := listAll(t, e.reader, mapping.Theme, time.Time{})
	if len(p.Objects) != 1 {
		t.Fatalf("%d themes", len(p.Objects))
	}
	theme := p.Objects[0]
	m := rawMap(t, theme)
	var names []string
	sizes := map[string]string{}
	for _, f := range nodes(obj(m, "files")) {
		fm := asObj(f)
		names = append(names, str(fm, "filename"))
		sizes[str(fm, "filename")] = fmt.Sprint(fm["size"])
	}
	// A binary file, written through the control API, comes back decoded.
	bin := "assets/flux-test.bin"
	if _, err := e.reader.Client.GraphQL(t.Context(), `mutation($id: ID!, $files: [OnlineStoreThemeFilesUpsertFileInput!]!) {
		themeFilesUpsert(themeId: $id, files: $files) { upsertedThemeFiles { filename } userErrors { field message } } }`,
		map[string]any{"id": theme.GID, "files": []any{map[string]any{"filename": bin,
			"body": map[string]any{"type": "BASE64", "value": base64.StdEncoding.EncodeToString([]byte("\xff\xfe\x00binary"))}}}}, nil); err != nil {
		t.Fatal(err)
	}
	names = append(names, bin, "templates/does-not-exist.json")
	sort.Strings(names)
	bodies, err := e.reader.ThemeFileBodies(t.Context(), theme.GID, names)
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != len(names)-1 {
		t.Errorf("%d bodies for %d names", len(bodies), len(names))
	}
	for name, size := range sizes {
		if fmt.Sprint(len(bodies[name])) != size {
			t.Errorf("%s: %d bytes, listed %s", name, len(bodies[name]), size)
		}
	}
	if string(bodies[bin]) != "\xff\xfe\x00binary" {
		t.Errorf("binary body %q", bodies[bin])
	}
	if _, err := e.reader.ThemeFileBodies(t.Context(), "gid://shopify/OnlineStoreTheme/99999", []string{"layout/theme.liquid"}); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("unknown theme: %v", err)
	}
}

func TestCursorErrors(t *testing.T) {
	e := sourceEnv(t)
	good, err := e.reader.List(t.Context(), mapping.Metaobject, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		typ    mapping.ObjectType
		cursor string
	}{
		{"garbage", mapping.Product, "%%%"},
		{"not json", mapping.Product, "bm90IGpzb24"},
		{"sub on a plain type", mapping.Product, cursorState{Sub: "x", After: "y"}.encode()},
		{"unknown owner", mapping.MetafieldDefinition, cursorState{Sub: "ORDER"}.encode()},
		{"bad metaobject type", mapping.Metaobject, cursorState{Sub: "a b"}.encode()},
		{"empty", mapping.Product, cursorState{}.encode()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.reader.List(t.Context(), tc.typ, time.Time{}, tc.cursor); platform.KindOf(err) != platform.KindValidation {
				t.Errorf("List: %v", err)
			}
		})
	}
	if good.Next == "" {
		t.Error("metaobjects: one page")
	}
}

func TestQueryCosts(t *testing.T) {
	for typ, s := range specs {
		if c := 2 + s.pageSize(0)*s.nodeCost(); c > maxCost {
			t.Errorf("%s: page cost %d", typ, c)
		}
		for _, c := range s.conns {
			if 3+c.cost(c.more()) > maxCost {
				t.Errorf("%s.%s: follow-up cost %d", typ, c.key, 3+c.cost(c.more()))
			}
		}
	}
}
