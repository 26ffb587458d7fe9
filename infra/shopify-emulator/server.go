// Package emulator is a local Shopify Admin API: several shops with
// deterministic demo data behind the GraphQL Admin API, calculated query cost
// with a leaky-bucket throttle, webhooks, bulk operations, OAuth and a control
// API (under /_emulator/) to reset data, inject faults and edit objects.
// See README.md.
package emulator

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

//go:embed schema.graphql
var schemaSDL string

// SDL returns the emulator's GraphQL schema.
func SDL() string { return schemaSDL }

// Demo shops and their fixed development access tokens.
const (
	SourceShop     = "demo-source.myshopify.com"
	ProductionShop = "demo-production.myshopify.com"
	SecondShop     = "second-source.myshopify.com"

	SourceToken     = "shpat_demo_source_dev_token_000000"
	ProductionToken = "shpat_demo_production_dev_token_00"
	SecondToken     = "shpat_second_source_dev_token_0000"

	// DefaultAPISecret is the app secret used to sign webhooks and OAuth hmacs.
	DefaultAPISecret = "emulator-app-secret"
	// DefaultAPIKey is the app's client id for OAuth.
	DefaultAPIKey = "emulator-app-key"
)

// Options configure a Server. Zero values take the documented defaults.
type Options struct {
	// Seed drives the demo data generator (default 1).
	Seed int64
	// SourceProducts is the number of products of the source shop (default 520).
	SourceProducts int
	// MaximumAvailable and RestoreRate size every shop's cost bucket
	// (defaults 2000 and 100, Shopify's Standard plan).
	MaximumAvailable float64
	RestoreRate      float64
	// DefaultShop answers requests that name no shop (default demo-source).
	DefaultShop string
	// APIKey and APISecret are the app's credentials (OAuth, webhook HMAC).
	APIKey    string
	APISecret string
	// Versions overrides the supported API versions (default: see SupportedVersions).
	Versions []string
	// WebhookRetries is how many times a failed webhook delivery is retried
	// (default 3; negative: never), WebhookRetryDelay the first wait (default 1s,
	// doubling each time).
	WebhookRetries    int
	WebhookRetryDelay time.Duration
	// Clock is the time source for the throttle (default time.Now).
	Clock func() time.Time
	// Logger receives request logs (default slog.Default()).
	Logger *slog.Logger
}

// Server is the emulator. It implements http.Handler.
type Server struct {
	opts      Options
	schema    *graphql.Schema
	astSchema *ast.Schema
	versions  map[string]bool

	mu          sync.RWMutex
	shops       map[string]*shopData
	buckets     map[string]*bucket
	tokens      map[string]issuedToken // tokens issued by OAuth
	restBuckets map[string]*restBucket
	oauth       *oauthState

	uploads       uploadStore
	faults        *faultSet
	deliveries    deliveryLog
	webhookClient *http.Client

	baseCtx context.Context
	cancel  context.CancelFunc
	work    chan func(context.Context)
	wg      sync.WaitGroup
}

// New builds a server with freshly seeded shops. Background work (webhook
// deliveries, bulk operations) runs until ctx is done or Close is called.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.SourceProducts == 0 {
		opts.SourceProducts = 520
	}
	if opts.MaximumAvailable == 0 {
		opts.MaximumAvailable = DefaultMaximumAvailable
	}
	if opts.RestoreRate == 0 {
		opts.RestoreRate = DefaultRestoreRate
	}
	if opts.DefaultShop == "" {
		opts.DefaultShop = SourceShop
	}
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.APISecret == "" {
		opts.APISecret = DefaultAPISecret
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.WebhookRetries == 0 {
		opts.WebhookRetries = 3
	}
	if opts.WebhookRetryDelay <= 0 {
		opts.WebhookRetryDelay = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if len(opts.Versions) == 0 {
		opts.Versions = SupportedVersions(opts.Clock())
	}
	schema, err := graphql.ParseSchema(schemaSDL, &rootResolver{}, graphql.UseFieldResolvers(), graphql.MaxDepth(20))
	if err != nil {
		return nil, fmt.Errorf("emulator schema: %w", err)
	}
	astSchema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: schemaSDL})
	if gerr != nil {
		return nil, fmt.Errorf("emulator schema (cost analysis): %w", gerr)
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Server{
		opts: opts, schema: schema, astSchema: astSchema, versions: map[string]bool{},
		faults:        newFaultSet(opts.Seed),
		webhookClient: &http.Client{Timeout: 5 * time.Second},
		baseCtx:       ctx, cancel: cancel,
		work:  make(chan func(context.Context), 256),
		oauth: newOAuthState(),
	}
	s.uploads.files = map[string]upload{}
	for _, v := range opts.Versions {
		s.versions[v] = true
	}
	s.resetAll()
	s.wg.Add(1)
	go s.worker()
	return s, nil
}

