package graphql

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	gqlerrors "github.com/graph-gophers/graphql-go/errors"
)

// walker measures one operation with its fragments expanded: depth, selected
// fields (complexity) and aliases. It stops at the first limit exceeded, so
// a document whose fragments would expand exponentially costs at most the
// limits' worth of work.
//
// Depth: a root field is at depth 1, its subfields at 2, and so on; inline
// fragments and fragment spreads add no depth. One exception, for
// introspection: inside __schema / __type, `ofType` adds no depth. It
// unwraps a list or non-null type, always exactly one child, so a chain of
// them cannot fan out; the standard introspection query (and with it the
// playground) nests ofType seven times. Its fields still count toward
// complexity.
type walker struct {
	doc       *ast.QueryDocument
	frags     map[string]*ast.FragmentDefinition
	l         limits
	fields    int
	aliases   int
	spreads   int
	expanding map[string]bool // fragments on the current path: a cycle is an error
}

func (w *walker) walk(set ast.SelectionSet, depth int, introspection bool) *requestError {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if depth > w.l.depth {
				return limitError(s.Position, fmt.Sprintf("field %q is nested %d levels deep; the limit is %d", s.Name, depth, w.l.depth))
			}
			w.fields++
			if w.fields > w.l.complexity {
				return limitError(s.Position, fmt.Sprintf("the query selects more than %d fields (fragments expanded)", w.l.complexity))
			}
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
				if w.aliases > w.l.aliases {
					return limitError(s.Position, fmt.Sprintf("the query uses more than %d aliases", w.l.aliases))
				}
			}
			intro := introspection || s.Name == "__schema" || s.Name == "__type"
			next := depth + 1
			if intro && s.Name == "ofType" {
				next = depth
			}
			if err := w.walk(s.SelectionSet, next, intro); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := w.walk(s.SelectionSet, depth, introspection); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			frag := w.fragment(s.Name)
			if frag == nil {
				return limitError(s.Position, fmt.Sprintf("unknown fragment %q", s.Name))
			}
			if w.expanding[s.Name] {
				return limitError(s.Position, fmt.Sprintf("fragment %q spreads itself", s.Name))
			}
			// Every expansion of a fragment with fields adds fields, so a real
			// query expands fewer fragments than it selects fields; this bound
			// stops documents of fragments that only spread other fragments.
			w.spreads++
			if w.spreads > 2*w.l.complexity {
				return limitError(s.Position, fmt.Sprintf("the query expands more than %d fragments", 2*w.l.complexity))
			}
			w.expanding[s.Name] = true
			err := w.walk(frag.SelectionSet, depth, introspection)
			delete(w.expanding, s.Name)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *walker) fragment(name string) *ast.FragmentDefinition {
	if w.frags == nil {
		w.frags = make(map[string]*ast.FragmentDefinition, len(w.doc.Fragments))
		for _, f := range w.doc.Fragments {
			if _, dup := w.frags[f.Name]; !dup {
				w.frags[f.Name] = f
			}
		}
	}
	return w.frags[name]
}

func limitError(pos *ast.Position, msg string) *requestError {
	e := invalid(msg)
	if pos != nil {
		e.entries[0].Locations = []gqlerrors.Location{{Line: pos.Line, Column: pos.Column}}
	}
	return e
}

func locationOf(loc gqlerror.Location) gqlerrors.Location {
	return gqlerrors.Location{Line: loc.Line, Column: loc.Column}
}
