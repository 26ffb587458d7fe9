package graphql

import (
	"context"

	graphqlgo "github.com/graph-gophers/graphql-go"

	"github.com/flux-platform/flux/shared/release/releasegroup"
)

// RollbackRelease resolves Mutation.rollbackRelease.
func (r *mutationResolver) RollbackRelease(ctx context.Context, args struct{ ReleaseID graphqlgo.ID }) (*releaseActionResolver, error) {
	return r.releaseAction(ctx, releasegroup.OpRollbackRelease, releasegroup.ReleaseIDArgs{ReleaseID: string(args.ReleaseID)})
}

// RetryDeploy resolves Mutation.retryDeploy.
func (r *mutationResolver) RetryDeploy(ctx context.Context, args struct{ ReleaseID graphqlgo.ID }) (*releaseActionResolver, error) {
	return r.releaseAction(ctx, releasegroup.OpRetryDeploy, releasegroup.ReleaseIDArgs{ReleaseID: string(args.ReleaseID)})
}
