// Package filesapi is the HTTP side of Flux's file storage (shared/files):
// one handler per route, each its own Lambda function
// (functions/rest-files-*), built by NewFromEnv with only the clients that
// route needs. The handlers translate HTTP to files.Service and back.
package filesapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/files"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
)

// Route names one endpoint (and its function).
type Route string

// The routes, as API Gateway declares them (seed 004's paths).
const (
	UploadURL   Route = "POST /api/v1/files/upload-url"
	Confirm     Route = "POST /api/v1/files/{id}/confirm"
	DownloadURL Route = "GET /api/v1/files/{id}/download-url"
	Get         Route = "GET /api/v1/files/{id}"
	List        Route = "GET /api/v1/files"
	Delete      Route = "DELETE /api/v1/files/{id}"
)

// Routes is every route, in the order of the seed.
var Routes = []Route{UploadURL, Confirm, DownloadURL, Get, List, Delete}

// FileJSON is a file's metadata as the API answers it.
type FileJSON struct {
	ID             string  `json:"id"`
	TenantID       string  `json:"tenantId"`
	FileName       string  `json:"fileName"`
	MimeType       string  `json:"mimeType"`
	SizeBytes      int64   `json:"sizeBytes"`
	Status         string  `json:"status"`
	ChecksumSHA256 *string `json:"checksumSha256"`
	EntityName     *string `json:"entityName"`
	EntityID       *string `json:"entityId"`
	FieldName      *string `json:"fieldName"`
	CreatedBy      string  `json:"createdBy"`
	CreatedAt      string  `json:"createdAt"`
	ConfirmedAt    *string `json:"confirmedAt"`
}

// UploadJSON is the upload-url answer: seed 004's fileId, uploadUrl and
// expiresAt, plus the method and the headers the PUT must carry (they are
// signed; Content-Length is the declared size).
type UploadJSON struct {
	FileID        string            `json:"fileId"`
	UploadURL     string            `json:"uploadUrl"`
	UploadMethod  string            `json:"uploadMethod"`
	UploadHeaders map[string]string `json:"uploadHeaders"`
	ExpiresAt     string            `json:"expiresAt"`
	File          FileJSON          `json:"file"`
}

// DownloadJSON is the download-url answer (seed 004).
type DownloadJSON struct {
	URL       string `json:"url"`
	FileName  string `json:"fileName"`
	MimeType  string `json:"mimeType"`
	SizeBytes int64  `json:"sizeBytes"`
	ExpiresAt string `json:"expiresAt"`
}

