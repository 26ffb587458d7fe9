package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/jsonschema-go/jsonschema"

	"github.com/flux-platform/flux/infra/dev"
	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/mcp"
	"github.com/flux-platform/flux/shared/release"
)

// The MCP server end to end: the official MCP TypeScript SDK client
// (@modelcontextprotocol/sdk, pinned in mcpclient/package-lock.json) against
// the local stack with the Shopify emulator and the demo stores connected,
// after a full sync so that sync, mapping and history tools have data.
// A release demo-source → demo-production is then created, approved and
// deployed through GraphQL; its deploy job stays PENDING (the DeployQueue's
// messages are received here in place of worker-deploy, as in
// releases_test.go), so it reads the same through both APIs.
// Every read tool is called with the arguments the GraphQL API (or, for
// object history and diff, the REST endpoints) is asked the same thing
// with, and their answers must be equal. Through MCP, createRelease then
// cancelRelease end a second release, which GraphQL then shows CANCELLED.
// A key without sync:write calling startSync, and one without the
// releases scopes calling release and createRelease, get the missing-scope
// tool error; an unknown tool and invalid arguments are JSON-RPC errors.
func TestMCPWithOfficialClient(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		t.Skip("node and npm are needed to run @modelcontextprotocol/sdk")
	}
	dir := mcpClientModules(t, npm)

	srv, err := emulator.New(t.Context(), emulator.Options{APISecret: dev.LocalShopifyAPISecret, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
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
	demo := e.keys["demo"]
	data := func(r response, v any) {
		t.Helper()
		g := decode(t, r)
		if r.status != http.StatusOK || len(g.Errors) != 0 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if err := json.Unmarshal(g.Data, v); err != nil {
			t.Fatal(err)
		}
	}

	// A full OBJECTS sync, so that syncs, operations, mappings and versions exist.
	var started struct {
		StartSync struct{ SyncID, Status string }
	}
	data(e.graphql(demo, `mutation { startSync(type: OBJECTS, triggeredBy: "mcp-e2e") { syncId status } }`, nil), &started)
	syncID := started.StartSync.SyncID
	deadline := time.Now().Add(4 * time.Minute)
	for {
		var s struct{ Sync struct{ Status string } }
		data(e.graphql(demo, `query($id: ID!) { sync(id: $id) { status } }`, map[string]any{"id": syncID}), &s)
		if s.Sync.Status == "COMPLETED" {
			break
		}
		if s.Sync.Status != "RUNNING" || time.Now().After(deadline) {
			t.Fatalf("sync %s is %s", syncID, s.Sync.Status)
		}
		time.Sleep(250 * time.Millisecond)
	}

	// A key that may read everything but not start syncs nor see releases.
	newKey := func(name string, scopes ...string) string {
		t.Helper()
		var created struct{ CreateApiKey struct{ Secret string } }
		data(e.graphql(demo, `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret } }`,
			map[string]any{"in": map[string]any{"name": name, "scopes": scopes}}), &created)
		return created.CreateApiKey.Secret
	}
	readOnlyKey := newKey("mcp read-only", "config:read", "sync:read", "stores:read", "mappings:read")

	// A release of the synced stores, approved by another key (without a
	// comment: GraphQL's nulls) and deployed: one PENDING job.
	const prNumber, mcpPRNumber = 4242, 4243
	var rel struct {
		CreateRelease struct {
			Success          bool
			ReleaseID, Error string
		}
	}
	data(e.graphql(demo, `mutation($in: CreateReleaseInput!) { createRelease(input: $in) { success releaseId error } }`,
		map[string]any{"in": map[string]any{"name": "mcp e2e", "sourceShop": emulator.SourceShop, "targetShop": emulator.ProductionShop,
			"prNumber": prNumber}}), &rel)
	if !rel.CreateRelease.Success {
		t.Fatalf("createRelease: %+v", rel.CreateRelease)
	}
	releaseID := rel.CreateRelease.ReleaseID
	type action struct {
		Success    bool
		Error      string
		DeployJobs []struct{ ID string }
	}
	var approved struct{ ApproveRelease action }
	data(e.graphql(newKey("mcp approver", "releases:read", "releases:approve"),
		`mutation($id: ID!) { approveRelease(releaseId: $id) { success error } }`, map[string]any{"id": releaseID}), &approved)
	var deployed struct{ TriggerReleaseDeploy action }
	data(e.graphql(demo, `mutation($id: ID!) { triggerReleaseDeploy(releaseId: $id) { success error deployJobs { id } } }`,
		map[string]any{"id": releaseID}), &deployed)
	if !approved.ApproveRelease.Success || !deployed.TriggerReleaseDeploy.Success || len(deployed.TriggerReleaseDeploy.DeployJobs) != 1 {
		t.Fatalf("approve %+v, deploy %+v", approved.ApproveRelease, deployed.TriggerReleaseDeploy)
	}
	jobID := deployed.TriggerReleaseDeploy.DeployJobs[0].ID

	// The arguments of every read tool, from the stores' real content.
	tools := map[string]mcp.Tool{}
	for _, tl := range mcp.Tools() {
		tools[tl.Name] = tl
	}
	shop := emulator.SourceShop
	gql := func(tool string, args map[string]any) any {
		t.Helper()
		tl := tools[tool]
		q := "{ r: " + tool + graphqlArgs(tl.Input, args) + selection(rootSchema(tl), 0) + " }"
		var out struct{ R any }
		data(e.graphql(demo, q, nil), &out)
		if tl.Wrap != "" {
			return map[string]any{tl.Wrap: out.R}
		}
		return out.R
	}
	rest := func(path string, args map[string]any) any {
		t.Helper()
		v := url.Values{}
		for k, x := range args {
			v.Set(k, fmt.Sprint(x))
		}
		r := e.do("GET", path+"?"+v.Encode(), nil, map[string]string{"Authorization": "Bearer " + demo})
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		var out any
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	type call struct {
		Name      string         `json:"name"`
		Arguments map[string]any `json:"arguments"`
		want      any
	}
	var calls []call
	add := func(name string, args map[string]any, want any) {
		calls = append(calls, call{Name: name, Arguments: args, want: want})
	}
	addGQL := func(name string, args map[string]any) any {
		want := gql(name, args)
		add(name, args, want)
		return want
	}
	addGQL("config", map[string]any{})
	addGQL("syncStatus", map[string]any{"type": "OBJECTS"})
	addGQL("syncHistory", map[string]any{"type": "OBJECTS", "limit": 5})
	addGQL("sync", map[string]any{"id": syncID})
	addGQL("syncOperations", map[string]any{"syncId": syncID, "type": "CREATE", "limit": 5, "offset": 2})
	products := addGQL("listProducts", map[string]any{"shop": shop, "limit": 3}).(map[string]any)
	addGQL("listProducts", map[string]any{"shop": shop, "limit": 2, "cursor": products["pageInfo"].(map[string]any)["cursor"]})
	addGQL("listCollections", map[string]any{"shop": shop, "limit": 3, "includeMetafields": true})
	addGQL("listPages", map[string]any{"shop": shop, "limit": 3})
	addGQL("listBlogs", map[string]any{"shop": shop, "limit": 3})
	addGQL("listArticles", map[string]any{"shop": shop, "limit": 3})
	addGQL("listMenus", map[string]any{"shop": shop, "limit": 3})
	addGQL("listDiscounts", map[string]any{"shop": shop, "limit": 3})
	defs := addGQL("listMetaobjectDefinitions", map[string]any{"shop": shop, "limit": 3}).(map[string]any)
	defList := defs["definitions"].([]any)
	if len(defList) == 0 {
		t.Fatal("the demo source store has no metaobject definitions")
	}
	addGQL("listMetaobjects", map[string]any{"shop": shop, "type": defList[0].(map[string]any)["type"], "limit": 3})
	addGQL("listMetafieldDefinitions", map[string]any{"shop": shop, "ownerType": "PRODUCT", "limit": 3})
	addGQL("listFiles", map[string]any{"shop": shop, "limit": 3})
	first := products["products"].([]any)[0].(map[string]any)
	gid, handle := first["id"].(string), first["handle"].(string)
	addGQL("lookupByGid", map[string]any{"objectType": "PRODUCT", "gids": []string{gid}})
	addGQL("lookupByCanonical", map[string]any{"objectType": "PRODUCT", "canonicals": []string{handle}, "shop": shop})
	addGQL("mappings", map[string]any{"objectType": "PRODUCT", "shop": shop, "limit": 3, "offset": 1})
	obj := map[string]any{"objectType": "PRODUCT", "canonical": handle, "shop": shop}
	add("objectHistory", obj, rest("/api/object-history", obj))
	add("objectDiff", obj, rest("/api/object-diff", obj))
	addGQL("release", map[string]any{"id": releaseID})
	addGQL("releaseByPrNumber", map[string]any{"prNumber": prNumber})
	changes := addGQL("releaseChanges", map[string]any{"releaseId": releaseID, "limit": 3}).(map[string]any)
	next, _ := changes["nextCursor"].(string)
	if next == "" {
		t.Fatalf("releaseChanges: one page of 3: %v", changes)
	}
	addGQL("releaseChanges", map[string]any{"releaseId": releaseID, "targetShop": emulator.ProductionShop, "limit": 2, "after": next})
	// And a page starting at the first MODIFIED object, so field changes are
	// compared too (the cursor is opaque: the page before it gives it).
	var all struct {
		ReleaseChanges struct{ Items []struct{ Kind string } }
	}
	data(e.graphql(demo, `query($id: ID!) { releaseChanges(releaseId: $id, limit: 500) { items { kind } } }`, map[string]any{"id": releaseID}), &all)
	modified := slices.IndexFunc(all.ReleaseChanges.Items, func(c struct{ Kind string }) bool { return c.Kind == "MODIFIED" })
	if modified < 1 {
		t.Fatalf("no MODIFIED change after the first among %d", len(all.ReleaseChanges.Items))
	}
	var before struct{ ReleaseChanges struct{ NextCursor string } }
	data(e.graphql(demo, `query($id: ID!, $n: Int!) { releaseChanges(releaseId: $id, limit: $n) { nextCursor } }`,
		map[string]any{"id": releaseID, "n": modified}), &before)
	page := addGQL("releaseChanges", map[string]any{"releaseId": releaseID, "limit": 2, "after": before.ReleaseChanges.NextCursor}).(map[string]any)
	if first := page["items"].([]any)[0].(map[string]any); first["kind"] != "MODIFIED" || len(first["fields"].([]any)) == 0 {
		t.Fatalf("releaseChanges from the first MODIFIED: %v", first)
	}
	addGQL("deployJob", map[string]any{"jobId": jobID})
	addGQL("approvalRules", map[string]any{})

	// The official client.
	createArgs := map[string]any{"input": map[string]any{"name": "mcp-made", "sourceShop": emulator.SourceShop,
		"targetShop": emulator.ProductionShop, "prNumber": mcpPRNumber, "scope": map[string]any{"objectTypes": []string{"PAGE", "BLOG"}}}}
	plan, _ := json.Marshal(map[string]any{"url": e.stack.URL + mcp.Path, "key": demo,
		"readOnlyKey": readOnlyKey, "calls": calls, "createRelease": createArgs, "releaseId": releaseID})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, node, "check.mjs")
	run.Dir = dir
	run.Stdin = bytes.NewReader(plan)
	run.Stderr = os.Stderr
	raw, err := run.Output()
	if err != nil {
		t.Fatalf("node check.mjs: %v\n%s", err, raw)
	}
	var got struct {
		ProtocolVersion string
		ServerVersion   struct{ Name, Version string }
		Capabilities    map[string]any
		Tools           []struct {
			Name         string
			Annotations  map[string]any
			OutputSchema map[string]any
		}
		Results []struct {
			Name              string
			IsError           bool
			StructuredContent any
			Text              string
		}
		UnknownTool, InvalidArguments struct {
			Code    *int
			Message string
		}
		StartSyncWithoutScope, ReleaseWithoutScope, CreateReleaseWithoutScope toolError
		CreateRelease, CancelRelease                                          struct {
			IsError           bool
			Text              string
			StructuredContent map[string]any
		}
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("script output %.500s: %v", raw, err)
	}

	if got.ProtocolVersion != mcp.LatestProtocolVersion || got.ServerVersion.Name != mcp.ServerName || got.Capabilities["tools"] == nil {
		t.Errorf("initialize: version %q, server %+v, capabilities %v", got.ProtocolVersion, got.ServerVersion, got.Capabilities)
	}
	var listed []string
	for _, tl := range got.Tools {
		listed = append(listed, tl.Name)
		if tl.OutputSchema == nil {
			t.Errorf("%s has no output schema", tl.Name)
		}
		def := tools[tl.Name]
		if tl.Annotations["readOnlyHint"] != def.ReadOnly || tl.Annotations["openWorldHint"] != def.OpenWorld ||
			!def.ReadOnly && tl.Annotations["destructiveHint"] != def.Destructive {
			t.Errorf("%s annotations %v", tl.Name, tl.Annotations)
		}
	}
	var want []string
	for _, tl := range mcp.Tools() {
		want = append(want, tl.Name)
	}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("tools/list (-want +got):\n%s", diff)
	}
	// Every read tool was called.
	calledTools := map[string]bool{}
	for _, c := range calls {
		calledTools[c.Name] = true
	}
	for _, tl := range mcp.Tools() {
		if tl.ReadOnly && !calledTools[tl.Name] {
			t.Errorf("read tool %s was not called", tl.Name)
		}
	}
	if len(got.Results) != len(calls) {
		t.Fatalf("%d results for %d calls", len(got.Results), len(calls))
	}
	for i, c := range calls {
		r := got.Results[i]
		if r.IsError {
			t.Errorf("%s %v: tool error %s", c.Name, c.Arguments, r.Text)
			continue
		}
		if n := covered(c.want, r.StructuredContent, t, c.Name); n == 0 {
			t.Errorf("%s: nothing compared", c.Name)
		}
		var text any
		if err := json.Unmarshal([]byte(r.Text), &text); err != nil || !cmp.Equal(text, r.StructuredContent) {
			t.Errorf("%s: the text content is not the structured content", c.Name)
		}
	}
	if got.UnknownTool.Code == nil || *got.UnknownTool.Code != mcp.CodeInvalidParams || !strings.Contains(got.UnknownTool.Message, "unknown tool") {
		t.Errorf("unknown tool: %+v", got.UnknownTool)
	}
	if got.InvalidArguments.Code == nil || *got.InvalidArguments.Code != mcp.CodeInvalidParams || !strings.Contains(got.InvalidArguments.Message, "limit") {
		t.Errorf("invalid arguments: %+v", got.InvalidArguments)
	}
	for _, c := range []struct {
		name string
		got  toolError
		want string
	}{
		{"startSync", got.StartSyncWithoutScope, "FORBIDDEN: missing scope sync:write"},
		{"release", got.ReleaseWithoutScope, "FORBIDDEN: missing scope releases:read"},
		{"createRelease", got.CreateReleaseWithoutScope, "FORBIDDEN: missing scope releases:write"},
	} {
		if s := c.got; !s.IsError || s.Text != c.want || s.StructuredContent != nil {
			t.Errorf("%s without its scope: %+v", c.name, s)
		}
	}
	// The release MCP created and cancelled, as GraphQL sees it.
	if c := got.CreateRelease; c.IsError || c.StructuredContent["success"] != true || c.StructuredContent["status"] != "OPEN" {
		t.Fatalf("createRelease through MCP: %+v", c)
	}
	if c := got.CancelRelease; c.IsError || c.StructuredContent["success"] != true || c.StructuredContent["errorCode"] != nil {
		t.Errorf("cancelRelease through MCP: %+v", c)
	}
	var mcpRel struct {
		ReleaseByPrNumber struct{ ID, Name, Status, Author string }
		Release           struct{ Author string }
	}
	data(e.graphql(demo, `query($pr: Int!, $id: ID!) { releaseByPrNumber(prNumber: $pr) { id name status author } release(id: $id) { author } }`,
		map[string]any{"pr": mcpPRNumber, "id": releaseID}), &mcpRel)
	if r := mcpRel.ReleaseByPrNumber; r.ID != got.CreateRelease.StructuredContent["releaseId"] || r.Name != "mcp-made" ||
		r.Status != "CANCELLED" || r.Author != mcpRel.Release.Author {
		t.Errorf("the release created through MCP: %+v (the demo key is %s)", r, mcpRel.Release.Author)
	}
	// The one deploy: its job, queued once, never run.
	mu.Lock()
	if len(deployMsgs) > 1 || len(deployMsgs) == 1 && deployMsgs[0].JobID != jobID {
		t.Errorf("DeployQueue messages %+v, want at most job %s", deployMsgs, jobID)
	}
	mu.Unlock()
	// And it started nothing.
	var st struct{ SyncHistory struct{ Total int } }
	data(e.graphql(demo, `{ syncHistory(type: OBJECTS) { total } }`, nil), &st)
	if st.SyncHistory.Total != 1 {
		t.Errorf("%d OBJECTS syncs after the refused startSync, want 1", st.SyncHistory.Total)
	}

	// Over plain HTTP: no key is the gateway's 401; GET has no stream.
	if r := e.do("POST", mcp.Path, []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`), map[string]string{"Content-Type": "application/json"}); r.status != http.StatusUnauthorized {
		t.Errorf("no key: %d %s", r.status, r.body)
	}
	if r := e.do("GET", mcp.Path, nil, map[string]string{"Authorization": "Bearer " + demo, "Accept": "text/event-stream"}); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d %s", r.status, r.body)
	}
	if r := e.do("POST", mcp.Path, []byte(`{"jsonrpc":"2.0","id":1,`), map[string]string{"Authorization": "Bearer " + demo, "Content-Type": "application/json"}); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "-32700") {
		t.Errorf("parse error: %d %s", r.status, r.body)
	}
}

// toolError is a tool error as check.mjs prints it.
type toolError struct {
	IsError           bool
	Text              string
	StructuredContent any
}

// covered checks that every field of want (GraphQL's or REST's answer) is
// in got with the same value, and that got has no field want lacks except
// empty lists where the selection stopped (menu items below three levels).
// It returns how many leaves were compared.
func covered(want, got any, t *testing.T, path string) int {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: got %T, want an object", path, got)
			return 0
		}
		n := 0
		keys := make([]string, 0, len(g))
		for k := range g {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := w[k]; !ok && !emptyList(g[k]) {
				t.Errorf("%s.%s: in the MCP answer only", path, k)
			}
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				t.Errorf("%s.%s: missing from the MCP answer", path, k)
				continue
			}
			n += covered(wv, gv, t, path+"."+k)
		}
		return n
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: got %v, want %d items", path, got, len(w))
			return 0
		}
		n := 0
		for i := range w {
			n += covered(w[i], g[i], t, fmt.Sprintf("%s[%d]", path, i))
		}
		return n
	default:
		if !cmp.Equal(want, got) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
		return 1
	}
}

// emptyList: a field the selection could not reach (menu items below the
// third level) is only tolerated when it holds nothing.
func emptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}

// rootSchema is the schema of the GraphQL root field a tool answers: its
// output schema, or its one wrapped property's.
func rootSchema(tl mcp.Tool) *jsonschema.Schema {
	if tl.Wrap != "" {
		return tl.Output.Properties[tl.Wrap]
	}
	return tl.Output
}

// selection is the GraphQL selection set of every field an output schema
// describes (objects and arrays of objects recurse; objects whose fields
// the schema does not list are left out).
func selection(s *jsonschema.Schema, depth int) string {
	if s.Items != nil {
		s = s.Items
	}
	if len(s.Properties) == 0 || depth > 6 {
		return ""
	}
	names := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(" {")
	for _, k := range names {
		p := s.Properties[k]
		inner := p
		if p.Items != nil {
			inner = p.Items
		}
		if isObject(inner) {
			sub := selection(p, depth+1)
			if sub == "" {
				continue
			}
			b.WriteString(" " + k + sub)
			continue
		}
		b.WriteString(" " + k)
	}
	b.WriteString(" }")
	return b.String()
}

func isObject(s *jsonschema.Schema) bool {
	if s.Type == "object" {
		return true
	}
	for _, t := range s.Types {
		if t == "object" {
			return true
		}
	}
	return false
}

// graphqlArgs writes a tool's arguments as GraphQL literals: enums bare,
// everything else as JSON (GraphQL's strings, numbers, booleans and lists
// are written the same way).
func graphqlArgs(in *jsonschema.Schema, args map[string]any) string {
	if len(args) == 0 {
		return ""
	}
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, k := range names {
		v := args[k]
		if p := in.Properties[k]; p != nil && len(p.Enum) > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", k, v))
			continue
		}
		b, _ := json.Marshal(v)
		parts = append(parts, k+": "+string(b))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// mcpClientModules installs mcpclient's locked dependencies (npm ci) unless
// present.
func mcpClientModules(t *testing.T, npm string) string {
	t.Helper()
	dir, _ := filepath.Abs("mcpclient")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json")); err == nil {
		return dir
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		// Without the registry (offline CI) the check cannot run; anything
		// else (a broken lockfile) is a failure.
		for _, netErr := range []string{"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "network"} {
			if strings.Contains(string(out), netErr) {
				t.Skipf("npm ci could not reach the registry: %s", netErr)
			}
		}
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	return dir
}
