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
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/flux-platform/flux/shared/audit/export"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/deploy"
	"github.com/flux-platform/flux/shared/events"
	"github.com/flux-platform/flux/shared/files/filesapi"
	"github.com/flux-platform/flux/shared/graphql"
	"github.com/flux-platform/flux/shared/health"
	"github.com/flux-platform/flux/shared/health/heartbeat"
	"github.com/flux-platform/flux/shared/install"
	"github.com/flux-platform/flux/shared/mapping/mappinggroup"
	"github.com/flux-platform/flux/shared/mcp"
	"github.com/flux-platform/flux/shared/objects"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores"
	"github.com/flux-platform/flux/shared/stores/storestokens"
	"github.com/flux-platform/flux/shared/sync/reconcile"
	"github.com/flux-platform/flux/shared/sync/syncgroup"
	"github.com/flux-platform/flux/shared/syncworker"
	"github.com/flux-platform/flux/shared/webhooks"
	"github.com/flux-platform/flux/shared/writes/writesgroup"
)

// Functions is the registry of the real functions.
func Functions() Registry {
	return Registry{
		"AuthorizerFunction":           buildAuthorizer,
		"GraphqlFunction":              buildGraphql,
		"GraphqlConfigFunction":        buildGraphqlConfig,
		"GraphqlStoresFunction":        buildGraphqlStores,
		"GraphqlMappingsFunction":      buildGraphqlMappings,
		"GraphqlSyncFunction":          buildGraphqlSync,
		"GraphqlReleasesFunction":      buildGraphqlReleases,
		"GraphqlWritesFunction":        buildGraphqlWrites,
		"RestHealthFunction":           buildRestHealth,
		"RestRateLimitsFunction":       buildRestRateLimits,
		"RestObjectHistoryFunction":    buildRestObjectHistory,
		"RestObjectDiffFunction":       buildRestObjectDiff,
		"RestObjectRevertFunction":     buildRestObjectRevert,
		"RestAuditExportFunction":      buildRestAuditExport,
		"McpFunction":                  buildMcp,
		"OauthInstallFunction":         buildOauthInstall,
		"OauthCallbackFunction":        buildOauthCallback,
		"RestHeartbeatFunction":        buildRestHeartbeat,
		"WebhookShopifyFunction":       buildWebhookShopify,
		"WorkerSyncFunction":           buildWorkerSync,
		"WorkerDeployFunction":         buildWorkerDeploy,
		"WorkerEventsFunction":         buildWorkerEvents,
		"ScheduleReconcileFunction":    buildScheduleReconcile,
		"RestFilesUploadUrlFunction":   buildRestFiles(filesapi.UploadURL),
		"RestFilesConfirmFunction":     buildRestFiles(filesapi.Confirm),
		"RestFilesDownloadUrlFunction": buildRestFiles(filesapi.DownloadURL),
		"RestFilesGetFunction":         buildRestFiles(filesapi.Get),
		"RestFilesListFunction":        buildRestFiles(filesapi.List),
		"RestFilesDeleteFunction":      buildRestFiles(filesapi.Delete),
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
	transport, err := d.InProcess(ctx, graphql.GroupFunctionEnv)
	if err != nil {
		return nil, err
	}
	h, err := graphql.NewHandler(graphql.Options{Transport: transport, Log: d.Log})
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/graphql-mappings (mutations audited).
func buildGraphqlMappings(_ context.Context, d Deps) (Handler, error) {
	g, err := mappinggroup.NewFromEnv(d.Env, d.AWS, d.Log)
	if err != nil {
		return nil, err
	}
	return GroupHandler{g}, nil
}

// functions/graphql-sync. Started syncs go to the SyncQueue in moto, which
// worker-sync consumes (startSync audited).
func buildGraphqlSync(_ context.Context, d Deps) (Handler, error) {
	g, err := syncgroup.NewFromEnv(d.Env, d.AWS, d.Log)
	if err != nil {
		return nil, err
	}
	return GroupHandler{g}, nil
}

// functions/graphql-releases (mutations audited). Triggered deploys go to
// the DeployQueue in moto.
func buildGraphqlReleases(_ context.Context, d Deps) (Handler, error) {
	g, err := releasegroup.NewFromEnv(d.Env, d.AWS, d.Log)
	if err != nil {
		return nil, err
	}
	return GroupHandler{g}, nil
}

// functions/graphql-writes: tokens as the workers read them (the app
// secret from SHOPIFY_API_SECRET), bodies and Flux files in the stack's
// bucket (moto).
func buildGraphqlWrites(ctx context.Context, d Deps) (Handler, error) {
	g, err := writesgroup.NewFromEnv(ctx, d.Env, d.AWS, nil, d.Log)
	if err != nil {
		return nil, err
	}
	return GroupHandler{g}, nil
}

// functions/graphql-config (key creation and revocation audited).
func buildGraphqlConfig(_ context.Context, d Deps) (Handler, error) {
	g, err := configgroup.NewFromEnv(d.Env, d.AWS, d.Log)
	if err != nil {
		return nil, err
	}
	return GroupHandler{g}, nil
}

// functions/rest-audit-export.
func buildRestAuditExport(_ context.Context, d Deps) (Handler, error) {
	h, err := export.NewFromEnv(d.Env, d.AWS, d.Log)
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/graphql-stores. Tokens come from the token service when the
// stack configures its key (TOKEN_LOCAL_KEY or TOKEN_KMS_KEY_ID, as for the
// install callback); without one, every store is "not connected". The demo
// stores are connected by ConnectShops (make dev) or an install.
func buildGraphqlStores(ctx context.Context, d Deps) (Handler, error) {
	g, err := storesGroup(ctx, d)
	if err != nil {
		return nil, err
	}
	return GroupHandler{g.RPC(d.Log)}, nil
}

// functions/rest-rate-limits: the stores group's state, as graphql-stores.
func buildRestRateLimits(ctx context.Context, d Deps) (Handler, error) {
	g, err := storesGroup(ctx, d)
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(stores.NewRateLimitsHandler(d.Log, g))), nil
}

// functions/rest-object-history.
func buildRestObjectHistory(_ context.Context, d Deps) (Handler, error) {
	h, err := objects.NewHistoryFromEnv(d.Env, d.AWS, d.Log)
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/rest-object-diff: large bodies from the stack's bucket (moto).
func buildRestObjectDiff(_ context.Context, d Deps) (Handler, error) {
	h, err := objects.NewDiffFromEnv(d.Env, d.AWS, d.Log)
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/rest-object-revert: tokens as the workers read them (the app
// secret from SHOPIFY_API_SECRET), bodies in the stack's bucket (moto).
func buildRestObjectRevert(ctx context.Context, d Deps) (Handler, error) {
	h, err := objects.NewRevertFromEnv(ctx, d.Env, d.AWS, nil, d.Log)
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/mcp, with the in-process transport to the group functions its
// environment names, as functions/graphql.
func buildMcp(ctx context.Context, d Deps) (Handler, error) {
	c, err := mcp.LoadConfig(d.Env)
	if err != nil {
		return nil, err
	}
	transport, err := d.InProcess(ctx, mcp.GroupFunctionEnv)
	if err != nil {
		return nil, err
	}
	h, err := mcp.NewWithGroups(c, d.AWS, transport, d.Log)
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// storesGroup is what functions/graphql-stores and functions/rest-rate-limits
// build (storestokens.NewGroup); locally the app secret is given directly.
func storesGroup(ctx context.Context, d Deps) (*stores.Group, error) {
	return storestokens.NewGroup(ctx, d.Env, d.AWS, nil, d.Log)
}

// functions/rest-health: the public /api/health and the authenticated
// /api/health/stores (tokens opened as the function's environment says: KMS
// on moto, or the stack's local key; the app secret given directly).
func buildRestHealth(ctx context.Context, d Deps) (Handler, error) {
	h, err := health.NewFromEnv(ctx, d.Env, d.AWS, nil, d.Log)
	if err != nil {
		return nil, err
	}
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

// functions/oauth-install. Locally the app secret is given directly
// (SHOPIFY_API_SECRET), never read from SSM.
func buildOauthInstall(ctx context.Context, d Deps) (Handler, error) {
	c, err := install.LoadInstallConfig(d.Env)
	if err != nil {
		return nil, err
	}
	h, err := c.NewInstallFunction(ctx, store.New(dynamodb.NewFromConfig(d.AWS), c.Table), nil, d.Log)
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/oauth-callback: tokens sealed as the function's environment
// says (KMS on moto, or the stack's local key).
func buildOauthCallback(ctx context.Context, d Deps) (Handler, error) {
	c, err := install.LoadCallbackConfig(d.Env)
	if err != nil {
		return nil, err
	}
	h, err := c.NewCallbackFunction(ctx, store.New(dynamodb.NewFromConfig(d.AWS), c.Table), kms.NewFromConfig(d.AWS), nil, d.Log)
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/webhook-shopify. Locally the app secret is given directly
// (SHOPIFY_API_SECRET), never read from SSM.
func buildWebhookShopify(ctx context.Context, d Deps) (Handler, error) {
	h, err := webhooks.NewFromEnv(ctx, d.Env, d.AWS, nil, d.Log)
	if err != nil {
		return nil, err
	}
	return APIHandler(platform.APIGatewayHandler(h)), nil
}

// functions/worker-sync.
func buildWorkerSync(ctx context.Context, d Deps) (Handler, error) {
	w, err := syncworker.NewFromEnv(ctx, d.Env, d.AWS, nil, d.Log)
	if err != nil {
		return nil, err
	}
	return SQSHandler(w.Handle), nil
}

// functions/worker-deploy.
func buildWorkerDeploy(ctx context.Context, d Deps) (Handler, error) {
	w, err := deploy.NewFromEnv(ctx, d.Env, d.AWS, nil, d.Log)
	if err != nil {
		return nil, err
	}
	return SQSHandler(w.Handle), nil
}

// functions/worker-events.
func buildWorkerEvents(ctx context.Context, d Deps) (Handler, error) {
	h, err := events.NewFromEnv(ctx, d.Env, d.AWS, nil, d.Log)
	if err != nil {
		return nil, err
	}
	return SQSHandler(h.Handle), nil
}

// functions/schedule-reconcile (not scheduled locally: tests invoke it).
func buildScheduleReconcile(_ context.Context, d Deps) (Handler, error) {
	r, err := reconcile.NewFromEnv(d.Env, d.AWS, d.Log)
	if err != nil {
		return nil, err
	}
	return ScheduleHandler(r.Handle), nil
}

// functions/rest-files-*: one builder per route; presigned URLs point at the
// stack's S3 (moto).
func buildRestFiles(route filesapi.Route) Builder {
	return func(_ context.Context, d Deps) (Handler, error) {
		h, err := filesapi.NewFromEnv(route, d.Env, d.AWS, d.Log)
		if err != nil {
			return nil, err
		}
		return APIHandler(platform.APIGatewayHandler(h)), nil
	}
}