// ListJSON is a page of the list.
type ListJSON struct {
	Files      []FileJSON `json:"files"`
	NextCursor *string    `json:"nextCursor"`
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ToJSON is f as the API answers it.
func ToJSON(f files.File) FileJSON {
	out := FileJSON{
		ID: f.ID, TenantID: f.TenantID, FileName: f.Name, MimeType: f.ContentType, SizeBytes: f.Size,
		Status: string(f.Status), ChecksumSHA256: opt(f.ChecksumSHA256),
		EntityName: opt(f.EntityName), EntityID: opt(f.EntityID), FieldName: opt(f.FieldName),
		CreatedBy: f.CreatedBy, CreatedAt: stamp(f.CreatedAt),
	}
	if f.ConfirmedAt != nil {
		out.ConfirmedAt = opt(stamp(*f.ConfirmedAt))
	}
	return out
}

// answer handles one request: the result's JSON with status, or an error.
type answer func(ctx context.Context, r *http.Request) (status int, body any, err error)

// NewHandler is the handler of route over svc. The routes that change
// anything (upload-url, confirm, delete) write an audit entry per call to
// rec (success, failure or denied); nil records nothing.
func NewHandler(log *slog.Logger, route Route, svc *files.Service, rec audit.Recorder) http.Handler {
	serve := func(log *slog.Logger, route Route, scope auth.Scope, fn answer) http.Handler {
		if action, ok := auditedRoutes[route]; ok {
			return serveAudited(log, route, scope, fn, rec, action)
		}
		return serveRoute(log, route, scope, fn, nil)
	}
	switch route {
	case UploadURL:
		return serve(log, route, files.ScopeWrite, func(ctx context.Context, r *http.Request) (int, any, error) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					return 0, nil, errTooLarge
				}
				return 0, nil, platform.Wrap(platform.KindValidation, "the request body could not be read", err)
			}
			req, err := ParseUploadRequest(body)
			if err != nil {
				return 0, nil, err
			}
			up, err := svc.RequestUpload(ctx, req)
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, UploadJSON{
				FileID: up.File.ID, UploadURL: up.Upload.URL, UploadMethod: up.Upload.Method,
				UploadHeaders: up.Upload.Headers, ExpiresAt: stamp(up.Upload.ExpiresAt), File: ToJSON(up.File),
			}, nil
		})
	case Confirm:
		return serve(log, route, files.ScopeWrite, func(ctx context.Context, r *http.Request) (int, any, error) {
			f, err := svc.Confirm(ctx, r.PathValue("id"))
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, ToJSON(f), nil
		})
	case DownloadURL:
		return serve(log, route, files.ScopeRead, func(ctx context.Context, r *http.Request) (int, any, error) {
			d, err := svc.DownloadURL(ctx, r.PathValue("id"))
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, DownloadJSON{
				URL: d.Download.URL, FileName: d.File.Name, MimeType: d.File.ContentType,
				SizeBytes: d.File.Size, ExpiresAt: stamp(d.Download.ExpiresAt),
			}, nil
		})
	case Get:
		return serve(log, route, files.ScopeRead, func(ctx context.Context, r *http.Request) (int, any, error) {
			f, err := svc.Get(ctx, r.PathValue("id"))
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, ToJSON(f), nil
		})
	case List:
		return serve(log, route, files.ScopeRead, func(ctx context.Context, r *http.Request) (int, any, error) {
			q, err := ParseListQuery(r.URL.RawQuery)
			if err != nil {
				return 0, nil, err
			}
			fs, next, err := svc.List(ctx, q)
			if err != nil {
				return 0, nil, err
			}
			out := ListJSON{Files: make([]FileJSON, 0, len(fs)), NextCursor: opt(next)}
			for _, f := range fs {
				out.Files = append(out.Files, ToJSON(f))
			}
			return http.StatusOK, out, nil
		})
	case Delete:
		return serve(log, route, files.ScopeWrite, func(ctx context.Context, r *http.Request) (int, any, error) {
			if err := svc.Delete(ctx, r.PathValue("id")); err != nil {
				return 0, nil, err
			}
			return http.StatusNoContent, nil, nil
		})
	}
	panic("filesapi: unknown route " + string(route))
}

// errTooLarge is an over-long body: 413 in the API's format.
var errTooLarge = platform.E(platform.KindValidation, "the request body is larger than 16384 bytes")

