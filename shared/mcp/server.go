// Package mcp is Flux's Model Context Protocol server (POST /api/mcp):
// MCP's Streamable HTTP transport in its stateless form (every POST is one
// JSON-RPC message answered with one application/json body; no sessions, no
// SSE), so it runs as a Lambda function behind API Gateway's REST API.
// The API Gateway authorizer has authenticated the Flux API key; tools are
// limited by its scopes. Every tool calls the same domain code as the
// GraphQL API: the resolver groups through shared/rpc, and shared/objects
// for object history and diff. docs/mcp.md describes it.
package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/objects"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
)

// Path is the server's route.
const Path = "/api/mcp"

// MaxBodyBytes bounds a request body; the largest valid call (250 GIDs) is
// far below it.
const MaxBodyBytes = 256 << 10

// Protocol versions: LatestProtocolVersion is what the current official
// SDKs negotiate (TypeScript 1.32, Go 1.8); older ones are still answered.
const LatestProtocolVersion = "2025-11-25"

// SupportedProtocolVersions are the versions the server speaks, newest first.
var SupportedProtocolVersions = []string{LatestProtocolVersion, "2025-06-18", "2025-03-26"}

// ServerName and ServerVersion identify the server in initialize.
const (
	ServerName    = "flux"
	ServerVersion = "1.0.0"
)

// Options configure a Server.
type Options struct {
	// Groups reaches the resolver groups (rpc.LambdaInvoke in AWS,
	// rpc.InProcess locally and in tests).
	Groups rpc.Transport
	// Objects answers object history and diff.
	Objects *objects.Service
	Log     *slog.Logger
}

// Server answers MCP messages. It holds no request state.
type Server struct {
	deps  deps
	tools []Tool
	index map[string]*Tool
	log   *slog.Logger
}

// NewServer builds the server and compiles every tool's input schema.
func NewServer(o Options) (*Server, error) {
	s := &Server{deps: deps{groups: o.Groups, objects: o.Objects}, tools: Tools(), index: map[string]*Tool{}, log: o.Log}
	if s.log == nil {
		s.log = slog.Default()
	}
	for i := range s.tools {
		t := &s.tools[i]
		r, err := t.Input.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
		if err != nil {
			return nil, fmt.Errorf("input schema of tool %s: %w", t.Name, err)
		}
		t.input = r
		s.index[t.Name] = t
	}
	return s, nil
}

// NewHandler is the HTTP handler of /api/mcp.
func NewHandler(o Options) (http.Handler, error) {
	s, err := NewServer(o)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+Path, s.servePost)
	mux.HandleFunc(Path, func(w http.ResponseWriter, r *http.Request) {
		// Stateless: no SSE stream to GET, no session to DELETE (the spec
		// lets a server answer both with 405).
		w.Header().Set("Allow", http.MethodPost)
		writeHTTPError(w, http.StatusMethodNotAllowed, rpcErr(CodeInvalidRequest,
			"method %s is not allowed: this MCP server is stateless and answers POST only", r.Method))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		platform.WriteError(r.Context(), w, platform.E(platform.KindNotFound, "not found"))
	})
	return platform.Edge(s.log, mux), nil
}

func (s *Server) servePost(w http.ResponseWriter, r *http.Request) {
	ctx := auth.WithIdentity(r.Context(), auth.FromHTTPRequest(r))
	if auth.IdentityFrom(ctx).TenantID == "" {
		// The authorizer lets no such request through; never answer one.
		platform.WriteError(ctx, w, platform.E(platform.KindUnauthenticated, "authentication required"))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			writeHTTPError(w, http.StatusUnsupportedMediaType, rpcErr(CodeInvalidRequest, "Content-Type must be application/json"))
			return
		}
	}
	if !acceptsJSON(r.Header.Values("Accept")) {
		writeHTTPError(w, http.StatusNotAcceptable, rpcErr(CodeInvalidRequest, "Accept must include application/json: this server answers with JSON, never an event stream"))
		return
	}
	if v := r.Header.Get("MCP-Protocol-Version"); v != "" && !slices.Contains(SupportedProtocolVersions, v) {
		writeHTTPError(w, http.StatusBadRequest, rpcErr(CodeInvalidRequest, "unsupported MCP-Protocol-Version %q; supported: %s",
			clip(v), strings.Join(SupportedProtocolVersions, ", ")))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeHTTPError(w, http.StatusRequestEntityTooLarge, rpcErr(CodeInvalidRequest, "the request body is larger than %d bytes", MaxBodyBytes))
			return
		}
		writeHTTPError(w, http.StatusBadRequest, rpcErr(CodeParseError, "the request body could not be read"))
		return
	}
	m, perr := ParseMessage(body)
	if perr != nil {
		platform.Log(ctx).Info("mcp message rejected", "code", perr.Code, "error", perr.Message)
		writeJSON(w, http.StatusBadRequest, Response{JSONRPC: "2.0", ID: m.AnswerID(), Error: perr})
		return
	}
	if !m.IsRequest() {
		// Notifications (notifications/initialized, .../cancelled) and
		// responses need no answer.
		w.WriteHeader(http.StatusAccepted)
		return
	}
	resp := s.Handle(ctx, m)
	writeJSON(w, http.StatusOK, resp)
}

