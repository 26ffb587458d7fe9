package graphql

import (
	"context"

	"github.com/flux-platform/flux/shared/config/configgroup"
)

// Config resolves Query.config. Config, StoreGroup and Store are resolved
// from the group's wire types by field name (graphql.UseFieldResolvers):
// configgroup.ConfigResult, config.StoreGroup and config.Store.
func (r *queryResolver) Config(ctx context.Context) (*configgroup.ConfigResult, error) {
	res, err := call[configgroup.ConfigResult](ctx, r.t, configgroup.GroupName, configgroup.OpConfig, nil)
	if err != nil {
		return nil, err
	}
	return &res, nil
}
