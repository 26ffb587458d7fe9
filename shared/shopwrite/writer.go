package shopwrite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
)

// Store is what the Writer needs of Flux's table (store.Store): the target
// shop's canonical mappings.
type Store interface {
	MappingsByCanonical(ctx context.Context, tenantID string, t mapping.ObjectType, shops, canonicals []string) ([]mapping.Mapping, error)
	UpsertMappings(ctx context.Context, tenantID string, ms []mapping.Mapping) error
	DeleteMappings(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, canonicals []string) (int, error)
}

var _ Store = (*store.Store)(nil)

// Action says what a write did in the target shop.
type Action string

// Actions.
const (
	Created Action = "created"
	Updated Action = "updated"
)

// Options tune one Write.
type Options struct {
	// DeferUnresolved leaves out fields whose reference the target cannot
	// resolve yet (Result.Deferred lists them) instead of failing with
	// KindConflict: the first pass of a reference cycle.
	DeferUnresolved bool
}

// Result is what one Write did.
type Result struct {
	// GID is the object's GID in the target shop.
	GID string `json:"gid"`
	// Action is created or updated.
	Action Action `json:"action"`
	// Deferred are the JSON pointers (into the body) of the references
	// left out under Options.DeferUnresolved: write again once they exist.
	Deferred []string `json:"deferred,omitempty"`
	// Warnings name what was not written and why (fields the target's API
	// cannot set, references that can never be re-pointed).
	Warnings []string `json:"warnings,omitempty"`
}

// Writer writes objects to one target shop of one tenant.
type Writer struct {
	// Client is the target shop's Shopify client (stores.Connector).
	Client *shopify.Client
	// Store holds the tenant's mappings.
	Store Store
	// TenantID owns the mappings.
	TenantID string
	// Resolver turns the target's GIDs into canonical references for
	// Snapshot; New sets a store.ShopResolver of the target shop.
	Resolver capture.Resolver
	// FileURL turns a store-independent CDN path of the body
	// ("cdn:files/hero.jpg") into a URL Shopify can fetch when a file must
	// be created from it (FILE, product media, article images). nil means
	// DefaultFileURL. The deploy worker sets one that reads the source
	// shop's file, since a CDN path without its shop prefix may not be
	// fetchable.
	FileURL func(ctx context.Context, cdnPath string) (string, error)
	// ThemeFiles reads a theme file's body by its MD5 checksum (the bodies
	// a THEME sync stored: blobs under syncworker.ThemeFileKey). Needed
	// for THEME writes only.
	ThemeFiles func(ctx context.Context, checksumMd5 string) ([]byte, error)
}

// New is a Writer for the shop client talks to, recording mappings of
// tenantID in st.
func New(client *shopify.Client, st *store.Store, tenantID string) *Writer {
	return &Writer{
		Client: client, Store: st, TenantID: tenantID,
		Resolver: &store.ShopResolver{Store: st, TenantID: tenantID, Shop: client.Shop()},
	}
}

// DefaultFileURL makes a CDN path of a canonical body a Shopify CDN URL
// again: cdn:files/1/0007/0001/articles/a.jpg →
// https://cdn.shopify.com/s/files/1/0007/0001/articles/a.jpg. Any other
// string is returned as it is.
func DefaultFileURL(_ context.Context, p string) (string, error) {
	rest, ok := strings.CutPrefix(p, "cdn:")
	if !ok {
		return p, nil
	}
	return "https://cdn.shopify.com/s/" + rest, nil
}

// Shop is the target shop's domain.
func (w *Writer) Shop() string { return w.Client.Shop() }

func (w *Writer) fileURL(ctx context.Context, p string) (string, error) {
	if w.FileURL != nil {
		return w.FileURL(ctx, p)
	}
	return DefaultFileURL(ctx, p)
}

// WriteJSON is Write with the body as canonical JSON (a version's body).
func (w *Writer) WriteJSON(ctx context.Context, t mapping.ObjectType, canonical string, body []byte, opts Options) (Result, error) {
	c, err := capture.Parse(body)
	if err != nil {
		return Result{}, err
	}
	return w.Write(ctx, t, canonical, c, opts)
}

// Write creates or updates the object canonical of type t in the target
// shop so that it has body's content (see the package doc for the rules).
func (w *Writer) Write(ctx context.Context, t mapping.ObjectType, canonical string, body capture.Canonical, opts Options) (Result, error) {
	k, err := w.kind(t, canonical)
	if err != nil {
		return Result{}, err
	}
	m, ok := body.Value().(map[string]any)
	if !ok {
		return Result{}, platform.E(platform.KindValidation, fmt.Sprintf("the body of %s %s is not a JSON object", t, canonical))
	}
	if _, del := m["$deleted"]; del {
		return Result{}, platform.E(platform.KindValidation, fmt.Sprintf("the body of %s %s is a deletion (tombstone): nothing to write", t, canonical))
	}
	if err := k.checkBody(canonical, m); err != nil {
		return Result{}, err
	}
	r, err := w.prefetch(ctx, m, k.extraRefs(canonical, m), opts.DeferUnresolved)
	if err != nil {
		return Result{}, fmt.Errorf("write %s %s to %s: references: %w", t, canonical, w.Shop(), err)
	}
	gid, err := w.existing(ctx, t, k, canonical)
	if err != nil {
		return Result{}, fmt.Errorf("write %s %s to %s: find existing: %w", t, canonical, w.Shop(), err)
	}
	j := &job{w: w, t: t, canonical: canonical, body: m, refs: r, gid: gid}
	action := Updated
	if gid == "" {
		action = Created
	}
	gid, err = w.run(ctx, k, j)
	if err != nil {
		return Result{}, w.wrap(t, canonical, err)
	}
	if err := w.Store.UpsertMappings(ctx, w.TenantID, []mapping.Mapping{{ObjectType: t, Canonical: canonical, GID: gid, Shop: w.Shop()}}); err != nil {
		return Result{}, fmt.Errorf("write %s %s to %s: save mapping to %s: %w", t, canonical, w.Shop(), gid, err)
	}
	return Result{GID: gid, Action: action, Deferred: r.deferred, Warnings: append(r.warnings, j.warnings...)}, nil
}

