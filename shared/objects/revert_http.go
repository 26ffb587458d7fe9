package objects

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores/storestokens"
	"github.com/flux-platform/flux/shared/syncworker"
)

// RevertPath is the route of the revert endpoint.
const RevertPath = "/api/object-revert"

// NewRevertHandler is POST /api/object-revert (scope releases:deploy). The
// scope is checked before the body is read; a missing scope is audited as
// denied.
func NewRevertHandler(log *slog.Logger, r *Reverter) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+RevertPath, func(w http.ResponseWriter, req *http.Request) {
		ctx := auth.WithIdentity(req.Context(), auth.FromHTTPRequest(req))
		if err := auth.IdentityFrom(ctx).Require(RevertScope); err != nil {
			r.record(ctx, revertInput{}, RevertResult{}, err)
			platform.WriteError(ctx, w, err)
			return
		}
		in, err := ParseRevertRequest(http.MaxBytesReader(w, req.Body, MaxRevertBody))
		if err != nil {
			r.record(ctx, in, RevertResult{}, err)
			platform.WriteError(ctx, w, err)
			return
		}
		res, err := r.Revert(ctx, in)
		if err != nil {
			platform.WriteError(ctx, w, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		platform.WriteJSON(ctx, w, http.StatusOK, res)
	})
	mux.HandleFunc(RevertPath, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Allow", "POST")
		writeStatus(req.Context(), w, http.StatusMethodNotAllowed, "method "+req.Method+" is not allowed; use POST")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		platform.WriteError(req.Context(), w, platform.E(platform.KindNotFound, "not found"))
	})
	return platform.Edge(log, mux)
}

// NewReverter wires a Reverter on the table, the blob bucket, a Shopify
// client source (stores.Connector) and an audit recorder.
func NewReverter(st *store.Store, blobs store.Blobs, shops Shops, rec audit.Recorder) *Reverter {
	return &Reverter{
		Groups: st, Store: st, Blobs: blobs, Shops: shops, Audit: rec,
		Writer: func(c *shopify.Client, tenantID string) ShopWriter {
			w := shopwrite.New(c, st, tenantID)
			// A theme version lists its files' checksums; a THEME sync
			// stored their bodies under them.
			w.ThemeFiles = func(ctx context.Context, sum string) ([]byte, error) {
				return blobs.Get(ctx, syncworker.ThemeFileKey(tenantID, sum))
			}
			return w
		},
		Capturer: func(tenantID, shop, syncID string) ObjectCapturer {
			return ingest.New(st, blobs, tenantID, shop, syncID)
		},
	}
}

// LoadRevertConfig reads rest-object-revert's environment (the Shopify
// client's and tokens' settings are read by storestokens).
func LoadRevertConfig(env *platform.Env) (Config, error) {
	c := Config{Table: env.String("TABLE_NAME"), Bucket: env.String("BUCKET_NAME")}
	return c, env.Err()
}

// NewRevertFromEnv is the one wiring of functions/rest-object-revert and
// the local stack: the table, the bucket (large bodies), the shops' tokens
// (readSecret reads the app secret for token refreshes) and the audit log.
func NewRevertFromEnv(ctx context.Context, env *platform.Env, awsCfg aws.Config,
	readSecret func(ctx context.Context, name string) (string, error), log *slog.Logger) (http.Handler, error) {
	c, err := LoadRevertConfig(env)
	if err != nil {
		return nil, err
	}
	conn, st, err := storestokens.NewConnector(ctx, env, awsCfg, readSecret, log, "flux-revert")
	if err != nil {
		return nil, err
	}
	rec := store.NewAuditLog(st, env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	blobs := blobstore.S3{Client: s3.NewFromConfig(awsCfg), Bucket: c.Bucket}
	return NewRevertHandler(log, NewReverter(st, blobs, conn, rec)), nil
}
