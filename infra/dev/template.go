package dev

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is the part of template.yaml the local stack runs: resources with
// their raw (unresolved) properties, functions with their events, and the
// REST API with its authorizers and gateway responses. Nothing here is
// hard-coded: a new Api event in template.yaml is a new local route.
type Template struct {
	Parameters map[string]Parameter
	Conditions map[string]any
	Resources  map[string]Resource
	// Globals.Function.Environment.Variables and Globals.Function.Timeout.
	GlobalEnv     map[string]any
	GlobalTimeout int
	// Globals.Api, merged under every Api's own properties.
	GlobalAPI map[string]any
	// Globals is the whole Globals section, unresolved (Runtime,
	// Architectures, ... that the local stack does not use itself).
	Globals map[string]any
}

// Parameter is a template parameter; Default is its default as a string.
type Parameter struct {
	Type       string
	Default    string
	HasDefault bool
}

// Resource is one resource of the template.
type Resource struct {
	LogicalID  string
	Type       string
	Properties map[string]any
	Metadata   map[string]any
	// Raw is the whole resource entry, unresolved: DeletionPolicy,
	// UpdateReplacePolicy, Condition, DependsOn, ... as well as Type,
	// Properties and Metadata.
	Raw map[string]any
}

// Resource types the local stack knows.
const (
	TypeTable    = "AWS::DynamoDB::Table"
	TypeQueue    = "AWS::SQS::Queue"
	TypeBucket   = "AWS::S3::Bucket"
	TypeKMSKey   = "AWS::KMS::Key"
	TypeFunction = "AWS::Serverless::Function"
	TypeAPI      = "AWS::Serverless::Api"
)

