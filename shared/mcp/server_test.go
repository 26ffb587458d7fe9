package mcp

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/graphql"
	"github.com/flux-platform/flux/shared/mapping/mappinggroup"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/stores"
	"github.com/flux-platform/flux/shared/sync/syncgroup"
)

// These are pure unit tests of the JSON-RPC surface, with resolver groups
// that answer fixed results through the real rpc.InProcess transport. The
// real groups, the table and the Shopify emulator are exercised by the
// end-to-end test (infra/e2e/mcp_test.go) with the official TypeScript client.

const tenant = "t_acme"

// fakeGroups answer as the real groups would for these calls.
func fakeGroups() rpc.InProcess {
	sync := &rpc.Group{Name: syncgroup.GroupName, Ops: map[string]rpc.Operation{
		syncgroup.OpSyncStatus: rpc.Op(func(ctx context.Context, a syncgroup.SyncStatusArgs) (syncgroup.SyncStatusResult, error) {
			if err := auth.IdentityFrom(ctx).Require(auth.ScopeSyncRead); err != nil {
				return syncgroup.SyncStatusResult{}, err
			}
			return syncgroup.SyncStatusResult{Current: &syncgroup.Sync{ID: "s1", Type: "OBJECTS", Status: "RUNNING",
				TriggeredAt: "2025-01-02T03:04:05Z", Stats: syncgroup.Stats{Processed: 3}}}, nil
		}),
		syncgroup.OpSync: rpc.Op(func(ctx context.Context, a syncgroup.SyncArgs) (syncgroup.Sync, error) {
			return syncgroup.Sync{}, platform.E(platform.KindNotFound, "sync "+a.ID+" not found")
		}),
		syncgroup.OpSyncHistory: rpc.Op(func(ctx context.Context, a syncgroup.SyncHistoryArgs) (syncgroup.SyncHistoryResult, error) {
			return syncgroup.SyncHistoryResult{}, errUnexpected
		}),
		syncgroup.OpStartSync: rpc.Op(func(ctx context.Context, a syncgroup.StartSyncArgs) (syncgroup.StartSyncResult, error) {
			return syncgroup.StartSyncResult{SyncID: "s2", Status: "RUNNING", Message: "started",
				Config: syncgroup.StartSyncConfig{Stores: []syncgroup.StoreRef{}, ReadFromStores: []string{}}}, nil
		}),
	}}
	mappings := &rpc.Group{Name: mappinggroup.GroupName, Ops: map[string]rpc.Operation{
		mappinggroup.OpLookupByGID: rpc.Op(func(ctx context.Context, a mappinggroup.LookupByGIDArgs) ([]mappinggroup.Mapping, error) {
			return []mappinggroup.Mapping{{Canonical: "bag", GID: a.GIDs[0], Shop: "a.myshopify.com"}}, nil
		}),
	}}
	releases := &rpc.Group{Name: releasegroup.GroupName, Ops: map[string]rpc.Operation{
		releasegroup.OpRelease: rpc.Op(func(ctx context.Context, a releasegroup.IDArgs) (releasegroup.Release, error) {
			if err := auth.IdentityFrom(ctx).Require(auth.ScopeReleasesRead); err != nil {
				return releasegroup.Release{}, err
			}
			return releasegroup.Release{ID: a.ID, Name: "Spring", Type: "OBJECTS", Status: "OPEN", SourceShop: "a.myshopify.com",
				TargetShop: "b.myshopify.com", TargetShops: []string{"b.myshopify.com"}, Author: "key_1",
				CreatedAt: "2025-01-02T03:04:05Z", UpdatedAt: "2025-01-02T03:04:05Z",
				Summary:   releasegroup.Summary{Created: 2, Total: 2},
				Targets:   []releasegroup.Target{{Shop: "b.myshopify.com", Summary: releasegroup.Summary{Created: 2, Total: 2}}},
				Approvals: []releasegroup.Approval{{Approver: "key_2", ApprovedAt: "2025-01-02T04:00:00Z"}}, ApprovalCount: 1,
				RequiredApprovals: 1, DeployJobs: []releasegroup.DeployJob{}}, nil
		}),
		releasegroup.OpDeployJob: rpc.Op(func(ctx context.Context, a releasegroup.IDArgs) (releasegroup.DeployJob, error) {
			if a.ID != "job_1" {
				return releasegroup.DeployJob{}, platform.E(platform.KindNotFound, "deploy job "+a.ID+" not found")
			}
			return releasegroup.DeployJob{ID: a.ID, ReleaseID: "rel_1", SourceShop: "a.myshopify.com", TargetShop: "b.myshopify.com",
				Status: "PENDING", Phase: "PENDING", CreatedAt: "2025-01-02T03:04:05Z"}, nil
		}),
		releasegroup.OpCancelRelease: rpc.Op(func(ctx context.Context, a releasegroup.ReleaseIDArgs) (releasegroup.ActionResult, error) {
			msg, code := "release "+a.ReleaseID+" already ended", "ALREADY_ENDED"
			return releasegroup.ActionResult{Error: &msg, ErrorCode: &code}, nil
		}),
		releasegroup.OpCreateRelease: rpc.Op(func(ctx context.Context, a releasegroup.CreateArgs) (releasegroup.CreateResult, error) {
			if a.Input.Name != "Spring" || a.Input.Scope == nil || len(a.Input.Scope.Canonicals) != 1 || *a.Input.PRNumber != 7 {
				return releasegroup.CreateResult{}, platform.E(platform.KindValidation, "unexpected input")
			}
			id, status := "rel_2", "OPEN"
			return releasegroup.CreateResult{Success: true, ReleaseID: &id, Status: &status, Summary: &releasegroup.Summary{Created: 1, Total: 1}}, nil
		}),
	}}
	return rpc.InProcess{syncgroup.GroupName: sync, mappinggroup.GroupName: mappings, releasegroup.GroupName: releases,
		configgroup.GroupName: &rpc.Group{Name: configgroup.GroupName}, stores.GroupName: &rpc.Group{Name: stores.GroupName}}
}

