package shopwrite

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// refKey is a canonical reference: an object of the target by type and
// canonical path.
type refKey struct {
	Type      mapping.ObjectType
	Canonical string
}

// refs re-points one body's references at the target shop's GIDs.
type refs struct {
	gids       map[refKey]string
	deferOK    bool
	deferred   []string
	unresolved []string
	warnings   []string
}

// prefetch reads the target's mappings of every reference in body (and of
// extra, references a type derives from other fields): one batch per type.
func (w *Writer) prefetch(ctx context.Context, body map[string]any, extra []refKey, deferOK bool) (*refs, error) {
	want := map[mapping.ObjectType]map[string]bool{}
	add := func(k refKey) {
		if mapping.ValidateCanonical(k.Type, k.Canonical) != nil {
			return // never mapped: stays unresolved
		}
		if want[k.Type] == nil {
			want[k.Type] = map[string]bool{}
		}
		want[k.Type][k.Canonical] = true
	}
	walkRefs(body, func(k refKey) { add(k) })
	for _, k := range extra {
		add(k)
	}
	r := &refs{gids: map[refKey]string{}, deferOK: deferOK}
	types := make([]string, 0, len(want))
	for t := range want {
		types = append(types, string(t))
	}
	sort.Strings(types)
	for _, ts := range types {
		t := mapping.ObjectType(ts)
		cs := make([]string, 0, len(want[t]))
		for c := range want[t] {
			cs = append(cs, c)
		}
		sort.Strings(cs)
		ms, err := w.Store.MappingsByCanonical(ctx, w.TenantID, t, []string{w.Shop()}, cs)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			r.gids[refKey{t, m.Canonical}] = m.GID
		}
	}
	return r, nil
}

// walkRefs calls f for every canonical reference in v.
func walkRefs(v any, f func(refKey)) {
	switch x := v.(type) {
	case map[string]any:
		if k, ok := asRef(x); ok {
			f(k)
			return
		}
		for _, e := range x {
			walkRefs(e, f)
		}
	case []any:
		for _, e := range x {
			walkRefs(e, f)
		}
	}
}

// asRef reads a {"$ref":{"type","canonical"}} value.
func asRef(m map[string]any) (refKey, bool) {
	r, ok := m[capture.RefKey].(map[string]any)
	if !ok {
		return refKey{}, false
	}
	t, _ := r["type"].(string)
	c, _ := r["canonical"].(string)
	return refKey{mapping.ObjectType(t), c}, t != "" && c != ""
}

// resolve re-points the reference v found at path. false means the field
// must be left out: deferred, unresolved (the write will fail), or never
// resolvable ($unresolved, with a warning).
func (r *refs) resolve(path string, v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	if g, ok := m[capture.UnresolvedKey].(string); ok {
		r.warnings = append(r.warnings, fmt.Sprintf("%s: left out: the source referred to %s, which Flux cannot map to another store", path, g))
		return "", false
	}
	k, ok := asRef(m)
	if !ok {
		return "", false
	}
	return r.need(path, k)
}

// need is the target GID of k, which the field at path refers to.
func (r *refs) need(path string, k refKey) (string, bool) {
	if g, ok := r.gids[k]; ok {
		return g, true
	}
	if r.deferOK {
		r.deferred = append(r.deferred, path)
	} else {
		r.unresolved = append(r.unresolved, fmt.Sprintf("%s → %s %s", path, k.Type, k.Canonical))
	}
	return "", false
}

// failUnresolved is the KindConflict error listing the references the
// target cannot resolve, or nil.
func (r *refs) failUnresolved(t mapping.ObjectType, canonical string) error {
	if len(r.unresolved) == 0 {
		return nil
	}
	return platform.E(platform.KindConflict, fmt.Sprintf(
		"%s %s refers to objects the target store does not have (write or deploy them first): %s",
		t, canonical, strings.Join(r.unresolved, "; ")))
}

// value is a metafield's or metaobject field's value as Shopify takes it:
// a reference becomes its GID, a list of references a JSON array of GIDs.
// false: left out (a reference could not be re-pointed).
func (r *refs) value(path string, v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case nil:
		return "", false
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case map[string]any:
		if _, ok := asRef(x); ok {
			return r.resolve(path, x)
		}
		if _, ok := x[capture.UnresolvedKey]; ok {
			return r.resolve(path, x)
		}
	case []any:
		gids := make([]string, 0, len(x))
		all := true
		for i, e := range x {
			em, ok := e.(map[string]any)
			if !ok {
				all = false
				break
			}
			g, ok := r.resolve(path+"/"+strconv.Itoa(i), em)
			if !ok {
				return "", false
			}
			gids = append(gids, g)
		}
		if all {
			b, _ := json.Marshal(gids)
			return string(b), true
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// Small readers of a decoded JSON tree.

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func obj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

func arr(m map[string]any, k string) []any {
	a, _ := m[k].([]any)
	return a
}

// dig follows keys through nested objects.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func digStr(v any, keys ...string) string {
	s, _ := dig(v, keys...).(string)
	return s
}

// copyKeys copies the keys of src that are present (null included) into dst.
func copyKeys(dst, src map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := src[k]; ok {
			dst[k] = v
		}
	}
}

func ptr(path string, keys ...any) string {
	var b strings.Builder
	b.WriteString(path)
	for _, k := range keys {
		b.WriteByte('/')
		switch x := k.(type) {
		case int:
			b.WriteString(strconv.Itoa(x))
		case string:
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(x, "~", "~0"), "/", "~1"))
		}
	}
	return b.String()
}