// Close stops background work (webhook deliveries, bulk operations).
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
}

func (s *Server) worker() {
	defer s.wg.Done()
	for {
		select {
		case <-s.baseCtx.Done():
			return
		case fn := <-s.work:
			fn(s.baseCtx)
		}
	}
}

// enqueue runs fn in the background worker (in order).
func (s *Server) enqueue(fn func(context.Context)) {
	select {
	case s.work <- fn:
	case <-s.baseCtx.Done():
	}
}

// SupportedVersions returns the API versions Shopify supports at t: the
// quarterly releases of the last 12 months, the current one, the next (release
// candidate) and "unstable".
func SupportedVersions(t time.Time) []string {
	t = t.UTC()
	q := (int(t.Month()) - 1) / 3
	year := t.Year()
	var out []string
	for i := -4; i <= 1; i++ {
		qq := q + i
		y := year
		for qq < 0 {
			qq += 4
			y--
		}
		for qq > 3 {
			qq -= 4
			y++
		}
		out = append(out, fmt.Sprintf("%04d-%02d", y, qq*3+1))
	}
	return append(out, "unstable")
}

// Versions lists the supported versions.
func (s *Server) Versions() []string {
	out := append([]string(nil), s.opts.Versions...)
	sort.Strings(out)
	return out
}

func (s *Server) resetAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shops = map[string]*shopData{}
	s.buckets = map[string]*bucket{}
	s.tokens = map[string]issuedToken{}
	s.restBuckets = nil
	for _, sh := range seedShops(s.opts) {
		s.shops[sh.domain] = sh
		s.buckets[sh.domain] = newBucket(s.opts.MaximumAvailable, s.opts.RestoreRate, s.opts.Clock)
	}
}

func (s *Server) resetShop(domain string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sh := range seedShops(s.opts) {
		if sh.domain == domain {
			s.shops[domain] = sh
			s.buckets[domain] = newBucket(s.opts.MaximumAvailable, s.opts.RestoreRate, s.opts.Clock)
			return true
		}
	}
	return false
}

func (s *Server) shop(domain string) *shopData {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.shops[domain]
}

func (s *Server) bucket(domain string) *bucket {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.buckets[domain]
}

// ServeHTTP routes Admin API, OAuth and control requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	shopHint := ""
	// Path prefix form: /store/<shop>/admin/... (for plain 127.0.0.1 use).
	if rest, ok := strings.CutPrefix(path, "/store/"); ok {
		shopHint, path, _ = strings.Cut(rest, "/")
		path = "/" + path
		shopHint = normalizeShop(shopHint)
	}
	switch {
	case strings.HasPrefix(path, "/_emulator/uploads/"):
		s.serveUpload(w, r, strings.TrimPrefix(path, "/_emulator/uploads/"))
	case strings.HasPrefix(path, "/_emulator/"):
		s.serveControl(w, r, strings.TrimPrefix(path, "/_emulator"))
	case path == "/admin/oauth/authorize":
		s.serveAuthorize(w, r, shopHint)
	case path == "/admin/oauth/access_token":
		s.serveAccessToken(w, r, shopHint)
	case strings.HasPrefix(path, "/admin/api/"):
		s.serveAdminAPI(w, r, strings.TrimPrefix(path, "/admin/api/"), shopHint)
	case path == "/" || path == "/healthz":
		writeJSON(w, http.StatusOK, map[string]any{"emulator": "shopify", "shops": s.shopDomains(), "versions": s.Versions()})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
	}
}