// serve answers route with fn. The scope is checked before anything of the
// request is read, so a caller without it learns nothing about its input.
func serveRoute(log *slog.Logger, route Route, scope auth.Scope, fn answer, done func(context.Context, *http.Request, any, error)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(string(route), func(w http.ResponseWriter, r *http.Request) {
		ctx := auth.WithIdentity(r.Context(), auth.FromHTTPRequest(r))
		if err := auth.IdentityFrom(ctx).Require(scope); err != nil {
			if done != nil {
				done(ctx, r, nil, err)
			}
			platform.WriteError(ctx, w, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		status, body, err := fn(ctx, r.WithContext(ctx))
		if done != nil {
			done(ctx, r, body, err)
		}
		if err != nil {
			writeError(ctx, w, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if body == nil {
			w.WriteHeader(status)
			return
		}
		platform.WriteJSON(ctx, w, status, body)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		platform.WriteError(r.Context(), w, platform.E(platform.KindNotFound, "not found"))
	})
	return platform.Edge(log, mux)
}

// writeError answers err in the API's format: a query parameter error is
// 400 and an over-long body 413 (both VALIDATION_ERROR); everything else
// has its kind's status (a body that fails validation is 422).
func writeError(ctx context.Context, w http.ResponseWriter, err error) {
	var pe *ParamError
	switch {
	case errors.As(err, &pe):
		writeStatus(ctx, w, http.StatusBadRequest, pe.Err.Message)
	case errors.Is(err, errTooLarge):
		writeStatus(ctx, w, http.StatusRequestEntityTooLarge, errTooLarge.Message)
	default:
		platform.WriteError(ctx, w, err)
	}
}

func writeStatus(ctx context.Context, w http.ResponseWriter, status int, msg string) {
	platform.Log(ctx).Info("request failed", "kind", platform.KindValidation.String(), "status", status, "error", msg)
	platform.WriteJSON(ctx, w, status, platform.ErrorBody{Errors: []platform.ErrorEntry{{
		Message:    msg,
		Extensions: platform.ErrorExtensions{Code: platform.KindValidation.Code(), StatusCode: status},
	}}})
}

// Config is a files function's typed configuration.
type Config struct {
	Table  string // TABLE_NAME
	Bucket string // BUCKET_NAME (not read by get and list, which never touch S3)
}

// needsBucket reports whether route's function reads BUCKET_NAME.
func needsBucket(route Route) bool { return route != Get && route != List }

// LoadConfig reads route's function's environment, failing fast on a
// missing variable.
func LoadConfig(env *platform.Env, route Route) (Config, error) {
	c := Config{Table: env.String("TABLE_NAME")}
	if needsBucket(route) {
		c.Bucket = env.String("BUCKET_NAME")
	}
	return c, env.Err()
}

// NewFromEnv is the one wiring of a functions/rest-files-* function and of
// the local stack: the table, and the bucket for the routes that sign or
// touch objects.
func NewFromEnv(route Route, env *platform.Env, awsCfg aws.Config, log *slog.Logger) (http.Handler, error) {
	c, err := LoadConfig(env, route)
	if err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), c.Table)
	svc := &files.Service{Store: st}
	if needsBucket(route) {
		svc.Objects = files.NewS3Objects(s3.NewFromConfig(awsCfg), c.Bucket)
	}
	return NewHandler(log, route, svc, store.NewAuditLog(st, env)), nil
}

// NewReader is the Service the direct writes' uploadFile needs:
// ConfirmedDownload(ctx, tenantID, fileID) gives a confirmed file's
// metadata and a presigned GET URL valid for files.DownloadURLExpiry. Its
// function needs dynamodb:GetItem on the table and s3:GetObject on
// ${FilesBucket.Arn}/tenants/*/files/* (the signature is the function's).
func NewReader(awsCfg aws.Config, table, bucket string) *files.Service {
	return &files.Service{
		Store:   store.New(dynamodb.NewFromConfig(awsCfg), table),
		Objects: files.NewS3Objects(s3.NewFromConfig(awsCfg), bucket),
	}
}

// Audit actions of the routes that change files.
const (
	ActionFileUpload  = "file.requestUpload"
	ActionFileConfirm = "file.confirm"
	ActionFileDelete  = "file.delete"
	ResourceFile      = "file"
)

var auditedRoutes = map[Route]string{UploadURL: ActionFileUpload, Confirm: ActionFileConfirm, Delete: ActionFileDelete}

// serveAudited is serveRoute writing one audit entry per call: the file id
// (from the path, or the new file's), the result, and on success the
// file's name, type and size.
func serveAudited(log *slog.Logger, route Route, scope auth.Scope, fn answer, rec audit.Recorder, action string) http.Handler {
	return serveRoute(log, route, scope, fn, func(ctx context.Context, r *http.Request, body any, err error) {
		e := audit.Entry{Action: action, ResourceType: ResourceFile, ResourceID: r.PathValue("id"),
			Result: audit.ResultOf(err), Detail: audit.DetailOf(err)}
		var f *FileJSON
		switch b := body.(type) {
		case UploadJSON:
			e.ResourceID, f = b.FileID, &b.File
		case FileJSON:
			f = &b
		}
		if f != nil && err == nil {
			e.Detail = fmt.Sprintf("%s (%s, %d bytes)", f.FileName, f.MimeType, f.SizeBytes)
		}
		audit.Write(ctx, rec, e)
	})
}
