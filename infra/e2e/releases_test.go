package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/infra/dev"
	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/release"
)

// Releases end to end on the local stack, with the emulator's demo stores
// synced by the real sync worker:
//   - createRelease demo-source → demo-production lists every source
//     object the production store lacks as CREATED, and production's own
//     objects (Contact page, News blog, menus) as MODIFIED or unchanged;
//   - the author cannot approve (SELF_APPROVAL), another key can, once;
//   - approval rules set through the API are enforced (NOT_APPROVED);
//   - triggerReleaseDeploy creates a PENDING job and puts {tenantId,
//     releaseId, jobId} on the DeployQueue (received here in place of
//     worker-deploy); a second release for the same target is TARGET_BUSY;
//   - an edit of demo-production, synced, makes a release TARGET_DRIFTED
//     naming the object, and the release stays OPEN;
//   - cancel; another tenant's ids are NOT_FOUND; missing scopes FORBIDDEN.
func TestReleasesEndToEnd(t *testing.T) {
	srv, err := emulator.New(t.Context(), emulator.Options{APISecret: dev.LocalShopifyAPISecret, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })

	// The deploy executor is not under test: its function receives the
	// DeployQueue's messages here, through the stack's real SQS poller.
	var mu sync.Mutex
	var deployMsgs []release.Message
	fns := dev.Functions()
	fns["WorkerDeployFunction"] = func(context.Context, dev.Deps) (dev.Handler, error) {
		return dev.SQSHandler(func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range ev.Records {
				var msg release.Message
				if err := json.Unmarshal([]byte(m.Body), &msg); err != nil {
					t.Errorf("DeployQueue message %q: %v", m.Body, err)
				}
				deployMsgs = append(deployMsgs, msg)
			}
			return events.SQSEventResponse{}, nil
		}), nil
	}
	e := startStackWith(t, dev.LocalShopify{BaseURL: hs.URL + "/store/{shop}",
		TokenKey: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
		func(o *dev.Options) { o.Functions = fns })
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
	control := func(method, path string, body, out any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(t.Context(), method, hs.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
	}
	syncAll := func() {
		t.Helper()
		var out struct {
			StartSync struct{ SyncID, Status string }
		}
		data(demo, `mutation { startSync(type: OBJECTS, triggeredBy: "e2e releases") { syncId status } }`, nil, &out)
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
	prodQuery := func(query string, out any) {
		t.Helper()
		q, _ := json.Marshal(map[string]string{"query": query})
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, hs.URL+"/admin/api/2026-10/graphql.json", bytes.NewReader(q))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Access-Token", emulator.ProductionToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	approver := newKey("approver", "releases:read", "releases:approve")
	reader := newKey("reader", "releases:read")

	type summary struct{ Created, Modified, Unchanged, TargetOnly, Total int }
	type action struct {
		Success        bool
		Message, Error string
		ErrorCode      string
		DriftedObjects []struct{ ObjectType, Canonical string }
		DeployJobs     []struct{ ID, Status, Phase, TargetShop string }
	}
	const actionFields = `success message error errorCode driftedObjects { objectType canonical } deployJobs { id status phase targetShop }`
	create := func(name string, extra string) string {
		t.Helper()
		var out struct {
			CreateRelease struct {
				Success   bool
				ReleaseID string
				Status    string
				Error     string
			}
		}
		data(demo, `mutation { createRelease(input: {name: "`+name+`", sourceShop: "`+emulator.SourceShop+`", targetShop: "`+emulator.ProductionShop+`"`+extra+`}) { success releaseId status error } }`, nil, &out)
		if !out.CreateRelease.Success || out.CreateRelease.Status != "OPEN" {
			t.Fatalf("createRelease %+v", out.CreateRelease)
		}
		return out.CreateRelease.ReleaseID
	}
	act := func(key, mutation, id string) action {
		t.Helper()
		var out map[string]action
		data(key, `mutation($id: ID!) { m: `+mutation+`(releaseId: $id) { `+actionFields+` } }`, map[string]any{"id": id}, &out)
		return out["m"]
	}
	approve := func(key, id string) action {
		t.Helper()
		var out struct{ ApproveRelease action }
		data(key, `mutation($id: ID!) { approveRelease(releaseId: $id, comment: "LGTM") { `+actionFields+` } }`, map[string]any{"id": id}, &out)
		return out.ApproveRelease
	}

	// 1. Both stores captured.
	syncAll()
	var shops []struct {
		Domain string
		Counts map[string]int
	}
	control("GET", "/_emulator/shops", nil, &shops)
	objects := map[string]int{}
	for _, s := range shops {
		for _, k := range []string{"products", "collections", "pages", "blogs", "articles", "menus", "discounts",
			"metaobjectDefinitions", "metaobjects", "metafieldDefinitions"} {
			objects[s.Domain] += s.Counts[k]
		}
	}

	// 2. The release's changeset.
	rel1 := create("March update", `, prNumber: 42`)
	var got struct {
		Release struct {
			ID, Name, Status, SourceShop, TargetShop, Author string
			PrNumber                                         int
			Summary                                          summary
			ApprovalCount, RequiredApprovals                 int
		}
	}
	data(demo, `query($id: ID!) { release(id: $id) { id name status sourceShop targetShop author prNumber
		summary { created modified unchanged targetOnly total } approvalCount requiredApprovals } }`, map[string]any{"id": rel1}, &got)
	s := got.Release.Summary
	src, prod := objects[emulator.SourceShop], objects[emulator.ProductionShop]
	if got.Release.Status != "OPEN" || got.Release.TargetShop != emulator.ProductionShop || got.Release.PrNumber != 42 ||
		s.Created+s.Modified+s.Unchanged != src || s.Modified+s.Unchanged+s.TargetOnly != prod || s.Created < 600 || s.Total != s.Created+s.Modified {
		t.Fatalf("release %+v; emulator: source %d objects, production %d", got.Release, src, prod)
	}
	type change struct {
		ObjectType, Canonical, Kind  string
		SourceVersion, TargetVersion *int
		Fields                       []struct{ Path, Kind string }
	}
	kinds := map[string]string{}
	var fieldsOfContact []struct{ Path, Kind string }
	for after := ""; ; {
		var page struct {
			ReleaseChanges struct {
				Items      []change
				NextCursor *string
			}
		}
		data(reader, `query($id: ID!, $a: String) { releaseChanges(releaseId: $id, limit: 500, after: $a) {
			items { objectType canonical kind sourceVersion targetVersion fields { path kind } } nextCursor } }`,
			map[string]any{"id": rel1, "a": after}, &page)
		for _, c := range page.ReleaseChanges.Items {
			kinds[c.ObjectType+"/"+c.Canonical] = c.Kind
			if (c.Kind == "CREATED") != (c.TargetVersion == nil) || c.SourceVersion == nil && c.Kind != "TARGET_ONLY" {
				t.Errorf("change %+v: versions do not match its kind", c)
			}
			if c.ObjectType == "PAGE" && c.Canonical == "contact" {
				fieldsOfContact = c.Fields
			}
		}
		if page.ReleaseChanges.NextCursor == nil {
			break
		}
		after = *page.ReleaseChanges.NextCursor
	}
	if len(kinds) != s.Created+s.Modified+s.TargetOnly {
		t.Errorf("%d changes listed, summary %+v", len(kinds), s)
	}
	for _, k := range []string{"PAGE/contact", "BLOG/news"} {
		if kd, listed := kinds[k]; listed && kd != "MODIFIED" {
			t.Errorf("%s is %s, want MODIFIED or unchanged (not listed)", k, kd)
		}
	}
	if kinds["PAGE/contact"] == "MODIFIED" && len(fieldsOfContact) == 0 {
		t.Error("modified contact page without field changes")
	}
	var menus struct {
		Data struct {
			Menus struct{ Nodes []struct{ Handle string } }
		}
	}
	prodQuery(`{ menus(first: 50) { nodes { handle } } }`, &menus)
	inProduction := map[string]bool{"PAGE/contact": true, "BLOG/news": true}
	for _, m := range menus.Data.Menus.Nodes {
		inProduction["MENU/"+m.Handle] = true
	}
	if len(inProduction) < 3 {
		t.Errorf("production menus: %+v", menus)
	}
	created := 0
	for k, kd := range kinds {
		if kd == "CREATED" {
			created++
			if inProduction[k] {
				t.Errorf("%s exists in production but is CREATED", k)
			}
		}
	}
	if created != s.Created {
		t.Errorf("%d CREATED listed, summary says %d", created, s.Created)
	}
	var byPR struct{ ReleaseByPrNumber struct{ ID string } }
	data(reader, `{ releaseByPrNumber(prNumber: 42) { id } }`, nil, &byPR)
	if byPR.ReleaseByPrNumber.ID != rel1 {
		t.Errorf("releaseByPrNumber: %+v", byPR)
	}

	// 3. Approvals and rules.
	if a := approve(demo, rel1); a.Success || a.ErrorCode != release.CodeSelfApproval || !strings.Contains(a.Error, "author") {
		t.Errorf("self-approval: %+v", a)
	}
	if a := approve(approver, rel1); !a.Success {
		t.Fatalf("approval: %+v", a)
	}
	if a := approve(approver, rel1); a.Success || a.ErrorCode != release.CodeAlreadyApproved {
		t.Errorf("second approval by the same key: %+v", a)
	}
	fieldError(approver, `mutation { setApprovalRules(requiredApprovals: 0, allowHotfix: true) { requiredApprovals } }`, nil, "FORBIDDEN")
	var rules struct {
		SetApprovalRules struct{ RequiredApprovals int }
	}
	data(demo, `mutation { setApprovalRules(requiredApprovals: 2, allowHotfix: false) { requiredApprovals allowHotfix } }`, nil, &rules)
	if a := act(demo, "triggerReleaseDeploy", rel1); a.Success || a.ErrorCode != release.CodeNotApproved || !strings.Contains(a.Error, "1 of the 2") {
		t.Errorf("deploy with 1 of 2 approvals: %+v", a)
	}
	data(demo, `mutation { setApprovalRules(requiredApprovals: 1, allowHotfix: false) { requiredApprovals } }`, nil, &rules)

	// 4. Deploy: one PENDING job, one DeployQueue message.
	a := act(demo, "triggerReleaseDeploy", rel1)
	if !a.Success || len(a.DeployJobs) != 1 || a.DeployJobs[0].Status != "PENDING" || a.DeployJobs[0].TargetShop != emulator.ProductionShop {
		t.Fatalf("deploy: %+v", a)
	}
	jobID := a.DeployJobs[0].ID
	var job struct {
		DeployJob struct {
			ID, Status, Phase string
			Progress          int
			Error             *string
		}
	}
	data(reader, `query($id: ID!) { deployJob(jobId: $id) { id status phase progress error } }`, map[string]any{"id": jobID}, &job)
	if job.DeployJob.Status != "PENDING" || job.DeployJob.Phase != "PENDING" || job.DeployJob.Progress != 0 || job.DeployJob.Error != nil {
		t.Errorf("deployJob %+v", job.DeployJob)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(deployMsgs)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	mu.Lock()
	want := []release.Message{{TenantID: "demo", ReleaseID: rel1, JobID: jobID}}
	if len(deployMsgs) != 1 || deployMsgs[0] != want[0] {
		t.Errorf("DeployQueue messages %+v, want %+v", deployMsgs, want)
	}
	mu.Unlock()
	data(demo, `query($id: ID!) { release(id: $id) { id status } }`, map[string]any{"id": rel1}, &got)
	if got.Release.Status != "DEPLOYING" {
		t.Errorf("release after deploy: %s", got.Release.Status)
	}

	// 5. Unapproved, then busy target.
	rel2 := create("Pages only", `, scope: {objectTypes: [PAGE]}`)
	if a := act(demo, "triggerReleaseDeploy", rel2); a.Success || a.ErrorCode != release.CodeNotApproved {
		t.Errorf("unapproved deploy: %+v", a)
	}
	approve(approver, rel2)
	if a := act(demo, "triggerReleaseDeploy", rel2); a.Success || a.ErrorCode != release.CodeTargetBusy {
		t.Errorf("deploy on a busy target: %+v", a)
	}

	// 6. A drifted target: production's contact page edited and synced.
	rel3 := create("Contact", `, scope: {canonicals: [{objectType: PAGE, canonical: "contact"}, {objectType: BLOG, canonical: "news"}]}`)
	approve(approver, rel3)
	var pages struct {
		Data struct {
			Pages struct{ Nodes []struct{ ID, Handle string } }
		}
	}
	prodQuery(`{ pages(first: 5) { nodes { id handle } } }`, &pages)
	if len(pages.Data.Pages.Nodes) == 0 {
		t.Fatal("production has no pages")
	}
	p := pages.Data.Pages.Nodes[0]
	control("PATCH", "/_emulator/shops/demo-production/objects/Page/"+p.ID[strings.LastIndex(p.ID, "/")+1:],
		map[string]any{"fields": map[string]any{"title": "Contact (edited in production)"}}, nil)
	syncAll()
	a = act(demo, "triggerReleaseDeploy", rel3)
	if a.Success || a.ErrorCode != release.CodeTargetDrifted || !strings.Contains(a.Error, "PAGE/"+p.Handle) ||
		len(a.DriftedObjects) != 1 || a.DriftedObjects[0].Canonical != p.Handle {
		t.Errorf("drifted deploy: %+v", a)
	}
	data(demo, `query($id: ID!) { release(id: $id) { id status } }`, map[string]any{"id": rel3}, &got)
	if got.Release.Status != "OPEN" {
		t.Errorf("drifted release is %s, want OPEN", got.Release.Status)
	}

	// 7. Cancel: an OPEN release, then the deploying one.
	if a := act(demo, "cancelRelease", rel2); !a.Success {
		t.Errorf("cancel open: %+v", a)
	}
	if a := act(demo, "cancelRelease", rel2); a.Success || a.ErrorCode != release.CodeEnded {
		t.Errorf("cancel twice: %+v", a)
	}
	if a := act(demo, "cancelRelease", rel1); !a.Success || !strings.Contains(a.Message, "stop") {
		t.Errorf("cancel deploying: %+v", a)
	}
	var cj struct {
		DeployJob struct{ CancelRequested bool }
	}
	data(reader, `query($id: ID!) { deployJob(jobId: $id) { cancelRequested } }`, map[string]any{"id": jobID}, &cj)
	if !cj.DeployJob.CancelRequested {
		t.Error("job not asked to stop")
	}

	// 8. Another tenant, and missing scopes.
	vars := map[string]any{"id": rel3}
	fieldError(second, `query($id: ID!) { release(id: $id) { id } }`, vars, "NOT_FOUND")
	fieldError(second, `query($id: ID!) { deployJob(jobId: $id) { id } }`, map[string]any{"id": jobID}, "NOT_FOUND")
	fieldError(second, `mutation($id: ID!) { approveRelease(releaseId: $id) { success } }`, vars, "NOT_FOUND")
	fieldError(second, `mutation($id: ID!) { triggerReleaseDeploy(releaseId: $id) { success } }`, vars, "NOT_FOUND")
	fieldError(second, `mutation($id: ID!) { cancelRelease(releaseId: $id) { success } }`, vars, "NOT_FOUND")
	fieldError(reader, `mutation($id: ID!) { approveRelease(releaseId: $id) { success } }`, vars, "FORBIDDEN")
	fieldError(approver, `mutation($id: ID!) { triggerReleaseDeploy(releaseId: $id) { success } }`, vars, "FORBIDDEN")
	fieldError(reader, `mutation { createRelease(input: {name: "x", sourceShop: "`+emulator.SourceShop+`", targetShop: "`+emulator.ProductionShop+`"}) { success } }`, nil, "FORBIDDEN")
	fieldError(demo, `mutation { createRelease(input: {name: "x", sourceShop: "`+emulator.SourceShop+`", targetShop: "elsewhere.myshopify.com"}) { success } }`, nil, "VALIDATION_ERROR")
}
