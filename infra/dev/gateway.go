package dev

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/flux-platform/flux/shared/platform"
)

// MaxRequestBody is API Gateway's payload limit (10 MB).
const MaxRequestBody = 10 << 20

// IntegrationTimeout is API Gateway's (REST) integration timeout.
const IntegrationTimeout = 29 * time.Second

// Gateway emulates API Gateway's REST API (Lambda proxy integration, payload
// 1.0) for the routes, authorizers and gateway responses of template.yaml.
type Gateway struct {
	routes    []Route
	apis      map[string]*API
	stages    map[string]string // API logical id -> stage name
	timeouts  map[string]time.Duration
	handler   func(ctx context.Context, logicalID string) (Handler, error)
	log       *slog.Logger
	now       func() time.Time
	accountID string
}

// GatewayConfig is what NewGateway needs.
type GatewayConfig struct {
	Routes    []Route
	APIs      map[string]*API
	Stages    map[string]string
	Functions []Function
	Handler   func(ctx context.Context, logicalID string) (Handler, error)
	Log       *slog.Logger
}

// NewGateway builds the HTTP handler of the local API.
func NewGateway(c GatewayConfig) *Gateway {
	g := &Gateway{
		routes: c.Routes, apis: c.APIs, stages: c.Stages, handler: c.Handler,
		log: c.Log, now: time.Now, accountID: LocalAccountID,
		timeouts: map[string]time.Duration{},
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	for _, f := range c.Functions {
		to := time.Duration(f.Timeout) * time.Second
		if to <= 0 {
			to = 3 * time.Second // Lambda's default
		}
		g.timeouts[f.LogicalID] = to
	}
	return g
}

// Routes are the gateway's routes.
func (g *Gateway) Routes() []Route { return g.routes }

// reqCtx is what a gateway response's templates may refer to.
type reqCtx struct {
	requestID    string
	stage        string
	apiID        string
	method       string
	path         string
	resourcePath string
	domainName   string
	requestTime  time.Time
	errorMessage string
	responseType string
	header       http.Header
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	rc := &reqCtx{
		requestID:   newUUID(),
		method:      r.Method,
		path:        r.URL.Path,
		domainName:  r.Host,
		requestTime: start,
		header:      r.Header,
	}
	status := g.serve(w, r, rc)
	g.log.Info("request", "request_id", rc.requestID, "method", r.Method, "path", r.URL.Path,
		"resource", rc.resourcePath, "status", status, "duration_ms", g.now().Sub(start).Milliseconds())
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, rc *reqCtx) int {
	route, params, _ := Match(g.routes, r.Method, r.URL.EscapedPath())
	if route == nil {
		// API Gateway answers unknown resources and methods alike with
		// MISSING_AUTHENTICATION_TOKEN.
		return g.gatewayResponse(w, rc, nil, "MISSING_AUTHENTICATION_TOKEN", "")
	}
	api := g.apis[route.API]
	rc.resourcePath = route.Path
	rc.stage = g.stages[route.API]
	rc.apiID = strings.ToLower(route.API)

	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil {
		return g.gatewayResponse(w, rc, api, "BAD_REQUEST_BODY", "Invalid request body")
	}
	if len(body) > MaxRequestBody {
		return g.gatewayResponse(w, rc, api, "REQUEST_TOO_LARGE", "Request Too Long")
	}

	ev := g.proxyRequest(r, rc, route, params, body, api)

	if route.Authorizer != "" {
		az := api.Authorizers[route.Authorizer]
		authCtx, typ, msg := g.authorize(r.Context(), rc, az, ev)
		if typ != "" {
			return g.gatewayResponse(w, rc, api, typ, msg)
		}
		ev.RequestContext.Authorizer = authCtx
	}

	h, err := g.handler(r.Context(), route.Function)
	if err != nil {
		g.log.Error("function unavailable", "function", route.Function, "error", err)
		return g.gatewayResponse(w, rc, api, "API_CONFIGURATION_ERROR", "Internal server error")
	}
	apiH, ok := h.(APIHandler)
	if !ok {
		g.log.Error("function is not an API handler", "function", route.Function, "kind", h.handlerKind())
		return g.gatewayResponse(w, rc, api, "API_CONFIGURATION_ERROR", "Internal server error")
	}
	resp, err := invoke(r.Context(), route.Function, rc.requestID, g.timeouts[route.Function], apiH, ev)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			g.log.Error("function timed out", "function", route.Function, "request_id", rc.requestID)
			return g.gatewayResponse(w, rc, api, "INTEGRATION_TIMEOUT", "Endpoint request timed out")
		}
		// A Lambda error (or panic) behind a proxy integration is a 502.
		g.log.Error("function failed", "function", route.Function, "request_id", rc.requestID, "error", err)
		return g.gatewayResponseStatus(w, rc, api, "DEFAULT_5XX", http.StatusBadGateway, "Internal server error")
	}
	return g.writeProxyResponse(w, rc, api, resp)
}

