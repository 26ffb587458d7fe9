package graphql

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	graphqlgo "github.com/graph-gophers/graphql-go"
	gqlast "github.com/vektah/gqlparser/v2/ast"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
)

// Routes served by the gateway.
const (
	PathGraphQL = "/api/graphql"
	PathSDL     = "/api/graphql/schema.graphql"
)

// Defaults of Options' limits.
const (
	DefaultMaxBodyBytes   = 256 << 10
	DefaultMaxQueryLength = 32 << 10
	DefaultMaxDepth       = 10
	DefaultMaxComplexity  = 500
	DefaultMaxAliases     = 30
)

// Options configure the gateway. Zero limits take their defaults.
type Options struct {
	// Transport delivers group calls: rpc.LambdaInvoke in AWS, rpc.InProcess
	// in the local stack and tests.
	Transport rpc.Transport
	// Log is the base logger; slog.Default() when nil.
	Log *slog.Logger

	// MaxBodyBytes caps the POST body (query, variables and all); more is
	// 413 VALIDATION_ERROR.
	MaxBodyBytes int64
	// MaxQueryLength caps the query text in bytes.
	MaxQueryLength int
	// MaxDepth caps field nesting; a root field is at depth 1.
	MaxDepth int
	// MaxComplexity caps the number of selected fields, counted after
	// fragments are expanded.
	MaxComplexity int
	// MaxAliases caps aliased fields, counted after fragments are expanded.
	MaxAliases int
}

func (o *Options) defaults() {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxQueryLength <= 0 {
		o.MaxQueryLength = DefaultMaxQueryLength
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxComplexity <= 0 {
		o.MaxComplexity = DefaultMaxComplexity
	}
	if o.MaxAliases <= 0 {
		o.MaxAliases = DefaultMaxAliases
	}
}

type gateway struct {
	schema    *graphqlgo.Schema
	validator *gqlast.Schema
	sdl       string
	limits    limits
	maxBody   int64
	admitted  *admissionCache
}

// NewHandler is the gateway's HTTP handler, wrapped with platform.Edge:
//
//	POST /api/graphql                 execute (application/json or application/graphql)
//	GET  /api/graphql                 the GraphiQL playground
//	GET  /api/graphql/schema.graphql  the SDL, text/plain
//
// The caller is the authorizer's identity (auth.FromHTTPRequest); POST without
// one is 401. The playground and the SDL are public documentation.
func NewHandler(opts Options) (http.Handler, error) {
	if opts.Transport == nil {
		return nil, errors.New("graphql: Options.Transport is required")
	}
	opts.defaults()
	loaded, err := loadSchema()
	if err != nil {
		return nil, err
	}
	schema, err := graphqlgo.ParseSchema(loaded.sdl, newRootResolver(opts.Transport),
		graphqlgo.UseFieldResolvers(),
		graphqlgo.MaxQueryLength(opts.MaxQueryLength),
		// A backstop behind the gateway's own complexity limit.
		graphqlgo.MaxSelections(opts.MaxComplexity*4),
		// Depth is the gateway's own check: graphql-go's MaxDepth would count
		// the introspection ofType chain and reject the playground's query.
		graphqlgo.PanicHandler(panicHandler{}),
		graphqlgo.Logger(panicLogger{}),
	)
	if err != nil {
		return nil, fmt.Errorf("graphql: parse schema: %w", err)
	}
	g := &gateway{
		schema:    schema,
		validator: loaded.ast,
		sdl:       "# Flux GraphQL API (merged from shared/graphql/schema/*.graphql)\n\n" + loaded.sdl,
		limits: limits{
			queryLength: opts.MaxQueryLength,
			depth:       opts.MaxDepth,
			complexity:  opts.MaxComplexity,
			aliases:     opts.MaxAliases,
		},
		maxBody:  opts.MaxBodyBytes,
		admitted: &admissionCache{},
	}
	return platform.Edge(opts.Log, g), nil
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	switch path {
	case PathGraphQL:
		switch r.Method {
		case http.MethodPost:
			g.serveGraphQL(w, r)
		case http.MethodGet, http.MethodHead:
			servePlayground(w, r)
		default:
			methodNotAllowed(w, r, "GET, HEAD, POST")
		}
	case PathSDL:
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			g.serveSDL(w, r)
		default:
			methodNotAllowed(w, r, "GET, HEAD")
		}
	default:
		writeRequestError(r.Context(), w, reject(http.StatusNotFound, platform.KindNotFound, "no such endpoint"))
	}
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeRequestError(r.Context(), w, reject(http.StatusMethodNotAllowed, platform.KindValidation,
		fmt.Sprintf("method %s is not allowed; use %s", r.Method, allow)))
}

func (g *gateway) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	caller := auth.FromHTTPRequest(r)
	if caller.TenantID == "" {
		writeRequestError(ctx, w, reject(http.StatusUnauthorized, platform.KindUnauthenticated, "authentication required"))
		return
	}
	body, rerr := readBody(w, r, g.maxBody)
	if rerr != nil {
		writeRequestError(ctx, w, rerr)
		return
	}
	req, rerr := parseRequest(r.Header.Get("Content-Type"), body)
	if rerr != nil {
		writeRequestError(ctx, w, rerr)
		return
	}
	if rerr := checkQuery(g.validator, g.admitted, req, g.limits); rerr != nil {
		writeRequestError(ctx, w, rerr)
		return
	}

	ctx = auth.WithIdentity(ctx, caller)
	resp := g.schema.Exec(ctx, req.Query, req.OperationName, req.Variables)
	if resp.Data == nil {
		// Nothing executed: the executor rejected the document (syntax,
		// validation against the schema, operation selection), or the
		// request's context ended first.
		if ctx.Err() != nil {
			writeRequestError(ctx, w, reject(platform.KindUnavailable.HTTPStatus(), platform.KindUnavailable, "request timed out"))
			return
		}
		writeRequestError(ctx, w, fromQueryErrors(resp.Errors))
		return
	}
	entries, rerr := fieldEntries(ctx, resp.Errors)
	if rerr != nil {
		writeRequestError(ctx, w, rerr)
		return
	}
	data := resp.Data
	if len(data) == 0 {
		data = nullData
	}
	platform.WriteJSON(ctx, w, http.StatusOK, response{Data: data, Errors: entries})
}

func (g *gateway) serveSDL(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="schema.graphql"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(g.sdl))
	}
}
