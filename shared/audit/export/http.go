// Package export answers GET /api/audit-export (functions/rest-audit-export):
// the caller's tenant's audit entries in a time range, filtered, as an
// RFC 4180 CSV, oldest first, in pages a client follows through the
// `Link: <…>; rel="next"` header (and X-Flux-Next-Cursor).
//
// Rows are encoded page by page as each DynamoDB Query returns, so memory
// is bounded by the body cap, never by the size of the log. The body is
// capped (MaxBody, 5 MiB: Lambda answers at most 6 MB and API Gateway REST
// buffers the whole response) and cut at a row boundary; the next-page
// link is a header, so the body is held until the stopping point is known
// (headers precede the body), then written at once.
package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
)

// Path is the route.
const Path = "/api/audit-export"

// Scope is the scope the export requires.
const Scope = auth.ScopeAuditRead

// Defaults of the handler.
const (
	// DefaultMaxBody caps the CSV body: below Lambda's 6 MB response
	// limit with room for headers and the proxy's encoding.
	DefaultMaxBody = 5 << 20
	// DefaultBudget bounds the time spent reading one page of the export
	// (filters may read many items that do not match), well inside the
	// function's 29 s API Gateway integration timeout.
	DefaultBudget = 20 * time.Second
	// PageSize is the number of items one Query reads (before filtering).
	PageSize = 500
	// Header names of the next page.
	NextCursorHeader = "X-Flux-Next-Cursor"
)

// Entries is what the export reads (*store.Store, pattern A2).
type Entries interface {
	QueryAudit(ctx context.Context, tenantID string, f audit.Filter, after *audit.Position, limit int) ([]audit.Entry, *audit.Position, error)
}

var _ Entries = (*store.Store)(nil)

// Handler is GET /api/audit-export.
type Handler struct {
	Entries Entries
	// MaxBody caps the body (DefaultMaxBody when 0); Budget the reading
	// time (DefaultBudget when 0).
	MaxBody int
	Budget  time.Duration
	Now     func() time.Time
}

// NewHandler is the export's http.Handler: the route, 405 for other
// methods, the edge (request id, logs, panics).
func NewHandler(log *slog.Logger, h *Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, h)
	mux.HandleFunc(Path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET")
		writeStatus(r.Context(), w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed; use GET")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		platform.WriteError(r.Context(), w, platform.E(platform.KindNotFound, "not found"))
	})
	return platform.Edge(log, mux)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// ServeHTTP checks the scope before it parses anything, so a caller
// without audit:read learns nothing about the parameters; the tenant is
// the caller's, from the authorizer, and nothing else.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := auth.FromHTTPRequest(r)
	ctx := auth.WithIdentity(r.Context(), id)
	if err := id.Require(Scope); err != nil {
		writeError(ctx, w, err)
		return
	}
	q, err := ParseQuery(r.URL.RawQuery, h.now())
	if err != nil {
		writeError(ctx, w, err)
		return
	}
	body, next, rows, err := h.read(ctx, id.TenantID, q)
	if err != nil {
		writeError(ctx, w, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="flux-audit-%s-%s.csv"`,
		q.From.Format("20060102T150405Z"), q.To.Format("20060102T150405Z")))
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	if next != nil {
		// A reference relative to the request's own URL: it resolves under
		// any stage or custom-domain base path.
		hd.Set("Link", "<audit-export?"+nextQuery(q, *next)+`>; rel="next"`)
		hd.Set(NextCursorHeader, EncodeCursor(*next))
	}
	platform.Log(ctx).Info("audit export", "rows", rows, "bytes", len(body), "more", next != nil)
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(body); err != nil {
		platform.Log(ctx).Warn("write audit export", "error", err)
	}
}

// read encodes the header and the entries of q, one Query page at a time,
// until the range is exhausted (next nil), the body would pass MaxBody
// (next = the last row written) or the budget is spent (next = the last
// item read).
func (h *Handler) read(ctx context.Context, tenantID string, q Query) (body []byte, next *audit.Position, rows int, err error) {
	maxBody := h.MaxBody
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	budget := h.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	deadline := h.now().Add(budget)
	enc := NewEncoder()
	var buf bytes.Buffer
	head, err := enc.Encode(Header)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("encode csv header: %w", err)
	}
	buf.Write(head)
	after := q.After
	for {
		entries, more, err := h.Entries.QueryAudit(ctx, tenantID, q.Filter, after, PageSize)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("audit export page: %w", err)
		}
		for _, e := range entries {
			row, err := enc.Encode(Row(e))
			if err != nil {
				return nil, nil, 0, fmt.Errorf("encode audit entry %s: %w", e.ID, err)
			}
			if buf.Len()+len(row) > maxBody {
				if rows == 0 {
					// One row larger than the cap cannot happen (an entry's
					// fields are bounded far below it); refuse rather than loop.
					return nil, nil, 0, errors.New("audit export: one row exceeds the body cap")
				}
				return buf.Bytes(), after, rows, nil
			}
			buf.Write(row)
			rows++
			after = &audit.Position{At: e.At, ID: e.ID}
		}
		if more == nil {
			return buf.Bytes(), nil, rows, nil
		}
		after = more
		if !h.now().Before(deadline) {
			return buf.Bytes(), after, rows, nil
		}
	}
}

// writeError answers err in the API's format; a query parameter error is
// 400 (the request is malformed), everything else has its kind's status.
func writeError(ctx context.Context, w http.ResponseWriter, err error) {
	var pe *ParamError
	if errors.As(err, &pe) {
		platform.Log(ctx).Info("request failed", "kind", platform.KindValidation.String(), "error", err.Error())
		writeStatus(ctx, w, http.StatusBadRequest, pe.Err.Message)
		return
	}
	platform.WriteError(ctx, w, err)
}

func writeStatus(ctx context.Context, w http.ResponseWriter, status int, msg string) {
	platform.WriteJSON(ctx, w, status, platform.ErrorBody{Errors: []platform.ErrorEntry{{
		Message:    msg,
		Extensions: platform.ErrorExtensions{Code: platform.KindValidation.Code(), StatusCode: status},
	}}})
}

// Config is functions/rest-audit-export's typed configuration.
type Config struct {
	Table   string // TABLE_NAME
	MaxBody int    // AUDIT_EXPORT_MAX_BYTES (default 5 MiB; 1 KiB..5 MiB)
}

// LoadConfig reads the function's environment, every problem at once.
func LoadConfig(env *platform.Env) (Config, error) {
	c := Config{Table: env.String("TABLE_NAME"), MaxBody: env.Int("AUDIT_EXPORT_MAX_BYTES", DefaultMaxBody)}
	if err := env.Err(); err != nil {
		return Config{}, err
	}
	if c.MaxBody < 1024 || c.MaxBody > DefaultMaxBody {
		return Config{}, fmt.Errorf("configuration: AUDIT_EXPORT_MAX_BYTES must be between 1024 and %d", DefaultMaxBody)
	}
	return c, nil
}

// NewFromEnv is the one wiring of functions/rest-audit-export and the
// local stack: the table, read with Query only.
func NewFromEnv(env *platform.Env, awsCfg aws.Config, log *slog.Logger) (http.Handler, error) {
	c, err := LoadConfig(env)
	if err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), c.Table)
	return NewHandler(log, &Handler{Entries: st, MaxBody: c.MaxBody}), nil
}