// invoke runs a handler as Lambda would: its own deadline, the Lambda
// context, panics caught.
func invoke[Req, Resp any](ctx context.Context, fn, requestID string, timeout time.Duration, h func(context.Context, Req) (Resp, error), req Req) (Resp, error) {
	if timeout > IntegrationTimeout {
		timeout = IntegrationTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: "arn:aws:lambda:" + LocalRegion + ":" + LocalAccountID + ":function:" + fn,
	})
	type result struct {
		resp Resp
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				var zero Resp
				done <- result{zero, fmt.Errorf("panic: %v", p)}
			}
		}()
		resp, err := h(ctx, req)
		done <- result{resp, err}
	}()
	select {
	case res := <-done:
		return res.resp, res.err
	case <-ctx.Done():
		var zero Resp
		return zero, ctx.Err()
	}
}

func (g *Gateway) proxyRequest(r *http.Request, rc *reqCtx, route *Route, params map[string]string, body []byte, api *API) events.APIGatewayProxyRequest {
	headers := map[string]string{}
	mvh := map[string][]string{}
	for k, vs := range r.Header {
		headers[k] = vs[len(vs)-1]
		mvh[k] = append([]string(nil), vs...)
	}
	set := func(k, v string) { headers[k], mvh[k] = v, []string{v} }
	if r.Host != "" {
		set("Host", r.Host)
	}
	// The headers API Gateway adds in front of every integration.
	ip := clientIP(r)
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		set("X-Forwarded-For", xff+", "+ip)
	} else {
		set("X-Forwarded-For", ip)
	}
	set("X-Forwarded-Proto", "http")
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		set("X-Forwarded-Port", port)
	} else {
		set("X-Forwarded-Port", "80")
	}
	if r.Header.Get("X-Amzn-Trace-Id") == "" {
		set("X-Amzn-Trace-Id", traceID(rc.requestTime))
	}
	var qs map[string]string
	var mvqs map[string][]string
	if q := r.URL.Query(); len(q) > 0 {
		qs, mvqs = map[string]string{}, map[string][]string{}
		for k, vs := range q {
			qs[k] = vs[len(vs)-1]
			mvqs[k] = vs
		}
	}
	if len(params) == 0 {
		params = nil
	}
	ev := events.APIGatewayProxyRequest{
		Resource:                        route.Path,
		Path:                            r.URL.Path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               mvh,
		QueryStringParameters:           qs,
		MultiValueQueryStringParameters: mvqs,
		PathParameters:                  params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         g.accountID,
			ResourceID:        strings.ToLower(route.API) + "-" + route.Method,
			Stage:             rc.stage,
			RequestID:         rc.requestID,
			ExtendedRequestID: rc.requestID,
			ResourcePath:      route.Path,
			HTTPMethod:        r.Method,
			APIID:             rc.apiID,
			Path:              "/" + rc.stage + r.URL.Path,
			Protocol:          r.Proto,
			DomainName:        r.Host,
			DomainPrefix:      domainPrefix(r.Host),
			RequestTime:       rc.requestTime.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch:  rc.requestTime.UnixMilli(),
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  clientIP(r),
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isBinary(r.Header.Get("Content-Type"), api.BinaryMediaTypes) || !utf8.Valid(body) {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		} else {
			ev.Body = string(body)
		}
	}
	return ev
}

// domainPrefix is the first label of the host (the API id on execute-api).
func domainPrefix(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	p, _, _ := strings.Cut(host, ".")
	return p
}

