package emulator

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Cost rules, as Shopify documents them for the GraphQL Admin API:
//   - scalars and enums cost 0;
//   - objects (and interfaces and unions) cost 1;
//   - connections cost 2 plus first (or last) times the cost of one node;
//     edges, cursor and pageInfo add nothing;
//   - interfaces and unions cost the maximum of their possible selections;
//   - each mutation root field costs 10.
// requestedQueryCost applies them to the query; actualQueryCost applies them to
// the data returned (the number of nodes each connection really returned).

const mutationCost = 10

// MaxQueryCost is the single-query limit.
const MaxQueryCost = 1000

// requestedCost computes the requested cost of op with vars.
func requestedCost(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) int {
	if op.Operation == ast.Mutation {
		n := 0
		for range collectFields(op.SelectionSet, "") {
			n += mutationCost
		}
		return n
	}
	return selectionCost(schema, op.SelectionSet, vars, nil, false)
}

// actualCost computes the cost of the same selection over data.
func actualCost(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any, data map[string]any) int {
	if op.Operation == ast.Mutation {
		return requestedCost(schema, op, vars)
	}
	return selectionCost(schema, op.SelectionSet, vars, data, true)
}

type typedField struct {
	cond  string // type condition ("" for the parent type)
	field *ast.Field
}

// collectFields flattens fragments, remembering each field's type condition.
func collectFields(set ast.SelectionSet, cond string) []typedField {
	var out []typedField
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, typedField{cond, s})
		case *ast.InlineFragment:
			c := s.TypeCondition
			if c == "" {
				c = cond
			}
			out = append(out, collectFields(s.SelectionSet, c)...)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out = append(out, collectFields(s.Definition.SelectionSet, s.Definition.TypeCondition)...)
			}
		}
	}
	return out
}

// selectionCost sums a selection set's field costs; fields under different type
// conditions are alternatives, so only the costliest group counts. When actual is
// true, data is the returned object for this selection.
func selectionCost(schema *ast.Schema, set ast.SelectionSet, vars map[string]any, data map[string]any, actual bool) int {
	groups := map[string]int{}
	for _, tf := range collectFields(set, "") {
		f := tf.field
		if f.Definition == nil || strings.HasPrefix(f.Name, "__") {
			continue
		}
		var val any
		present := true
		if actual {
			if data == nil {
				continue
			}
			val, present = data[f.Alias]
			if !present {
				// Fields of another type condition are absent from the data.
				continue
			}
		}
		groups[tf.cond] += fieldCost(schema, f, vars, val, actual)
	}
	total, best := groups[""], 0
	for cond, c := range groups {
		if cond != "" && c > best {
			best = c
		}
	}
	return total + best
}

func fieldCost(schema *ast.Schema, f *ast.Field, vars map[string]any, val any, actual bool) int {
	t := f.Definition.Type
	named := t.Name()
	def := schema.Types[named]
	if def == nil || def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return 0
	}
	if named == "PageInfo" {
		return 0
	}
	if isConnection(t) {
		perNode := func(node map[string]any, actual bool) int {
			c := 0
			for _, tf := range collectFields(f.SelectionSet, "") {
				sub := tf.field
				switch sub.Name {
				case "edges":
					for _, tf2 := range collectFields(sub.SelectionSet, "") {
						if tf2.field.Name == "node" {
							var nv map[string]any
							if actual && node != nil {
								nv = node
							}
							c += 1 + selectionCost(schema, tf2.field.SelectionSet, vars, nv, actual)
						}
					}
				case "nodes":
					c += 1 + selectionCost(schema, sub.SelectionSet, vars, node, actual)
				}
			}
			return c
		}
		if !actual {
			return 2 + pageSize(f, vars)*perNode(nil, false)
		}
		cost := 2
		m, _ := val.(map[string]any)
		if m == nil {
			return cost
		}
		// Nodes appear under edges and/or nodes; count each returned node once
		// per selection that returns it.
		for _, tf := range collectFields(f.SelectionSet, "") {
			sub := tf.field
			switch sub.Name {
			case "edges":
				edges, _ := m[sub.Alias].([]any)
				for _, e := range edges {
					em, _ := e.(map[string]any)
					for _, tf2 := range collectFields(sub.SelectionSet, "") {
						if tf2.field.Name == "node" && em != nil {
							nm, _ := em[tf2.field.Alias].(map[string]any)
							cost += 1 + selectionCost(schema, tf2.field.SelectionSet, vars, nm, true)
						}
					}
				}
			case "nodes":
				nodes, _ := m[sub.Alias].([]any)
				for _, n := range nodes {
					nm, _ := n.(map[string]any)
					cost += 1 + selectionCost(schema, sub.SelectionSet, vars, nm, true)
				}
			}
		}
		return cost
	}
	// Lists of objects (options, menu items, nodes(ids:)) cost per element.
	if t.Elem != nil {
		if !actual {
			n := 1
			if v := argInt(f, "first", vars); v > 0 {
				n = v
			}
			if ids := argList(f, "ids", vars); ids > 0 {
				n = ids
			}
			return n * (1 + selectionCost(schema, f.SelectionSet, vars, nil, false))
		}
		list, _ := val.([]any)
		c := 0
		for _, e := range list {
			em, _ := e.(map[string]any)
			c += 1 + selectionCost(schema, f.SelectionSet, vars, em, true)
		}
		return c
	}
	if actual {
		m, _ := val.(map[string]any)
		if m == nil {
			return 1
		}
		return 1 + selectionCost(schema, f.SelectionSet, vars, m, true)
	}
	return 1 + selectionCost(schema, f.SelectionSet, vars, nil, false)
}

// pageSize is first or last (a connection without either is sized 0 here and
// is refused at execution).
func pageSize(f *ast.Field, vars map[string]any) int {
	if n := argInt(f, "first", vars); n > 0 {
		return n
	}
	if n := argInt(f, "last", vars); n > 0 {
		return n
	}
	return 0
}

func argValue(f *ast.Field, name string, vars map[string]any) any {
	a := f.Arguments.ForName(name)
	if a == nil || a.Value == nil {
		return nil
	}
	v, err := a.Value.Value(vars)
	if err != nil {
		return nil
	}
	return v
}

func argInt(f *ast.Field, name string, vars map[string]any) int {
	switch v := argValue(f, name, vars).(type) {
	case int64:
		return int(v)
	case int:
		return v
	case float64:
		return int(v)
	case int32:
		return int(v)
	}
	return 0
}

func argList(f *ast.Field, name string, vars map[string]any) int {
	if l, ok := argValue(f, name, vars).([]any); ok {
		return len(l)
	}
	return 0
}
