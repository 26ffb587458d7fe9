// Package writesgroup is the direct-writes resolver group (the
// graphql-writes function): seed 000's writeProduct, writeCollection,
// writePage, writeBlog, writeArticle, writeMenu, writeDiscount,
// writeMetaobjectDefinition, writeMetaobject, writeMetafieldDefinition,
// uploadFile and updateFile. Each creates or updates one object in a shop
// of the caller's store group and answers {success shopifyGid canonical
// shop action error} (plus warnings).
//
// One write path: the input (Shopify-like fields, shared/writes) is
// converted into Flux's canonical form and written with shopwrite
// (references re-pointed through the target's mappings, an existing object
// found by its mapping or a search, the mapping upserted). The object is
// then read back and captured (shared/ingest) under the day's OBJECTS
// event sync (FILES for files), with its operation recorded, and an audit
// entry (write.<type>) records the outcome.
//
// Errors: a missing scope (stores:write; uploadFile from a Flux file also
// files:read) is FORBIDDEN, a shop outside the caller's store group
// NOT_FOUND, input Flux can check itself VALIDATION_ERROR (GraphQL errors:
// nothing was attempted). A well-formed write the target store refused —
// an unresolved reference, Shopify's userErrors, a definition that exists
// with other content — is success=false with error (a safe message).
// Shopify being unavailable or throttling stays a GraphQL error (retry).
package writesgroup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/writes"
)

// GroupName is the name of this resolver group on the rpc contract.
const GroupName = "writes"

// Operations, named as the GraphQL fields.
const (
	OpWriteProduct              = "writeProduct"
	OpWriteCollection           = "writeCollection"
	OpWritePage                 = "writePage"
	OpWriteBlog                 = "writeBlog"
	OpWriteArticle              = "writeArticle"
	OpWriteMenu                 = "writeMenu"
	OpWriteDiscount             = "writeDiscount"
	OpWriteMetaobjectDefinition = "writeMetaobjectDefinition"
	OpWriteMetaobject           = "writeMetaobject"
	OpWriteMetafieldDefinition  = "writeMetafieldDefinition"
	OpUploadFile                = "uploadFile"
	OpUpdateFile                = "updateFile"
)

// Scope is the scope every write needs: writing a store's content.
const Scope = auth.ScopeStoresWrite

// ResourceObject is the audit resource type of a write.
const ResourceObject = "object"

// ActionNone is a failed write's action: nothing is known to be written.
const ActionNone = "none"

// MaxShop bounds the shop argument.
const MaxShop = 255

// Result is the wire shape of WriteResult.
type Result struct {
	Success    bool     `json:"success"`
	ShopifyGID *string  `json:"shopifyGid,omitempty"`
	Canonical  string   `json:"canonical"`
	Shop       string   `json:"shop"`
	Action     string   `json:"action"`
	Error      *string  `json:"error,omitempty"`
	Warnings   []string `json:"warnings"`
}

// Store is what the group needs of the table (*store.Store).
type Store interface {
	EnsureEventSync(ctx context.Context, tenantID string, t fsync.Type, at time.Time) (string, error)
	RecordOperations(ctx context.Context, tenantID, syncID string, ops []fsync.Operation) error
}

var _ Store = (*store.Store)(nil)

// Shops gives Shopify clients for a tenant's shops (stores.Connector).
type Shops interface {
	Client(ctx context.Context, tenantID, domain string) (*shopify.Client, error)
}

// ShopWriter writes to one shop (*shopwrite.Writer).
type ShopWriter interface {
	WriteJSON(ctx context.Context, t mapping.ObjectType, canonical string, body []byte, opts shopwrite.Options) (shopwrite.Result, error)
	Lookup(ctx context.Context, t mapping.ObjectType, canonical string) (string, error)
	Snapshot(ctx context.Context, t mapping.ObjectType, canonical string) ([]byte, bool, error)
}

var _ ShopWriter = (*shopwrite.Writer)(nil)

// ObjectCapturer records one object read from a shop (*ingest.Capturer).
type ObjectCapturer interface {
	Capture(ctx context.Context, obj catalog.Object, sourceAt time.Time) (ingest.Result, error)
}

var _ ObjectCapturer = (*ingest.Capturer)(nil)

// Options wire a Group.
type Options struct {
	Groups config.Storage
	Store  Store
	Shops  Shops
	// Writer is the writer of a shop's client for a tenant; fileURL turns a
	// body's file source into a URL Shopify can fetch (staged uploads).
	Writer func(c *shopify.Client, tenantID string, fileURL func(context.Context, string) (string, error)) ShopWriter
	// Capturer captures into the versions of a shop under a sync.
	Capturer func(tenantID, shop, syncID string) ObjectCapturer
	// Files reads confirmed Flux files (filesapi.NewReader); nil: uploadFile
	// takes URLs only.
	Files Files
	// Stager pushes bytes through Shopify's staged uploads.
	Stager *Stager
	Audit  audit.Recorder
	Log    *slog.Logger
	Now    func() time.Time
}