// run writes j: an update when j.gid is set, else a create. A create whose
// answer was lost (network failure or 5xx: Shopify may have created the
// object) is never blindly repeated: Shopify is searched by the canonical
// first, and an object found there is updated instead.
func (w *Writer) run(ctx context.Context, k kind, j *job) (string, error) {
	if j.gid != "" {
		if err := j.refs.failUnresolved(j.t, j.canonical); err != nil {
			return "", err
		}
		return k.write(ctx, j)
	}
	const attempts = 4
	for attempt := 1; ; attempt++ {
		j.create = true
		gid, err := k.write(ctx, j)
		if err == nil {
			return gid, nil
		}
		kd := platform.KindOf(err)
		if attempt >= attempts || (kd != platform.KindUnavailable && kd != platform.KindRateLimited) {
			return "", err
		}
		if kd == platform.KindUnavailable {
			found, ferr := k.find(ctx, w, j.canonical)
			if ferr != nil {
				return "", errors.Join(err, ferr)
			}
			if found != "" {
				j.create, j.gid = false, found
				return k.write(ctx, j)
			}
		}
		if err := sleep(ctx, time.Duration(attempt)*500*time.Millisecond); err != nil {
			return "", err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// wrap names the object in an error, keeping Shopify's safe message (and
// the error's kind) as it is.
func (w *Writer) wrap(t mapping.ObjectType, canonical string, err error) error {
	return fmt.Errorf("write %s %s to %s: %w", t, canonical, w.Shop(), err)
}

// existing is the GID of canonical in the target: its mapping when the
// object still exists there (a stale mapping is dropped), else Shopify's
// answer to a search by the canonical, else "".
func (w *Writer) existing(ctx context.Context, t mapping.ObjectType, k kind, canonical string) (string, error) {
	ms, err := w.Store.MappingsByCanonical(ctx, w.TenantID, t, []string{w.Shop()}, []string{canonical})
	if err != nil {
		return "", err
	}
	if len(ms) > 0 {
		ok, err := w.exists(ctx, ms[0].GID)
		if err != nil {
			return "", err
		}
		if ok {
			return ms[0].GID, nil
		}
		if _, err := w.Store.DeleteMappings(ctx, w.TenantID, t, w.Shop(), []string{canonical}); err != nil {
			return "", fmt.Errorf("drop stale mapping: %w", err)
		}
	}
	return k.find(ctx, w, canonical)
}

// exists asks Shopify whether gid is an object of the shop.
func (w *Writer) exists(ctx context.Context, gid string) (bool, error) {
	data, err := w.query(ctx, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid})
	if err != nil {
		return false, err
	}
	return dig(data, "node", "id") != nil, nil
}

// query runs a read (retried by the client) and returns its data.
func (w *Writer) query(ctx context.Context, q string, vars map[string]any) (map[string]any, error) {
	return w.call(ctx, q, vars, 0)
}

// mutate runs a mutation. A create is tried once by the client (Write
// decides what to do after a lost answer); an update is idempotent and
// retried by the client.
func (w *Writer) mutate(ctx context.Context, j *job, q string, vars map[string]any) (map[string]any, error) {
	tries := 0
	if j.create {
		tries = 1
	}
	return w.call(ctx, q, vars, tries)
}

func (w *Writer) call(ctx context.Context, q string, vars map[string]any, tries int) (map[string]any, error) {
	resp, err := w.Client.GraphQL(ctx, q, vars, &shopify.GraphQLOptions{Tries: tries})
	if err != nil {
		return nil, err
	}
	var data map[string]any
	if err := resp.Decode(&data); err != nil {
		return nil, platform.Wrap(platform.KindUnavailable, "Shopify answered "+w.Shop()+" with no data", err)
	}
	return data, nil
}

// reader reads the target shop (Snapshot).
func (w *Writer) reader() *catalog.Reader { return &catalog.Reader{Client: w.Client} }

// Lookup is the GID of canonical in the target shop ("" when it has no such
// object): its mapping, else a search of the shop by the canonical.
func (w *Writer) Lookup(ctx context.Context, t mapping.ObjectType, canonical string) (string, error) {
	k, err := w.kind(t, canonical)
	if err != nil {
		return "", err
	}
	return w.existing(ctx, t, k, canonical)
}

func decodeRaw(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return platform.Wrap(platform.KindInternal, "Shopify's answer is not JSON", err)
	}
	return nil
}
