package catalog

import (
	"fmt"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// BulkIDsQuery is a bulk query listing only the GIDs of every object of
// type t: what a deletion check compares Flux's mappings with. A bulk
// operation costs a few points however many objects it lists, where pages
// of ids cost about one point per id.
func BulkIDsQuery(t mapping.ObjectType) (string, error) {
	s, ok := specs[t]
	if !ok || !s.bulk {
		return "", platform.Wrap(platform.KindValidation, fmt.Sprintf("%s is not read by bulk operation; use IDs", t), ErrBulkUnsupported)
	}
	return fmt.Sprintf("{ %s { edges { node { id } } } }", s.root), nil
}
