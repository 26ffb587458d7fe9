package graphql

import (
	"context"

	"github.com/flux-platform/flux/shared/rpc"
)

// rootResolver hands graphql-go one resolver per root operation type. The
// resolvers hold only the transport: no request state lives on them, every
// request's state is in its ctx and its arguments.
type rootResolver struct {
	query    *queryResolver
	mutation *mutationResolver
}

func newRootResolver(t rpc.Transport) *rootResolver {
	return &rootResolver{query: &queryResolver{t: t}, mutation: &mutationResolver{t: t}}
}

// Query resolves the fields of type Query. graphql-go resolves them
// concurrently, so the group calls of one query run in parallel.
func (r *rootResolver) Query() *queryResolver { return r.query }

// Mutation resolves the fields of type Mutation. graphql-go resolves them
// serially, so the group calls of one mutation run in document order.
func (r *rootResolver) Mutation() *mutationResolver { return r.mutation }

type queryResolver struct{ t rpc.Transport }

type mutationResolver struct{ t rpc.Transport }

// call is rpc.Call for one field: a failure becomes that field's classified
// error, and the other fields keep their data.
func call[R any](ctx context.Context, t rpc.Transport, group, op string, args any) (R, error) {
	out, err := rpc.Call[R](ctx, t, group, op, args)
	if err != nil {
		var zero R
		return zero, fieldFailure(ctx, group+"."+op, err)
	}
	return out, nil
}
