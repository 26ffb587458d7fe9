package templatecheck

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/infra/dev"
	"github.com/flux-platform/flux/shared/store"
)

// load parses the repository's template.yaml with the local stack's parser:
// values are unresolved, intrinsic functions are dev.Fn, integers int64.
func load(t *testing.T) *dev.Template {
	t.Helper()
	tpl, err := dev.LoadTemplate(filepath.Join(RepoRoot(), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// functionIDs lists the template's function logical ids, sorted.
func functionIDs(tpl *dev.Template) []string { return tpl.OfType(dev.TypeFunction) }

// Map is v as a mapping, or nil.
func Map(v any) map[string]any { m, _ := v.(map[string]any); return m }

// List is v as a sequence, or nil.
func List(v any) []any { l, _ := v.([]any); return l }

// String is v as a string, or "".
func String(v any) string { s, _ := v.(string); return s }

// Strings is a string or a list of strings as a list.
func Strings(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, e := range List(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// getAtt is the [Resource, Attribute] of v when v is !GetAtt (either form),
// else nil.
func getAtt(v any) []any {
	if f, ok := v.(dev.Fn); ok && f.Name == "Fn::GetAtt" {
		return List(f.Arg)
	}
	return nil
}

// makeDB is what make knows about the Makefile (see MakeFunctions).
func makeDB(t *testing.T) (functions map[string]string, targets []string) {
	t.Helper()
	functions, targets, err := MakeFunctions(RepoRoot())
	if errors.Is(err, ErrNoMake) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return functions, targets
}

// functionDirs lists functions/<dir> that hold a main.go.
func functionDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(RepoRoot(), "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(RepoRoot(), "functions", e.Name(), "main.go")); e.IsDir() && err == nil {
			dirs = append(dirs, e.Name())
		}
	}
	return dirs
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Every functions/<dir> is in the Makefile's FUNCTIONS and has a function
// resource built by build-<LogicalId>, and the other way round.
func TestFunctionsMakefileAndTemplateAgree(t *testing.T) {
	tpl := load(t)
	fns, targets := makeDB(t)
	if diff := cmp.Diff(functionDirs(t), values(fns)); diff != "" {
		t.Errorf("functions/ directories vs Makefile FUNCTIONS (-dirs +Makefile):\n%s", diff)
	}
	if diff := cmp.Diff(functionIDs(tpl), keys(fns)); diff != "" {
		t.Errorf("template functions vs Makefile FUNCTIONS (-template +Makefile):\n%s", diff)
	}
	if diff := cmp.Diff(functionIDs(tpl), targets); diff != "" {
		t.Errorf("template functions vs Makefile build-<LogicalId> targets (-template +Makefile):\n%s", diff)
	}
	for _, id := range functionIDs(tpl) {
		r := tpl.Resources[id]
		if got := String(r.Metadata["BuildMethod"]); got != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %q, want makefile", id, got)
		}
		if got := String(r.Properties["CodeUri"]); got != "." {
			t.Errorf("%s: CodeUri = %q, want . (the Makefile is at the root)", id, got)
		}
	}
}

func TestGlobals(t *testing.T) {
	g := Map(load(t).Globals["Function"])
	checks := map[string]any{
		"Runtime": "provided.al2023", "Handler": "bootstrap", "Tracing": "Active",
	}
	for k, want := range checks {
		if g[k] != want {
			t.Errorf("Globals.Function.%s = %v, want %v", k, g[k], want)
		}
	}
	if got := Strings(g["Architectures"]); !slices.Equal(got, []string{"arm64"}) {
		t.Errorf("Architectures = %v", got)
	}
	if got := Map(g["LoggingConfig"])["LogFormat"]; got != "JSON" {
		t.Errorf("LoggingConfig.LogFormat = %v", got)
	}
}

// actionsByFunction is the exact IAM surface of each function: a change
// here is a security review.
var actionsByFunction = map[string][]string{
	"AuthorizerFunction":      {"dynamodb:GetItem", "dynamodb:UpdateItem", "ssm:GetParameter"},
	"GraphqlFunction":         {"lambda:InvokeFunction"},
	"GraphqlConfigFunction":   {"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"},
	"GraphqlMappingsFunction": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"},
	"GraphqlSyncFunction":     {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "sqs:SendMessage"},
	"GraphqlReleasesFunction": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
		"s3:GetObject", "sqs:SendMessage"},
	"GraphqlWritesFunction": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
		"kms:Decrypt", "kms:GenerateDataKey", "s3:GetObject", "s3:PutObject", "ssm:GetParameter"},
	"WorkerSyncFunction": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
		"kms:Decrypt", "kms:GenerateDataKey", "s3:GetObject", "s3:ListBucket", "s3:PutObject", "sqs:SendMessage", "ssm:GetParameter"},
	"WorkerDeployFunction": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
		"kms:Decrypt", "kms:GenerateDataKey", "s3:GetObject", "s3:PutObject", "sqs:SendMessage", "ssm:GetParameter"},
	"WorkerEventsFunction": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
		"kms:Decrypt", "kms:GenerateDataKey", "s3:GetObject", "s3:PutObject", "ssm:GetParameter"},
	"ScheduleReconcileFunction": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "sqs:SendMessage"},
	"GraphqlStoresFunction":     {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "kms:Decrypt", "kms:GenerateDataKey", "ssm:GetParameter"},
	"OauthInstallFunction":      {"dynamodb:PutItem", "dynamodb:Query", "ssm:GetParameter"},
	"OauthCallbackFunction":     {"dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "kms:GenerateDataKey", "ssm:GetParameter"},
	"RestHealthFunction":        {"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "kms:Decrypt", "kms:GenerateDataKey", "s3:ListBucket", "sqs:GetQueueAttributes", "ssm:GetParameter"},
	"RestRateLimitsFunction":    {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "kms:Decrypt", "kms:GenerateDataKey", "ssm:GetParameter"},
	"RestObjectHistoryFunction": {"dynamodb:Query"},
	"RestObjectDiffFunction":    {"dynamodb:GetItem", "dynamodb:Query", "s3:GetObject"},
	"RestObjectRevertFunction": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
		"kms:Decrypt", "kms:GenerateDataKey", "s3:GetObject", "s3:PutObject", "ssm:GetParameter"},
	"RestAuditExportFunction": {"dynamodb:Query"},
	"McpFunction":             {"dynamodb:GetItem", "dynamodb:Query", "lambda:InvokeFunction", "s3:GetObject"},
	"RestHeartbeatFunction":   nil,
	"WebhookShopifyFunction":  {"dynamodb:DeleteItem", "dynamodb:PutItem", "sqs:SendMessage", "ssm:GetParameter"},
	// Files: one function per route (docs/api.md, Files).
	"RestFilesUploadUrlFunction":   {"dynamodb:PutItem", "s3:PutObject"},
	"RestFilesConfirmFunction":     {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "s3:DeleteObject", "s3:GetObject", "s3:ListBucket"},
	"RestFilesDownloadUrlFunction": {"dynamodb:GetItem", "s3:GetObject"},
	"RestFilesGetFunction":         {"dynamodb:GetItem"},
	"RestFilesListFunction":        {"dynamodb:Query"},
	"RestFilesDeleteFunction":      {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "s3:DeleteObject"},
}