// traceID is an X-Ray trace header, as API Gateway adds with tracing on.
func traceID(at time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%x", at.Unix(), b)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isBinary reports whether contentType is one of the API's binary media types.
func isBinary(contentType string, binaryTypes []string) bool {
	if contentType == "" || len(binaryTypes) == 0 {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	for _, bt := range binaryTypes {
		bt = strings.ToLower(bt)
		if bt == "*/*" || bt == mt {
			return true
		}
		if strings.HasSuffix(bt, "/*") && strings.HasPrefix(mt, strings.TrimSuffix(bt, "*")) {
			return true
		}
	}
	return false
}

// authorize runs a REQUEST authorizer. It returns the requestContext.authorizer
// map on Allow, or the gateway response type to answer with.
func (g *Gateway) authorize(ctx context.Context, rc *reqCtx, az Authorizer, ev events.APIGatewayProxyRequest) (map[string]any, string, string) {
	// With caching on, API Gateway requires the identity sources and answers
	// 401 without calling the authorizer when one is missing.
	if az.ReauthorizeEvery > 0 {
		for _, h := range az.IdentityHeaders {
			if rc.header.Get(h) == "" {
				return nil, "UNAUTHORIZED", "Unauthorized"
			}
		}
		for _, q := range az.IdentityQuery {
			if ev.QueryStringParameters[q] == "" {
				return nil, "UNAUTHORIZED", "Unauthorized"
			}
		}
	}
	h, err := g.handler(ctx, az.FunctionLogicalID)
	if err != nil {
		g.log.Error("authorizer unavailable", "function", az.FunctionLogicalID, "error", err)
		return nil, "AUTHORIZER_CONFIGURATION_ERROR", "Internal server error"
	}
	azH, ok := h.(AuthorizerHandler)
	if !ok {
		g.log.Error("function is not an authorizer", "function", az.FunctionLogicalID, "kind", h.handlerKind())
		return nil, "AUTHORIZER_CONFIGURATION_ERROR", "Internal server error"
	}
	methodArn := fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s/%s",
		LocalRegion, g.accountID, rc.apiID, rc.stage, ev.HTTPMethod, strings.TrimPrefix(ev.Path, "/"))
	req := events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:                            "REQUEST",
		MethodArn:                       methodArn,
		Resource:                        ev.Resource,
		Path:                            ev.Path,
		HTTPMethod:                      ev.HTTPMethod,
		Headers:                         ev.Headers,
		MultiValueHeaders:               ev.MultiValueHeaders,
		QueryStringParameters:           ev.QueryStringParameters,
		MultiValueQueryStringParameters: ev.MultiValueQueryStringParameters,
		PathParameters:                  ev.PathParameters,
		StageVariables:                  ev.StageVariables,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path:         ev.RequestContext.Path,
			AccountID:    ev.RequestContext.AccountID,
			ResourceID:   ev.RequestContext.ResourceID,
			Stage:        ev.RequestContext.Stage,
			RequestID:    ev.RequestContext.RequestID,
			ResourcePath: ev.RequestContext.ResourcePath,
			HTTPMethod:   ev.RequestContext.HTTPMethod,
			APIID:        ev.RequestContext.APIID,
			Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{
				SourceIP: ev.RequestContext.Identity.SourceIP,
			},
		},
	}
	if req.PathParameters == nil {
		req.PathParameters = map[string]string{} // {} for authorizers, null for integrations
	}
	resp, err := invoke(ctx, az.FunctionLogicalID, rc.requestID, g.timeouts[az.FunctionLogicalID], azH, req)
	if err != nil {
		if err.Error() == "Unauthorized" {
			return nil, "UNAUTHORIZED", "Unauthorized"
		}
		g.log.Error("authorizer failed", "function", az.FunctionLogicalID, "request_id", rc.requestID, "error", err)
		return nil, "AUTHORIZER_FAILURE", "Internal server error"
	}
	switch evaluatePolicy(resp.PolicyDocument, methodArn) {
	case policyDeny:
		return nil, "ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny"
	case policyNone:
		return nil, "ACCESS_DENIED", "User is not authorized to access this resource"
	}
	out := map[string]any{"principalId": resp.PrincipalID, "integrationLatency": 0}
	for k, v := range resp.Context {
		switch t := v.(type) {
		case string:
			out[k] = t
		case bool:
			out[k] = strconv.FormatBool(t)
		case float64:
			out[k] = strconv.FormatFloat(t, 'f', -1, 64)
		case int:
			out[k] = strconv.Itoa(t)
		case int64:
			out[k] = strconv.FormatInt(t, 10)
		case json.Number:
			out[k] = t.String()
		default:
			// API Gateway rejects objects and arrays in the context.
			g.log.Error("authorizer context value is not a string, number or boolean", "key", k)
			return nil, "AUTHORIZER_CONFIGURATION_ERROR", "Internal server error"
		}
	}
	return out, "", ""
}

type policyResult int

const (
	policyNone policyResult = iota
	policyAllow
	policyDeny
)

