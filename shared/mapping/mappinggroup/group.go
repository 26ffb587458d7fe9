// Package mappinggroup is the mappings resolver group (the graphql-mappings
// function): seed 000's lookupByGid, lookupByCanonical, mappings,
// upsertMappings and deleteMappings. Every operation checks its scope
// (mappings:read or mappings:write) first, then its arguments, and only
// touches shops of the caller's store group: any other shop is NOT_FOUND,
// exactly like one that does not exist.
package mappinggroup

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
)

// GroupName is the name of this resolver group on the rpc contract.
const GroupName = "mappings"

// Operations of the mappings group, named as the GraphQL fields.
const (
	OpLookupByGID       = "lookupByGid"
	OpLookupByCanonical = "lookupByCanonical"
	OpMappings          = "mappings"
	OpUpsertMappings    = "upsertMappings"
	OpDeleteMappings    = "deleteMappings"
)

// Limits of the operations' arguments.
const (
	// MaxBatch bounds the gids, canonicals or mappings of one call.
	MaxBatch = 250
	// DefaultLimit is mappings' page size when the caller names none
	// (seed 000), MaxLimit the largest.
	DefaultLimit = 100
	MaxLimit     = 1000
	// MaxOffset bounds mappings' offset (an offset is read and skipped;
	// page further with after).
	MaxOffset = 10000
)

// Store is what the group needs of the table (*store.Store).
type Store interface {
	MappingsByGID(ctx context.Context, tenantID string, t mapping.ObjectType, shops, gids []string) ([]mapping.Mapping, error)
	MappingsByCanonical(ctx context.Context, tenantID string, t mapping.ObjectType, shops, canonicals []string) ([]mapping.Mapping, error)
	ListMappings(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, page mapping.ListPage) ([]mapping.Mapping, int, error)
	UpsertMappings(ctx context.Context, tenantID string, ms []mapping.Mapping) error
	DeleteMappings(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, canonicals []string) (int, error)
}

// Mapping is the wire shape of one mapping (GraphQL type Mapping: canonical,
// gid, shop; the mappings list selects canonical and gid).
type Mapping struct {
	Canonical string `json:"canonical"`
	GID       string `json:"gid"`
	Shop      string `json:"shop"`
}

// LookupByGIDArgs are the arguments of lookupByGid. Shop is optional (not
// in seed 000): without it every shop of the caller's group is searched.
type LookupByGIDArgs struct {
	ObjectType string   `json:"objectType"`
	GIDs       []string `json:"gids"`
	Shop       *string  `json:"shop,omitempty"`
}

// LookupByCanonicalArgs are the arguments of lookupByCanonical. Shop is
// optional, as for lookupByGid.
type LookupByCanonicalArgs struct {
	ObjectType string   `json:"objectType"`
	Canonicals []string `json:"canonicals"`
	Shop       *string  `json:"shop,omitempty"`
}

// MappingsArgs are the arguments of mappings. Limit is 1..1000 (nil: 100),
// Offset 0..10000 (nil: 0); After (optional, not in seed 000) is a
// canonical path: the page starts after it, which is the cheap way to page.
type MappingsArgs struct {
	ObjectType string  `json:"objectType"`
	Shop       string  `json:"shop"`
	Limit      *int    `json:"limit,omitempty"`
	Offset     *int    `json:"offset,omitempty"`
	After      *string `json:"after,omitempty"`
}

// MappingsResult is the answer of mappings: one page, in canonical order,
// and the total number of mappings of that type in the shop.
type MappingsResult struct {
	Items []Mapping `json:"items"`
	Total int       `json:"total"`
}

// MappingInput is one mapping to upsert (GraphQL input MappingInput).
type MappingInput struct {
	ObjectType string `json:"objectType"`
	Canonical  string `json:"canonical"`
	GID        string `json:"gid"`
	Shop       string `json:"shop"`
}

// UpsertMappingsArgs are the arguments of upsertMappings (1..250 mappings).
type UpsertMappingsArgs struct {
	Mappings []MappingInput `json:"mappings"`
}

// DeleteMappingsArgs are the arguments of deleteMappings (1..250 canonicals).
// The answer is an int: how many mappings were deleted.
type DeleteMappingsArgs struct {
	ObjectType string   `json:"objectType"`
	Canonicals []string `json:"canonicals"`
	Shop       string   `json:"shop"`
}

// Option configures the group.
type Option func(*group)

// WithAudit records every mutation (upsertMappings, deleteMappings),
// allowed or not, in rec (audit.Write's rules).
func WithAudit(rec audit.Recorder) Option { return func(g *group) { g.audit = rec } }

