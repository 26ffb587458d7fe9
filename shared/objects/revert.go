package objects

// POST /api/object-revert: write an earlier version of one object back to
// its shop (shared/shopwrite), capture the result as the object's newest
// version, record the operation and an audit entry. See docs/api.md.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// RevertScope is the scope POST /api/object-revert requires. A revert
// pushes content to a live store outside any release's review, which is
// what releases:deploy allows (a quick deploy skips approval with it too);
// stores:write is about connecting stores, not their content.
const RevertScope = auth.ScopeReleasesDeploy

// Audit vocabulary of reverts.
const (
	ActionObjectRevert = "object.revert"
	ResourceObject     = "object"
)

// MaxRevertBody bounds a revert request's body (bytes).
const MaxRevertBody = 16 << 10

// RevertRequest is POST /api/object-revert's body.
type RevertRequest struct {
	ObjectType string `json:"objectType"`
	Canonical  string `json:"canonical"`
	Shop       string `json:"shop"`
	Version    int64  `json:"version"`
}

// revertInput is a validated RevertRequest.
type revertInput struct {
	Type      mapping.ObjectType
	Canonical string
	Shop      string
	Version   int64
}

// ParseRevertRequest reads and validates a revert body: unknown fields,
// a wrong JSON type, a missing field or an invalid value are validation
// errors naming the field.
func ParseRevertRequest(r io.Reader) (revertInput, error) {
	bad := func(msg string) (revertInput, error) { return revertInput{}, platform.E(platform.KindValidation, msg) }
	dec := json.NewDecoder(io.LimitReader(r, MaxRevertBody+1))
	dec.DisallowUnknownFields()
	var req RevertRequest
	if err := dec.Decode(&req); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return bad(fmt.Sprintf("field %s must be a %s", te.Field, jsonKind(te.Type.Kind().String())))
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return bad("unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + " (expected objectType, canonical, shop, version)")
		}
		return bad("the body must be a JSON object {objectType, canonical, shop, version}")
	}
	if dec.More() {
		return bad("the body has data after its JSON object")
	}
	if req.ObjectType == "" || req.Canonical == "" || req.Shop == "" {
		return bad("objectType, canonical and shop are required")
	}
	t, err := mapping.ParseObjectType(req.ObjectType)
	if err != nil {
		return revertInput{}, err
	}
	if err := mapping.ValidateCanonical(t, req.Canonical); err != nil {
		return revertInput{}, err
	}
	if len(req.Shop) > 255 {
		return bad("shop is too long")
	}
	if req.Version < 1 {
		return bad("version must be a version number (1 or more), as object-history lists them")
	}
	return revertInput{Type: t, Canonical: req.Canonical, Shop: req.Shop, Version: req.Version}, nil
}

func jsonKind(k string) string {
	switch k {
	case "int64", "int", "float64":
		return "number"
	}
	return k
}

// RevertResult is POST /api/object-revert's answer.
type RevertResult struct {
	Success    bool   `json:"success"`
	ObjectType string `json:"objectType"`
	Canonical  string `json:"canonical"`
	Shop       string `json:"shop"`
	// RevertedTo is the version whose content was written.
	RevertedTo int64 `json:"revertedTo"`
	// NewVersion is the object's current version after the revert: a new
	// one, unless the shop already had that content.
	NewVersion int64  `json:"newVersion"`
	ShopifyGID string `json:"shopifyGid"`
	// Action is created (the object was gone from the shop) or updated.
	Action   string   `json:"action"`
	Warnings []string `json:"warnings"`
}

// RevertStore is what a revert needs of the table (store.Store).
type RevertStore interface {
	VersionBySeq(ctx context.Context, tenantID string, t mapping.ObjectType, shop, canonical string, seq int64) (store.Version, error)
	VersionBody(ctx context.Context, blobs store.Blobs, v store.Version) ([]byte, error)
	CurrentVersion(ctx context.Context, tenantID string, t mapping.ObjectType, shop, canonical string) (store.Version, error)
	EnsureEventSync(ctx context.Context, tenantID string, t fsync.Type, at time.Time) (string, error)
	RecordOperations(ctx context.Context, tenantID, syncID string, ops []fsync.Operation) error
}

var _ RevertStore = (*store.Store)(nil)

// Shops gives Shopify clients for a tenant's shops (stores.Connector).
type Shops interface {
	Client(ctx context.Context, tenantID, domain string) (*shopify.Client, error)
}

// ShopWriter writes to one shop (*shopwrite.Writer).
type ShopWriter interface {
	WriteJSON(ctx context.Context, t mapping.ObjectType, canonical string, body []byte, opts shopwrite.Options) (shopwrite.Result, error)
}

var _ ShopWriter = (*shopwrite.Writer)(nil)

// ObjectCapturer records one object read from a shop (*ingest.Capturer).
type ObjectCapturer interface {
	Capture(ctx context.Context, obj catalog.Object, sourceAt time.Time) (ingest.Result, error)
}

var _ ObjectCapturer = (*ingest.Capturer)(nil)

// Reverter answers POST /api/object-revert.
type Reverter struct {
	Groups config.Storage
	Store  RevertStore
	Blobs  store.Blobs
	Shops  Shops
	// Writer is the writer of a shop's client for a tenant
	// (shopwrite.New on the table).
	Writer func(c *shopify.Client, tenantID string) ShopWriter
	// Capturer captures into the versions of a shop under a sync
	// (ingest.New on the table and blobs).
	Capturer func(tenantID, shop, syncID string) ObjectCapturer
	Audit    audit.Recorder
	Now      func() time.Time
}