// evaluatePolicy applies an authorizer's policy to the method ARN: an explicit
// Deny wins, then an Allow; nothing matching is a denial too.
func evaluatePolicy(doc events.APIGatewayCustomAuthorizerPolicy, methodArn string) policyResult {
	result := policyNone
	for _, st := range doc.Statement {
		if !anyMatch(st.Action, "execute-api:Invoke") || !anyMatch(st.Resource, methodArn) {
			continue
		}
		switch strings.ToLower(st.Effect) {
		case "deny":
			return policyDeny
		case "allow":
			result = policyAllow
		}
	}
	return result
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if globMatch(strings.ToLower(p), strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// globMatch is IAM's wildcard match: * any run (also across /), ? one character.
func globMatch(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if globMatch(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			p, s = p[1:], s[1:]
		default:
			if s == "" || p[0] != s[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return s == ""
}

func (g *Gateway) writeProxyResponse(w http.ResponseWriter, rc *reqCtx, api *API, resp events.APIGatewayProxyResponse) int {
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		g.log.Error("malformed Lambda proxy response", "request_id", rc.requestID, "status", resp.StatusCode)
		return g.gatewayResponseStatus(w, rc, api, "DEFAULT_5XX", http.StatusBadGateway, "Internal server error")
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			g.log.Error("malformed Lambda proxy response: body is not base64", "request_id", rc.requestID)
			return g.gatewayResponseStatus(w, rc, api, "DEFAULT_5XX", http.StatusBadGateway, "Internal server error")
		}
		body = b
	}
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		if _, ok := resp.MultiValueHeaders[k]; !ok {
			h.Set(k, v)
		}
	}
	g.stamp(h, rc)
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	if _, err := w.Write(body); err != nil {
		g.log.Warn("write response", "request_id", rc.requestID, "error", err)
	}
	return resp.StatusCode
}

// stamp adds the headers API Gateway adds, and X-Request-ID when the
// function did not set it, so every response carries one.
func (g *Gateway) stamp(h http.Header, rc *reqCtx) {
	h.Set("X-Amzn-Requestid", rc.requestID)
	if h.Get(platform.RequestIDHeader) == "" {
		h.Set(platform.RequestIDHeader, rc.requestID)
	}
}

// defaultStatus is each gateway response type's status when the template
// gives none.
var defaultStatus = map[string]int{
	"ACCESS_DENIED":                  403,
	"API_CONFIGURATION_ERROR":        500,
	"AUTHORIZER_CONFIGURATION_ERROR": 500,
	"AUTHORIZER_FAILURE":             500,
	"BAD_REQUEST_PARAMETERS":         400,
	"BAD_REQUEST_BODY":               400,
	"EXPIRED_TOKEN":                  403,
	"INTEGRATION_FAILURE":            504,
	"INTEGRATION_TIMEOUT":            504,
	"INVALID_API_KEY":                403,
	"INVALID_SIGNATURE":              403,
	"MISSING_AUTHENTICATION_TOKEN":   403,
	"QUOTA_EXCEEDED":                 429,
	"REQUEST_TOO_LARGE":              413,
	"RESOURCE_NOT_FOUND":             404,
	"THROTTLED":                      429,
	"UNAUTHORIZED":                   401,
	"UNSUPPORTED_MEDIA_TYPE":         415,
	"WAF_FILTERED":                   403,
	"DEFAULT_4XX":                    400,
	"DEFAULT_5XX":                    500,
}

func (g *Gateway) gatewayResponse(w http.ResponseWriter, rc *reqCtx, api *API, typ, msg string) int {
	return g.gatewayResponseStatus(w, rc, api, typ, 0, msg)
}

// gatewayResponseStatus answers as API Gateway's gateway response typ: the
// template's entry for the type, else its DEFAULT_4XX/DEFAULT_5XX entry, else
// API Gateway's built-in {"message": ...}. status 0 = the type's status.
func (g *Gateway) gatewayResponseStatus(w http.ResponseWriter, rc *reqCtx, api *API, typ string, status int, msg string) int {
	if api == nil {
		api = g.onlyAPI()
	}
	if msg == "" {
		msg = "Missing Authentication Token"
	}
	rc.errorMessage, rc.responseType = msg, typ
	explicit := status != 0
	if !explicit {
		status = defaultStatus[typ]
	}
	var gr *GatewayResponse
	if api != nil {
		if e, ok := api.GatewayResponses[typ]; ok {
			gr = &e
		}
		if gr != nil && gr.StatusCode != 0 && !explicit {
			status = gr.StatusCode
		}
		if gr == nil {
			def := "DEFAULT_4XX"
			if status >= 500 {
				def = "DEFAULT_5XX"
			}
			if e, ok := api.GatewayResponses[def]; ok {
				gr = &e
			}
		}
	}
	h := w.Header()
	body := []byte(`{"message":` + jsonString(msg) + `}`)
	contentType := "application/json"
	if gr != nil {
		if len(gr.Templates) > 0 {
			ct, tmpl := pickTemplate(gr.Templates)
			contentType = ct
			body = []byte(renderTemplate(tmpl, rc))
		}
		for name, expr := range gr.Headers {
			if v, ok := mappingValue(expr, rc); ok {
				h.Set(name, v)
			}
		}
	}
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-Errortype", errorTypeHeader(typ))
	h.Set(platform.RequestIDHeader, rc.requestID)
	g.stamp(h, rc)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		g.log.Warn("write response", "request_id", rc.requestID, "error", err)
	}
	return status
}