// New is the mappings resolver group.
func New(storage config.Storage, st Store, log *slog.Logger, opts ...Option) *rpc.Group {
	g := &group{storage: storage, store: st}
	for _, o := range opts {
		o(g)
	}
	return &rpc.Group{
		Name: GroupName,
		Log:  log,
		Ops: map[string]rpc.Operation{
			OpLookupByGID:       rpc.Op(g.lookupByGID),
			OpLookupByCanonical: rpc.Op(g.lookupByCanonical),
			OpMappings:          rpc.Op(g.mappings),
			OpUpsertMappings:    rpc.Op(g.upsertMappings),
			OpDeleteMappings:    rpc.Op(g.deleteMappings),
		},
	}
}

type group struct {
	storage config.Storage
	store   Store
	audit   audit.Recorder
}

// shops is the caller's group's shops; a tenant without a group has none.
func (g *group) shops(ctx context.Context, tenantID string) ([]string, error) {
	sg, err := g.storage.StoreGroup(ctx, tenantID)
	if platform.KindOf(err) == platform.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store group of tenant %s: %w", tenantID, err)
	}
	out := make([]string, len(sg.Stores))
	for i, s := range sg.Stores {
		out[i] = s.Domain
	}
	return out, nil
}

// shopIn normalises shop and checks it is one of shops: NOT_FOUND otherwise.
func shopIn(shop string, shops []string) (string, error) {
	d, err := config.NormalizeShop(shop)
	if err != nil {
		return "", err
	}
	for _, s := range shops {
		if s == d {
			return d, nil
		}
	}
	return "", platform.E(platform.KindNotFound, "store "+d+" not found in your store group")
}

// scope is the shops an operation reads: the named shop (which must be in
// the group) or, when none is named, every shop of the group.
func (g *group) scope(ctx context.Context, tenantID string, shop *string) ([]string, error) {
	shops, err := g.shops(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if shop == nil || *shop == "" {
		return shops, nil
	}
	d, err := shopIn(*shop, shops)
	if err != nil {
		return nil, err
	}
	return []string{d}, nil
}

func batch(what string, n int) error {
	if n > MaxBatch || n == 0 {
		return platform.E(platform.KindValidation, fmt.Sprintf("%s must hold 1 to %d entries, got %d", what, MaxBatch, n))
	}
	return nil
}

// at names the failing entry of the mappings argument in a validation error.
func at(i int, err error) error {
	return platform.Wrap(platform.KindOf(err), fmt.Sprintf("mappings[%d]: %s", i, platform.PublicMessage(err)), err)
}

func wire(ms []mapping.Mapping) []Mapping {
	out := make([]Mapping, len(ms))
	for i, m := range ms {
		out[i] = Mapping{Canonical: m.Canonical, GID: m.GID, Shop: m.Shop}
	}
	return out
}

func (g *group) lookupByGID(ctx context.Context, args LookupByGIDArgs) ([]Mapping, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeMappingsRead); err != nil {
		return nil, err
	}
	t, err := mapping.ParseObjectType(args.ObjectType)
	if err != nil {
		return nil, err
	}
	if err := batch("gids", len(args.GIDs)); err != nil {
		return nil, err
	}
	for _, gid := range args.GIDs {
		if err := mapping.ValidateGID(t, gid); err != nil {
			return nil, err
		}
	}
	shops, err := g.scope(ctx, caller.TenantID, args.Shop)
	if err != nil || len(shops) == 0 {
		return []Mapping{}, err
	}
	ms, err := g.store.MappingsByGID(ctx, caller.TenantID, t, shops, args.GIDs)
	if err != nil {
		return nil, err
	}
	return wire(ms), nil
}

func (g *group) lookupByCanonical(ctx context.Context, args LookupByCanonicalArgs) ([]Mapping, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeMappingsRead); err != nil {
		return nil, err
	}
	t, err := mapping.ParseObjectType(args.ObjectType)
	if err != nil {
		return nil, err
	}
	if err := batch("canonicals", len(args.Canonicals)); err != nil {
		return nil, err
	}
	for _, c := range args.Canonicals {
		if err := mapping.ValidateCanonical(t, c); err != nil {
			return nil, err
		}
	}
	shops, err := g.scope(ctx, caller.TenantID, args.Shop)
	if err != nil || len(shops) == 0 {
		return []Mapping{}, err
	}
	ms, err := g.store.MappingsByCanonical(ctx, caller.TenantID, t, shops, args.Canonicals)
	if err != nil {
		return nil, err
	}
	return wire(ms), nil
}