var errUnexpected = errorString("dial tcp 10.0.0.1:443: connection refused (table flux-prod)")

type errorString string

func (e errorString) Error() string { return string(e) }

// event is the recorded API Gateway event of POST /api/mcp with the method,
// headers, body and caller replaced (nil identity: no authorizer context).
func event(t *testing.T, method, body string, headers map[string]string, id *auth.Identity) events.APIGatewayProxyRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "apigw-mcp-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	ev.HTTPMethod, ev.RequestContext.HTTPMethod = method, method
	ev.Body = body
	for k, v := range headers {
		if v == "" {
			delete(ev.Headers, k)
			delete(ev.MultiValueHeaders, k)
			continue
		}
		ev.Headers[k], ev.MultiValueHeaders[k] = v, []string{v}
	}
	ev.RequestContext.Authorizer = nil
	if id != nil {
		ev.RequestContext.Authorizer = id.ToContext()
	}
	return ev
}

func caller(scopes ...auth.Scope) *auth.Identity {
	return &auth.Identity{TenantID: tenant, Principal: "key_1", PrincipalType: auth.PrincipalAPIKey, Scopes: scopes}
}

func newHandler(t *testing.T) func(events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	h, err := NewHandler(Options{Groups: fakeGroups()})
	if err != nil {
		t.Fatal(err)
	}
	return func(ev events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
		resp, err := platform.APIGatewayHandler(h)(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
}

func header(resp events.APIGatewayProxyResponse, name string) string {
	if v := resp.Headers[name]; v != "" {
		return v
	}
	for k, vs := range resp.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

type wireResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *Error          `json:"error"`
}

func decodeResponse(t *testing.T, body string) wireResponse {
	t.Helper()
	var r wireResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("body is not JSON: %v: %q", err, body)
	}
	if r.JSONRPC != "2.0" {
		t.Errorf("jsonrpc = %q", r.JSONRPC)
	}
	return r
}

func TestInitializeNegotiatesVersion(t *testing.T) {
	serve := newHandler(t)
	tests := []struct{ asked, want string }{
		{"2025-11-25", "2025-11-25"},
		{"2025-06-18", "2025-06-18"},
		{"2025-03-26", "2025-03-26"},
		{"2024-11-05", LatestProtocolVersion}, // not spoken: we offer ours
		{"2099-01-01", LatestProtocolVersion},
	}
	for _, tt := range tests {
		t.Run(tt.asked, func(t *testing.T) {
			body := `{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"` + tt.asked +
				`","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
			resp := serve(event(t, "POST", body, map[string]string{"mcp-protocol-version": ""}, caller(auth.ScopeSyncRead)))
			if resp.StatusCode != 200 || header(resp, "Content-Type") != "application/json" {
				t.Fatalf("status %d, headers %v: %s", resp.StatusCode, resp.Headers, resp.Body)
			}
			r := decodeResponse(t, resp.Body)
			var got InitializeResult
			if err := json.Unmarshal(r.Result, &got); err != nil || r.Error != nil {
				t.Fatalf("result %s, error %+v", r.Result, r.Error)
			}
			if string(r.ID) != "7" || got.ProtocolVersion != tt.want || got.ServerInfo.Name != ServerName {
				t.Errorf("id %s, %+v", r.ID, got)
			}
			if diff := cmp.Diff(map[string]any{"tools": map[string]any{"listChanged": false}}, got.Capabilities); diff != "" {
				t.Errorf("capabilities (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecordedInitialize(t *testing.T) {
	serve := newHandler(t)
	ev := event(t, "POST", "", nil, caller(auth.ScopeSyncRead))
	b, _ := os.ReadFile(filepath.Join("testdata", "apigw-mcp-request.json"))
	var rec events.APIGatewayProxyRequest
	_ = json.Unmarshal(b, &rec)
	ev.Body = rec.Body
	resp := serve(ev)
	r := decodeResponse(t, resp.Body)
	if resp.StatusCode != 200 || r.Error != nil || string(r.ID) != "0" || header(resp, platform.RequestIDHeader) == "" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
}

// writeAnnotations are a write tool's scope and hints as tools/list shows them.
type writeAnnotations struct{ scope, readOnly, destructive, idempotent, openWorld any }

// writeTools are the tools that change something: every other tool must be
// read-only. approveRelease and setApprovalRules are deliberately absent.
var writeTools = map[string]writeAnnotations{
	"startSync":            {"sync:write", false, false, false, true},
	"createRelease":        {"releases:write", false, false, false, false},
	"cancelRelease":        {"releases:write", false, true, true, false},
	"triggerReleaseDeploy": {"releases:deploy", false, true, false, true},
	"rollbackRelease":      {"releases:deploy", false, true, false, true},
	"retryDeploy":          {"releases:deploy", false, true, false, true},
}

func TestToolsList(t *testing.T) {
	serve := newHandler(t)
	resp := serve(event(t, "POST", `{"jsonrpc":"2.0","id":"a","method":"tools/list"}`, nil, caller(auth.ScopeConfigRead)))
	r := decodeResponse(t, resp.Body)
	var got struct{ Tools []map[string]any }
	if err := json.Unmarshal(r.Result, &got); err != nil || r.Error != nil {
		t.Fatalf("%s %+v", r.Result, r.Error)
	}
	var names []string
	for _, tool := range got.Tools {
		name := tool["name"].(string)
		names = append(names, name)
		ann := tool["annotations"].(map[string]any)
		in := tool["inputSchema"].(map[string]any)
		out := tool["outputSchema"].(map[string]any)
		if in["type"] != "object" || out["type"] != "object" {
			t.Errorf("%s: schemas are not objects: %v %v", name, in["type"], out["type"])
		}
		scope := tool["_meta"].(map[string]any)[MetaScope]
		if w, ok := writeTools[name]; ok {
			got := writeAnnotations{scope, ann["readOnlyHint"], ann["destructiveHint"], ann["idempotentHint"], ann["openWorldHint"]}
			if got != w || !strings.Contains(tool["description"].(string), w.scope.(string)) {
				t.Errorf("%s: annotations %+v, want %+v", name, got, w)
			}
			continue
		}
		if ann["readOnlyHint"] != true || ann["destructiveHint"] != nil || scope == "" || !strings.Contains(tool["description"].(string), scope.(string)) {
			t.Errorf("%s: annotations %v, scope %v", name, ann, scope)
		}
	}
	want := []string{"config", "syncStatus", "syncHistory", "sync", "syncOperations", "startSync",
		"listProducts", "listCollections", "listPages", "listBlogs", "listArticles", "listMenus", "listDiscounts",
		"listMetaobjectDefinitions", "listMetaobjects", "listMetafieldDefinitions", "listFiles",
		"lookupByGid", "lookupByCanonical", "mappings", "objectHistory", "objectDiff",
		"release", "releaseByPrNumber", "releaseChanges", "deployJob", "approvalRules",
		"createRelease", "cancelRelease", "triggerReleaseDeploy", "rollbackRelease", "retryDeploy"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

func TestToolsCall(t *testing.T) {
	serve := newHandler(t)
	call := func(name, args string) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + name + `","arguments":` + args + `}}`
	}
	tests := []struct {
		name       string
		body       string
		id         *auth.Identity
		wantCode   int    // JSON-RPC error code, 0 for a result
		wantErrMsg string // part of the error message
		wantResult string // the structured content (JSON), or the error text of a tool error
		wantIsErr  bool
	}{
		{name: "result with GraphQL's nulls", body: call("syncStatus", `{"type":"OBJECTS"}`), id: caller(auth.ScopeSyncRead),
			wantResult: `{"current":{"id":"s1","type":"OBJECTS","status":"RUNNING","triggeredBy":null,"triggeredAt":"2025-01-02T03:04:05Z",
				"startedAt":null,"completedAt":null,"error":null,"stats":{"processed":3,"created":0,"updated":0,"warnings":0,"errors":0},
				"operationsCount":0},"queued":null}`},
		{name: "no arguments is {}", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"syncStatus"}}`, id: caller(auth.ScopeSyncRead),
			wantResult: `{"current":{"id":"s1","type":"OBJECTS","status":"RUNNING","triggeredBy":null,"triggeredAt":"2025-01-02T03:04:05Z",
				"startedAt":null,"completedAt":null,"error":null,"stats":{"processed":3,"created":0,"updated":0,"warnings":0,"errors":0},
				"operationsCount":0},"queued":null}`},
		{name: "array result wrapped", body: call("lookupByGid", `{"objectType":"PRODUCT","gids":["gid://shopify/Product/1"]}`), id: caller(auth.ScopeMappingsRead),
			wantResult: `{"mappings":[{"canonical":"bag","gid":"gid://shopify/Product/1","shop":"a.myshopify.com"}]}`},
		{name: "write with the scope", body: call("startSync", `{"type":"OBJECTS","triggeredBy":"mcp"}`), id: caller(auth.ScopeSyncWrite),
			wantResult: `{"syncId":"s2","status":"RUNNING","message":"started","config":{"stores":[],"readFromStores":[]}}`},
		{name: "missing scope is a tool error", body: call("startSync", `{"type":"OBJECTS"}`), id: caller(auth.ScopeSyncRead),
			wantIsErr: true, wantResult: "FORBIDDEN: missing scope sync:write"},
		{name: "group error is a tool error", body: call("sync", `{"id":"nope"}`), id: caller(auth.ScopeSyncRead),
			wantIsErr: true, wantResult: "NOT_FOUND: sync nope not found"},
		{name: "internal error hides its text", body: call("syncHistory", `{}`), id: caller(auth.ScopeSyncRead),
			wantCode: CodeInternalError, wantErrMsg: "internal error"},
		{name: "release with GraphQL's nulls", body: call("release", `{"id":"rel_1"}`), id: caller(auth.ScopeReleasesRead),
			wantResult: `{"id":"rel_1","name":"Spring","type":"OBJECTS","status":"OPEN","sourceShop":"a.myshopify.com","targetShop":"b.myshopify.com",
				"targetShops":["b.myshopify.com"],"prNumber":null,"author":"key_1","createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z",
				"scope":{"objectTypes":null,"canonicals":null},"summary":{"created":2,"modified":0,"unchanged":0,"targetOnly":0,"total":2},
				"targets":[{"shop":"b.myshopify.com","summary":{"created":2,"modified":0,"unchanged":0,"targetOnly":0,"total":2},"job":null}],
				"approvals":[{"approver":"key_2","approverType":null,"comment":null,"approvedAt":"2025-01-02T04:00:00Z"}],
				"approvalCount":1,"requiredApprovals":1,"hotfix":false,"cancelRequested":false,"deployedAt":null,"deployJobs":[]}`},
		{name: "release without releases:read", body: call("release", `{"id":"rel_1"}`), id: caller(auth.ScopeSyncRead),
			wantIsErr: true, wantResult: "FORBIDDEN: missing scope releases:read"},
		{name: "deployJob's jobId is the group's id", body: call("deployJob", `{"jobId":"job_1"}`), id: caller(auth.ScopeReleasesRead),
			wantResult: `{"id":"job_1","releaseId":"rel_1","sourceShop":"a.myshopify.com","targetShop":"b.myshopify.com","status":"PENDING",
				"phase":"PENDING","progress":0,"error":null,"hotfix":false,"cancelRequested":false,"createdAt":"2025-01-02T03:04:05Z",
				"startedAt":null,"endedAt":null,"outcomes":{"created":0,"updated":0,"skipped":0,"failed":0}}`},
		{name: "deployJob unknown", body: call("deployJob", `{"jobId":"job_9"}`), id: caller(auth.ScopeReleasesRead),
			wantIsErr: true, wantResult: "NOT_FOUND: deploy job job_9 not found"},
		{name: "deployJob takes jobId, not id", body: call("deployJob", `{"id":"job_1"}`), id: caller(auth.ScopeReleasesRead),
			wantCode: CodeInvalidParams, wantErrMsg: "invalid arguments for tool deployJob"},
		{name: "createRelease with its input", body: call("createRelease", `{"input":{"name":"Spring","sourceShop":"a.myshopify.com",
			"targetShop":"b.myshopify.com","prNumber":7,"scope":{"canonicals":[{"objectType":"PAGE","canonical":"about"}]}}}`),
			id: caller(auth.ScopeReleasesWrite),
			wantResult: `{"success":true,"releaseId":"rel_2","status":"OPEN","summary":{"created":1,"modified":0,"unchanged":0,"targetOnly":0,"total":1},
				"error":null,"errorCode":null}`},
		{name: "createRelease needs releases:write", body: call("createRelease", `{"input":{"name":"x","sourceShop":"a","targetShop":"b"}}`),
			id: caller(auth.ScopeReleasesRead, auth.ScopeReleasesDeploy), wantIsErr: true, wantResult: "FORBIDDEN: missing scope releases:write"},
		{name: "createRelease unknown object type", body: call("createRelease", `{"input":{"name":"x","sourceShop":"a","targetShop":"b",
			"scope":{"objectTypes":["ORDER"]}}}`), id: caller(auth.ScopeReleasesWrite),
			wantCode: CodeInvalidParams, wantErrMsg: "invalid arguments for tool createRelease"},
		{name: "createRelease without input", body: call("createRelease", `{"name":"x"}`), id: caller(auth.ScopeReleasesWrite),
			wantCode: CodeInvalidParams, wantErrMsg: "invalid arguments for tool createRelease"},
		{name: "refusal is success false", body: call("cancelRelease", `{"releaseId":"rel_1"}`), id: caller(auth.ScopeReleasesWrite),
			wantResult: `{"success":false,"message":null,"error":"release rel_1 already ended","errorCode":"ALREADY_ENDED",
				"driftedObjects":null,"hotfix":false,"deployJobs":null}`},
		{name: "triggerReleaseDeploy needs releases:deploy", body: call("triggerReleaseDeploy", `{"releaseId":"rel_1"}`),
			id: caller(auth.ScopeReleasesRead, auth.ScopeReleasesWrite, auth.ScopeReleasesApprove), wantIsErr: true,
			wantResult: "FORBIDDEN: missing scope releases:deploy"},
		{name: "approveRelease is no tool", body: call("approveRelease", `{"releaseId":"rel_1"}`), id: caller(auth.ScopeReleasesApprove),
			wantCode: CodeInvalidParams, wantErrMsg: `unknown tool "approveRelease"`},
		{name: "unknown tool", body: call("dropTables", `{}`), id: caller(auth.ScopeSyncRead),
			wantCode: CodeInvalidParams, wantErrMsg: `unknown tool "dropTables"`},
		{name: "wrong enum", body: call("syncStatus", `{"type":"EVERYTHING"}`), id: caller(auth.ScopeSyncRead),
			wantCode: CodeInvalidParams, wantErrMsg: "invalid arguments for tool syncStatus"},
		{name: "missing required", body: call("sync", `{}`), id: caller(auth.ScopeSyncRead),
			wantCode: CodeInvalidParams, wantErrMsg: "invalid arguments for tool sync"},
		{name: "unknown argument", body: call("sync", `{"id":"s1","drop":true}`), id: caller(auth.ScopeSyncRead),
			wantCode: CodeInvalidParams, wantErrMsg: "invalid arguments for tool sync"},
		{name: "wrong type", body: call("syncHistory", `{"limit":"ten"}`), id: caller(auth.ScopeSyncRead),
			wantCode: CodeInvalidParams, wantErrMsg: "invalid arguments for tool syncHistory"},
		{name: "out of bounds", body: call("syncHistory", `{"limit":100000}`), id: caller(auth.ScopeSyncRead),
			wantCode: CodeInvalidParams, wantErrMsg: "invalid arguments for tool syncHistory"},
		{name: "arguments not an object", body: call("syncStatus", `[1]`), id: caller(auth.ScopeSyncRead),
			wantCode: CodeInvalidParams, wantErrMsg: "params.arguments must be a JSON object"},
		{name: "name missing", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}`, id: caller(auth.ScopeSyncRead),
			wantCode: CodeInvalidParams, wantErrMsg: "params.name"},
		{name: "unknown method", body: `{"jsonrpc":"2.0","id":1,"method":"resources/list"}`, id: caller(auth.ScopeSyncRead),
			wantCode: CodeMethodNotFound, wantErrMsg: `"resources/list" is not supported`},
		{name: "ping", body: `{"jsonrpc":"2.0","id":1,"method":"ping"}`, id: caller(), wantResult: `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := serve(event(t, "POST", tt.body, nil, tt.id))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			r := decodeResponse(t, resp.Body)
			if string(r.ID) != "1" {
				t.Errorf("id = %s", r.ID)
			}
			if tt.wantCode != 0 {
				if r.Error == nil || r.Error.Code != tt.wantCode || !strings.Contains(r.Error.Message, tt.wantErrMsg) {
					t.Fatalf("error = %+v, want code %d with %q; body %s", r.Error, tt.wantCode, tt.wantErrMsg, resp.Body)
				}
				if strings.Contains(resp.Body, "10.0.0.1") || strings.Contains(resp.Body, "flux-prod") {
					t.Errorf("internal text leaked: %s", resp.Body)
				}
				return
			}
			if r.Error != nil {
				t.Fatalf("error %+v", r.Error)
			}
			if tt.name == "ping" {
				if string(r.Result) != tt.wantResult {
					t.Errorf("ping result %s", r.Result)
				}
				return
			}
			var got CallToolResult
			var res struct {
				StructuredContent json.RawMessage `json:"structuredContent"`
			}
			if err := json.Unmarshal(r.Result, &got); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal(r.Result, &res)
			if got.IsError != tt.wantIsErr || len(got.Content) != 1 || got.Content[0].Type != "text" {
				t.Fatalf("result %s", r.Result)
			}
			if tt.wantIsErr {
				if got.Content[0].Text != tt.wantResult || got.StructuredContent != nil {
					t.Errorf("tool error %s, want text %q", r.Result, tt.wantResult)
				}
				return
			}
			var want, structured, text any
			_ = json.Unmarshal([]byte(tt.wantResult), &want)
			_ = json.Unmarshal(res.StructuredContent, &structured)
			_ = json.Unmarshal([]byte(got.Content[0].Text), &text)
			if diff := cmp.Diff(want, structured); diff != "" {
				t.Errorf("structuredContent (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(structured, text); diff != "" {
				t.Errorf("text content is not the structured content (-structured +text):\n%s", diff)
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	serve := newHandler(t)
	id := caller(auth.ScopeSyncRead)
	tests := []struct {
		name       string
		method     string
		body       string
		headers    map[string]string
		id         *auth.Identity
		wantStatus int
		wantCode   int
		wantID     string
	}{
		{"parse error", "POST", `{"jsonrpc":"2.0","id":1,`, nil, id, 400, CodeParseError, "null"},
		{"empty body", "POST", ``, nil, id, 400, CodeInvalidRequest, "null"},
		{"batch", "POST", `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, nil, id, 400, CodeInvalidRequest, "null"},
		{"not an object", "POST", `"ping"`, nil, id, 400, CodeInvalidRequest, "null"},
		{"wrong version", "POST", `{"jsonrpc":"1.0","id":1,"method":"ping"}`, nil, id, 400, CodeInvalidRequest, "null"},
		{"bad id", "POST", `{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`, nil, id, 400, CodeInvalidRequest, "null"},
		{"method not a string", "POST", `{"jsonrpc":"2.0","id":4,"method":7}`, nil, id, 400, CodeInvalidRequest, "4"},
		{"params not an object", "POST", `{"jsonrpc":"2.0","id":"x","method":"tools/list","params":[1]}`, nil, id, 400, CodeInvalidRequest, `"x"`},
		{"no method", "POST", `{"jsonrpc":"2.0","id":1}`, nil, id, 400, CodeInvalidRequest, "null"},
		{"unsupported protocol header", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, map[string]string{"mcp-protocol-version": "1999-01-01"}, id, 400, CodeInvalidRequest, "null"},
		{"not JSON content", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, map[string]string{"Content-Type": "text/plain"}, id, 415, CodeInvalidRequest, "null"},
		{"SSE only", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, map[string]string{"Accept": "text/event-stream"}, id, 406, CodeInvalidRequest, "null"},
		{"too large", "POST", `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"` + strings.Repeat("a", MaxBodyBytes) + `"}}`, nil, id, 413, CodeInvalidRequest, "null"},
		{"GET has no stream", "GET", ``, nil, id, 405, CodeInvalidRequest, "null"},
		{"DELETE has no session", "DELETE", ``, nil, id, 405, CodeInvalidRequest, "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := serve(event(t, tt.method, tt.body, tt.headers, tt.id))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			r := decodeResponse(t, resp.Body)
			if r.Error == nil || r.Error.Code != tt.wantCode || r.Error.Message == "" || string(r.ID) != tt.wantID {
				t.Errorf("answer %s, want code %d id %s", resp.Body, tt.wantCode, tt.wantID)
			}
		})
	}
	t.Run("notification is accepted", func(t *testing.T) {
		resp := serve(event(t, "POST", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil, id))
		if resp.StatusCode != 202 || resp.Body != "" {
			t.Errorf("%d %q", resp.StatusCode, resp.Body)
		}
	})
	t.Run("no identity", func(t *testing.T) {
		resp := serve(event(t, "POST", `{"jsonrpc":"2.0","id":1,"method":"ping"}`, nil, nil))
		if resp.StatusCode != 401 || !strings.Contains(resp.Body, "UNAUTHENTICATED") {
			t.Errorf("%d %s", resp.StatusCode, resp.Body)
		}
	})
}

// The tools reach the groups through the GraphQL gateway's environment
// names (the gateway may know more groups than the tools call).
func TestGroupFunctionEnvIsTheGateways(t *testing.T) {
	for group, name := range GroupFunctionEnv {
		if gw := graphql.GroupFunctionEnv[group]; gw != name {
			t.Errorf("group %s: mcp reads %s, the gateway %q", group, name, gw)
		}
	}
}
