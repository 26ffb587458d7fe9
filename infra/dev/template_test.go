package dev

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/store"
)

func loadTestTemplate(t testing.TB, path string) *Template {
	t.Helper()
	tpl, err := LoadTemplate(path)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// fakeResolver resolves like Provision would, without AWS.
func fakeResolver(t *testing.T, tpl *Template) *Resolver {
	t.Helper()
	r := &Resolver{
		Params:     map[string]string{},
		Pseudo:     map[string]string{"AWS::Region": "us-east-1", "AWS::AccountId": LocalAccountID, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "local"},
		Resources:  map[string]Physical{},
		Conditions: tpl.Conditions,
	}
	for n, p := range tpl.Parameters {
		if p.HasDefault {
			r.Params[n] = p.Default
		}
	}
	for id, res := range tpl.Resources {
		switch res.Type {
		case TypeQueue:
			r.Resources[id] = Physical{Ref: "http://q/" + id, Attrs: map[string]string{"Arn": "arn:aws:sqs:us-east-1:1:" + id, "QueueName": "p-" + id}}
		case TypeTable:
			r.Resources[id] = Physical{Ref: "tbl", Attrs: map[string]string{"Arn": "arn:aws:dynamodb:us-east-1:1:table/tbl"}}
		default:
			r.Resources[id] = Physical{Ref: id, Attrs: map[string]string{"Arn": "arn:local:" + id}}
		}
	}
	return r
}

func TestParseTestdataTemplate(t *testing.T) {
	tpl := loadTestTemplate(t, "testdata/template.yaml")
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Function{}
	for _, f := range fns {
		byID[f.LogicalID] = f
	}
	if got := len(fns); got != 3 {
		t.Fatalf("functions = %d, want 3", got)
	}
	if byID["AuthFunction"].Timeout != 1 || byID["EchoFunction"].Timeout != 2 {
		t.Errorf("timeouts: auth %d echo %d, want 1 and 2 (Globals)", byID["AuthFunction"].Timeout, byID["EchoFunction"].Timeout)
	}
	w := byID["WorkerFunction"]
	if len(w.SQSEvents) != 1 {
		t.Fatalf("worker SQS events = %d", len(w.SQSEvents))
	}
	if e := w.SQSEvents[0]; e.QueueLogicalID != "WorkQueue" || e.BatchSize != 5 || !e.ReportBatchItemErrors || !e.Enabled {
		t.Errorf("SQS event = %+v", e)
	}

	r := fakeResolver(t, tpl)
	env, err := FunctionEnv(r, byID["EchoFunction"], map[string]string{"EXTRA": "x"}, map[string]string{"QUEUE_URL": "override"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"TABLE_NAME":    "tbl",
		"GREETING":      "hello",
		"QUEUE_URL":     "override",
		"QUEUE_ARN":     "arn:aws:sqs:us-east-1:1:WorkQueue",
		"BUCKET":        "Files",
		"AUTH_FUNCTION": "AuthFunction",
		"SUBBED":        "hello-us-east-1-p-WorkQueue-${Literal}",
		"JOINED":        "a/test/c",
		"PICKED":        "yes-test",
		"EXTRA":         "x",
	}
	if d := cmp.Diff(want, env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}

	apis, err := tpl.APIs()
	if err != nil {
		t.Fatal(err)
	}
	api := apis["Api"]
	if api == nil || api.DefaultAuthorizer != "TestAuth" || api.Authorizers["TestAuth"].FunctionLogicalID != "AuthFunction" {
		t.Fatalf("api = %+v", api)
	}
	if az := api.Authorizers["TestAuth"]; az.PayloadType != "REQUEST" || az.ReauthorizeEvery != 0 {
		t.Errorf("authorizer = %+v", az)
	}
	if d := cmp.Diff([]string{"application/octet-stream"}, api.BinaryMediaTypes); d != "" {
		t.Errorf("binary media types: %s", d)
	}
	if gr := api.GatewayResponses["UNAUTHORIZED"]; gr.StatusCode != 401 || gr.Headers["X-Request-ID"] != "context.requestId" {
		t.Errorf("UNAUTHORIZED = %+v", gr)
	}
	routes, err := BuildRoutes(fns, apis)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rt := range routes {
		got = append(got, rt.Method+" "+rt.Path+" "+rt.Function+" "+rt.Authorizer)
	}
	wantRoutes := []string{
		"ANY /files/{proxy+} EchoFunction TestAuth",
		"POST /items EchoFunction TestAuth",
		"GET /items/special EchoFunction TestAuth",
		"GET /items/{id} EchoFunction TestAuth",
		"GET /public EchoFunction ",
	}
	if d := cmp.Diff(wantRoutes, got); d != "" {
		t.Errorf("routes (-want +got):\n%s", d)
	}
}

func TestShortAndLongIntrinsicFormsAgree(t *testing.T) {
	short := `
Resources:
  Q: {Type: AWS::SQS::Queue}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          A: !Ref Q
          B: !GetAtt Q.Arn
          C: !Sub "${Q}/x"
          D: !Sub ["${N}-${Q.Arn}", {N: !Ref Q}]
          E: !Select [1, !Split [",", "a,b,c"]]
`
	long := `
Resources:
  Q: {Type: "AWS::SQS::Queue"}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          A: {Ref: Q}
          B: {"Fn::GetAtt": [Q, Arn]}
          C: {"Fn::Sub": "${Q}/x"}
          D: {"Fn::Sub": ["${N}-${Q.Arn}", {N: {Ref: Q}}]}
          E: {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}
`
	want := map[string]string{"A": "url", "B": "arn", "C": "url/x", "D": "url-arn", "E": "b"}
	for name, src := range map[string]string{"short": short, "long": long} {
		t.Run(name, func(t *testing.T) {
			tpl, err := ParseTemplate([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			fns, err := tpl.Functions()
			if err != nil {
				t.Fatal(err)
			}
			r := &Resolver{Resources: map[string]Physical{"Q": {Ref: "url", Attrs: map[string]string{"Arn": "arn"}}}}
			env, err := FunctionEnv(r, fns[0], nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, env); d != "" {
				t.Errorf("env (-want +got):\n%s", d)
			}
		})
	}
}

// What the local stack does not run itself is still there, unresolved, for
// the template checks (infra/templatecheck): the Globals section, each
// resource's Metadata and its whole entry (DeletionPolicy, ...).
func TestTemplateKeepsGlobalsMetadataAndRawEntries(t *testing.T) {
	src := `
Globals:
  Function:
    Runtime: provided.al2023
    Architectures: [arm64]
    Timeout: 7
Resources:
  T:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties: {BillingMode: PAY_PER_REQUEST}
  F:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
    Properties:
      CodeUri: .
      Policies:
        - Statement:
            - {Effect: Allow, Action: dynamodb:GetItem, Resource: !GetAtt T.Arn}
`
	tpl, err := ParseTemplate([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	wantGlobals := map[string]any{"Function": map[string]any{
		"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Timeout": int64(7),
	}}
	if d := cmp.Diff(wantGlobals, tpl.Globals); d != "" {
		t.Errorf("Globals (-want +got):\n%s", d)
	}
	if tpl.GlobalTimeout != 7 {
		t.Errorf("GlobalTimeout = %d", tpl.GlobalTimeout)
	}
	f := tpl.Resources["F"]
	if d := cmp.Diff(map[string]any{"BuildMethod": "makefile"}, f.Metadata); d != "" {
		t.Errorf("Metadata (-want +got):\n%s", d)
	}
	if f.Raw["Type"] != TypeFunction || f.Raw["Metadata"] == nil || f.Raw["Properties"] == nil {
		t.Errorf("Raw = %v", f.Raw)
	}
	stmt := asMap(asSlice(asMap(asSlice(f.Properties["Policies"])[0])["Statement"])[0])
	if d := cmp.Diff(Fn{Name: "Fn::GetAtt", Arg: []any{"T", "Arn"}}, stmt["Resource"]); d != "" {
		t.Errorf("policy Resource (-want +got):\n%s", d)
	}
	tbl := tpl.Resources["T"]
	if tbl.Raw["DeletionPolicy"] != "Retain" || tbl.Raw["UpdateReplacePolicy"] != "Retain" || tbl.Metadata != nil {
		t.Errorf("T: Raw = %v, Metadata = %v", tbl.Raw, tbl.Metadata)
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no resources", "Parameters: {}\n", "no Resources"},
		{"bad getatt", "Resources:\n  F:\n    Type: X\n    Properties:\n      A: !GetAtt NoDot\n", "Resource.Attribute"},
		{"not yaml", "Resources: [\n", "parse template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTemplate([]byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	t.Run("unknown ref", func(t *testing.T) {
		r := &Resolver{}
		if _, err := r.String(Fn{Name: "Ref", Arg: "Nope"}); err == nil || !strings.Contains(err.Error(), "Nope") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unsupported function", func(t *testing.T) {
		r := &Resolver{}
		if _, err := r.String(Fn{Name: "Fn::ImportValue", Arg: "x"}); err == nil || !strings.Contains(err.Error(), "Fn::ImportValue") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown authorizer", func(t *testing.T) {
		src := `
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: x}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: GET, Auth: {Authorizer: Missing}}}
`
		tpl, err := ParseTemplate([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		fns, _ := tpl.Functions()
		apis, err := tpl.APIs()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := BuildRoutes(fns, apis); err == nil || !strings.Contains(err.Error(), "Missing") {
			t.Fatalf("err = %v", err)
		}
	})
}

// The repository's template.yaml: what the local stack serves from it.
func TestRealTemplate(t *testing.T) {
	tpl := loadTestTemplate(t, "../../template.yaml")
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	apis, err := tpl.APIs()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := BuildRoutes(fns, apis)
	if err != nil {
		t.Fatal(err)
	}
	auth := map[string]string{}
	for _, r := range routes {
		auth[r.Method+" "+r.Path] = r.Function + "/" + r.Authorizer
	}
	for route, want := range map[string]string{
		"POST /api/graphql":  "GraphqlFunction/FluxAuthorizer",
		"GET /api/health":    "RestHealthFunction/",
		"GET /api/heartbeat": "RestHeartbeatFunction/",
	} {
		if auth[route] != want {
			t.Errorf("%s -> %q, want %q", route, auth[route], want)
		}
	}
	api := apis["Api"]
	if api == nil {
		t.Fatal("no Api")
	}
	if az := api.Authorizers[api.DefaultAuthorizer]; az.FunctionLogicalID != "AuthorizerFunction" || az.PayloadType != "REQUEST" {
		t.Errorf("default authorizer = %+v", az)
	}
	for _, typ := range []string{"UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "REQUEST_TOO_LARGE", "DEFAULT_4XX", "DEFAULT_5XX"} {
		gr, ok := api.GatewayResponses[typ]
		if !ok {
			t.Errorf("gateway response %s missing", typ)
			continue
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(renderTemplate(gr.Templates["application/json"], &reqCtx{requestID: "r"})), &body); err != nil {
			t.Errorf("%s template is not JSON once rendered: %v", typ, err)
		}
		if _, ok := body["errors"]; !ok {
			t.Errorf("%s body has no errors[]", typ)
		}
	}

	// The local table is the template's table, which is the store's table.
	r := fakeResolver(t, tpl)
	in, ttl, err := TableInput(r, "t", tpl.Resources["Table"].Properties)
	if err != nil {
		t.Fatal(err)
	}
	if ttl == nil || *ttl.AttributeName != store.AttrTTL {
		t.Errorf("ttl = %+v, want %s", ttl, store.AttrTTL)
	}
	if d := cmp.Diff(tableJSON(t, store.TableDefinition("t")), tableJSON(t, in)); d != "" {
		t.Errorf("template table differs from store.TableDefinition (-store +template):\n%s", d)
	}

	// Every queue with a redrive policy points at a DLQ of the template.
	for _, id := range tpl.OfType(TypeQueue) {
		props := tpl.Resources[id].Properties
		if rp, ok := props["RedrivePolicy"]; ok {
			dlq := refTarget(asMap(rp)["deadLetterTargetArn"])
			if tpl.Resources[dlq].Type != TypeQueue {
				t.Errorf("queue %s redrives to %q, not a queue", id, dlq)
			}
			attrs, _, err := queueAttributes(r, props)
			if err != nil {
				t.Fatal(err)
			}
			var pol map[string]any
			if err := json.Unmarshal([]byte(attrs["RedrivePolicy"]), &pol); err != nil {
				t.Fatal(err)
			}
			if pol["deadLetterTargetArn"] != r.Resources[dlq].Attrs["Arn"] || pol["maxReceiveCount"] != float64(5) {
				t.Errorf("queue %s redrive = %v", id, pol)
			}
		}
	}
	// Every function has a builder.
	reg := Functions()
	for _, f := range fns {
		if _, ok := reg[f.LogicalID]; !ok {
			t.Errorf("function %s has no builder in functions.go", f.LogicalID)
		}
	}
}

// tableJSON is the comparable part of a CreateTableInput, order-independent.
func tableJSON(t *testing.T, in *dynamodb.CreateTableInput) map[string]any {
	t.Helper()
	c := *in
	sort.Slice(c.AttributeDefinitions, func(i, j int) bool {
		return *c.AttributeDefinitions[i].AttributeName < *c.AttributeDefinitions[j].AttributeName
	})
	sort.Slice(c.GlobalSecondaryIndexes, func(i, j int) bool {
		return *c.GlobalSecondaryIndexes[i].IndexName < *c.GlobalSecondaryIndexes[j].IndexName
	})
	raw, err := json.Marshal(struct {
		A, K, G, B any
	}{c.AttributeDefinitions, c.KeySchema, c.GlobalSecondaryIndexes, c.BillingMode})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