type group struct{ o Options }

// New is the writes group.
func New(o Options) *rpc.Group {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stager == nil {
		o.Stager = &Stager{}
	}
	g := &group{o: o}
	return &rpc.Group{Name: GroupName, Log: o.Log, Ops: map[string]rpc.Operation{
		OpWriteProduct: rpc.Op(func(ctx context.Context, a writes.WriteProductInput) (Result, error) {
			return g.write(ctx, "write.product", a.Shop, func() (writes.Body, error) { return writes.ConvertProduct(a.Product) })
		}),
		OpWriteCollection: rpc.Op(func(ctx context.Context, a writes.WriteCollectionInput) (Result, error) {
			return g.write(ctx, "write.collection", a.Shop, func() (writes.Body, error) { return writes.ConvertCollection(a.Collection) })
		}),
		OpWritePage: rpc.Op(func(ctx context.Context, a writes.WritePageInput) (Result, error) {
			return g.write(ctx, "write.page", a.Shop, func() (writes.Body, error) { return writes.ConvertPage(a.Page) })
		}),
		OpWriteBlog: rpc.Op(func(ctx context.Context, a writes.WriteBlogInput) (Result, error) {
			return g.write(ctx, "write.blog", a.Shop, func() (writes.Body, error) { return writes.ConvertBlog(a.Blog) })
		}),
		OpWriteArticle: rpc.Op(func(ctx context.Context, a writes.WriteArticleInput) (Result, error) {
			return g.write(ctx, "write.article", a.Shop, func() (writes.Body, error) { return writes.ConvertArticle(a.Article) })
		}),
		OpWriteMenu: rpc.Op(func(ctx context.Context, a writes.WriteMenuInput) (Result, error) {
			return g.write(ctx, "write.menu", a.Shop, func() (writes.Body, error) { return writes.ConvertMenu(a.Menu) })
		}),
		OpWriteDiscount: rpc.Op(func(ctx context.Context, a writes.WriteDiscountInput) (Result, error) {
			return g.write(ctx, "write.discount", a.Shop, func() (writes.Body, error) { return writes.ConvertDiscount(a.Discount, g.o.Now()) })
		}),
		OpWriteMetaobjectDefinition: rpc.Op(func(ctx context.Context, a writes.WriteMetaobjectDefinitionInput) (Result, error) {
			return g.write(ctx, "write.metaobjectDefinition", a.Shop, func() (writes.Body, error) { return writes.ConvertMetaobjectDefinition(a.Definition) })
		}),
		OpWriteMetaobject: rpc.Op(func(ctx context.Context, a writes.WriteMetaobjectInput) (Result, error) {
			return g.write(ctx, "write.metaobject", a.Shop, func() (writes.Body, error) { return writes.ConvertMetaobject(a.Metaobject) })
		}),
		OpWriteMetafieldDefinition: rpc.Op(func(ctx context.Context, a writes.WriteMetafieldDefinitionInput) (Result, error) {
			return g.write(ctx, "write.metafieldDefinition", a.Shop, func() (writes.Body, error) { return writes.ConvertMetafieldDefinition(a.Definition) })
		}),
		OpUploadFile: rpc.Op(g.uploadFile),
		OpUpdateFile: rpc.Op(g.updateFile),
	}}
}

// write is one direct write: scope, input, shop, shopwrite, capture, audit.
func (g *group) write(ctx context.Context, action, shop string, convert func() (writes.Body, error)) (Result, error) {
	return g.run(ctx, action, shop, nil, func(context.Context, auth.Identity) (writes.Body, error) { return convert() }, overlayDefinition)
}

// overlayDefinition: a definition (which Flux creates but never changes)
// that exists in the shop is compared with the input over the fields the
// input gives; fields it leaves out keep the shop's values (writes.Overlay),
// so writing the same definition again is an update that changes nothing,
// and one that differs is refused naming the fields.
func overlayDefinition(ctx context.Context, w ShopWriter, b writes.Body) (writes.Body, error) {
	if b.Type != mapping.MetafieldDefinition && b.Type != mapping.MetaobjectDefinition {
		return b, nil
	}
	cur, ok, err := w.Snapshot(ctx, b.Type, b.Canonical)
	if err != nil || !ok {
		return b, err
	}
	merged, err := writes.Overlay(cur, b.JSON)
	if err != nil {
		return b, err
	}
	b.JSON = merged
	return b, nil
}