// Handle answers one JSON-RPC request for the caller in ctx.
func (s *Server) Handle(ctx context.Context, m Message) Response {
	result, err := s.dispatch(ctx, m)
	if err != nil {
		platform.Log(ctx).Info("mcp request failed", "method", m.Method, "code", err.Code, "error", err.Message)
		return Response{JSONRPC: "2.0", ID: m.AnswerID(), Error: err}
	}
	return Response{JSONRPC: "2.0", ID: m.AnswerID(), Result: result}
}

func (s *Server) dispatch(ctx context.Context, m Message) (any, *Error) {
	switch m.Method {
	case "initialize":
		return s.initialize(m.Params)
	case "ping":
		return struct{}{}, nil
	case "tools/list":
		return s.listTools(m.Params)
	case "tools/call":
		return s.callTool(ctx, m.Params)
	}
	return nil, rpcErr(CodeMethodNotFound, "method %q is not supported; this server offers initialize, ping, tools/list and tools/call", clip(m.Method))
}

// InitializeResult is the answer of initialize.
type InitializeResult struct {
	ProtocolVersion string         `json:"protocolVersion"`
	Capabilities    map[string]any `json:"capabilities"`
	ServerInfo      Implementation `json:"serverInfo"`
	Instructions    string         `json:"instructions,omitempty"`
}

// Implementation names a client or a server.
type Implementation struct {
	Name    string `json:"name"`
	Title   string `json:"title,omitempty"`
	Version string `json:"version"`
}

const instructions = "Flux keeps change management for a group of Shopify stores. " +
	"Use config to see the store group, syncStatus/syncHistory/sync/syncOperations for syncs, " +
	"the list* tools to browse a store live, lookupByGid/lookupByCanonical/mappings for canonical mappings, " +
	"objectHistory/objectDiff for captured versions, and release/releaseByPrNumber/releaseChanges/deployJob/approvalRules for releases and their deploys. " +
	"Tools that change anything (startSync, createRelease, cancelRelease, triggerReleaseDeploy, rollbackRelease, retryDeploy) say so in their annotations; " +
	"approving a release is left to people. What your API key may do is limited by its scopes."

func (s *Server) initialize(params json.RawMessage) (any, *Error) {
	var p struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if err := json.Unmarshal(orEmpty(params), &p); err != nil || p.ProtocolVersion == "" {
		return nil, rpcErr(CodeInvalidParams, "initialize needs params.protocolVersion (a string)")
	}
	v := p.ProtocolVersion
	if !slices.Contains(SupportedProtocolVersions, v) {
		// The spec: answer with the latest version we support; the client
		// disconnects if it does not support it.
		v = LatestProtocolVersion
	}
	return InitializeResult{
		ProtocolVersion: v,
		Capabilities:    map[string]any{"tools": map[string]any{"listChanged": false}},
		ServerInfo:      Implementation{Name: ServerName, Title: "Flux", Version: ServerVersion},
		Instructions:    instructions,
	}, nil
}

// ToolDescription is a tool as tools/list shows it.
type ToolDescription struct {
	Name         string         `json:"name"`
	Title        string         `json:"title,omitempty"`
	Description  string         `json:"description"`
	InputSchema  any            `json:"inputSchema"`
	OutputSchema any            `json:"outputSchema,omitempty"`
	Annotations  Annotations    `json:"annotations"`
	Meta         map[string]any `json:"_meta,omitempty"`
}

// Annotations are a tool's hints (MCP ToolAnnotations).
type Annotations struct {
	Title           string `json:"title,omitempty"`
	ReadOnlyHint    bool   `json:"readOnlyHint"`
	DestructiveHint *bool  `json:"destructiveHint,omitempty"`
	IdempotentHint  *bool  `json:"idempotentHint,omitempty"`
	OpenWorldHint   bool   `json:"openWorldHint"`
}

// MetaScope is the _meta key naming the scope a tool requires.
const MetaScope = "flux/requiredScope"

// Describe is the tool as tools/list shows it.
func (t *Tool) Describe() ToolDescription {
	a := Annotations{Title: t.Title, ReadOnlyHint: t.ReadOnly, OpenWorldHint: t.OpenWorld}
	if !t.ReadOnly {
		// The hints below only mean something for tools that change things.
		destructive, idempotent := t.Destructive, t.Idempotent
		a.DestructiveHint, a.IdempotentHint = &destructive, &idempotent
	}
	return ToolDescription{Name: t.Name, Title: t.Title, Description: t.Description,
		InputSchema: t.Input, OutputSchema: t.Output, Annotations: a,
		Meta: map[string]any{MetaScope: string(t.Scope)}}
}

