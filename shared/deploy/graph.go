package deploy

import (
	"slices"
	"strings"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/release"
)

// Rank is an object type's dependency layer: what others reference is
// written first — metafield and metaobject definitions → metaobject
// entries → files → products, pages, blogs → articles → collections →
// menus → discounts (which name products and collections). A type without
// a rank (THEME) cannot be deployed as an object.
var Rank = map[mapping.ObjectType]int{
	mapping.MetafieldDefinition:  0,
	mapping.MetaobjectDefinition: 0,
	mapping.Metaobject:           1,
	mapping.File:                 2,
	mapping.Product:              3,
	mapping.Page:                 3,
	mapping.Blog:                 3,
	mapping.Article:              4,
	mapping.Collection:           5,
	mapping.Menu:                 6,
	mapping.Discount:             7,
}

// Node is one object to write with the objects its body references.
type Node struct {
	Ref  release.ObjectRef
	Refs []release.ObjectRef
}

// Plan is the order a deploy writes its objects in.
type Plan struct {
	// Layers are written in order; the objects of one layer in parallel
	// (none of them references another of the same layer, except through
	// TwoPass).
	Layers [][]release.ObjectRef
	// TwoPass objects reference an object of the deploy that is written at
	// the same time or later (a reference cycle, or a type of a later
	// rank): they are written first without those references
	// (shopwrite.Options.DeferUnresolved) and patched with their full body
	// once every layer is written.
	TwoPass map[release.ObjectRef]bool
}

// Size is the number of objects of the plan.
func (p Plan) Size() int {
	n := 0
	for _, l := range p.Layers {
		n += len(l)
	}
	return n
}

// BuildPlan layers nodes: by Rank, then, inside a rank, by the references
// between its objects (an object after those it references). The objects
// of a reference cycle (and any object referencing one of a later rank)
// are TwoPass, and their references to objects of the same or a later
// layer do not order them. References to objects outside nodes are the
// target's business (they must exist there already) and do not order
// anything. Layers and their objects are sorted, so a plan is
// deterministic.
func BuildPlan(nodes []Node) Plan {
	byRef := map[release.ObjectRef]Node{}
	ranks := map[int][]release.ObjectRef{}
	for _, n := range nodes {
		if _, dup := byRef[n.Ref]; dup {
			continue
		}
		byRef[n.Ref] = n
		ranks[Rank[n.Ref.Type]] = append(ranks[Rank[n.Ref.Type]], n.Ref)
	}
	plan := Plan{TwoPass: map[release.ObjectRef]bool{}}
	order := make([]int, 0, len(ranks))
	for r := range ranks {
		order = append(order, r)
	}
	slices.Sort(order)
	for _, rank := range order {
		members := ranks[rank]
		slices.SortFunc(members, cmpRef)
		in := map[release.ObjectRef]bool{}
		for _, m := range members {
			in[m] = true
		}
		// Edges inside the rank; a reference to a later rank makes the
		// object two-pass.
		edges := map[release.ObjectRef][]release.ObjectRef{}
		for _, m := range members {
			for _, r := range byRef[m].Refs {
				o, ok := byRef[r]
				if !ok {
					continue
				}
				switch rr := Rank[o.Ref.Type]; {
				case rr > rank:
					plan.TwoPass[m] = true
				case in[r]:
					edges[m] = append(edges[m], r)
				}
			}
		}
		for _, scc := range components(members, edges) {
			if len(scc) > 1 || slices.Contains(edges[scc[0]], scc[0]) {
				for _, m := range scc {
					plan.TwoPass[m] = true
				}
			}
		}
		plan.Layers = append(plan.Layers, sublayers(members, edges, plan.TwoPass)...)
	}
	return plan
}

// sublayers orders a rank's members: an object comes after the objects it
// references, except references of two-pass objects into their cycle,
// which are patched later.
func sublayers(members []release.ObjectRef, edges map[release.ObjectRef][]release.ObjectRef, twoPass map[release.ObjectRef]bool) [][]release.ObjectRef {
	depth := map[release.ObjectRef]int{}
	visiting := map[release.ObjectRef]bool{}
	var visit func(m release.ObjectRef) int
	visit = func(m release.ObjectRef) int {
		if d, ok := depth[m]; ok {
			return d
		}
		visiting[m] = true
		d := 0
		for _, r := range edges[m] {
			if visiting[r] || (twoPass[m] && twoPass[r]) {
				continue // a cycle: resolved by the second pass
			}
			d = max(d, visit(r)+1)
		}
		visiting[m] = false
		depth[m] = d
		return d
	}
	var out [][]release.ObjectRef
	for _, m := range members {
		d := visit(m)
		for len(out) <= d {
			out = append(out, nil)
		}
		out[d] = append(out[d], m)
	}
	for _, l := range out {
		slices.SortFunc(l, cmpRef)
	}
	return out
}

// components are the strongly connected components of the graph (Tarjan).
func components(members []release.ObjectRef, edges map[release.ObjectRef][]release.ObjectRef) [][]release.ObjectRef {
	index, low := map[release.ObjectRef]int{}, map[release.ObjectRef]int{}
	onStack := map[release.ObjectRef]bool{}
	var stack []release.ObjectRef
	var out [][]release.ObjectRef
	next := 0
	var strong func(v release.ObjectRef)
	strong = func(v release.ObjectRef) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range edges[v] {
			if _, seen := index[w]; !seen {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var scc []release.ObjectRef
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			out = append(out, scc)
		}
	}
	for _, m := range members {
		if _, seen := index[m]; !seen {
			strong(m)
		}
	}
	return out
}

func cmpRef(a, b release.ObjectRef) int {
	if c := strings.Compare(string(a.Type), string(b.Type)); c != 0 {
		return c
	}
	return strings.Compare(a.Canonical, b.Canonical)
}

// References are the objects a canonical body references: every
// {"$ref":{"type","canonical"}} in it, plus what the type implies (an
// article's blog). Sorted, without duplicates.
func References(t mapping.ObjectType, canonical string, body capture.Canonical) []release.ObjectRef {
	var out []release.ObjectRef
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x[capture.RefKey].(map[string]any); ok {
				typ, _ := r["type"].(string)
				c, _ := r["canonical"].(string)
				if typ != "" && c != "" {
					out = append(out, release.ObjectRef{Type: mapping.ObjectType(typ), Canonical: c})
				}
				return
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(body.Value())
	if t == mapping.Article {
		if blog, _, ok := strings.Cut(canonical, "/"); ok {
			out = append(out, release.ObjectRef{Type: mapping.Blog, Canonical: blog})
		}
	}
	slices.SortFunc(out, cmpRef)
	return slices.Compact(out)
}
