package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/infra/dev"
	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/deploy"
	"github.com/flux-platform/flux/shared/release"
)

// Releases deployed and rolled back end to end on the local stack, with
// every real worker (sync, events, deploy) consuming its queue and the
// Shopify emulator over HTTP:
//
//   - the merchant builds, in demo-source, a custom collection of three
//     products, a metaobject definition with an entry referencing a
//     product, and a menu linking a product, the collection, a page, a
//     blog and an article; both stores are synced;
//   - a release of those objects plus pages, a blog with two articles and
//     production's footer menu lists exactly them (CREATED where
//     demo-production lacks the object, MODIFIED for the footer);
//   - the author's approval is refused, a second key's accepted;
//   - the deploy job moves through its phases to COMPLETED; demo-production
//     has every object, with references re-pointed at its own GIDs (the
//     menu's items, the collection's products, the articles' blog; a
//     metaobject's product in step 13);
//   - after a sync, a release over the same scope has nothing CREATED and
//     nothing MODIFIED but fields that cannot round trip;
//   - rollbackRelease deletes what the deploy created (definitions kept)
//     and restores the footer: after a sync a new release has the first
//     one's changeset again, and the footer's items are as before;
//   - a deploy with 5xx answers injected is retried to COMPLETED without a
//     duplicate product; a deploy cancelled mid-way writes nothing more
//     and ends CANCELLED; unapproved and drifted deploys are refused with
//     NOT_APPROVED / TARGET_DRIFTED naming the object; another tenant's
//     release and job ids are NOT_FOUND;
//   - a rollback removes the metafields a deploy added to an object the
//     target had (the contact page);
//   - known bug, asserted as it is: a product whose variants have images
//     fails the deploy's verification.
func TestDeployEndToEnd(t *testing.T) {
	srv, err := emulator.New(t.Context(), emulator.Options{APISecret: dev.LocalShopifyAPISecret, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	e := startStackWith(t, dev.LocalShopify{BaseURL: hs.URL + "/store/{shop}",
		TokenKey: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
		func(o *dev.Options) {
			// A failed deploy run comes back after 2 s instead of 6 minutes.
			o.QueueAttributes = map[string]map[string]string{
				"DeployQueue": {"VisibilityTimeout": "2"}, "SyncQueue": {"VisibilityTimeout": "2"},
			}
		})
	demo, second := e.keys["demo"], e.keys["second"]

	data := func(key, q string, vars map[string]any, v any) {
		t.Helper()
		r := e.graphql(key, q, vars)
		g := decode(t, r)
		if r.status != http.StatusOK || len(g.Errors) != 0 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		if err := json.Unmarshal(g.Data, v); err != nil {
			t.Fatal(err)
		}
	}
	fieldError := func(key, q string, vars map[string]any, code string) {
		t.Helper()
		r := e.graphql(key, q, vars)
		g := decode(t, r)
		if r.status != http.StatusOK || len(g.Errors) != 1 || g.Errors[0].Extensions.Code != code {
			t.Errorf("%s: want %s, got %d %s", q, code, r.status, r.body)
		}
	}
	control := func(method, path string, body any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(t.Context(), method, hs.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	// admin calls the emulator's Admin API as the shop's merchant (token).
	admin := func(token, query string, vars map[string]any, out any) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		for try := 0; ; try++ {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, hs.URL+"/admin/api/2026-10/graphql.json", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Shopify-Access-Token", token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var env struct {
				Data   json.RawMessage
				Errors json.RawMessage
			}
			err = json.NewDecoder(resp.Body).Decode(&env)
			resp.Body.Close()
			if strings.Contains(string(env.Errors), "THROTTLED") && try < 30 {
				time.Sleep(time.Second) // the test shares the shop's bucket with the workers
				continue
			}
			if err != nil || len(env.Errors) > 0 && string(env.Errors) != "null" {
				t.Fatalf("admin %s: %v %s", query, err, env.Errors)
			}
			if strings.Contains(string(env.Data), `"userErrors":[{`) {
				t.Fatalf("admin %s: %s", query, env.Data)
			}
			if out != nil {
				if err := json.Unmarshal(env.Data, out); err != nil {
					t.Fatal(err)
				}
			}
			return
		}
	}
	src := func(q string, vars map[string]any, out any) { t.Helper(); admin(emulator.SourceToken, q, vars, out) }
	prod := func(q string, vars map[string]any, out any) {
		t.Helper()
		admin(emulator.ProductionToken, q, vars, out)
	}
	syncAll := func() {
		t.Helper()
		var out struct {
			StartSync struct{ SyncID, Status string }
		}
		data(demo, `mutation { startSync(type: OBJECTS, triggeredBy: "e2e deploy") { syncId status } }`, nil, &out)
		deadline := time.Now().Add(4 * time.Minute)
		for time.Now().Before(deadline) {
			var s struct {
				Sync struct{ Status, Error string }
			}
			data(demo, `query($id: ID!) { sync(id: $id) { status error } }`, map[string]any{"id": out.StartSync.SyncID}, &s)
			if s.Sync.Status != "RUNNING" && s.Sync.Status != "QUEUED" {
				if s.Sync.Status != "COMPLETED" {
					t.Fatalf("sync %+v", s.Sync)
				}
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Fatal("sync still running after 4 minutes")
	}
	newKey := func(name string, scopes ...string) string {
		t.Helper()
		var out struct{ CreateApiKey struct{ Secret string } }
		data(demo, `mutation($n: String!, $s: [String!]!) { createApiKey(input: {name: $n, scopes: $s}) { secret } }`,
			map[string]any{"n": name, "s": scopes}, &out)
		return out.CreateApiKey.Secret
	}
	approver := newKey("approver", "releases:read", "releases:approve")

	type ref struct{ ObjectType, Canonical string }
	create := func(name string, scope []ref) string {
		t.Helper()
		var canon []map[string]string
		for _, r := range scope {
			canon = append(canon, map[string]string{"objectType": r.ObjectType, "canonical": r.Canonical})
		}
		var out struct {
			CreateRelease struct {
				Success           bool
				ReleaseID, Status string
				Error, ErrorCode  string
			}
		}
		data(demo, `mutation($n: String!, $s: String!, $t: String!, $c: [ObjectRefInput!]) {
			createRelease(input: {name: $n, sourceShop: $s, targetShop: $t, scope: {canonicals: $c}}) { success releaseId status error errorCode } }`,
			map[string]any{"n": name, "s": emulator.SourceShop, "t": emulator.ProductionShop, "c": canon}, &out)
		if !out.CreateRelease.Success || out.CreateRelease.Status != "OPEN" {
			t.Fatalf("createRelease %s: %+v", name, out.CreateRelease)
		}
		return out.CreateRelease.ReleaseID
	}
	type change struct {
		ObjectType, Canonical, Kind string
		SourceHash, TargetHash      *string
		Fields                      []struct{ Path, Kind string }
	}
	changes := func(id string) map[ref]change {
		t.Helper()
		out := map[ref]change{}
		for after := ""; ; {
			var page struct {
				ReleaseChanges struct {
					Items      []change
					NextCursor *string
				}
			}
			data(demo, `query($id: ID!, $a: String) { releaseChanges(releaseId: $id, limit: 100, after: $a) {
				items { objectType canonical kind sourceHash targetHash fields { path kind } } nextCursor } }`,
				map[string]any{"id": id, "a": after}, &page)
			for _, c := range page.ReleaseChanges.Items {
				out[ref{c.ObjectType, c.Canonical}] = c
			}
			if page.ReleaseChanges.NextCursor == nil {
				return out
			}
			after = *page.ReleaseChanges.NextCursor
		}
	}
	type action struct {
		Success                   bool
		Message, Error, ErrorCode string
		DriftedObjects            []ref
		DeployJobs                []struct{ ID, Status, Phase, TargetShop string }
	}
	const actionFields = `success message error errorCode driftedObjects { objectType canonical } deployJobs { id status phase targetShop }`
	act := func(key, mutation, id string) action {
		t.Helper()
		var out map[string]action
		data(key, `mutation($id: ID!) { m: `+mutation+`(releaseId: $id) { `+actionFields+` } }`, map[string]any{"id": id}, &out)
		return out["m"]
	}
	approve := func(key, id string) action {
		t.Helper()
		var out struct{ ApproveRelease action }
		data(key, `mutation($id: ID!) { approveRelease(releaseId: $id, comment: "ship it") { `+actionFields+` } }`, map[string]any{"id": id}, &out)
		return out.ApproveRelease
	}
	type jobView struct {
		ID, Status, Phase string
		Progress          int
		Error             *string
		Outcomes          struct{ Created, Updated, Skipped, Failed int }
	}
	getJob := func(id string) jobView {
		t.Helper()
		var out struct{ DeployJob jobView }
		data(demo, `query($id: ID!) { deployJob(jobId: $id) { id status phase progress error outcomes { created updated skipped failed } } }`,
			map[string]any{"id": id}, &out)
		return out.DeployJob
	}
	// wait polls a job until it ends; seen are the phase@progress it was
	// observed in, in order.
	wait := func(id string) (jobView, []string) {
		t.Helper()
		var seen []string
		deadline := time.Now().Add(3 * time.Minute)
		for time.Now().Before(deadline) {
			j := getJob(id)
			if s := j.Phase + "@" + fmt.Sprint(j.Progress); len(seen) == 0 || seen[len(seen)-1] != s {
				seen = append(seen, s)
			}
			if j.Status != "PENDING" && j.Status != "RUNNING" {
				return j, seen
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("job %s still running after 3 minutes (seen %v)", id, seen)
		return jobView{}, nil
	}
	deployOf := func(id string) string {
		t.Helper()
		a := act(demo, "triggerReleaseDeploy", id)
		if !a.Success || len(a.DeployJobs) != 1 || a.DeployJobs[0].Status != "PENDING" {
			t.Fatalf("triggerReleaseDeploy %s: %+v", id, a)
		}
		return a.DeployJobs[0].ID
	}

	// 1. The merchant's work in demo-source: three products gathered in a
	// custom collection, a metaobject type whose entry points at a product,
	// and a menu linking a product, the collection, a page, a blog and an
	// article.
	// Products whose variants have no image of their own (see the known
	// bugs at the end), and one whose variants have.
	type product struct{ ID, Handle string }
	var ps []product
	var withImages product
	for after := ""; len(ps) < 35; {
		var page struct {
			Products struct {
				Nodes []struct {
					ID, Handle string
					Variants   struct {
						Nodes []struct{ Image *struct{ URL string } }
					}
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		src(`query($a: String) { products(first: 25, after: $a) { nodes { id handle variants(first: 10) { nodes { image { url } } } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"a": map[bool]any{true: nil, false: after}[after == ""]}, &page)
		for _, n := range page.Products.Nodes {
			if slices.ContainsFunc(n.Variants.Nodes, func(v struct{ Image *struct{ URL string } }) bool { return v.Image != nil }) {
				if withImages.ID == "" {
					withImages = product{n.ID, n.Handle}
				}
			} else if len(ps) < 35 {
				ps = append(ps, product{n.ID, n.Handle})
			}
		}
		if !page.Products.PageInfo.HasNextPage {
			t.Fatalf("the source has %d products without variant images, want 35", len(ps))
		}
		after = page.Products.PageInfo.EndCursor
	}
	var coll struct {
		CollectionCreate struct{ Collection struct{ ID string } }
	}
	src(`mutation($p: [ID!]) { collectionCreate(input: {title: "E2E picks", handle: "e2e-picks", products: $p}) { collection { id } userErrors { field message } } }`,
		map[string]any{"p": []string{ps[0].ID, ps[1].ID, ps[2].ID}}, &coll)
	src(`mutation { metaobjectDefinitionCreate(definition: {type: "e2e_feature", name: "E2E feature", fieldDefinitions: [
		{key: "title", name: "Title", type: "single_line_text_field"}, {key: "product", name: "Product", type: "product_reference"}]}) {
		metaobjectDefinition { id } userErrors { field message } } }`, nil, nil)
	src(`mutation { metaobjectCreate(metaobject: {type: "e2e_feature", handle: "e2e-feature-1", fields: [
		{key: "title", value: "Featured"}]}) { metaobject { id } userErrors { field message } } }`, nil, nil)
	src(`mutation($p: String!) { metaobjectCreate(metaobject: {type: "e2e_feature", handle: "e2e-feature-2", fields: [
		{key: "title", value: "Featured too"}, {key: "product", value: $p}]}) { metaobject { id } userErrors { field message } } }`,
		map[string]any{"p": withImages.ID}, nil)
	var content struct {
		Pages struct{ Nodes []struct{ ID, Handle string } }
		Blogs struct {
			Nodes []struct {
				ID, Handle string
				Articles   struct{ Nodes []struct{ ID, Handle string } }
			}
		}
	}
	src(`{ pages(first: 50) { nodes { id handle } } blogs(first: 10) { nodes { id handle articles(first: 2) { nodes { id handle } } } } }`, nil, &content)
	gidOf := func(handle string, nodes []struct{ ID, Handle string }) string {
		for _, n := range nodes {
			if n.Handle == handle {
				return n.ID
			}
		}
		t.Fatalf("no %s among %+v", handle, nodes)
		return ""
	}
	journal := content.Blogs.Nodes[slices.IndexFunc(content.Blogs.Nodes, func(b struct {
		ID, Handle string
		Articles   struct{ Nodes []struct{ ID, Handle string } }
	}) bool {
		return b.Handle == "journal"
	})]
	arts := journal.Articles.Nodes
	src(`mutation($items: [MenuItemCreateInput!]!) { menuCreate(title: "E2E links", handle: "e2e-links", items: $items) { menu { id } userErrors { field message } } }`,
		map[string]any{"items": []map[string]any{
			{"title": "Product", "type": "PRODUCT", "resourceId": ps[0].ID},
			{"title": "Picks", "type": "COLLECTION", "resourceId": coll.CollectionCreate.Collection.ID},
			{"title": "About", "type": "PAGE", "resourceId": gidOf("about-us", content.Pages.Nodes)},
			{"title": "Journal", "type": "BLOG", "resourceId": journal.ID, "items": []map[string]any{
				{"title": "Article", "type": "ARTICLE", "resourceId": arts[0].ID},
			}},
		}}, nil)

	scope := []ref{
		{"PRODUCT", ps[0].Handle}, {"PRODUCT", ps[1].Handle}, {"PRODUCT", ps[2].Handle},
		{"COLLECTION", "e2e-picks"},
		{"PAGE", "about-us"}, {"PAGE", "faq"}, {"PAGE", "shipping-policy"},
		{"BLOG", "journal"}, {"ARTICLE", "journal/" + arts[0].Handle}, {"ARTICLE", "journal/" + arts[1].Handle},
		{"METAOBJECT_DEFINITION", "e2e_feature"}, {"METAOBJECT", "e2e_feature/e2e-feature-1"},
		{"MENU", "e2e-links"}, {"MENU", "footer"},
	}
	// inProduction answers, from the emulator, whether demo-production has
	// the object (by its canonical).
	inProduction := func(r ref) bool {
		t.Helper()
		handle := r.Canonical[strings.LastIndex(r.Canonical, "/")+1:]
		var out map[string]json.RawMessage
		switch r.ObjectType {
		case "PRODUCT":
			prod(`query($h: String!) { x: productByHandle(handle: $h) { id } }`, map[string]any{"h": handle}, &out)
		case "COLLECTION":
			prod(`query($h: String!) { x: collectionByHandle(handle: $h) { id } }`, map[string]any{"h": handle}, &out)
		case "PAGE":
			prod(`query($q: String!) { x: pages(first: 1, query: $q) { nodes { id } } }`, map[string]any{"q": "handle:" + handle}, &out)
			return !strings.Contains(string(out["x"]), `"nodes":[]`)
		case "BLOG":
			prod(`query($q: String!) { x: blogs(first: 1, query: $q) { nodes { id } } }`, map[string]any{"q": "handle:" + handle}, &out)
			return !strings.Contains(string(out["x"]), `"nodes":[]`)
		case "ARTICLE":
			prod(`query($q: String!) { x: articles(first: 5, query: $q) { nodes { id blog { handle } } } }`, map[string]any{"q": "handle:" + handle}, &out)
			return strings.Contains(string(out["x"]), `"handle":"`+strings.Split(r.Canonical, "/")[0]+`"`)
		case "METAOBJECT_DEFINITION":
			prod(`query($t: String!) { x: metaobjectDefinitionByType(type: $t) { id } }`, map[string]any{"t": r.Canonical}, &out)
		case "METAOBJECT":
			prod(`query($t: String!, $h: String!) { x: metaobjectByHandle(handle: {type: $t, handle: $h}) { id } }`,
				map[string]any{"t": strings.Split(r.Canonical, "/")[0], "h": handle}, &out)
		case "MENU":
			prod(`{ x: menus(first: 50) { nodes { handle } } }`, nil, &out)
			return strings.Contains(string(out["x"]), `"handle":"`+handle+`"`)
		default:
			t.Fatalf("inProduction: %v", r)
		}
		return string(out["x"]) != "null"
	}
	// productCount is how many products of handles demo-production has
	// (each handle counted once per product carrying it).
	productCount := func(handles []string) int {
		t.Helper()
		n := 0
		for _, h := range handles {
			var out struct {
				Products struct{ Nodes []struct{ ID string } }
			}
			prod(`query($q: String!) { products(first: 10, query: $q) { nodes { id } } }`, map[string]any{"q": "handle:" + h}, &out)
			n += len(out.Products.Nodes)
		}
		return n
	}
	type menuItem struct {
		Title, Type string
		URL         *string
		ResourceID  *string
		Items       []menuItem
	}
	menu := func(handle string) []menuItem {
		t.Helper()
		var out struct {
			Menus struct {
				Nodes []struct {
					Handle string
					Items  []menuItem
				}
			}
		}
		prod(`{ menus(first: 50) { nodes { handle items { title type url resourceId items { title type url resourceId items { title type url resourceId } } } } } }`, nil, &out)
		for _, m := range out.Menus.Nodes {
			if m.Handle == handle {
				return m.Items
			}
		}
		return nil
	}

	// 2. Both stores captured; the release's changeset is the scope, each
	// object CREATED where production lacks it and MODIFIED otherwise.
	syncAll()
	footerBefore := menu("footer")
	rel1 := create("Spring content", scope)
	want := map[ref]string{}
	for _, r := range scope {
		want[r] = "CREATED"
		if inProduction(r) {
			want[r] = "MODIFIED" // the footer: production's lists fewer pages
		}
	}
	if want[ref{"MENU", "footer"}] != "MODIFIED" || want[ref{"PRODUCT", ps[0].Handle}] != "CREATED" {
		t.Fatalf("the emulator's demo-production is not as expected: %v", want)
	}
	cs1 := changes(rel1)
	got := map[ref]string{}
	for r, c := range cs1 {
		got[r] = c.Kind
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("changeset (-want +got):\n%s", diff)
	}
	if len(cs1[ref{"MENU", "footer"}].Fields) == 0 {
		t.Error("the MODIFIED footer lists no field changes")
	}

	// 3. Approval: never by the author.
	if a := approve(demo, rel1); a.Success || a.ErrorCode != release.CodeSelfApproval || !strings.Contains(a.Error, "author") {
		t.Errorf("self-approval: %+v", a)
	}
	if a := approve(approver, rel1); !a.Success {
		t.Fatalf("approval: %+v", a)
	}

	// 4. Deploy, watched through deployJob.
	job1 := deployOf(rel1)
	j, seen := wait(job1)
	if j.Status != "COMPLETED" || j.Phase != "COMPLETED" || j.Progress != 100 || j.Error != nil ||
		j.Outcomes.Failed != 0 || j.Outcomes.Created+j.Outcomes.Updated != len(scope) {
		t.Fatalf("deploy job %+v error %q (seen %v)", j, deref(j.Error), seen)
	}
	if j.Outcomes.Updated != 1 {
		t.Errorf("outcomes %+v: want the footer updated, the rest created", j.Outcomes)
	}
	phases := map[string]bool{}
	for _, s := range seen {
		phases[s[:strings.Index(s, "@")]] = true
	}
	if len(seen) < 3 || !phases["EXECUTING"] && !phases["SNAPSHOTTING"] && !phases["VERIFYING"] {
		t.Errorf("phase and progress not seen moving: %v", seen)
	}
	t.Logf("deploy job phases seen: %v", seen)
	for _, r := range scope {
		if !inProduction(r) {
			t.Errorf("%v not in demo-production after the deploy", r)
		}
	}
	// References re-pointed at production's GIDs.
	var pgids struct {
		P0   struct{ ID string }
		Coll struct {
			ID       string
			Products struct{ Nodes []struct{ ID string } }
		}
		Mo struct {
			Fields []struct{ Key, Value string }
		}
		Pages    struct{ Nodes []struct{ ID string } }
		Blogs    struct{ Nodes []struct{ ID string } }
		Articles struct {
			Nodes []struct {
				ID   string
				Blog struct{ ID string }
			}
		}
	}
	prod(`query($p: String!, $a: String!) { p0: productByHandle(handle: $p) { id }
		coll: collectionByHandle(handle: "e2e-picks") { id products(first: 10) { nodes { id } } }
		mo: metaobjectByHandle(handle: {type: "e2e_feature", handle: "e2e-feature-1"}) { fields { key value } }
		pages(first: 1, query: "handle:about-us") { nodes { id } }
		blogs(first: 1, query: "handle:journal") { nodes { id } }
		articles(first: 5, query: $a) { nodes { id blog { id } } } }`,
		map[string]any{"p": ps[0].Handle, "a": "handle:" + arts[0].Handle}, &pgids)
	if pgids.P0.ID == "" || pgids.P0.ID == ps[0].ID || len(pgids.Pages.Nodes) != 1 || len(pgids.Blogs.Nodes) != 1 {
		t.Fatalf("production objects: %+v", pgids)
	}
	journalGID := pgids.Blogs.Nodes[0].ID
	articleGID := ""
	for _, a := range pgids.Articles.Nodes {
		if a.Blog.ID == journalGID {
			articleGID = a.ID
		}
	}
	if articleGID == "" {
		t.Errorf("no article %s in production's journal blog: %+v", arts[0].Handle, pgids.Articles)
	}
	p := func(s string) *string { return &s }
	wantMenu := []menuItem{
		{Title: "Product", Type: "PRODUCT", ResourceID: p(pgids.P0.ID)},
		{Title: "Picks", Type: "COLLECTION", ResourceID: p(pgids.Coll.ID)},
		{Title: "About", Type: "PAGE", ResourceID: p(pgids.Pages.Nodes[0].ID)},
		{Title: "Journal", Type: "BLOG", ResourceID: p(journalGID), Items: []menuItem{{Title: "Article", Type: "ARTICLE", ResourceID: p(articleGID), Items: []menuItem{}}}},
	}
	if diff := cmp.Diff(wantMenu, menu("e2e-links"), cmp.Transformer("noURL", func(m menuItem) menuItem {
		m.URL = nil
		if m.Items == nil {
			m.Items = []menuItem{}
		}
		return m
	})); diff != "" {
		t.Errorf("production's e2e-links menu (-want +got):\n%s", diff)
	}
	if fmt.Sprint(pgids.Mo.Fields) != "[{title Featured}]" {
		t.Errorf("production's metaobject fields %v", pgids.Mo.Fields)
	}
	// The custom collection's products are the three, as production's.
	var members []string
	for _, x := range ps[:3] {
		var o struct{ P struct{ ID string } }
		prod(`query($h: String!) { p: productByHandle(handle: $h) { id } }`, map[string]any{"h": x.Handle}, &o)
		members = append(members, o.P.ID)
	}
	var gotMembers []string
	for _, n := range pgids.Coll.Products.Nodes {
		gotMembers = append(gotMembers, n.ID)
	}
	slices.Sort(members)
	slices.Sort(gotMembers)
	if diff := cmp.Diff(members, gotMembers); diff != "" || slices.Contains(gotMembers, ps[0].ID) {
		t.Errorf("production's e2e-picks products (-want +got):\n%s", diff)
	}

	// 5. Captured again: nothing left to deploy but what cannot round trip.
	syncAll()
	rel2 := create("Spring content, again", scope)
	for r, c := range changes(rel2) {
		if c.Kind == "CREATED" {
			t.Errorf("after the deploy, %v is CREATED", r)
		}
		for _, f := range c.Fields {
			if !slices.ContainsFunc(deploy.NoRoundTrip, func(pat string) bool { return pathMatch(pat, f.Path) }) {
				t.Errorf("after the deploy, %v differs at %s (%s)", r, f.Path, f.Kind)
			}
		}
	}
	if a := act(demo, "cancelRelease", rel2); !a.Success {
		t.Errorf("cancel: %+v", a)
	}

	// 6. Rollback: created objects deleted (the definition kept), the
	// footer restored.
	a := act(demo, "rollbackRelease", rel1)
	if !a.Success || len(a.DeployJobs) != 1 || a.DeployJobs[0].ID == job1 {
		t.Fatalf("rollbackRelease: %+v", a)
	}
	rb, seen := wait(a.DeployJobs[0].ID)
	if rb.Status != "COMPLETED" || rb.Error != nil || rb.Outcomes.Failed != 0 || rb.Outcomes.Skipped != 1 || rb.Outcomes.Updated != 1 {
		t.Fatalf("rollback job %+v (seen %v)", rb, seen)
	}
	for _, r := range scope {
		if kept := r.ObjectType == "METAOBJECT_DEFINITION"; inProduction(r) != (kept || want[r] == "MODIFIED") {
			t.Errorf("%v in demo-production after the rollback: %v", r, inProduction(r))
		}
	}
	if diff := cmp.Diff(footerBefore, menu("footer")); diff != "" {
		t.Errorf("footer after the rollback (-before +after):\n%s", diff)
	}
	syncAll()
	rel3 := create("Spring content, after the rollback", scope)
	cs3 := changes(rel3)
	delete(cs1, ref{"METAOBJECT_DEFINITION", "e2e_feature"}) // kept by the rollback: now equal in both
	if diff := cmp.Diff(cs1, cs3); diff != "" {
		t.Errorf("changeset after the rollback differs from before the deploy (-before +after):\n%s", diff)
	}
	if a := act(demo, "cancelRelease", rel3); !a.Success {
		t.Errorf("cancel: %+v", a)
	}

	// 7. Releases for what follows, all computed now.
	handles := func(from, to int) ([]string, []ref) {
		var hs []string
		var rs []ref
		for _, x := range ps[from:to] {
			hs = append(hs, x.Handle)
			rs = append(rs, ref{"PRODUCT", x.Handle})
		}
		return hs, rs
	}
	faultHandles, faultScope := handles(3, 15)
	cancelHandles, cancelScope := handles(15, 35)
	relFault := create("Under 5xx", faultScope)
	relCancel := create("Cancelled", cancelScope)
	relDrift := create("Drifts", faultScope[:1])
	relUnapproved := create("Unapproved", []ref{{"PAGE", "faq"}})
	relGap := create("Contact page", []ref{{"PAGE", "contact"}})
	relBugs := create("Forward reference", []ref{{"PRODUCT", withImages.Handle}, {"METAOBJECT", "e2e_feature/e2e-feature-2"}})
	for _, id := range []string{relFault, relCancel, relDrift, relGap, relBugs} {
		if a := approve(approver, id); !a.Success {
			t.Fatalf("approve %s: %+v", id, a)
		}
	}
	if a := act(demo, "triggerReleaseDeploy", relUnapproved); a.Success || a.ErrorCode != release.CodeNotApproved || !strings.Contains(a.Error, "approvals") {
		t.Errorf("unapproved deploy: %+v", a)
	}

	// 8. 5xx answers from demo-production during the deploy: retried, and
	// no product created twice.
	if n := productCount(faultHandles); n != 0 {
		t.Fatalf("production already has %d of the products", n)
	}
	control("POST", "/_emulator/faults", map[string]any{"kind": "500", "probability": 0.2, "shop": "demo-production"})
	jf, seen := wait(deployOf(relFault))
	control("DELETE", "/_emulator/faults", nil)
	if jf.Status != "COMPLETED" || jf.Outcomes.Created != len(faultHandles) || jf.Outcomes.Failed != 0 {
		t.Errorf("deploy under 5xx: %+v (seen %v)", jf, seen)
	}
	if n := productCount(faultHandles); n != len(faultHandles) {
		t.Errorf("after the deploy under 5xx production has %d products with the release's %d handles", n, len(faultHandles))
	}

	// 9. The drifted release: the 5xx deploy created its product since.
	a = act(demo, "triggerReleaseDeploy", relDrift)
	if a.Success || a.ErrorCode != release.CodeTargetDrifted || !strings.Contains(a.Error, "PRODUCT/"+faultHandles[0]) ||
		len(a.DriftedObjects) != 1 || a.DriftedObjects[0] != (ref{"PRODUCT", faultHandles[0]}) {
		t.Errorf("drifted deploy: %+v", a)
	}

	// 10. Cancel mid-deploy, with demo-production slowed down.
	control("POST", "/_emulator/faults", map[string]any{"kind": "slow", "delayMs": 300, "probability": 1, "shop": "demo-production"})
	jobC := deployOf(relCancel)
	deadline := time.Now().Add(2 * time.Minute)
	for getJob(jobC).Outcomes.Created < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the deploy to cancel wrote nothing: %+v", getJob(jobC))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a := act(demo, "cancelRelease", relCancel); !a.Success {
		t.Errorf("cancel while deploying: %+v", a)
	}
	jc, _ := wait(jobC)
	control("DELETE", "/_emulator/faults", nil)
	written := productCount(cancelHandles)
	time.Sleep(3 * time.Second)
	if jc.Status != "CANCELLED" || written >= len(cancelHandles) || written < 3 || productCount(cancelHandles) != written {
		t.Errorf("cancelled deploy: job %+v, %d of %d products written, then %d", jc, written, len(cancelHandles), productCount(cancelHandles))
	}
	if jc.Outcomes.Created != written {
		t.Errorf("cancelled deploy recorded %d creates, production has %d", jc.Outcomes.Created, written)
	}

	// 11. Another tenant sees nothing.
	fieldError(second, `query($id: ID!) { release(id: $id) { id } }`, map[string]any{"id": rel1}, "NOT_FOUND")
	fieldError(second, `query($id: ID!) { deployJob(jobId: $id) { id } }`, map[string]any{"id": job1}, "NOT_FOUND")
	fieldError(second, `query($id: ID!) { releaseChanges(releaseId: $id) { nextCursor } }`, map[string]any{"id": rel1}, "NOT_FOUND")
	fieldError(second, `mutation($id: ID!) { rollbackRelease(releaseId: $id) { success } }`, map[string]any{"id": rel1}, "NOT_FOUND")
	fieldError(second, `mutation($id: ID!) { retryDeploy(releaseId: $id) { success } }`, map[string]any{"id": rel1}, "NOT_FOUND")
	fieldError(second, `mutation($id: ID!) { triggerReleaseDeploy(releaseId: $id) { success } }`, map[string]any{"id": relGap}, "NOT_FOUND")

	// 12. An object the target had, with metafields added by the deploy
	// (the contact page: production's has none): the rollback removes them.
	var contactBefore, contactAfter any
	const contactQ = `{ pages(first: 1, query: "handle:contact") { nodes { title body metafields(first: 20) { nodes { namespace key value } } } } }`
	prod(contactQ, nil, &contactBefore)
	jg, _ := wait(deployOf(relGap))
	if jg.Status != "COMPLETED" || jg.Outcomes.Updated != 1 {
		t.Fatalf("contact page deploy: %+v", jg)
	}
	a = act(demo, "rollbackRelease", relGap)
	if !a.Success || len(a.DeployJobs) != 1 {
		t.Fatalf("rollbackRelease: %+v", a)
	}
	if rg, _ := wait(a.DeployJobs[0].ID); rg.Status != "COMPLETED" || rg.Outcomes.Updated != 1 {
		t.Errorf("rollback of the contact page: %+v %q", rg, deref(rg.Error))
	}
	prod(contactQ, nil, &contactAfter)
	if diff := cmp.Diff(contactBefore, contactAfter); diff != "" {
		t.Errorf("contact page after the rollback (-before +after):\n%s", diff)
	}

	// 13. A product whose variants have images of their own (not written
	// by productSet here: docs/shopwrite.md; excluded from verification by
	// deploy.NoRoundTrip) deploys COMPLETED. The metaobject entry of the
	// same release references that product (a later rank: two passes) and
	// is re-pointed at production's GID.
	jb, _ := wait(deployOf(relBugs))
	if jb.Status != "COMPLETED" || jb.Outcomes.Created != 2 {
		t.Errorf("deploy of a product with variant images and a metaobject referencing it: %+v %q", jb, deref(jb.Error))
	}
	var mo2 struct {
		P  struct{ ID string }
		Mo struct{ Fields []struct{ Key, Value string } }
	}
	prod(`query($h: String!) { p: productByHandle(handle: $h) { id } mo: metaobjectByHandle(handle: {type: "e2e_feature", handle: "e2e-feature-2"}) { fields { key value } } }`,
		map[string]any{"h": withImages.Handle}, &mo2)
	if mo2.P.ID == "" || fmt.Sprint(mo2.Mo.Fields) != "[{title Featured too} {product "+mo2.P.ID+"}]" {
		t.Errorf("production's e2e-feature-2 fields %v, want its product re-pointed at %q", mo2.Mo.Fields, mo2.P.ID)
	}
}

// pathMatch matches a JSON pointer against a deploy.NoRoundTrip pattern
// (* for one segment).
func pathMatch(pattern, p string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(p, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
