package capture

import (
	"bytes"
	"strconv"
)

// ChangeKind is how a path differs between two canonical forms.
type ChangeKind string

// The change kinds.
const (
	Added    ChangeKind = "added"
	Modified ChangeKind = "modified"
	Removed  ChangeKind = "removed"
)

// Change is one field-level difference: Path is a JSON pointer (RFC 6901)
// into the forms; Before is absent (nil) for Added, After for Removed.
type Change struct {
	Path   string     `json:"path"`
	Kind   ChangeKind `json:"kind"`
	Before any        `json:"before,omitempty"`
	After  any        `json:"after,omitempty"`
}

// MarshalJSON writes before for modified and removed changes and after for
// added and modified ones, even when the value is null.
func (c Change) MarshalJSON() ([]byte, error) {
	m := map[string]any{"path": c.Path, "kind": c.Kind}
	if c.Kind != Added {
		m["before"] = c.Before
	}
	if c.Kind != Removed {
		m["after"] = c.After
	}
	return Encode(Canonical{v: m}), nil
}

// Diff lists the field-level changes from a to b, in path order (object
// keys sorted, array elements by index). Objects are compared key by key
// and arrays index by index (elements past the shorter array are added or
// removed), except arrays of keyed objects (metafields, metaobject fields),
// whose elements are matched by namespace and key; a reference ({"$ref"} or {"$unresolved"}) is one value, and a
// change of JSON type at a path is one modification.
func Diff(a, b Canonical) []Change {
	var out []Change
	diff(&out, "", a.v, b.v)
	return out
}

func isRef(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	_, r := m[RefKey]
	_, u := m[UnresolvedKey]
	return r || u
}

func diff(out *[]Change, path string, a, b any) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if ok && !isRef(x) && !isRef(y) {
			keys := map[string]bool{}
			for k := range x {
				keys[k] = true
			}
			for k := range y {
				keys[k] = true
			}
			all := make(map[string]any, len(keys))
			for k := range keys {
				all[k] = nil
			}
			for _, k := range sortedKeys(all) {
				p := path + "/" + escapePointer(k)
				av, inA := x[k]
				bv, inB := y[k]
				switch {
				case !inA:
					*out = append(*out, Change{Path: p, Kind: Added, After: bv})
				case !inB:
					*out = append(*out, Change{Path: p, Kind: Removed, Before: av})
				default:
					diff(out, p, av, bv)
				}
			}
			return
		}
	case []any:
		if y, ok := b.([]any); ok {
			if ia, ok := identities(x); ok {
				if ib, ok := identities(y); ok {
					diffByIdentity(out, path, x, y, ia, ib)
					return
				}
			}
			for i := 0; i < max(len(x), len(y)); i++ {
				p := path + "/" + strconv.Itoa(i)
				switch {
				case i >= len(x):
					*out = append(*out, Change{Path: p, Kind: Added, After: y[i]})
				case i >= len(y):
					*out = append(*out, Change{Path: p, Kind: Removed, Before: x[i]})
				default:
					diff(out, p, x[i], y[i])
				}
			}
			return
		}
	}
	if !bytes.Equal(Encode(Canonical{v: a}), Encode(Canonical{v: b})) {
		*out = append(*out, Change{Path: path, Kind: Modified, Before: a, After: b})
	}
}

// identities are the identities of an array's elements when each is an
// object with a "key" (metafields: namespace and key; a metaobject's
// fields: key) and they are unique; ok is false otherwise.
func identities(a []any) ([]string, bool) {
	if len(a) == 0 {
		return nil, false
	}
	ids := make([]string, len(a))
	seen := make(map[string]bool, len(a))
	for i, e := range a {
		m, ok := e.(map[string]any)
		if !ok || isRef(m) {
			return nil, false
		}
		k, ok := m["key"].(string)
		if !ok || k == "" {
			return nil, false
		}
		ns, _ := m["namespace"].(string)
		id := ns + "\x00" + k
		if seen[id] {
			return nil, false
		}
		seen[id] = true
		ids[i] = id
	}
	return ids, true
}

// diffByIdentity matches elements by identity, so inserting or removing
// one metafield is one change rather than a shift of every later index.
// Removed elements are reported at their index in a, added and modified
// ones at their index in b; the order is a's elements, then b's new ones.
func diffByIdentity(out *[]Change, path string, a, b []any, ia, ib []string) {
	inB := make(map[string]int, len(ib))
	for j, id := range ib {
		inB[id] = j
	}
	inA := make(map[string]bool, len(ia))
	for i, id := range ia {
		inA[id] = true
		j, ok := inB[id]
		if !ok {
			*out = append(*out, Change{Path: path + "/" + strconv.Itoa(i), Kind: Removed, Before: a[i]})
			continue
		}
		diff(out, path+"/"+strconv.Itoa(j), a[i], b[j])
	}
	for j, id := range ib {
		if !inA[id] {
			*out = append(*out, Change{Path: path + "/" + strconv.Itoa(j), Kind: Added, After: b[j]})
		}
	}
}