// LoadTemplate reads and parses a SAM template file.
func LoadTemplate(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := ParseTemplate(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseTemplate parses a SAM template (short tags and long forms alike).
func ParseTemplate(raw []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	v, err := decodeNode(&doc)
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parse template: not a mapping")
	}
	t := &Template{
		Parameters: map[string]Parameter{},
		Conditions: asMap(root["Conditions"]),
		Resources:  map[string]Resource{},
		GlobalEnv:  map[string]any{},
	}
	for name, p := range asMap(root["Parameters"]) {
		pm := asMap(p)
		par := Parameter{Type: asString(pm["Type"])}
		if d, ok := pm["Default"]; ok {
			s, err := scalarString(d)
			if err != nil {
				return nil, fmt.Errorf("parameter %s default: %w", name, err)
			}
			par.Default, par.HasDefault = s, true
		}
		t.Parameters[name] = par
	}
	globals := asMap(root["Globals"])
	t.Globals = globals
	gf := asMap(globals["Function"])
	for k, v := range asMap(asMap(gf["Environment"])["Variables"]) {
		t.GlobalEnv[k] = v
	}
	t.GlobalTimeout = asInt(gf["Timeout"])
	t.GlobalAPI = asMap(globals["Api"])
	resources := asMap(root["Resources"])
	if len(resources) == 0 {
		return nil, fmt.Errorf("parse template: no Resources")
	}
	for id, r := range resources {
		rm := asMap(r)
		typ := asString(rm["Type"])
		if typ == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		t.Resources[id] = Resource{
			LogicalID:  id,
			Type:       typ,
			Properties: asMap(rm["Properties"]),
			Metadata:   asMap(rm["Metadata"]),
			Raw:        rm,
		}
	}
	return t, nil
}

// OfType lists the logical ids of the resources of a type, sorted.
func (t *Template) OfType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Function is a function of the template as the local stack runs it.
type Function struct {
	LogicalID string
	Timeout   int            // seconds; 0 = the Lambda default (3)
	Env       map[string]any // Globals then the function's own variables, unresolved
	APIEvents []APIEvent
	SQSEvents []SQSEvent
}

// APIEvent is an event of Type Api.
type APIEvent struct {
	Name       string
	API        string // logical id of the Api ("" = SAM's implicit API)
	Path       string
	Method     string // upper case; ANY matches every method
	Authorizer string // "" = inherit the Api's DefaultAuthorizer; "NONE" = none
}

// SQSEvent is an event of Type SQS.
type SQSEvent struct {
	Name                  string
	Queue                 any // unresolved: usually !GetAtt XQueue.Arn
	QueueLogicalID        string
	BatchSize             int
	Enabled               bool
	ReportBatchItemErrors bool
}

// Functions lists the template's functions, sorted by logical id.
func (t *Template) Functions() ([]Function, error) {
	var out []Function
	for _, id := range t.OfType(TypeFunction) {
		props := t.Resources[id].Properties
		f := Function{LogicalID: id, Timeout: t.GlobalTimeout, Env: map[string]any{}}
		if to := asInt(props["Timeout"]); to > 0 {
			f.Timeout = to
		}
		for k, v := range t.GlobalEnv {
			f.Env[k] = v
		}
		for k, v := range asMap(asMap(props["Environment"])["Variables"]) {
			f.Env[k] = v
		}
		events := asMap(props["Events"])
		names := make([]string, 0, len(events))
		for n := range events {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			ev := asMap(events[name])
			ep := asMap(ev["Properties"])
			switch asString(ev["Type"]) {
			case "Api":
				e := APIEvent{
					Name:   name,
					API:    refTarget(ep["RestApiId"]),
					Path:   asString(ep["Path"]),
					Method: strings.ToUpper(asString(ep["Method"])),
				}
				if e.Path == "" || e.Method == "" {
					return nil, fmt.Errorf("function %s event %s: Api events need Path and Method", id, name)
				}
				if e.Method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
					e.Method = "ANY"
				}
				if a, ok := asMap(ep["Auth"])["Authorizer"]; ok {
					e.Authorizer = asString(a)
				}
				f.APIEvents = append(f.APIEvents, e)
			case "SQS":
				e := SQSEvent{
					Name:      name,
					Queue:     ep["Queue"],
					BatchSize: asInt(ep["BatchSize"]),
					Enabled:   true,
				}
				if e.BatchSize == 0 {
					e.BatchSize = 10
				}
				if en, ok := ep["Enabled"].(bool); ok {
					e.Enabled = en
				}
				e.QueueLogicalID = refTarget(e.Queue)
				for _, rt := range asSlice(ep["FunctionResponseTypes"]) {
					if asString(rt) == "ReportBatchItemFailures" {
						e.ReportBatchItemErrors = true
					}
				}
				f.SQSEvents = append(f.SQSEvents, e)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// API is a REST API (AWS::Serverless::Api) as the local gateway runs it.
type API struct {
	LogicalID         string
	StageName         any // unresolved
	DefaultAuthorizer string
	Authorizers       map[string]Authorizer
	GatewayResponses  map[string]GatewayResponse
	BinaryMediaTypes  []string
}

// Authorizer is a Lambda authorizer of an API.
type Authorizer struct {
	Name               string
	FunctionLogicalID  string
	PayloadType        string // REQUEST or TOKEN
	IdentityHeaders    []string
	IdentityQuery      []string
	ReauthorizeEvery   int
	ReauthorizeDefault bool // ReauthorizeEvery not given (API Gateway's default is 300)
}

// GatewayResponse is one of the API's gateway responses.
type GatewayResponse struct {
	StatusCode int
	Headers    map[string]string // header -> mapping expression ('literal', context.x, method.request.header.x)
	Templates  map[string]string // content type -> body template
}

// APIs lists the template's REST APIs. When a function has Api events
// without RestApiId, SAM's implicit API "ServerlessRestApi" is included,
// built from Globals.Api.
func (t *Template) APIs() (map[string]*API, error) {
	out := map[string]*API{}
	for _, id := range t.OfType(TypeAPI) {
		a, err := t.parseAPI(id, t.Resources[id].Properties)
		if err != nil {
			return nil, err
		}
		out[id] = a
	}
	fns, err := t.Functions()
	if err != nil {
		return nil, err
	}
	for _, f := range fns {
		for _, e := range f.APIEvents {
			if e.API == "" {
				if _, ok := out[ImplicitAPI]; !ok {
					a, err := t.parseAPI(ImplicitAPI, map[string]any{"StageName": "Prod"})
					if err != nil {
						return nil, err
					}
					out[ImplicitAPI] = a
				}
			} else if _, ok := out[e.API]; !ok {
				return nil, fmt.Errorf("function %s event %s: RestApiId %s is not an AWS::Serverless::Api of the template", f.LogicalID, e.Name, e.API)
			}
		}
	}
	return out, nil
}

// ImplicitAPI is the logical id SAM gives the API of events without RestApiId.
const ImplicitAPI = "ServerlessRestApi"

func (t *Template) parseAPI(id string, own map[string]any) (*API, error) {
	props := map[string]any{}
	for k, v := range t.GlobalAPI {
		props[k] = v
	}
	for k, v := range own {
		props[k] = v
	}
	a := &API{
		LogicalID:        id,
		StageName:        props["StageName"],
		Authorizers:      map[string]Authorizer{},
		GatewayResponses: map[string]GatewayResponse{},
	}
	for _, bt := range asSlice(props["BinaryMediaTypes"]) {
		a.BinaryMediaTypes = append(a.BinaryMediaTypes, strings.ReplaceAll(asString(bt), "~1", "/"))
	}
	auth := asMap(props["Auth"])
	a.DefaultAuthorizer = asString(auth["DefaultAuthorizer"])
	for name, raw := range asMap(auth["Authorizers"]) {
		am := asMap(raw)
		az := Authorizer{Name: name, PayloadType: strings.ToUpper(asString(am["FunctionPayloadType"]))}
		if az.PayloadType == "" {
			az.PayloadType = "TOKEN"
		}
		az.FunctionLogicalID = functionOf(am["FunctionArn"])
		if az.FunctionLogicalID == "" {
			return nil, fmt.Errorf("api %s authorizer %s: FunctionArn must be !GetAtt <Function>.Arn", id, name)
		}
		ident := asMap(am["Identity"])
		for _, h := range asSlice(ident["Headers"]) {
			az.IdentityHeaders = append(az.IdentityHeaders, asString(h))
		}
		if h := asString(ident["Header"]); h != "" {
			az.IdentityHeaders = append(az.IdentityHeaders, h)
		}
		for _, q := range asSlice(ident["QueryStrings"]) {
			az.IdentityQuery = append(az.IdentityQuery, asString(q))
		}
		if re, ok := ident["ReauthorizeEvery"]; ok {
			az.ReauthorizeEvery = asInt(re)
		} else {
			az.ReauthorizeEvery, az.ReauthorizeDefault = 300, true
		}
		a.Authorizers[name] = az
	}
	if a.DefaultAuthorizer != "" && a.DefaultAuthorizer != "AWS_IAM" {
		if _, ok := a.Authorizers[a.DefaultAuthorizer]; !ok {
			return nil, fmt.Errorf("api %s: DefaultAuthorizer %s is not one of its Authorizers", id, a.DefaultAuthorizer)
		}
	}
	for typ, raw := range asMap(props["GatewayResponses"]) {
		gm := asMap(raw)
		gr := GatewayResponse{StatusCode: asInt(gm["StatusCode"]), Headers: map[string]string{}, Templates: map[string]string{}}
		for h, v := range asMap(asMap(gm["ResponseParameters"])["Headers"]) {
			gr.Headers[h] = asString(v)
		}
		for ct, v := range asMap(gm["ResponseTemplates"]) {
			gr.Templates[ct] = asString(v)
		}
		a.GatewayResponses[typ] = gr
	}
	return a, nil
}

// functionOf is the function logical id of an authorizer's FunctionArn.
func functionOf(v any) string {
	if id := refTarget(v); id != "" {
		return id
	}
	if s, ok := v.(string); ok {
		if i := strings.LastIndex(s, ":function:"); i >= 0 {
			return s[i+len(":function:"):]
		}
	}
	return ""
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func asString(v any) string {
	s, _ := scalarString(v)
	return s
}

func asInt(v any) int {
	switch t := v.(type) {
	case int64:
		return int(t)
	case float64:
		return int(t)
	case string:
		var n int
		if _, err := fmt.Sscanf(t, "%d", &n); err == nil {
			return n
		}
	}
	return 0
}
