// Package configgroup is the config resolver group (the graphql-config
// function): a tenant's store group and its API keys. It lives apart from
// package config because auth imports config (shop domains) and this group
// needs auth (identity, key administration).
package configgroup

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store"
)

// GroupName is the name of this resolver group on the rpc contract.
const GroupName = "config"

// Operations of the config group. The gateway calls them by these names.
const (
	OpConfig       = "config"
	OpAPIKeys      = "apiKeys"
	OpCreateAPIKey = "createApiKey"
	OpRevokeAPIKey = "revokeApiKey"
)

// ConfigResult is the wire shape of the config operation. StoreGroup is nil
// for a tenant that has not set up a group yet: the GraphQL field is
// nullable, and "no group yet" is a state, not a failure.
type ConfigResult struct {
	StoreGroup *config.StoreGroup `json:"storeGroup"`
}

// APIKey is the wire shape of an API key: what its owner may see. Times are
// RFC 3339 in UTC. The secret is never part of it.
type APIKey struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Prefix     string   `json:"prefix"`
	Scopes     []string `json:"scopes"`
	CreatedAt  string   `json:"createdAt"`
	LastUsedAt *string  `json:"lastUsedAt"`
	RevokedAt  *string  `json:"revokedAt"`
}

// CreateAPIKeyArgs are the arguments of createApiKey.
type CreateAPIKeyArgs struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

// CreateAPIKeyResult is the answer of createApiKey: the secret, shown this
// once, and the key's record.
type CreateAPIKeyResult struct {
	Secret string `json:"secret"`
	APIKey APIKey `json:"apiKey"`
}

// RevokeAPIKeyArgs are the arguments of revokeApiKey.
type RevokeAPIKeyArgs struct {
	ID string `json:"id"`
}

// APIKeyFromRecord converts a stored key record into its wire shape.
func APIKeyFromRecord(rec auth.KeyRecord) APIKey {
	scopes := make([]string, len(rec.Scopes))
	for i, sc := range rec.Scopes {
		scopes[i] = string(sc)
	}
	return APIKey{
		ID:         rec.ID,
		Name:       rec.Name,
		Prefix:     rec.Prefix,
		Scopes:     scopes,
		CreatedAt:  formatTime(rec.CreatedAt),
		LastUsedAt: formatTimePtr(rec.LastUsedAt),
		RevokedAt:  formatTimePtr(rec.RevokedAt),
	}
}

// APIKeysFromRecords converts a list of key records.
func APIKeysFromRecords(recs []auth.KeyRecord) []APIKey {
	out := make([]APIKey, len(recs))
	for i, rec := range recs {
		out[i] = APIKeyFromRecord(rec)
	}
	return out
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func formatTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

// Option configures the group.
type Option func(*group)

// WithAudit records every mutation (createApiKey, revokeApiKey), allowed
// or not, in rec (audit.Write's rules).
func WithAudit(rec audit.Recorder) Option { return func(g *group) { g.audit = rec } }

// New is the config resolver group: the tenant's store group and its API
// keys. The caller is read from ctx (rpc.Group.Handle puts it there); every
// operation authorizes its scope and reads only under the caller's tenant.
func New(storage config.Storage, keys *auth.Keys, log *slog.Logger, opts ...Option) *rpc.Group {
	g := &group{storage: storage, keys: keys}
	for _, o := range opts {
		o(g)
	}
	return &rpc.Group{
		Name: GroupName,
		Log:  log,
		Ops: map[string]rpc.Operation{
			OpConfig:       rpc.Op(g.config),
			OpAPIKeys:      rpc.Op(g.apiKeys),
			OpCreateAPIKey: rpc.Op(g.createAPIKey),
			OpRevokeAPIKey: rpc.Op(g.revokeAPIKey),
		},
	}
}

type group struct {
	storage config.Storage
	keys    *auth.Keys
	audit   audit.Recorder
}

// NewFromEnv is the one wiring of functions/graphql-config and the local
// stack: the table (TABLE_NAME) for the group, the keys and the audit log
// (AUDIT_RETENTION).
func NewFromEnv(env *platform.Env, awsCfg aws.Config, log *slog.Logger) (*rpc.Group, error) {
	table := env.String("TABLE_NAME")
	if err := env.Err(); err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), table)
	rec := store.NewAuditLog(st, env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	return New(st, &auth.Keys{Store: st}, log, WithAudit(rec)), nil
}

type noArgs struct{}

func (g *group) config(ctx context.Context, _ noArgs) (ConfigResult, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeConfigRead); err != nil {
		return ConfigResult{}, err
	}
	sg, err := g.storage.StoreGroup(ctx, caller.TenantID)
	if platform.KindOf(err) == platform.KindNotFound {
		return ConfigResult{StoreGroup: nil}, nil
	}
	if err != nil {
		return ConfigResult{}, fmt.Errorf("store group of tenant %s: %w", caller.TenantID, err)
	}
	sortStores(sg.Stores)
	if sg.Stores == nil {
		sg.Stores = []config.Store{}
	}
	return ConfigResult{StoreGroup: &sg}, nil
}

// classificationRank orders a group's stores the way content flows through
// them: source, QA, release candidate, production.
var classificationRank = map[config.Classification]int{config.Source: 0, config.QA: 1, config.ReleaseCandidate: 2, config.Production: 3}

func sortStores(stores []config.Store) {
	sort.SliceStable(stores, func(i, j int) bool {
		ri, rj := classificationRank[stores[i].Classification], classificationRank[stores[j].Classification]
		if ri != rj {
			return ri < rj
		}
		return stores[i].Domain < stores[j].Domain
	})
}

func (g *group) apiKeys(ctx context.Context, _ noArgs) ([]APIKey, error) {
	recs, err := g.keys.List(ctx, auth.IdentityFrom(ctx))
	if err != nil {
		return nil, err
	}
	return APIKeysFromRecords(recs), nil
}

// createAPIKey audits the key's id, name and scopes: never its secret.
func (g *group) createAPIKey(ctx context.Context, args CreateAPIKeyArgs) (CreateAPIKeyResult, error) {
	secret, rec, err := g.keys.Create(ctx, auth.IdentityFrom(ctx), args.Name, args.Scopes)
	e := audit.Entry{Action: audit.ActionAPIKeyCreate, ResourceType: audit.ResourceAPIKey, Result: audit.ResultOf(err), Detail: audit.DetailOf(err)}
	if err == nil {
		e.ResourceID = rec.ID
		e.Detail = fmt.Sprintf("name %q, scopes %s", rec.Name, auth.JoinScopes(rec.Scopes))
	}
	audit.Write(ctx, g.audit, e)
	if err != nil {
		return CreateAPIKeyResult{}, err
	}
	return CreateAPIKeyResult{Secret: secret, APIKey: APIKeyFromRecord(rec)}, nil
}

func (g *group) revokeAPIKey(ctx context.Context, args RevokeAPIKeyArgs) (APIKey, error) {
	rec, err := g.keys.Revoke(ctx, auth.IdentityFrom(ctx), args.ID)
	e := audit.Entry{Action: audit.ActionAPIKeyRevoke, ResourceType: audit.ResourceAPIKey, ResourceID: strings.TrimSpace(args.ID),
		Result: audit.ResultOf(err), Detail: audit.DetailOf(err)}
	if err == nil {
		e.ResourceID = rec.ID
		e.Detail = fmt.Sprintf("name %q", rec.Name)
	}
	audit.Write(ctx, g.audit, e)
	if err != nil {
		return APIKey{}, err
	}
	return APIKeyFromRecord(rec), nil
}