func (s *Server) listTools(params json.RawMessage) (any, *Error) {
	var p struct {
		Cursor *string `json:"cursor"`
	}
	if err := json.Unmarshal(orEmpty(params), &p); err != nil {
		return nil, rpcErr(CodeInvalidParams, "params.cursor must be a string")
	}
	if p.Cursor != nil && *p.Cursor != "" {
		// Every tool fits one page: a cursor cannot come from us.
		return nil, rpcErr(CodeInvalidParams, "params.cursor is not a cursor of this server")
	}
	out := make([]ToolDescription, len(s.tools))
	for i := range s.tools {
		out[i] = s.tools[i].Describe()
	}
	return map[string]any{"tools": out}, nil
}

// CallToolResult is the answer of tools/call.
type CallToolResult struct {
	Content           []TextContent `json:"content"`
	StructuredContent any           `json:"structuredContent,omitempty"`
	IsError           bool          `json:"isError,omitempty"`
}

// TextContent is a text content block.
type TextContent struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func (s *Server) callTool(ctx context.Context, params json.RawMessage) (any, *Error) {
	var p struct {
		Name      *string         `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(orEmpty(params), &p); err != nil || p.Name == nil {
		return nil, rpcErr(CodeInvalidParams, "tools/call needs params.name (a string) and params.arguments (an object)")
	}
	t, ok := s.index[*p.Name]
	if !ok {
		return nil, rpcErr(CodeInvalidParams, "unknown tool %q; tools/list shows the tools", clip(*p.Name))
	}
	args, aerr := t.arguments(p.Arguments)
	if aerr != nil {
		return nil, aerr
	}
	// The scope first, as the groups do: a caller without it learns nothing
	// about the arguments. The groups check it again.
	if err := auth.IdentityFrom(ctx).Require(t.Scope); err != nil {
		return toolError(err), nil
	}
	raw, err := t.run(ctx, s.deps, args)
	if err != nil {
		if platform.KindOf(err) == platform.KindInternal {
			platform.Log(ctx).Error("mcp tool failed", "tool", t.Name, "error", err.Error())
			return nil, rpcErr(CodeInternalError, "internal error")
		}
		platform.Log(ctx).Info("mcp tool failed", "tool", t.Name, "kind", platform.KindOf(err).String(), "error", err.Error())
		return toolError(err), nil
	}
	structured, err := t.structured(raw)
	if err != nil {
		platform.Log(ctx).Error("mcp tool result", "tool", t.Name, "error", err.Error())
		return nil, rpcErr(CodeInternalError, "internal error")
	}
	text, err := json.Marshal(structured)
	if err != nil {
		platform.Log(ctx).Error("mcp tool result", "tool", t.Name, "error", err.Error())
		return nil, rpcErr(CodeInternalError, "internal error")
	}
	return CallToolResult{Content: []TextContent{{Type: "text", Text: string(text)}}, StructuredContent: structured}, nil
}

// arguments checks a call's arguments against the tool's input schema and
// returns them as the JSON the operation gets (absent arguments are {}).
func (t *Tool) arguments(raw json.RawMessage) (json.RawMessage, *Error) {
	var v any = map[string]any{}
	if len(raw) > 0 && !isNull(raw) {
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, rpcErr(CodeInvalidParams, "params.arguments must be a JSON object")
		}
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, rpcErr(CodeInvalidParams, "params.arguments must be a JSON object")
	}
	if err := t.input.Validate(v); err != nil {
		return nil, rpcErr(CodeInvalidParams, "invalid arguments for tool %s: %s", t.Name, clip(err.Error()))
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, rpcErr(CodeInvalidParams, "params.arguments must be a JSON object")
	}
	return out, nil
}

// structured is the structured content of an operation's result: an object
// with GraphQL's shape (nullable fields present as null).
func (t *Tool) structured(raw json.RawMessage) (any, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode result of %s: %w", t.Name, err)
	}
	if t.Wrap != "" {
		v = map[string]any{t.Wrap: v}
	}
	fillNulls(v, t.Output)
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("result of %s is not an object", t.Name)
	}
	return v, nil
}

// toolError is a failed call the model can read and act on (MCP's tool
// execution error): missing scope, not found, invalid values, a store that
// does not answer. Its text is the error's code (a platform kind's:
// FORBIDDEN, NOT_FOUND, VALIDATION_ERROR, ...), a colon and the client-safe
// message. It has no structured content: clients check structured content
// against the tool's output schema, errors included.
func toolError(err error) CallToolResult {
	text := platform.KindOf(err).Code() + ": " + platform.PublicMessage(err)
	return CallToolResult{Content: []TextContent{{Type: "text", Text: text}}, IsError: true}
}

func acceptsJSON(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && (mt == "application/json" || mt == "application/*" || mt == "*/*") {
				return true
			}
		}
	}
	return false
}

func orEmpty(params json.RawMessage) json.RawMessage {
	if len(params) == 0 || isNull(params) {
		return json.RawMessage("{}")
	}
	return params
}

// clip bounds client-supplied text echoed in a message.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"internal error"}}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeHTTPError answers a request the transport refuses before reading a
// message: a JSON-RPC error with id null and an HTTP status.
func writeHTTPError(w http.ResponseWriter, status int, e *Error) {
	writeJSON(w, status, Response{JSONRPC: "2.0", ID: nullID, Error: e})
}