func (s *Server) shopDomains() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for d := range s.shops {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

func normalizeShop(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s != "" && !strings.Contains(s, ".") {
		s += ".myshopify.com"
	}
	return s
}

// resolveShop picks the shop a request is for: the /store/<shop> path prefix,
// else the X-Shopify-Shop-Domain header, else a <shop>.myshopify.com Host,
// else the shop whose token the request carries, else the default shop.
func (s *Server) resolveShop(r *http.Request, hint string) string {
	if hint != "" {
		return hint
	}
	if h := r.Header.Get("X-Shopify-Shop-Domain"); h != "" {
		return normalizeShop(h)
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.HasSuffix(host, ".myshopify.com") {
		return strings.ToLower(host)
	}
	if tok := r.Header.Get("X-Shopify-Access-Token"); tok != "" {
		if d := s.shopForToken(tok); d != "" {
			return d
		}
	}
	return s.opts.DefaultShop
}

func (s *Server) shopForToken(tok string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for d, sh := range s.shops {
		if sh.token == tok {
			return d
		}
	}
	if t, ok := s.tokens[tok]; ok && t.valid(s.opts.Clock()) {
		return t.shop
	}
	return ""
}

func (s *Server) tokenValid(shop, tok string) bool {
	if tok == "" {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sh := s.shops[shop]; sh != nil && sh.token == tok {
		return true
	}
	t, ok := s.tokens[tok]
	return ok && t.shop == shop && t.valid(s.opts.Clock())
}

const invalidTokenBody = `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`

func (s *Server) serveAdminAPI(w http.ResponseWriter, r *http.Request, rest, shopHint string) {
	version, endpoint, _ := strings.Cut(rest, "/")
	if endpoint == "" && version == "graphql.json" {
		// No version in the path: Shopify answers with the oldest supported one.
		version, endpoint = s.Versions()[0], "graphql.json"
	}
	if !s.versions[version] {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
		return
	}
	domain := s.resolveShop(r, shopHint)
	shop := s.shop(domain)
	if shop == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
		return
	}
	w.Header().Set("X-Shopify-API-Version", version)
	w.Header().Set("X-Request-Id", fmt.Sprintf("emul-%d", time.Now().UnixNano()))
	if !s.tokenValid(domain, r.Header.Get("X-Shopify-Access-Token")) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, invalidTokenBody)
		return
	}
	if endpoint != "graphql.json" {
		if f := s.faults.next(domain); f != nil {
			if done := s.applyFault(w, r, f, domain); done {
				return
			}
		}
		s.serveREST(w, r, shop, version, endpoint)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"errors": "Method Not Allowed"})
		return
	}
	if f := s.faults.next(domain); f != nil {
		if done := s.applyFault(w, r, f, domain); done {
			return
		}
	}
	s.serveGraphQL(w, r, shop, version)
}

// applyFault answers with the injected failure; it returns false when the
// request should then proceed normally (slow).
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault, domain string) bool {
	switch f.Kind {
	case FaultSlow:
		select {
		case <-time.After(time.Duration(f.DelayMs) * time.Millisecond):
		case <-r.Context().Done():
			return true
		}
		return false
	case Fault429:
		w.Header().Set("Retry-After", fmt.Sprintf("%.1f", f.RetryAfter))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})
	case Fault500:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"errors": "Internal Server Error"})
	case Fault502:
		writeJSON(w, http.StatusBadGateway, map[string]any{"errors": "Bad Gateway"})
	case Fault503:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"errors": "Service Unavailable"})
	case FaultThrottled:
		st := s.bucket(domain).status()
		writeJSON(w, http.StatusOK, throttledBody(0, st))
	case FaultDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	}
	return true
}

func throttledBody(requested int, st ThrottleStatus) map[string]any {
	return map[string]any{
		"errors": []any{map[string]any{
			"message": "Throttled",
			"extensions": map[string]any{
				"code":          "THROTTLED",
				"documentation": "https://shopify.dev/api/usage/rate-limits",
			},
		}},
		"extensions": map[string]any{"cost": map[string]any{
			"requestedQueryCost": requested,
			"actualQueryCost":    nil,
			"throttleStatus":     st,
		}},
	}
}

type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// MaxBodyBytes bounds a GraphQL request body.
const MaxBodyBytes = 1 << 20

