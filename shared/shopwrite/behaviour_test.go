package shopwrite_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopwrite"
)

// count is how many objects of the production shop have canonical c.
func (f *fixture) count(t *testing.T, typ mapping.ObjectType, c string) int {
	t.Helper()
	r := &catalog.Reader{Client: f.prod}
	n, cursor := 0, ""
	for {
		p, err := r.List(t.Context(), typ, time.Time{}, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Objects {
			if o.Canonical == c || (typ == mapping.Page && strings.HasPrefix(o.Canonical, c+"-")) {
				n++
			}
		}
		if p.Next == "" {
			return n
		}
		cursor = p.Next
	}
}

// A create whose answer is lost after Shopify made the object is not made
// twice: the writer finds the object by its canonical and updates it.
func TestLostCreateAnswerMakesNoDuplicate(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		typ       mapping.ObjectType
		canonical string
		mutation  string
	}{
		{mapping.Page, "about-us", "pageCreate"},
		{mapping.Collection, "accessories", "collectionCreate"},
		{mapping.Product, "urban-canvas-wallet", "productSet"},
		{mapping.Discount, "code/WELCOME10", "discountCodeBasicCreate"},
		{mapping.File, "alpine-linen-sandals-1.jpg", "fileCreate"},
		{mapping.Blog, "journal", "blogCreate"},
	}
	for _, tc := range cases {
		t.Run(string(tc.typ), func(t *testing.T) {
			body := f.sourceBody(t, tc.typ, tc.canonical)
			f.lose.arm(tc.mutation, 1)
			res, err := f.w.WriteJSON(t.Context(), tc.typ, tc.canonical, body, shopwrite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !f.lose.took(tc.mutation) {
				t.Fatalf("no %s answer was lost", tc.mutation)
			}
			if res.Action != shopwrite.Created {
				t.Errorf("action %s", res.Action)
			}
			if n := f.count(t, tc.typ, tc.canonical); n != 1 {
				t.Errorf("%d objects %s in production, want 1", n, tc.canonical)
			}
			if d := diffs(f.sourceBody(t, tc.typ, tc.canonical), f.readBack(t, tc.typ, tc.canonical)); len(d) > 0 {
				t.Errorf("differs: %s", d)
			}
		})
	}
}

// A write that failed after Shopify created the object (its answer and
// every search lost) is retried by the caller: the retry updates the object
// the first attempt made.
func TestRetriedWriteAfterFailureMakesNoDuplicate(t *testing.T) {
	f := newFixture(t)
	body := f.sourceBody(t, mapping.Page, "faq")
	f.lose.arm("pageCreate", 1)
	f.lose.armAfter("pages(first", 1, 3) // the search after the lost answer, every try
	_, err := f.w.WriteJSON(t.Context(), mapping.Page, "faq", body, shopwrite.Options{})
	if !f.lose.took("pageCreate") || !f.lose.took("pages(first") {
		t.Fatalf("answers lost: %v", f.lose.lost)
	}
	if platform.KindOf(err) != platform.KindUnavailable {
		t.Fatalf("first write: %v (kind %v), want unavailable", err, platform.KindOf(err))
	}
	res, err := f.w.WriteJSON(t.Context(), mapping.Page, "faq", body, shopwrite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != shopwrite.Updated {
		t.Errorf("retry action %s, want updated (the first attempt created it)", res.Action)
	}
	if n := f.count(t, mapping.Page, "faq"); n != 1 {
		t.Errorf("%d faq pages, want 1", n)
	}
}

// A reference the target cannot resolve fails the write before anything
// changes, naming it; with DeferUnresolved the field is left out and its
// path returned, and a second write once it exists completes the object.
func TestUnresolvedReferences(t *testing.T) {
	f := newFixture(t)
	body := f.sourceBody(t, mapping.Menu, "footer")
	before := f.readBack(t, mapping.Menu, "footer")

	_, err := f.w.WriteJSON(t.Context(), mapping.Menu, "footer", body, shopwrite.Options{})
	if platform.KindOf(err) != platform.KindConflict {
		t.Fatalf("err %v (kind %v), want conflict", err, platform.KindOf(err))
	}
	for _, want := range []string{"/items/1/resourceId → PAGE about-us", "/items/3/resourceId → PAGE faq", "/items/4/resourceId → PAGE shipping-policy"} {
		if !strings.Contains(platform.PublicMessage(err), want) {
			t.Errorf("message %q does not name %q", platform.PublicMessage(err), want)
		}
	}
	if strings.Contains(platform.PublicMessage(err), "PAGE contact") {
		t.Errorf("message names contact, which production has: %q", platform.PublicMessage(err))
	}
	if d := diffs(before, f.readBack(t, mapping.Menu, "footer")); len(d) > 0 {
		t.Errorf("a refused write changed the menu: %s", d)
	}

	res, err := f.w.WriteJSON(t.Context(), mapping.Menu, "footer", body, shopwrite.Options{DeferUnresolved: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/items/1/resourceId", "/items/3/resourceId", "/items/4/resourceId"}, res.Deferred); diff != "" {
		t.Errorf("deferred (-want +got):\n%s", diff)
	}
	// Second pass, once the pages exist.
	seen := map[string]bool{}
	for _, p := range []string{"about-us", "faq", "shipping-policy"} {
		f.deploy(t, mapping.Page, p, seen)
	}
	res, err = f.w.WriteJSON(t.Context(), mapping.Menu, "footer", body, shopwrite.Options{DeferUnresolved: true})
	if err != nil || len(res.Deferred) > 0 {
		t.Fatalf("second pass: %+v %v", res, err)
	}
	if d := diffs(body, f.readBack(t, mapping.Menu, "footer")); len(d) > 0 {
		t.Errorf("after the second pass: %s", d)
	}
}

// Shopify's userErrors are validation errors carrying Shopify's text.
func TestUserErrorsSurface(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		typ       mapping.ObjectType
		canonical string
		body      string
		want      string
	}{
		{mapping.Page, "blank", `{"handle":"blank","title":"","body":"x"}`, "Title can't be blank"},
		{mapping.Discount, "code/TOOMUCH", `{"discount":{"__typename":"DiscountCodeBasic","title":"Too much","codes":[{"code":"TOOMUCH"}],
			"startsAt":"2026-01-01T00:00:00Z","customerGets":{"value":{"__typename":"DiscountPercentage","percentage":5}}}}`, "Value must be between 0.0 and 1.0"},
		{mapping.Metaobject, "nosuchtype/x", `{"type":"nosuchtype","handle":"x","fields":[{"key":"a","type":"single_line_text_field","value":"b"}]}`, "No metaobject definition exists"},
	}
	for _, tc := range cases {
		t.Run(string(tc.typ), func(t *testing.T) {
			_, err := f.w.WriteJSON(t.Context(), tc.typ, tc.canonical, []byte(tc.body), shopwrite.Options{})
			if platform.KindOf(err) != platform.KindValidation || !strings.Contains(platform.PublicMessage(err), tc.want) {
				t.Fatalf("err %v (kind %v), want validation with %q", err, platform.KindOf(err), tc.want)
			}
			ms, _ := f.st.MappingsByCanonical(t.Context(), tenant, tc.typ, []string{emulator.ProductionShop}, []string{tc.canonical})
			if len(ms) > 0 {
				t.Errorf("a failed write left a mapping: %v", ms)
			}
		})
	}
}

// Bodies that do not fit the canonical are refused before Shopify is asked.
func TestBodyChecks(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name      string
		typ       mapping.ObjectType
		canonical string
		body      string
	}{
		{"handle", mapping.Page, "faq", `{"handle":"other","title":"x"}`},
		{"tombstone", mapping.Page, "faq", `{"$deleted":true}`},
		{"array", mapping.Page, "faq", `[1]`},
		{"json", mapping.Page, "faq", `{`},
		{"canonical", mapping.Page, "a b", `{"title":"x"}`},
		{"theme", mapping.Theme, "live", `{"name":"Dawn"}`},
		{"code", mapping.Discount, "code/A", `{"discount":{"__typename":"DiscountCodeBasic","codes":[{"code":"B"}]}}`},
		{"kind", mapping.Discount, "automatic/a", `{"discount":{"__typename":"DiscountCodeBxgy"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.w.WriteJSON(t.Context(), tc.typ, tc.canonical, []byte(tc.body), shopwrite.Options{})
			if platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("err %v (kind %v), want validation", err, platform.KindOf(err))
			}
		})
	}
}

// Delete removes a created object and its mapping; a stale mapping (the
// object deleted in the shop) makes the next write a create.
func TestDeleteSnapshotAndStaleMapping(t *testing.T) {
	f := newFixture(t)
	body := f.sourceBody(t, mapping.Page, "faq")
	res, err := f.w.WriteJSON(t.Context(), mapping.Page, "faq", body, shopwrite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap, ok, err := f.w.Snapshot(t.Context(), mapping.Page, "faq")
	if err != nil || !ok || len(diffs(body, snap)) > 0 {
		t.Fatalf("snapshot %s %v %v", snap, ok, err)
	}
	if err := f.w.Delete(t.Context(), mapping.Page, "faq"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.w.Snapshot(t.Context(), mapping.Page, "faq"); ok || err != nil {
		t.Fatalf("after delete: exists %v, %v", ok, err)
	}
	if err := f.w.Delete(t.Context(), mapping.Page, "faq"); err != nil {
		t.Fatalf("second delete: %v", err)
	}

	res, err = f.w.WriteJSON(t.Context(), mapping.Page, "faq", body, shopwrite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The merchant deletes it; Flux still maps it.
	id := res.GID[strings.LastIndex(res.GID, "/")+1:]
	f.control(t, "DELETE", "shops/"+emulator.ProductionShop+"/objects/Page/"+id)
	again, err := f.w.WriteJSON(t.Context(), mapping.Page, "faq", body, shopwrite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Action != shopwrite.Created || again.GID == res.GID {
		t.Errorf("after the merchant's delete: %+v, want a new object", again)
	}
	gid, err := f.w.Lookup(t.Context(), mapping.Page, "faq")
	if err != nil || gid != again.GID {
		t.Errorf("lookup %q %v, want %s", gid, err, again.GID)
	}
}

// control calls the emulator's control API.
func (f *fixture) control(t *testing.T, method, path string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.url+"/_emulator/"+path, bytes.NewReader([]byte("{}")))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	_ = json.Valid(b)
}