func (g *group) mappings(ctx context.Context, args MappingsArgs) (MappingsResult, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeMappingsRead); err != nil {
		return MappingsResult{}, err
	}
	t, err := mapping.ParseObjectType(args.ObjectType)
	if err != nil {
		return MappingsResult{}, err
	}
	page := mapping.ListPage{Limit: DefaultLimit}
	if args.Limit != nil {
		page.Limit = *args.Limit
	}
	if page.Limit < 1 || page.Limit > MaxLimit {
		return MappingsResult{}, platform.E(platform.KindValidation,
			fmt.Sprintf("limit must be between 1 and %d, got %d", MaxLimit, page.Limit))
	}
	if args.Offset != nil {
		page.Offset = *args.Offset
	}
	if page.Offset < 0 || page.Offset > MaxOffset {
		return MappingsResult{}, platform.E(platform.KindValidation,
			fmt.Sprintf("offset must be between 0 and %d, got %d (page further with after)", MaxOffset, page.Offset))
	}
	if args.After != nil && *args.After != "" {
		if err := mapping.ValidateCanonical(t, *args.After); err != nil {
			return MappingsResult{}, err
		}
		page.After = *args.After
	}
	shops, err := g.shops(ctx, caller.TenantID)
	if err != nil {
		return MappingsResult{}, err
	}
	shop, err := shopIn(args.Shop, shops)
	if err != nil {
		return MappingsResult{}, err
	}
	ms, total, err := g.store.ListMappings(ctx, caller.TenantID, t, shop, page)
	if err != nil {
		return MappingsResult{}, err
	}
	return MappingsResult{Items: wire(ms), Total: total}, nil
}

// upsertMappings audits one entry per call: the number of mappings and,
// when they all concern one shop, that shop (the canonicals themselves are
// in the mappings, not the log).
func (g *group) upsertMappings(ctx context.Context, args UpsertMappingsArgs) ([]Mapping, error) {
	out, err := g.doUpsertMappings(ctx, args)
	e := audit.Entry{Action: audit.ActionMappingsUpsert, ResourceType: audit.ResourceMapping,
		Result: audit.ResultOf(err), Detail: audit.DetailOf(err)}
	shops := map[string]bool{}
	for _, m := range args.Mappings {
		if d, err := config.NormalizeShop(m.Shop); err == nil {
			shops[d] = true
		}
	}
	if len(shops) == 1 {
		for d := range shops {
			e.Shop = d
		}
	}
	if len(args.Mappings) == 1 {
		e.ResourceID = args.Mappings[0].ObjectType + ":" + args.Mappings[0].Canonical
	}
	if err == nil {
		e.Detail = fmt.Sprintf("%d mapping(s) upserted", len(out))
	}
	audit.Write(ctx, g.audit, e)
	return out, err
}

func (g *group) doUpsertMappings(ctx context.Context, args UpsertMappingsArgs) ([]Mapping, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeMappingsWrite); err != nil {
		return nil, err
	}
	if err := batch("mappings", len(args.Mappings)); err != nil {
		return nil, err
	}
	ms := make([]mapping.Mapping, len(args.Mappings))
	for i, in := range args.Mappings {
		t, err := mapping.ParseObjectType(in.ObjectType)
		if err != nil {
			return nil, at(i, err)
		}
		shop, err := config.NormalizeShop(in.Shop)
		if err != nil {
			return nil, at(i, err)
		}
		ms[i] = mapping.Mapping{ObjectType: t, Canonical: in.Canonical, GID: in.GID, Shop: shop}
		if err := ms[i].Validate(); err != nil {
			return nil, at(i, err)
		}
	}
	shops, err := g.shops(ctx, caller.TenantID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if _, err := shopIn(m.Shop, shops); err != nil {
			return nil, err
		}
	}
	if err := g.store.UpsertMappings(ctx, caller.TenantID, ms); err != nil {
		return nil, err
	}
	return wire(ms), nil
}

// deleteMappings audits one entry per call: the object type, the shop and
// how many mappings were deleted.
func (g *group) deleteMappings(ctx context.Context, args DeleteMappingsArgs) (int, error) {
	n, err := g.doDeleteMappings(ctx, args)
	e := audit.Entry{Action: audit.ActionMappingsDelete, ResourceType: audit.ResourceMapping,
		Result: audit.ResultOf(err), Detail: audit.DetailOf(err)}
	if d, serr := config.NormalizeShop(args.Shop); serr == nil {
		e.Shop = d
	}
	if len(args.Canonicals) == 1 {
		e.ResourceID = args.ObjectType + ":" + args.Canonicals[0]
	}
	if err == nil {
		e.Detail = fmt.Sprintf("%s: %d of %d canonical(s) deleted", args.ObjectType, n, len(args.Canonicals))
	}
	audit.Write(ctx, g.audit, e)
	return n, err
}

func (g *group) doDeleteMappings(ctx context.Context, args DeleteMappingsArgs) (int, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeMappingsWrite); err != nil {
		return 0, err
	}
	t, err := mapping.ParseObjectType(args.ObjectType)
	if err != nil {
		return 0, err
	}
	if err := batch("canonicals", len(args.Canonicals)); err != nil {
		return 0, err
	}
	for _, c := range args.Canonicals {
		if err := mapping.ValidateCanonical(t, c); err != nil {
			return 0, err
		}
	}
	shops, err := g.shops(ctx, caller.TenantID)
	if err != nil {
		return 0, err
	}
	shop, err := shopIn(args.Shop, shops)
	if err != nil {
		return 0, err
	}
	return g.store.DeleteMappings(ctx, caller.TenantID, t, shop, args.Canonicals)
}