func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request, shop *shopData, version string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil || len(body) > MaxBodyBytes {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"errors": "Request body too large"})
		return
	}
	var req gqlRequest
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/graphql") {
		req.Query = string(body)
	} else if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"query": "Required parameter missing or invalid"}})
		return
	}
	if strings.TrimSpace(req.Query) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"query": "Required parameter missing or invalid"}})
		return
	}
	bkt := s.bucket(shop.domain)

	// Static analysis: operation type and requested cost.
	var op *ast.OperationDefinition
	doc, gerrs := gqlparser.LoadQueryWithRules(s.astSchema, req.Query, nil)
	if len(gerrs) == 0 {
		op = pickOperation(doc, req.OperationName)
	}
	requested := 0
	if op != nil {
		requested = requestedCost(s.astSchema, op, req.Variables)
	}
	if requested > MaxQueryCost {
		writeJSON(w, http.StatusOK, map[string]any{
			"errors": []any{map[string]any{
				"message":    fmt.Sprintf("Query cost is %d, which exceeds the single query max cost limit (%d).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n", requested, MaxQueryCost),
				"extensions": map[string]any{"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MaxQueryCost},
			}},
			"extensions": map[string]any{"cost": map[string]any{"requestedQueryCost": requested, "actualQueryCost": nil, "throttleStatus": bkt.status()}},
		})
		return
	}
	ok, st := bkt.take(requested)
	if !ok {
		writeJSON(w, http.StatusOK, throttledBody(requested, st))
		return
	}

	state := &reqState{srv: s, shop: shop, baseURL: baseURL(r), apiVersion: version}
	ctx := context.WithValue(r.Context(), reqKey{}, state)
	mutation := op != nil && op.Operation == ast.Mutation
	state.scopes = s.tokenScopes(r.Header.Get("X-Shopify-Access-Token"))
	denied := deniedRootFields(op, state.scopes)
	var resp *graphql.Response
	switch {
	case mutation && len(denied) > 0:
		// Nothing runs when a mutation lacks its scope.
		resp = &graphql.Response{Data: nullDenied(nil, denied)}
	case mutation:
		shop.mu.Lock()
		resp = s.schema.Exec(ctx, req.Query, req.OperationName, req.Variables)
		shop.mu.Unlock()
	default:
		shop.mu.RLock()
		resp = s.schema.Exec(ctx, req.Query, req.OperationName, req.Variables)
		shop.mu.RUnlock()
		if len(denied) > 0 && len(resp.Errors) == 0 {
			resp.Data = nullDenied(resp.Data, denied)
		}
	}

	actual := requested
	if op != nil && len(resp.Data) > 0 {
		var data map[string]any
		if json.Unmarshal(resp.Data, &data) == nil {
			actual = actualCost(s.astSchema, op, req.Variables, data)
		}
	}
	if actual > requested {
		actual = requested
	}
	st = bkt.refund(requested - actual)

	out := map[string]any{}
	var errs []any
	if len(denied) > 0 {
		errs = accessDeniedErrors(denied)
		if mutation {
			state.events, state.bulkStarts, state.after = nil, nil, nil
		}
	}
	for _, e := range resp.Errors {
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	if resp.Data != nil {
		out["data"] = resp.Data
	}
	out["extensions"] = map[string]any{"cost": map[string]any{
		"requestedQueryCost": requested,
		"actualQueryCost":    actual,
		"throttleStatus":     st,
	}}
	writeJSON(w, http.StatusOK, out)
	s.opts.Logger.Debug("shopify-emulator graphql", "shop", shop.domain, "version", version,
		"requested", requested, "actual", actual, "available", st.CurrentlyAvailable, "errors", len(resp.Errors))

	if len(state.events) > 0 {
		events := state.events
		s.enqueue(func(ctx context.Context) { s.deliver(ctx, events) })
	}
	for _, fn := range state.after {
		fn := fn
		s.enqueue(func(context.Context) { fn() })
	}
	for _, b := range state.bulkStarts {
		b := b
		s.enqueue(func(context.Context) { s.runBulk(shop, b) })
	}
}

func pickOperation(doc *ast.QueryDocument, name string) *ast.OperationDefinition {
	if name != "" {
		return doc.Operations.ForName(name)
	}
	if len(doc.Operations) == 1 {
		return doc.Operations[0]
	}
	return nil
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // Shopify sends <, > and & as they are
	_ = enc.Encode(v)
}
