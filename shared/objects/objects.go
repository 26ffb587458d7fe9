// Package objects answers the REST endpoints over captured object versions:
// GET /api/object-history (the versions of one object in one shop) and
// GET /api/object-diff (a field-level diff between two versions of one
// object, or between its current versions in two shops). Each endpoint is
// its own function (functions/rest-object-history, functions/rest-object-diff);
// the handlers only translate HTTP to the Service and back.
package objects

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
)

// Scope is the scope both endpoints require: versions are what syncs
// capture, so reading them is reading sync results.
const Scope = auth.ScopeSyncRead

// MaxChangesBytes bounds the encoded changes of one diff answer, well below
// Lambda's 6 MB response limit; past it the list is cut (Truncated) while
// Summary still counts every change.
const MaxChangesBytes = 4 << 20

// Versions is what the endpoints read from the store (store.Store).
type Versions interface {
	ListVersions(ctx context.Context, tenantID string, t mapping.ObjectType, shop, canonical string, limit int, cursor string) ([]store.Version, string, error)
	VersionBySeq(ctx context.Context, tenantID string, t mapping.ObjectType, shop, canonical string, seq int64) (store.Version, error)
	VersionBody(ctx context.Context, blobs store.Blobs, v store.Version) ([]byte, error)
}

// Service reads versions under the caller's tenant, for shops of the
// caller's store group only.
type Service struct {
	Groups   config.Storage
	Versions Versions
	// Blobs holds bodies over store.InlineBodyLimit (S3); nil for history,
	// which never reads bodies.
	Blobs store.Blobs
}

// VersionInfo is one version in a history.
type VersionInfo struct {
	Seq             int64   `json:"seq"`
	Hash            string  `json:"hash"`
	SyncID          *string `json:"syncId"`
	CapturedAt      string  `json:"capturedAt"`
	SourceUpdatedAt *string `json:"sourceUpdatedAt"`
	Size            int     `json:"size"`
}

// History is GET /api/object-history's answer.
type History struct {
	ObjectType string        `json:"objectType"`
	Canonical  string        `json:"canonical"`
	Shop       string        `json:"shop"`
	Versions   []VersionInfo `json:"versions"`
	NextCursor *string       `json:"nextCursor"`
}

// Side is one side of a diff: a version of the object in a shop.
type Side struct {
	Shop       string `json:"shop"`
	Seq        int64  `json:"seq"`
	Hash       string `json:"hash"`
	CapturedAt string `json:"capturedAt"`
}

// Summary counts a diff's changes by kind.
type Summary struct {
	Added    int `json:"added"`
	Modified int `json:"modified"`
	Removed  int `json:"removed"`
}

// DiffResult is GET /api/object-diff's answer. From is null when To is the
// object's first version and no from was given: every field is then added.
type DiffResult struct {
	ObjectType string           `json:"objectType"`
	Canonical  string           `json:"canonical"`
	From       *Side            `json:"from"`
	To         Side             `json:"to"`
	Identical  bool             `json:"identical"`
	Changes    []capture.Change `json:"changes"`
	Summary    Summary          `json:"summary"`
	// Truncated is true when Changes holds only the first changes (their
	// encoding would pass MaxChangesBytes).
	Truncated bool `json:"truncated"`
}

// caller is the request's identity after the scope check.
func caller(ctx context.Context) (auth.Identity, error) {
	id := auth.IdentityFrom(ctx)
	return id, id.Require(Scope)
}

// inGroup checks that shop is one of the tenant's group: another tenant's
// shop, or no shop at all, is the same NOT_FOUND.
func (s *Service) inGroup(ctx context.Context, tenantID string, shops ...string) error {
	sg, err := s.Groups.StoreGroup(ctx, tenantID)
	if err != nil && platform.KindOf(err) != platform.KindNotFound {
		return fmt.Errorf("store group of tenant %s: %w", tenantID, err)
	}
	for _, shop := range shops {
		found := false
		for _, st := range sg.Stores {
			found = found || st.Domain == shop
		}
		if !found {
			return platform.E(platform.KindNotFound, "store "+shop+" not found in your store group")
		}
	}
	return nil
}

// History is one page of an object's versions, newest first.
func (s *Service) History(ctx context.Context, q HistoryQuery) (History, error) {
	id, err := caller(ctx)
	if err != nil {
		return History{}, err
	}
	if err := s.inGroup(ctx, id.TenantID, q.Shop); err != nil {
		return History{}, err
	}
	vs, next, err := s.Versions.ListVersions(ctx, id.TenantID, q.Type, q.Shop, q.Canonical, q.Limit, q.Cursor)
	if err != nil {
		return History{}, err
	}
	if len(vs) == 0 && q.Cursor == "" {
		return History{}, notCaptured(q.Object)
	}
	h := History{ObjectType: string(q.Type), Canonical: q.Canonical, Shop: q.Shop, Versions: make([]VersionInfo, len(vs))}
	for i, v := range vs {
		h.Versions[i] = VersionInfo{
			Seq: v.Seq, Hash: v.Hash, SyncID: optional(v.SyncID), CapturedAt: timestamp(v.CapturedAt),
			Size: v.Size,
		}
		if !v.SourceUpdatedAt.IsZero() {
			h.Versions[i].SourceUpdatedAt = optional(timestamp(v.SourceUpdatedAt))
		}
	}
	h.NextCursor = optional(next)
	return h, nil
}

