package dev

// This file is the one place the local stack links the real functions: one
// builder per function of template.yaml, doing what the function's
// functions/<name>/main.go does (typed config from its environment, clients
// from the one aws.Config, the handler from shared/), except that resolver
// groups are reached in-process instead of through lambda:InvokeFunction.
// A function added to template.yaml needs a line here, or `make dev` (and
// the e2e test) refuse to start, naming it.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/graphql"
	"github.com/flux-platform/flux/shared/health"
	"github.com/flux-platform/flux/shared/health/heartbeat"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores"
)

// Functions is the registry of the real functions.
func Functions() Registry {
	return Registry{
		"AuthorizerFunction":    buildAuthorizer,
		"GraphqlFunction":       buildGraphql,
		"GraphqlConfigFunction": buildGraphqlConfig,
		"GraphqlStoresFunction": buildGraphqlStores,
		"RestHealthFunction":    buildRestHealth,
		"RestHeartbeatFunction": buildRestHeartbeat,
	}
}

// functions/authorizer. Locally the Shopify app secret comes directly from
// SHOPIFY_API_SECRET (the stack sets it), never from SSM.
func buildAuthorizer(ctx context.Context, d Deps) (Handler, error) {
	c, err := auth.LoadAuthorizerConfig(d.Env)
	if err != nil {
		return nil, err
	}
	a, err := c.NewAuthorizer(ctx, store.New(dynamodb.NewFromConfig(d.AWS), c.Table), nil, d.Log)
	if err != nil {
		return nil, err
	}
	return AuthorizerHandler(a.Handle), nil
}

// functions/graphql, with the in-process transport to the group functions
// its environment names (GROUP_FUNCTION_<GROUP>: !Ref <Function>).
func buildGraphql(ctx context.Context, d Deps) (Handler, error) {
	transport, err := d.InProcess(ctx, map[string]string{
		configgroup.GroupName: "GROUP_FUNCTION_CONFIG",
		stores.GroupName:      "GROUP_FUNCTION_STORES",
	})
	if err != nil {
		return nil, err
	}
	h, err := graphql.NewHandler(graphql.Options{Transport: transport, Log: d.Log})
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/graphql-config.
func buildGraphqlConfig(_ context.Context, d Deps) (Handler, error) {
	table := d.Env.String("TABLE_NAME")
	if err := d.Env.Err(); err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(d.AWS), table)
	return GroupHandler{configgroup.New(st, &auth.Keys{Store: st}, d.Log)}, nil
}

// functions/graphql-stores. Locally the shop tokens come from the
// local-emulator token source (LocalEmulatorTokens) until the token service
// lands: with SHOPIFY_BASE_URL pointing at the Shopify emulator, its demo
// shops answer with the emulator's fixed development tokens; without it,
// every store is "not connected" (and nothing reaches real Shopify).
func buildGraphqlStores(_ context.Context, d Deps) (Handler, error) {
	table := d.Env.String("TABLE_NAME")
	cfg, err := stores.LoadConfig(d.Env)
	if err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(d.AWS), table)
	var tokens stores.Tokens = stores.NotConnected{}
	if cfg.BaseURL != "" {
		tokens = LocalEmulatorTokens{}
	}
	return GroupHandler{stores.New(st, tokens, cfg, shopify.DefaultThrottle(), d.Log)}, nil
}

// LocalEmulatorTokens is the LOCAL-EMULATOR token source of the local stack
// and nothing else: it knows only the Shopify emulator's demo shops and their
// fixed, public development tokens (infra/shopify-emulator), whatever the
// tenant. It is linked only into the local stack, never into a Lambda, and
// is used only when SHOPIFY_BASE_URL points the stores group at the
// emulator. The token service replaces it when it lands.
type LocalEmulatorTokens struct{}

// AccessToken implements stores.Tokens for the emulator's demo shops.
func (LocalEmulatorTokens) AccessToken(_ context.Context, _, shop string) (string, error) {
	if t, ok := emulatorDevTokens[shop]; ok {
		return t, nil
	}
	return "", platform.E(platform.KindNotFound, "no emulator development token for "+shop)
}

var emulatorDevTokens = map[string]string{
	emulator.SourceShop:     emulator.SourceToken,
	emulator.ProductionShop: emulator.ProductionToken,
	emulator.SecondShop:     emulator.SecondToken,
}

// functions/rest-health.
func buildRestHealth(_ context.Context, d Deps) (Handler, error) {
	cfg, err := health.LoadConfig(d.Env)
	if err != nil {
		return nil, err
	}
	h := health.NewHandler(d.Log, cfg, health.Clients{
		DynamoDB: dynamodb.NewFromConfig(d.AWS),
		SQS:      sqs.NewFromConfig(d.AWS),
		S3:       s3.NewFromConfig(d.AWS),
	})
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/rest-heartbeat.
func buildRestHeartbeat(_ context.Context, d Deps) (Handler, error) {
	return APIHandler(platform.APIGatewayHandler(heartbeat.NewHandler(d.Log))), nil
}

// NewSeedStore is the storage the seed writes through: the store package on
// the stack's table.
func NewSeedStore(cfg aws.Config, table string) SeedStore {
	return seedStore{store.New(dynamodb.NewFromConfig(cfg), table)}
}

type seedStore struct{ *store.Store }

func (s seedStore) EnsureTenant(ctx context.Context, t config.Tenant) error {
	err := s.CreateTenant(ctx, t)
	if platform.KindOf(err) == platform.KindConflict {
		return nil // seeded by an earlier start
	}
	return err
}

var _ SeedStore = seedStore{}