// Every function states its own inline policy: no managed policies, no SAM
// policy templates (their actions are broader than stated), no wildcards.
func TestLeastPrivilegePolicies(t *testing.T) {
	tpl := load(t)
	forbidden := []string{"dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:*", "*"}
	for _, id := range functionIDs(tpl) {
		t.Run(id, func(t *testing.T) {
			props := tpl.Resources[id].Properties
			if _, ok := props["Role"]; ok {
				t.Fatal("Role is set: state the policy inline with Policies instead")
			}
			policies, ok := props["Policies"]
			if !ok {
				t.Fatal("no Policies: every function states its rights (Policies: [] for none)")
			}
			if _, isList := policies.([]any); !isList {
				t.Fatalf("Policies must be a list of inline policy documents, got %T", policies)
			}
			var actions []string
			for i, p := range List(policies) {
				doc := Map(p)
				if doc == nil || doc["Statement"] == nil {
					t.Errorf("Policies[%d] = %v: only inline documents with a Statement (no managed policies or SAM templates)", i, p)
					continue
				}
				for j, s := range List(doc["Statement"]) {
					st := Map(s)
					if st["Effect"] != "Allow" {
						t.Errorf("statement %d: Effect %v", j, st["Effect"])
					}
					if _, ok := st["NotAction"]; ok {
						t.Errorf("statement %d: NotAction", j)
					}
					for _, a := range Strings(st["Action"]) {
						if slices.Contains(forbidden, a) || strings.HasSuffix(a, ":*") {
							t.Errorf("statement %d: action %s", j, a)
						}
						actions = append(actions, a)
					}
					if st["Resource"] == nil {
						t.Errorf("statement %d: no Resource", j)
					}
					if slices.Contains(Strings(st["Resource"]), "*") {
						t.Errorf("statement %d: Resource *", j)
					}
				}
			}
			sort.Strings(actions)
			actions = slices.Compact(actions)
			want, known := actionsByFunction[id]
			if !known {
				t.Logf("no expected action list for %s: add it to actionsByFunction", id)
				return
			}
			if diff := cmp.Diff(want, actions, cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
	}
}

// The Table resource is store.TableShape().
func TestTableMatchesStoreShape(t *testing.T) {
	tpl := load(t)
	tables := tpl.OfType("AWS::DynamoDB::Table")
	if !slices.Equal(tables, []string{"Table"}) {
		t.Fatalf("DynamoDB tables = %v, want exactly [Table]", tables)
	}
	r := tpl.Resources["Table"]
	p := r.Properties
	got := store.Shape{
		BillingMode:  String(p["BillingMode"]),
		TTLAttribute: String(Map(p["TimeToLiveSpecification"])["AttributeName"]),
		SSE:          Map(p["SSESpecification"])["SSEEnabled"] == true,
		PITR:         Map(p["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"] == true,
	}
	if Map(p["TimeToLiveSpecification"])["Enabled"] != true {
		t.Error("TTL is not enabled")
	}
	for _, a := range List(p["AttributeDefinitions"]) {
		m := Map(a)
		got.AttributeDefinitions = append(got.AttributeDefinitions, store.Attribute{Name: String(m["AttributeName"]), Type: String(m["AttributeType"])})
	}
	got.KeySchema = keySchema(p["KeySchema"])
	for _, ix := range List(p["GlobalSecondaryIndexes"]) {
		m := Map(ix)
		got.GlobalIndexes = append(got.GlobalIndexes, store.Index{
			Name:           String(m["IndexName"]),
			KeySchema:      keySchema(m["KeySchema"]),
			ProjectionType: String(Map(m["Projection"])["ProjectionType"]),
		})
	}
	if diff := cmp.Diff(store.TableShape(), got); diff != "" {
		t.Errorf("template Table vs store.TableShape() (-store +template):\n%s", diff)
	}
	for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
		if r.Raw[policy] != "Retain" {
			t.Errorf("Table %s = %v, want Retain", policy, r.Raw[policy])
		}
	}
}

func keySchema(v any) []store.KeyElement {
	var out []store.KeyElement
	for _, k := range List(v) {
		m := Map(k)
		out = append(out, store.KeyElement{Name: String(m["AttributeName"]), KeyType: String(m["KeyType"])})
	}
	return out
}

// Queues redrive to a DLQ after 5 receives, hide a message for at least 6x
// the timeout of any function they trigger (60 s workers by default), and
// DLQs keep messages 14 days.
func TestQueues(t *testing.T) {
	tpl := load(t)
	timeoutOf := func(id string) int {
		if n, ok := tpl.Resources[id].Properties["Timeout"].(int64); ok {
			return int(n)
		}
		n, _ := Map(tpl.Globals["Function"])["Timeout"].(int64)
		return int(n)
	}
	consumers := map[string]int{} // queue logical id -> max consumer timeout
	for _, fn := range functionIDs(tpl) {
		for _, ev := range Map(tpl.Resources[fn].Properties["Events"]) {
			e := Map(ev)
			if e["Type"] != "SQS" {
				continue
			}
			ga := getAtt(Map(e["Properties"])["Queue"])
			if len(ga) == 2 {
				q := String(ga[0])
				consumers[q] = max(consumers[q], timeoutOf(fn))
			}
		}
	}
	dlqs := map[string]bool{}
	for _, id := range tpl.OfType("AWS::SQS::Queue") {
		p := tpl.Resources[id].Properties
		if p["SqsManagedSseEnabled"] != true {
			t.Errorf("%s: SqsManagedSseEnabled is not true", id)
		}
		rp := Map(p["RedrivePolicy"])
		if rp == nil {
			continue
		}
		if n, _ := rp["maxReceiveCount"].(int64); n != 5 {
			t.Errorf("%s: maxReceiveCount = %v, want 5", id, rp["maxReceiveCount"])
		}
		ga := getAtt(rp["deadLetterTargetArn"])
		if len(ga) != 2 || tpl.Resources[String(ga[0])].Type != "AWS::SQS::Queue" {
			t.Errorf("%s: deadLetterTargetArn is not !GetAtt <Queue>.Arn", id)
			continue
		}
		dlqs[String(ga[0])] = true
		vis, _ := p["VisibilityTimeout"].(int64)
		need := 6 * max(consumers[id], 60)
		if int(vis) < need {
			t.Errorf("%s: VisibilityTimeout %d < %d (6x the consumer timeout)", id, vis, need)
		}
	}
	for _, q := range []string{"SyncQueue", "EventsQueue", "DeployQueue"} {
		if Map(tpl.Resources[q].Properties["RedrivePolicy"]) == nil {
			t.Errorf("%s has no RedrivePolicy", q)
		}
	}
	for dlq := range dlqs {
		if n, _ := tpl.Resources[dlq].Properties["MessageRetentionPeriod"].(int64); n != 14*24*3600 {
			t.Errorf("%s: MessageRetentionPeriod = %d, want 14 days", dlq, n)
		}
	}
}

func TestFilesBucketIsPrivate(t *testing.T) {
	tpl := load(t)
	p := tpl.Resources["FilesBucket"].Properties
	for k, v := range Map(p["PublicAccessBlockConfiguration"]) {
		if v != true {
			t.Errorf("PublicAccessBlockConfiguration.%s = %v", k, v)
		}
	}
	if n := len(Map(p["PublicAccessBlockConfiguration"])); n != 4 {
		t.Errorf("PublicAccessBlockConfiguration has %d settings, want 4", n)
	}
	enc := Map(Map(List(Map(p["BucketEncryption"])["ServerSideEncryptionConfiguration"])[0])["ServerSideEncryptionByDefault"])
	if enc["SSEAlgorithm"] != "AES256" {
		t.Errorf("encryption %v", enc)
	}
	var denies bool
	for _, id := range tpl.OfType("AWS::S3::BucketPolicy") {
		for _, s := range List(Map(tpl.Resources[id].Properties["PolicyDocument"])["Statement"]) {
			st := Map(s)
			if st["Effect"] == "Deny" && Map(Map(st["Condition"])["Bool"])["aws:SecureTransport"] == "false" {
				denies = true
			}
		}
	}
	if !denies {
		t.Error("no bucket policy denies insecure transport")
	}
}

// API Gateway's own errors (gateway responses) are in the API's error format,
// with a status that agrees with the body and the request id as X-Request-ID.
func TestGatewayResponses(t *testing.T) {
	tpl := load(t)
	api := tpl.Resources["Api"].Properties
	auth := Map(api["Auth"])
	if auth["DefaultAuthorizer"] != "FluxAuthorizer" {
		t.Errorf("DefaultAuthorizer = %v", auth["DefaultAuthorizer"])
	}
	fa := Map(Map(auth["Authorizers"])["FluxAuthorizer"])
	if fa["FunctionPayloadType"] != "REQUEST" || Map(fa["Identity"])["ReauthorizeEvery"] != int64(0) {
		t.Errorf("FluxAuthorizer = %v: want REQUEST with ReauthorizeEvery 0", fa)
	}
	want := map[string]struct {
		status int
		code   string
	}{
		"UNAUTHORIZED":                   {401, "UNAUTHENTICATED"},
		"ACCESS_DENIED":                  {403, "FORBIDDEN"},
		"MISSING_AUTHENTICATION_TOKEN":   {404, "NOT_FOUND"},
		"AUTHORIZER_FAILURE":             {500, "INTERNAL_ERROR"},
		"AUTHORIZER_CONFIGURATION_ERROR": {500, "INTERNAL_ERROR"},
		"REQUEST_TOO_LARGE":              {413, "VALIDATION_ERROR"},
		"THROTTLED":                      {429, "RATE_LIMITED"},
		"DEFAULT_4XX":                    {400, "VALIDATION_ERROR"},
		"DEFAULT_5XX":                    {500, "INTERNAL_ERROR"},
	}
	responses := Map(api["GatewayResponses"])
	for typ := range want {
		if _, ok := responses[typ]; !ok {
			t.Errorf("no gateway response %s", typ)
		}
	}
	for typ, r := range responses {
		t.Run(typ, func(t *testing.T) {
			rm := Map(r)
			n, _ := rm["StatusCode"].(int64)
			status := int(n)
			if status == 0 {
				s, _ := strconv.Atoi(String(rm["StatusCode"]))
				status = s
			}
			if got := Map(Map(rm["ResponseParameters"])["Headers"])["X-Request-ID"]; got != "context.requestId" {
				t.Errorf("X-Request-ID header = %v, want context.requestId", got)
			}
			var body struct {
				Errors []struct {
					Message    string `json:"message"`
					Extensions struct {
						Code       string `json:"code"`
						StatusCode int    `json:"statusCode"`
					} `json:"extensions"`
				} `json:"errors"`
			}
			raw := String(Map(rm["ResponseTemplates"])["application/json"])
			if err := json.Unmarshal([]byte(raw), &body); err != nil || len(body.Errors) != 1 {
				t.Fatalf("body %q is not the error format: %v", raw, err)
			}
			e := body.Errors[0]
			if e.Message == "" || e.Extensions.Code == "" || e.Extensions.StatusCode != status {
				t.Errorf("body %q disagrees with StatusCode %d", raw, status)
			}
			if w, ok := want[typ]; ok && (w.status != status || w.code != e.Extensions.Code) {
				t.Errorf("got %d %s, want %d %s", status, e.Extensions.Code, w.status, w.code)
			}
		})
	}
}

// Health, heartbeat, the GraphQL playground, the SDL, the Shopify OAuth
// callback (authenticated by Shopify's hmac and the one-time state) and
// Shopify's webhook deliveries (authenticated by the HMAC of the body) are
// public; everything else (POST /api/graphql above all) goes through the
// authorizer.
func TestPublicRoutes(t *testing.T) {
	tpl := load(t)
	public := map[string]bool{
		"GET /api/health": true, "GET /api/heartbeat": true,
		"GET /api/graphql": true, "GET /api/graphql/schema.graphql": true,
		"GET /auth/shopify/callback": true,
		"POST /webhooks/shopify":     true,
	}
	// Routes that must exist behind the authorizer: per-tenant store
	// health is the tenant's data, apart from the public /api/health.
	authenticated := map[string]bool{"GET /api/health/stores": false,
		// Versions are the tenant's data.
		"GET /api/object-history": false, "GET /api/object-diff": false, "POST /api/object-revert": false,
		// The MCP server answers only API keys' callers.
		"POST /api/mcp": false, "GET /api/mcp": false, "DELETE /api/mcp": false,
		// Files are the tenant's data.
		"POST /api/v1/files/upload-url": false, "POST /api/v1/files/{id}/confirm": false,
		"GET /api/v1/files/{id}/download-url": false, "GET /api/v1/files/{id}": false,
		"GET /api/v1/files": false, "DELETE /api/v1/files/{id}": false}
	defer func() {
		for route, seen := range authenticated {
			if !seen {
				t.Errorf("%s: no such route", route)
			}
		}
	}()
	for _, fn := range functionIDs(tpl) {
		for name, ev := range Map(tpl.Resources[fn].Properties["Events"]) {
			e := Map(ev)
			if e["Type"] != "Api" {
				continue
			}
			p := Map(e["Properties"])
			route := strings.ToUpper(String(p["Method"])) + " " + String(p["Path"])
			none := Map(p["Auth"])["Authorizer"] == "NONE"
			if _, ok := authenticated[route]; ok {
				authenticated[route] = true
			}
			if none != public[route] {
				t.Errorf("%s.%s %s: Authorizer NONE = %v, want %v", fn, name, route, none, public[route])
			}
		}
	}
}

// groupsByFunction is, for the functions that call resolver groups through
// shared/rpc (GROUP_FUNCTION_* variables), the groups each may invoke
// besides the gateway's (which calls every group): a change here is a
// security review.
var groupsByFunction = map[string][]string{
	"McpFunction": {"GraphqlConfigFunction", "GraphqlMappingsFunction", "GraphqlReleasesFunction", "GraphqlStoresFunction", "GraphqlSyncFunction"},
}

// A function that calls resolver groups may invoke exactly the functions
// its GROUP_FUNCTION_* variables name (!Ref), and nothing else.
func TestGroupCallersInvokeTheirGroups(t *testing.T) {
	tpl := load(t)
	for _, id := range functionIDs(tpl) {
		props := tpl.Resources[id].Properties
		var refs []string
		for name, v := range Map(Map(props["Environment"])["Variables"]) {
			if !strings.HasPrefix(name, "GROUP_FUNCTION_") {
				continue
			}
			f, ok := v.(dev.Fn)
			if !ok || f.Name != "Ref" {
				t.Errorf("%s: %s = %v, want !Ref of a group function", id, name, v)
				continue
			}
			refs = append(refs, String(f.Arg))
		}
		var invoked []string
		for _, p := range List(props["Policies"]) {
			for _, s := range List(Map(p)["Statement"]) {
				st := Map(s)
				if !slices.Contains(Strings(st["Action"]), "lambda:InvokeFunction") {
					continue
				}
				for _, r := range List(st["Resource"]) {
					att := getAtt(r)
					if len(att) != 2 || String(att[1]) != "Arn" {
						t.Errorf("%s: lambda:InvokeFunction on %v, want !GetAtt <Function>.Arn", id, r)
						continue
					}
					invoked = append(invoked, String(att[0]))
				}
			}
		}
		sort.Strings(refs)
		sort.Strings(invoked)
		if diff := cmp.Diff(refs, invoked); diff != "" {
			t.Errorf("%s: invoked functions differ from its GROUP_FUNCTION_* variables (-env +policy):\n%s", id, diff)
		}
		if want, ok := groupsByFunction[id]; ok {
			if diff := cmp.Diff(want, refs); diff != "" {
				t.Errorf("%s: groups (-want +got):\n%s", id, diff)
			}
		}
	}
}