// Diff compares two versions of one object, or its current versions in two
// shops.
func (s *Service) Diff(ctx context.Context, q DiffQuery) (DiffResult, error) {
	id, err := caller(ctx)
	if err != nil {
		return DiffResult{}, err
	}
	shops := []string{q.Shop}
	if q.OtherShop != "" {
		shops = append(shops, q.OtherShop)
	}
	if err := s.inGroup(ctx, id.TenantID, shops...); err != nil {
		return DiffResult{}, err
	}
	from, to, err := s.sides(ctx, id.TenantID, q)
	if err != nil {
		return DiffResult{}, err
	}
	res := DiffResult{ObjectType: string(q.Type), Canonical: q.Canonical, To: side(to), Changes: []capture.Change{}}
	if from != nil {
		f := side(*from)
		res.From = &f
		if from.Hash == to.Hash {
			res.Identical = true // same content hash: no body read
			return res, nil
		}
	}
	a := capture.MustParse("{}")
	if from != nil {
		if a, err = s.canonical(ctx, *from); err != nil {
			return DiffResult{}, err
		}
	}
	b, err := s.canonical(ctx, to)
	if err != nil {
		return DiffResult{}, err
	}
	changes := capture.Diff(a, b)
	res.Identical = len(changes) == 0
	size := 0
	for _, c := range changes {
		switch c.Kind {
		case capture.Added:
			res.Summary.Added++
		case capture.Modified:
			res.Summary.Modified++
		case capture.Removed:
			res.Summary.Removed++
		}
		if res.Truncated {
			continue
		}
		enc, err := json.Marshal(c)
		if err != nil {
			return DiffResult{}, fmt.Errorf("encode change %s: %w", c.Path, err)
		}
		if size += len(enc) + 1; size > MaxChangesBytes {
			res.Truncated = true
			continue
		}
		res.Changes = append(res.Changes, c)
	}
	return res, nil
}

// sides resolves the query to its two versions (from nil: none before to).
func (s *Service) sides(ctx context.Context, tenantID string, q DiffQuery) (*store.Version, store.Version, error) {
	o := q.Object
	if q.OtherShop != "" {
		from, err := s.current(ctx, tenantID, o)
		if err != nil {
			return nil, store.Version{}, err
		}
		o.Shop = q.OtherShop
		to, err := s.current(ctx, tenantID, o)
		if err != nil {
			return nil, store.Version{}, err
		}
		return &from, to, nil
	}
	var (
		to   store.Version
		prev *store.Version
		err  error
	)
	if q.To == 0 {
		// The current version and the one before it: one Query.
		vs, _, err := s.Versions.ListVersions(ctx, tenantID, o.Type, o.Shop, o.Canonical, 2, "")
		if err != nil {
			return nil, store.Version{}, err
		}
		if len(vs) == 0 {
			return nil, store.Version{}, notCaptured(o)
		}
		to = vs[0]
		if len(vs) == 2 {
			prev = &vs[1]
		}
	} else if to, err = s.version(ctx, tenantID, o, q.To); err != nil {
		return nil, store.Version{}, err
	}
	switch {
	case q.From != 0:
		from, err := s.version(ctx, tenantID, o, q.From)
		if err != nil {
			return nil, store.Version{}, err
		}
		return &from, to, nil
	case prev != nil:
		return prev, to, nil
	case to.Seq > 1:
		from, err := s.version(ctx, tenantID, o, to.Seq-1)
		if err != nil {
			return nil, store.Version{}, err
		}
		return &from, to, nil
	}
	return nil, to, nil
}

func (s *Service) current(ctx context.Context, tenantID string, o Object) (store.Version, error) {
	vs, _, err := s.Versions.ListVersions(ctx, tenantID, o.Type, o.Shop, o.Canonical, 1, "")
	if err != nil {
		return store.Version{}, err
	}
	if len(vs) == 0 {
		return store.Version{}, notCaptured(o)
	}
	return vs[0], nil
}

func (s *Service) version(ctx context.Context, tenantID string, o Object, seq int64) (store.Version, error) {
	v, err := s.Versions.VersionBySeq(ctx, tenantID, o.Type, o.Shop, o.Canonical, seq)
	if platform.KindOf(err) == platform.KindNotFound {
		// Same answer whether the object or only that version is missing.
		return store.Version{}, platform.E(platform.KindNotFound,
			fmt.Sprintf("version %d of %s %s not found in %s", seq, o.Type, o.Canonical, o.Shop))
	}
	return v, err
}

// canonical is a version's body as a canonical form. A body that cannot be
// read or parsed is Flux's fault (INTERNAL), never the caller's NOT_FOUND.
func (s *Service) canonical(ctx context.Context, v store.Version) (capture.Canonical, error) {
	body, err := s.Versions.VersionBody(ctx, s.Blobs, v)
	if err != nil {
		return capture.Canonical{}, platform.Wrap(platform.KindInternal, "internal error",
			fmt.Errorf("body of version %d (%s): %w", v.Seq, v.S3Key, err))
	}
	c, err := capture.Parse(body)
	if err != nil {
		return capture.Canonical{}, platform.Wrap(platform.KindInternal, "internal error",
			fmt.Errorf("body of version %d is not canonical JSON: %w", v.Seq, err))
	}
	return c, nil
}

func notCaptured(o Object) error {
	return platform.E(platform.KindNotFound,
		fmt.Sprintf("%s %s has no captured version in %s", o.Type, o.Canonical, o.Shop))
}

func side(v store.Version) Side {
	return Side{Shop: v.Shop, Seq: v.Seq, Hash: v.Hash, CapturedAt: timestamp(v.CapturedAt)}
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
