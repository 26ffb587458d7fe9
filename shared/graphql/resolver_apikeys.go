package graphql

import (
	"context"

	graphqlgo "github.com/graph-gophers/graphql-go"

	"github.com/flux-platform/flux/shared/config/configgroup"
)

// APIKeys resolves Query.apiKeys.
func (r *queryResolver) APIKeys(ctx context.Context) (*[]*apiKeyResolver, error) {
	keys, err := call[[]configgroup.APIKey](ctx, r.t, configgroup.GroupName, configgroup.OpAPIKeys, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*apiKeyResolver, len(keys))
	for i := range keys {
		out[i] = &apiKeyResolver{k: keys[i]}
	}
	return &out, nil
}

type createAPIKeyArgs struct {
	Input struct {
		Name   string
		Scopes []string
	}
}

// CreateAPIKey resolves Mutation.createApiKey.
func (r *mutationResolver) CreateAPIKey(ctx context.Context, args createAPIKeyArgs) (*createAPIKeyPayloadResolver, error) {
	res, err := call[configgroup.CreateAPIKeyResult](ctx, r.t, configgroup.GroupName, configgroup.OpCreateAPIKey,
		configgroup.CreateAPIKeyArgs{Name: args.Input.Name, Scopes: args.Input.Scopes})
	if err != nil {
		return nil, err
	}
	return &createAPIKeyPayloadResolver{secret: res.Secret, key: &apiKeyResolver{k: res.APIKey}}, nil
}

// RevokeAPIKey resolves Mutation.revokeApiKey.
func (r *mutationResolver) RevokeAPIKey(ctx context.Context, args struct{ ID graphqlgo.ID }) (*apiKeyResolver, error) {
	key, err := call[configgroup.APIKey](ctx, r.t, configgroup.GroupName, configgroup.OpRevokeAPIKey,
		configgroup.RevokeAPIKeyArgs{ID: string(args.ID)})
	if err != nil {
		return nil, err
	}
	return &apiKeyResolver{k: key}, nil
}

// apiKeyResolver resolves type ApiKey. It has methods rather than field
// resolution because id is an ID, which graphql-go wants as graphql.ID.
type apiKeyResolver struct{ k configgroup.APIKey }

func (r *apiKeyResolver) ID() graphqlgo.ID    { return graphqlgo.ID(r.k.ID) }
func (r *apiKeyResolver) Name() string        { return r.k.Name }
func (r *apiKeyResolver) Prefix() string      { return r.k.Prefix }
func (r *apiKeyResolver) CreatedAt() string   { return r.k.CreatedAt }
func (r *apiKeyResolver) LastUsedAt() *string { return r.k.LastUsedAt }
func (r *apiKeyResolver) RevokedAt() *string  { return r.k.RevokedAt }
func (r *apiKeyResolver) Scopes() []string {
	if r.k.Scopes == nil {
		return []string{}
	}
	return r.k.Scopes
}

// createAPIKeyPayloadResolver resolves type CreateApiKeyPayload.
type createAPIKeyPayloadResolver struct {
	secret string
	key    *apiKeyResolver
}

func (r *createAPIKeyPayloadResolver) Secret() string          { return r.secret }
func (r *createAPIKeyPayloadResolver) APIKey() *apiKeyResolver { return r.key }
