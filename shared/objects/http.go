package objects

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
)

// The routes.
const (
	HistoryPath = "/api/object-history"
	DiffPath    = "/api/object-diff"
)

// NewHistoryHandler is GET /api/object-history (scope sync:read) over s.
func NewHistoryHandler(log *slog.Logger, s *Service) http.Handler {
	return route(log, HistoryPath, func(ctx context.Context, raw string) (any, error) {
		q, err := ParseHistoryQuery(raw)
		if err != nil {
			return nil, err
		}
		return s.History(ctx, q)
	})
}

// NewDiffHandler is GET /api/object-diff (scope sync:read) over s.
func NewDiffHandler(log *slog.Logger, s *Service) http.Handler {
	return route(log, DiffPath, func(ctx context.Context, raw string) (any, error) {
		q, err := ParseDiffQuery(raw)
		if err != nil {
			return nil, err
		}
		return s.Diff(ctx, q)
	})
}

// route serves GET path with answer(raw query). The scope is checked before
// the query is parsed, so a caller without it learns nothing about the
// parameters.
func route(log *slog.Logger, path string, answer func(ctx context.Context, rawQuery string) (any, error)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		ctx := auth.WithIdentity(r.Context(), auth.FromHTTPRequest(r))
		if _, err := caller(ctx); err != nil {
			writeError(ctx, w, err)
			return
		}
		res, err := answer(ctx, r.URL.RawQuery)
		if err != nil {
			writeError(ctx, w, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		platform.WriteJSON(ctx, w, http.StatusOK, res)
	})
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET")
		writeStatus(r.Context(), w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed; use GET")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		platform.WriteError(r.Context(), w, platform.E(platform.KindNotFound, "not found"))
	})
	return platform.Edge(log, mux)
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

// Config is the functions' typed configuration.
type Config struct {
	Table  string // TABLE_NAME
	Bucket string // BUCKET_NAME: large version bodies (diff only)
}

// LoadHistoryConfig reads rest-object-history's environment.
func LoadHistoryConfig(env *platform.Env) (Config, error) {
	c := Config{Table: env.String("TABLE_NAME")}
	return c, env.Err()
}

// LoadDiffConfig reads rest-object-diff's environment.
func LoadDiffConfig(env *platform.Env) (Config, error) {
	c := Config{Table: env.String("TABLE_NAME"), Bucket: env.String("BUCKET_NAME")}
	return c, env.Err()
}

// NewHistoryFromEnv is the one wiring of functions/rest-object-history and
// the local stack: the table only (history never reads bodies).
func NewHistoryFromEnv(env *platform.Env, awsCfg aws.Config, log *slog.Logger) (http.Handler, error) {
	c, err := LoadHistoryConfig(env)
	if err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), c.Table)
	return NewHistoryHandler(log, &Service{Groups: st, Versions: st}), nil
}

// NewDiffFromEnv is the one wiring of functions/rest-object-diff and the
// local stack: the table, and the bucket for bodies over the inline limit.
func NewDiffFromEnv(env *platform.Env, awsCfg aws.Config, log *slog.Logger) (http.Handler, error) {
	c, err := LoadDiffConfig(env)
	if err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), c.Table)
	blobs := blobstore.S3{Client: s3.NewFromConfig(awsCfg), Bucket: c.Bucket}
	return NewDiffHandler(log, &Service{Groups: st, Versions: st, Blobs: blobs}), nil
}
