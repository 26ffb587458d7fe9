package platform

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/oklog/ulid/v2"
)

// RequestIDHeader is on every response.
const RequestIDHeader = "X-Request-ID"

// ErrorExtensions is the extensions object of the API's error format (seed 001).
type ErrorExtensions struct {
	Code       string `json:"code"`
	StatusCode int    `json:"statusCode"`
	Path       []any  `json:"path,omitempty"`
}

// ErrorEntry is one entry of errors[].
type ErrorEntry struct {
	Message    string          `json:"message"`
	Path       []any           `json:"path,omitempty"`
	Extensions ErrorExtensions `json:"extensions"`
}

// ErrorBody is the body of a failed REST request (and of API Gateway's own
// denials): {"errors":[{"message":..,"extensions":{"code":..,"statusCode":..}}]}.
type ErrorBody struct {
	Errors []ErrorEntry `json:"errors"`
}

// NewErrorEntry formats one error for a client: a classified message, never
// internal text.
func NewErrorEntry(err error) ErrorEntry {
	k := KindOf(err)
	return ErrorEntry{
		Message:    PublicMessage(err),
		Extensions: ErrorExtensions{Code: k.Code(), StatusCode: k.HTTPStatus()},
	}
}

// WriteJSON writes v with status. Encoding failures are logged: the status is
// already on the wire.
func WriteJSON(ctx context.Context, w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		Log(ctx).Warn("write response", "error", err)
	}
}

// WriteError logs err once, at the edge, and answers in the API's format.
func WriteError(ctx context.Context, w http.ResponseWriter, err error) {
	k := KindOf(err)
	level := slog.LevelInfo
	if k == KindInternal || k == KindUnavailable {
		level = slog.LevelError
	}
	Log(ctx).Log(ctx, level, "request failed", "kind", k.String(), "error", err.Error())
	WriteJSON(ctx, w, k.HTTPStatus(), ErrorBody{Errors: []ErrorEntry{NewErrorEntry(err)}})
}

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)

// NewRequestID makes an id for a request that arrived without one.
func NewRequestID() string {
	return "req_" + ulid.MustNew(ulid.Timestamp(time.Now()), rand.Reader).String()
}

// requestIDOf prefers API Gateway's request id, so our logs and the
// gateway's access logs agree; then a well-formed incoming header; then a new id.
func requestIDOf(r *http.Request) string {
	if gw, ok := core.GetAPIGatewayContextFromContext(r.Context()); ok && gw.RequestID != "" {
		return gw.RequestID
	}
	if id := r.Header.Get(RequestIDHeader); safeRequestID.MatchString(id) {
		return id
	}
	return NewRequestID()
}

// Edge wraps every HTTP handler: request id in the context, logs and the
// response header, a status code even when the handler panics.
func Edge(base *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestIDOf(r)
		ctx := WithRequestID(r.Context(), base, id)
		w.Header().Set(RequestIDHeader, id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				Log(ctx).Error("handler panic", "panic", p)
				if !sw.wrote {
					WriteError(ctx, sw, E(KindInternal, "internal error"))
				}
			}
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
		if !sw.wrote {
			// A handler that wrote nothing still answers.
			sw.WriteHeader(http.StatusNoContent)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	wrote bool
}

func (s *statusWriter) WriteHeader(code int) {
	s.wrote = true
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// LimitBody caps the request body; reading past it fails, which handlers
// answer as a validation error.
func LimitBody(w http.ResponseWriter, r *http.Request, max int64) {
	r.Body = http.MaxBytesReader(w, r.Body, max)
}
