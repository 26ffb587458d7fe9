package release

import (
	"context"
	"fmt"
	"slices"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// VersionRef is an object's current version in a shop.
type VersionRef struct {
	Seq  int64
	Hash string
}

// Versions is what the changeset reads of the captures (the store, through
// an adapter that treats deleted objects as absent).
type Versions interface {
	// Canonicals pages the canonical paths shop has of type t in order,
	// after `after` (exclusive), at most limit; next is "" on the last page.
	Canonicals(ctx context.Context, tenantID string, t mapping.ObjectType, shop, after string, limit int) (page []string, next string, err error)
	// Currents is the current version of each canonical the shop has (an
	// object never captured or deleted is absent from the map).
	Currents(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, canonicals []string) (map[string]VersionRef, error)
	// Bodies are the canonical bodies of the given versions (canonical →
	// seq).
	Bodies(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, seqs map[string]int64) (map[string][]byte, error)
}

// batch is how many objects are read per round (DynamoDB's BatchGetItem
// takes 100 keys).
const batch = 100

// Changeset computes the changes from target to source of the objects in
// scope: every object of types, plus the named canonicals. Objects equal in
// both are counted as unchanged and not listed. A named canonical that
// neither shop has is a validation error.
func Changeset(ctx context.Context, v Versions, tenantID, source, target string, types []mapping.ObjectType, named []ObjectRef) ([]Change, Summary, error) {
	var out []Change
	var sum Summary
	perType := map[mapping.ObjectType][]string{}
	for _, t := range types {
		perType[t] = nil
	}
	explicit := map[ObjectRef]bool{}
	for _, o := range named {
		if !slices.Contains(types, o.Type) {
			perType[o.Type] = append(perType[o.Type], o.Canonical)
			explicit[o] = true
		}
	}
	order := slices.Sorted(func(yield func(mapping.ObjectType) bool) {
		for t := range perType {
			if !yield(t) {
				return
			}
		}
	})
	for _, t := range order {
		canonicals := perType[t]
		if slices.Contains(types, t) {
			var err error
			if canonicals, err = allCanonicals(ctx, v, tenantID, t, source, target); err != nil {
				return nil, Summary{}, err
			}
		} else {
			slices.Sort(canonicals)
			canonicals = slices.Compact(canonicals)
		}
		for start := 0; start < len(canonicals); start += batch {
			chunk := canonicals[start:min(start+batch, len(canonicals))]
			cs, err := compare(ctx, v, tenantID, t, source, target, chunk, &sum)
			if err != nil {
				return nil, Summary{}, err
			}
			for _, c := range cs {
				if c.Kind == "" {
					if explicit[c.Object] {
						return nil, Summary{}, platform.E(platform.KindValidation,
							fmt.Sprintf("%s is in neither %s nor %s (as of their latest syncs)", c.Object, source, target))
					}
					continue
				}
				c.Target = target
				out = append(out, c)
			}
		}
	}
	return out, sum, nil
}

// allCanonicals is the sorted union of what source and target have of t.
func allCanonicals(ctx context.Context, v Versions, tenantID string, t mapping.ObjectType, source, target string) ([]string, error) {
	var all []string
	for _, shop := range []string{source, target} {
		after := ""
		for {
			page, next, err := v.Canonicals(ctx, tenantID, t, shop, after, 1000)
			if err != nil {
				return nil, fmt.Errorf("list %s of %s: %w", t, shop, err)
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			after = next
		}
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}

// compare classifies one batch of canonicals of type t. A change with no
// Kind is an object neither shop has.
func compare(ctx context.Context, v Versions, tenantID string, t mapping.ObjectType, source, target string, canonicals []string, sum *Summary) ([]Change, error) {
	src, err := v.Currents(ctx, tenantID, t, source, canonicals)
	if err != nil {
		return nil, fmt.Errorf("current versions in %s: %w", source, err)
	}
	tgt, err := v.Currents(ctx, tenantID, t, target, canonicals)
	if err != nil {
		return nil, fmt.Errorf("current versions in %s: %w", target, err)
	}
	out := make([]Change, 0, len(canonicals))
	srcSeqs, tgtSeqs := map[string]int64{}, map[string]int64{}
	for _, c := range canonicals {
		s, inSrc := src[c]
		g, inTgt := tgt[c]
		ch := Change{Object: ObjectRef{Type: t, Canonical: c}, SourceSeq: s.Seq, SourceHash: s.Hash, TargetSeq: g.Seq, TargetHash: g.Hash}
		switch {
		case inSrc && !inTgt:
			ch.Kind = Created
			sum.Created++
		case inSrc && inTgt && s.Hash == g.Hash:
			sum.Unchanged++
			continue
		case inSrc && inTgt:
			ch.Kind = Modified
			sum.Modified++
			srcSeqs[c], tgtSeqs[c] = s.Seq, g.Seq
		case inTgt:
			ch.Kind = TargetOnly
			sum.TargetOnly++
		}
		out = append(out, ch)
	}
	if len(srcSeqs) == 0 {
		return out, nil
	}
	srcBodies, err := v.Bodies(ctx, tenantID, t, source, srcSeqs)
	if err != nil {
		return nil, fmt.Errorf("bodies in %s: %w", source, err)
	}
	tgtBodies, err := v.Bodies(ctx, tenantID, t, target, tgtSeqs)
	if err != nil {
		return nil, fmt.Errorf("bodies in %s: %w", target, err)
	}
	for i := range out {
		if out[i].Kind != Modified {
			continue
		}
		c := out[i].Object.Canonical
		a, err := capture.Parse(tgtBodies[c])
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", out[i].Object, target, err)
		}
		b, err := capture.Parse(srcBodies[c])
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", out[i].Object, source, err)
		}
		out[i].Fields, out[i].FieldsTruncated = FieldChanges(capture.Diff(a, b))
	}
	return out, nil
}

// FieldChanges keeps the path and kind of at most MaxFieldChanges changes
// and counts the rest.
func FieldChanges(cs []capture.Change) ([]FieldChange, int) {
	n := min(len(cs), MaxFieldChanges)
	out := make([]FieldChange, n)
	for i, c := range cs[:n] {
		out[i] = FieldChange{Path: c.Path, Kind: string(c.Kind)}
	}
	return out, len(cs) - n
}

// Drift lists the changeset's objects whose target version is no longer
// the one the changeset was computed against.
func Drift(ctx context.Context, v Versions, tenantID string, changes []Change) ([]ObjectRef, error) {
	type key struct {
		target string
		t      mapping.ObjectType
	}
	groups := map[key][]Change{}
	var order []key
	for _, c := range changes {
		k := key{c.Target, c.Object.Type}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	var drifted []ObjectRef
	for _, k := range order {
		cs := groups[k]
		for start := 0; start < len(cs); start += batch {
			chunk := cs[start:min(start+batch, len(cs))]
			names := make([]string, len(chunk))
			for i, c := range chunk {
				names[i] = c.Object.Canonical
			}
			cur, err := v.Currents(ctx, tenantID, k.t, k.target, names)
			if err != nil {
				return nil, fmt.Errorf("current versions in %s: %w", k.target, err)
			}
			for _, c := range chunk {
				if cur[c.Object.Canonical].Hash != c.TargetHash {
					drifted = append(drifted, c.Object)
				}
			}
		}
	}
	return drifted, nil
}