// onlyAPI is the API when the template has one (for unmatched routes).
func (g *Gateway) onlyAPI() *API {
	if len(g.apis) != 1 {
		return nil
	}
	for _, a := range g.apis {
		return a
	}
	return nil
}

func errorTypeHeader(typ string) string {
	switch typ {
	case "MISSING_AUTHENTICATION_TOKEN":
		return "MissingAuthenticationTokenException"
	case "UNAUTHORIZED":
		return "UnauthorizedException"
	case "ACCESS_DENIED":
		return "AccessDeniedException"
	case "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR":
		return "AuthorizerConfigurationException"
	case "REQUEST_TOO_LARGE":
		return "RequestTooLargeException"
	}
	return "InternalServerErrorException"
}

func pickTemplate(t map[string]string) (string, string) {
	if v, ok := t["application/json"]; ok {
		return "application/json", v
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0], t[keys[0]]
}

// renderTemplate evaluates the $context variables of a gateway response
// template (the part of VTL gateway responses use); anything else is kept
// as written, as VTL prints references it cannot resolve.
func renderTemplate(tmpl string, rc *reqCtx) string {
	vars := contextVars(rc)
	var b strings.Builder
	for {
		loc := findContextRef(tmpl)
		if loc == nil {
			b.WriteString(tmpl)
			return b.String()
		}
		start, end, name := loc[0], loc[1], tmpl[loc[2]:loc[3]]
		v, ok := vars[name]
		b.WriteString(tmpl[:start])
		if ok {
			b.WriteString(v)
		} else {
			b.WriteString(tmpl[start:end])
		}
		tmpl = tmpl[end:]
	}
}

// findContextRef finds the next $context.a.b or ${context.a.b}: [start, end,
// nameStart, nameEnd].
func findContextRef(s string) []int {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		j := i + 1
		braced := j < len(s) && s[j] == '{'
		if braced {
			j++
		}
		if !strings.HasPrefix(s[j:], "context.") {
			continue
		}
		ns := j + len("context.")
		k := ns
		for k < len(s) && (isIdent(s[k]) || s[k] == '.' && k+1 < len(s) && isIdent(s[k+1])) {
			k++
		}
		if k == ns {
			continue
		}
		end := k
		if braced {
			if k >= len(s) || s[k] != '}' {
				continue
			}
			end = k + 1
		}
		return []int{i, end, ns, k}
	}
	return nil
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func contextVars(rc *reqCtx) map[string]string {
	return map[string]string{
		"requestId":           rc.requestID,
		"extendedRequestId":   rc.requestID,
		"error.message":       rc.errorMessage,
		"error.messageString": jsonString(rc.errorMessage),
		"error.responseType":  rc.responseType,
		"stage":               rc.stage,
		"apiId":               rc.apiID,
		"httpMethod":          rc.method,
		"path":                "/" + rc.stage + rc.path,
		"resourcePath":        rc.resourcePath,
		"domainName":          rc.domainName,
		"accountId":           LocalAccountID,
		"requestTime":         rc.requestTime.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		"requestTimeEpoch":    strconv.FormatInt(rc.requestTime.UnixMilli(), 10),
	}
}

// mappingValue evaluates a gateway response header mapping expression:
// 'literal', context.requestId, method.request.header.Name.
func mappingValue(expr string, rc *reqCtx) (string, bool) {
	expr = strings.TrimSpace(expr)
	if len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'' {
		return expr[1 : len(expr)-1], true
	}
	if name, ok := strings.CutPrefix(expr, "context."); ok {
		v, ok := contextVars(rc)[name]
		return v, ok
	}
	if name, ok := strings.CutPrefix(expr, "method.request.header."); ok {
		v := rc.header.Get(name)
		return v, v != ""
	}
	return "", false
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// newUUID is a random (version 4) UUID, the form of API Gateway's request ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