// run is write with extra scopes, a convert that may read (uploadFile),
// and a step before writing that may check or complete the body with the
// shop's object (updateFile: the file must exist; definitions).
func (g *group) run(ctx context.Context, action, shop string, extra []auth.Scope,
	convert func(context.Context, auth.Identity) (writes.Body, error),
	prepare func(context.Context, ShopWriter, writes.Body) (writes.Body, error)) (res Result, err error) {
	id := auth.IdentityFrom(ctx)
	var body writes.Body
	defer func() {
		g.record(ctx, action, shop, body, res, err)
		var r errRefused
		if errors.As(err, &r) {
			err = nil // answered as success=false
		}
	}()
	for _, sc := range append([]auth.Scope{Scope}, extra...) {
		if err := id.Require(sc); err != nil {
			return Result{}, err
		}
	}
	if strings.TrimSpace(shop) == "" || len(shop) > MaxShop {
		return Result{}, platform.E(platform.KindValidation, "input.shop: a store domain is required, such as my-store.myshopify.com")
	}
	if err := g.inGroup(ctx, id.TenantID, shop); err != nil {
		return Result{}, err
	}
	body, err = convert(ctx, id)
	if err != nil {
		return Result{}, err
	}
	client, err := g.o.Shops.Client(ctx, id.TenantID, shop)
	if err != nil {
		return Result{}, err
	}
	w := g.o.Writer(client, id.TenantID, g.fileURL(client, id.TenantID))
	if prepare != nil {
		if body, err = prepare(ctx, w, body); err != nil {
			return refused(shop, body, err)
		}
	}
	wres, err := w.WriteJSON(ctx, body.Type, body.Canonical, body.JSON, shopwrite.Options{})
	if err != nil {
		return refused(shop, body, err)
	}
	warnings := append([]string{}, wres.Warnings...)
	if err := g.capture(ctx, client, id.TenantID, shop, body.Type, wres.GID); err != nil {
		// The store has the object and the mapping exists; the next sync
		// or webhook captures it. Not a failure of the write.
		platform.Log(ctx).Error("direct write: capture failed", "shop", shop, "type", body.Type,
			"canonical", body.Canonical, "gid", wres.GID, "error", err.Error())
		warnings = append(warnings, "written, but not captured into Flux's history yet: the next sync records it")
	}
	gid := wres.GID
	return Result{Success: true, ShopifyGID: &gid, Canonical: body.Canonical, Shop: shop,
		Action: string(wres.Action), Warnings: warnings}, nil
}

// refused turns a write the target refused (KindValidation: bad content
// or Shopify's userErrors; KindConflict: unresolved references, the object
// changed) into success=false; anything else stays an error.
func refused(shop string, body writes.Body, err error) (Result, error) {
	switch platform.KindOf(err) {
	case platform.KindValidation, platform.KindConflict, platform.KindNotFound:
		msg := platform.PublicMessage(err)
		return Result{Success: false, Canonical: body.Canonical, Shop: shop, Action: ActionNone,
			Error: &msg, Warnings: []string{}}, errRefused{err}
	}
	return Result{}, err
}

// errRefused carries a refusal to the audit entry; run then answers the
// Result with no error.
type errRefused struct{ err error }

func (e errRefused) Error() string { return e.err.Error() }
func (e errRefused) Unwrap() error { return e.err }

func (g *group) inGroup(ctx context.Context, tenantID, shop string) error {
	sg, err := g.o.Groups.StoreGroup(ctx, tenantID)
	if err != nil && platform.KindOf(err) != platform.KindNotFound {
		return fmt.Errorf("store group of tenant %s: %w", tenantID, err)
	}
	for _, s := range sg.Stores {
		if s.Domain == shop {
			return nil
		}
	}
	return platform.E(platform.KindNotFound, "store "+shop+" not found in your store group")
}

// capture reads the written object back and records it under the day's
// event sync, with its operation.
func (g *group) capture(ctx context.Context, client *shopify.Client, tenantID, shop string, t mapping.ObjectType, gid string) error {
	obj, err := (&catalog.Reader{Client: client}).Get(ctx, t, gid)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	typ := fsync.Objects
	if t == mapping.File {
		typ = fsync.Files
	}
	syncID, err := g.o.Store.EnsureEventSync(ctx, tenantID, typ, g.o.Now())
	if err != nil {
		return err
	}
	cr, err := g.o.Capturer(tenantID, shop, syncID).Capture(ctx, obj, time.Time{})
	if err != nil {
		return err
	}
	if ops := cr.Operations(); len(ops) > 0 {
		return g.o.Store.RecordOperations(ctx, tenantID, syncID, ops)
	}
	return nil
}

// record writes the audit entry of a write (or of its refusal).
func (g *group) record(ctx context.Context, action, shop string, body writes.Body, res Result, err error) {
	e := audit.Entry{Action: action, ResourceType: ResourceObject, Shop: shop,
		Result: audit.ResultOf(err), Detail: audit.DetailOf(err)}
	if body.Type != "" {
		e.ResourceID = string(body.Type) + " " + body.Canonical
	}
	if err == nil {
		e.Detail = fmt.Sprintf("%s %s", res.Action, deref(res.ShopifyGID))
	}
	audit.Write(ctx, g.o.Audit, e)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