func (r *Reverter) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Revert writes version in.Version of the object back to its shop.
//
//  1. The caller needs releases:deploy; the shop must be in the caller's
//     store group (another tenant's shop is NOT_FOUND, like a missing one).
//  2. The version's body is written with shopwrite (references re-pointed
//     at the shop's current GIDs; one the shop no longer has is a
//     CONFLICT naming it). A tombstone is refused: reverting to a
//     deletion would delete the object, which a revert never does.
//  3. The object is read back and captured under the day's OBJECTS event
//     sync (FILES for files, THEME for themes): the same sync a webhook of this change
//     records under, and the same operation id, so the webhook that
//     follows the write records nothing twice.
//  4. An audit entry (object.revert) records the outcome, success or not.
func (r *Reverter) Revert(ctx context.Context, in revertInput) (res RevertResult, err error) {
	id := auth.IdentityFrom(ctx)
	defer func() { r.record(ctx, in, res, err) }()
	if err := id.Require(RevertScope); err != nil {
		return RevertResult{}, err
	}
	svc := Service{Groups: r.Groups}
	if err := svc.inGroup(ctx, id.TenantID, in.Shop); err != nil {
		return RevertResult{}, err
	}
	v, err := r.Store.VersionBySeq(ctx, id.TenantID, in.Type, in.Shop, in.Canonical, in.Version)
	if err != nil {
		if platform.KindOf(err) == platform.KindNotFound {
			return RevertResult{}, platform.E(platform.KindNotFound, fmt.Sprintf("version %d of %s %s in %s not found", in.Version, in.Type, in.Canonical, in.Shop))
		}
		return RevertResult{}, fmt.Errorf("revert: read version: %w", err)
	}
	if ingest.IsTombstone(v) {
		return RevertResult{}, platform.E(platform.KindValidation, fmt.Sprintf(
			"version %d of %s %s is its deletion; a revert never deletes an object: revert to a version before it, or delete the object in Shopify", in.Version, in.Type, in.Canonical))
	}
	body, err := r.Store.VersionBody(ctx, r.Blobs, v)
	if err != nil {
		return RevertResult{}, fmt.Errorf("revert: read version body: %w", err)
	}
	client, err := r.Shops.Client(ctx, id.TenantID, in.Shop)
	if err != nil {
		return RevertResult{}, err
	}
	wres, err := r.Writer(client, id.TenantID).WriteJSON(ctx, in.Type, in.Canonical, body, shopwrite.Options{})
	if err != nil {
		return RevertResult{}, err
	}
	seq, err := r.capture(ctx, client, id.TenantID, in, wres.GID)
	if err != nil {
		// The shop has the content; the next sync or webhook captures it.
		return RevertResult{}, fmt.Errorf("revert: written to %s as %s, capture failed: %w", in.Shop, wres.GID, err)
	}
	warnings := wres.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	return RevertResult{
		Success: true, ObjectType: string(in.Type), Canonical: in.Canonical, Shop: in.Shop,
		RevertedTo: in.Version, NewVersion: seq, ShopifyGID: wres.GID, Action: string(wres.Action), Warnings: warnings,
	}, nil
}

// record writes the audit entry of a revert (or of its refusal).
func (r *Reverter) record(ctx context.Context, in revertInput, res RevertResult, err error) {
	e := audit.Entry{Action: ActionObjectRevert, ResourceType: ResourceObject, Shop: in.Shop,
		Result: audit.ResultOf(err), Detail: audit.DetailOf(err)}
	if in.Type != "" {
		e.ResourceID = string(in.Type) + " " + in.Canonical
	}
	if err == nil {
		e.Detail = fmt.Sprintf("reverted to version %d: %s %s, now version %d", res.RevertedTo, res.Action, res.ShopifyGID, res.NewVersion)
	}
	audit.Write(ctx, r.Audit, e)
}

// capture reads the written object back and records it; it returns the
// object's current version number.
func (r *Reverter) capture(ctx context.Context, client *shopify.Client, tenantID string, in revertInput, gid string) (int64, error) {
	obj, err := (&catalog.Reader{Client: client}).Get(ctx, in.Type, gid)
	if err != nil {
		return 0, fmt.Errorf("read back: %w", err)
	}
	typ := fsync.Objects
	switch in.Type {
	case mapping.File:
		typ = fsync.Files
	case mapping.Theme:
		typ = fsync.Theme
	}
	now := r.now()
	syncID, err := r.Store.EnsureEventSync(ctx, tenantID, typ, now)
	if err != nil {
		return 0, err
	}
	cr, err := r.Capturer(tenantID, in.Shop, syncID).Capture(ctx, obj, time.Time{})
	if err != nil {
		return 0, err
	}
	if ops := cr.Operations(); len(ops) > 0 {
		if err := r.Store.RecordOperations(ctx, tenantID, syncID, ops); err != nil {
			return 0, err
		}
	}
	cur, err := r.Store.CurrentVersion(ctx, tenantID, in.Type, in.Shop, in.Canonical)
	if err != nil {
		return 0, err
	}
	return cur.Seq, nil
}
