package shopwrite

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// kind is how one object type is written, found and deleted.
type kind struct {
	// check validates the body against the canonical (nil: no check).
	check func(canonical string, m map[string]any) error
	// extra are references a body implies beyond its $refs (an article's
	// blog, product media's library files).
	extra func(canonical string, m map[string]any) []refKey
	// find searches the shop for the object by its canonical ("" if none).
	find func(ctx context.Context, w *Writer, canonical string) (string, error)
	// write sends the object (j.create: a create, else an update of j.gid).
	write func(ctx context.Context, j *job) (string, error)
	// del deletes gid from the shop.
	del func(ctx context.Context, w *Writer, canonical, gid string) error
}

func (k kind) checkBody(canonical string, m map[string]any) error {
	if k.check == nil {
		return nil
	}
	return k.check(canonical, m)
}

func (k kind) extraRefs(canonical string, m map[string]any) []refKey {
	if k.extra == nil {
		return nil
	}
	return k.extra(canonical, m)
}

var kinds map[mapping.ObjectType]kind

func init() {
	kinds = map[mapping.ObjectType]kind{
		mapping.Product:              productKind,
		mapping.Collection:           collectionKind,
		mapping.Page:                 pageKind,
		mapping.Blog:                 blogKind,
		mapping.Article:              articleKind,
		mapping.Menu:                 menuKind,
		mapping.Discount:             discountKind,
		mapping.MetaobjectDefinition: metaobjectDefinitionKind,
		mapping.Metaobject:           metaobjectKind,
		mapping.MetafieldDefinition:  metafieldDefinitionKind,
		mapping.File:                 fileKind,
		mapping.Theme:                themeKind,
	}
}

// kind is the writer of type t, with canonical validated.
func (w *Writer) kind(t mapping.ObjectType, canonical string) (kind, error) {
	if err := mapping.ValidateCanonical(t, canonical); err != nil {
		return kind{}, err
	}
	k, ok := kinds[t]
	if !ok {
		return kind{}, platform.E(platform.KindValidation, fmt.Sprintf("Flux cannot write %s objects to a store", t))
	}
	return k, nil
}

// job is one write in progress.
type job struct {
	w         *Writer
	t         mapping.ObjectType
	canonical string
	body      map[string]any
	refs      *refs
	gid       string // the object to update ("" before a create)
	create    bool
	warnings  []string
}

func (j *job) warn(format string, args ...any) {
	j.warnings = append(j.warnings, fmt.Sprintf(format, args...))
}

// send runs a mutation of the write, once every reference it needs is
// known to resolve (else the KindConflict error, before any change).
func (j *job) send(ctx context.Context, q string, vars map[string]any) (map[string]any, error) {
	if err := j.refs.failUnresolved(j.t, j.canonical); err != nil {
		return nil, err
	}
	return j.w.mutate(ctx, j, q, vars)
}

// gidAt is the GID a mutation answered at keys, or an error.
func gidAt(data map[string]any, keys ...string) (string, error) {
	g := digStr(data, keys...)
	if g == "" {
		return "", platform.E(platform.KindInternal, "Shopify's answer has no "+strings.Join(keys, "."))
	}
	return g, nil
}

// handleCheck: a body's handle, when it has one, is its canonical's.
func handleCheck(want func(canonical string) string) func(string, map[string]any) error {
	return func(canonical string, m map[string]any) error {
		if h, ok := m["handle"].(string); ok && h != want(canonical) {
			return platform.E(platform.KindValidation, fmt.Sprintf("the body's handle %q is not the canonical's (%q)", h, want(canonical)))
		}
		return nil
	}
}

func same(c string) string { return c }

// metafieldInputs are the body's metafields (at path) as MetafieldsSetInput
// for owner, references re-pointed; a metafield whose reference cannot be
// re-pointed is left out.
func (j *job) metafieldInputs(p string, list []any) []map[string]any {
	var out []map[string]any
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		v, ok := j.refs.value(ptr(p, i, "value"), m["value"])
		if !ok {
			continue
		}
		out = append(out, map[string]any{"namespace": str(m, "namespace"), "key": str(m, "key"), "type": str(m, "type"), "value": v})
	}
	return out
}

const metafieldsSetQ = `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { id } userErrors { field message code } } }`

// setMetafields sets mfs on owner with metafieldsSet (25 at a time).
// Metafields the target has and the body does not are deleted after an
// update (afterUpdate).
func (j *job) setMetafields(ctx context.Context, owner string, mfs []map[string]any) error {
	for start := 0; start < len(mfs); start += 25 {
		batch := mfs[start:min(len(mfs), start+25)]
		in := make([]map[string]any, len(batch))
		for i, m := range batch {
			in[i] = map[string]any{"ownerId": owner, "namespace": m["namespace"], "key": m["key"], "type": m["type"], "value": m["value"]}
		}
		if _, err := j.w.call(ctx, metafieldsSetQ, map[string]any{"m": in}, 0); err != nil {
			return fmt.Errorf("metafields: %w", err)
		}
	}
	return nil
}

// orEmpty sends a null string field as "" (Shopify clears it; a null input
// field means "unchanged").
func orEmpty(m map[string]any, k string) string { return str(m, k) }

// findFirst runs a search query and returns the id of the first node at
// keys for which match is true.
func (w *Writer) findFirst(ctx context.Context, q string, vars map[string]any, match func(map[string]any) bool, keys ...string) (string, error) {
	data, err := w.query(ctx, q, vars)
	if err != nil {
		return "", err
	}
	nodes, _ := dig(data, keys...).([]any)
	for _, n := range nodes {
		m, _ := n.(map[string]any)
		if m != nil && match(m) {
			return str(m, "id"), nil
		}
	}
	return "", nil
}

// byHandle finds an object whose field handleKey (usually handle) is h
// through root(first:, query: "handle:h").
func byHandle(root string) func(context.Context, *Writer, string) (string, error) {
	return func(ctx context.Context, w *Writer, c string) (string, error) {
		q := fmt.Sprintf(`query($q: String!) { %s(first: 10, query: $q) { nodes { id handle } } }`, root)
		return w.findFirst(ctx, q, map[string]any{"q": "handle:" + c}, func(m map[string]any) bool { return str(m, "handle") == c }, root, "nodes")
	}
}

// byID runs a query whose root field answers one object's id or null.
func byID(q string, vars func(c string) map[string]any, root string) func(context.Context, *Writer, string) (string, error) {
	return func(ctx context.Context, w *Writer, c string) (string, error) {
		data, err := w.query(ctx, q, vars(c))
		if err != nil {
			return "", err
		}
		return digStr(data, root, "id"), nil
	}
}

// deleteBy runs a delete mutation with the GID as $id.
func deleteBy(q string) func(context.Context, *Writer, string, string) error {
	return func(ctx context.Context, w *Writer, _, gid string) error {
		_, err := w.call(ctx, q, map[string]any{"id": gid}, 0)
		return err
	}
}

// fileName is the library name a CDN path or URL ends in.
func fileName(u string) string {
	u, _, _ = strings.Cut(u, "?")
	return path.Base(u)
}

// libraryFile is the FILE canonical a body's CDN path names
// (cdn:files/<name>, a file of the library), or "".
func libraryFile(u string) string {
	rest, ok := strings.CutPrefix(u, "cdn:files/")
	if !ok || strings.Contains(rest, "/") || mapping.ValidateCanonical(mapping.File, rest) != nil {
		return ""
	}
	return rest
}
