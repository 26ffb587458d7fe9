package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/mapping"
)

// Item types, in the "type" attribute of every item.
const (
	typeTenant  = "tenant"
	typeGroup   = "group"
	typeStore   = "store"
	typeShop    = "shop"
	typeAPIKey  = "apiKey"
	typeKeyHash = "keyHash"
)

// Attribute names used in expressions. Item structs below spell the same
// names in their tags.
const (
	attrType       = "type"
	attrTenantID   = "tenantId"
	attrKeyID      = "keyId"
	attrLastUsedAt = "lastUsedAt"
	attrRevokedAt  = "revokedAt"
)

// timeLayout is fixed-width UTC so stored times compare correctly as strings
// (TouchKey's condition relies on it).
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func formatTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

func parseTimePtr(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := parseTime(s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// tenantItem: PK TENANT#<id>, SK TENANT. GSI1 lists all tenants.
type tenantItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	TenantID  string `dynamodbav:"tenantId"`
	Name      string `dynamodbav:"name"`
	CreatedAt string `dynamodbav:"createdAt"`
	GSI1PK    string `dynamodbav:"GSI1PK"`
	GSI1SK    string `dynamodbav:"GSI1SK"`
}

func tenantToItem(t config.Tenant, now time.Time) tenantItem {
	return tenantItem{
		PK: TenantPK(t.ID), SK: TenantSK(), Type: typeTenant,
		TenantID: t.ID, Name: t.Name, CreatedAt: formatTime(now),
		GSI1PK: TenantsGSI1PK(), GSI1SK: TenantGSI1SK(t.ID),
	}
}

func tenantFromItem(it tenantItem) config.Tenant {
	return config.Tenant{ID: it.TenantID, Name: it.Name}
}

// groupItem: PK TENANT#<id>, SK GROUP.
type groupItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	TenantID  string `dynamodbav:"tenantId"`
	Name      string `dynamodbav:"name"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

func groupToItem(tenantID, name string, now time.Time) groupItem {
	return groupItem{
		PK: TenantPK(tenantID), SK: GroupSK(), Type: typeGroup,
		TenantID: tenantID, Name: name, UpdatedAt: formatTime(now),
	}
}

// storeItem: PK TENANT#<id>, SK GROUP#STORE#<domain>.
type storeItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	Type           string `dynamodbav:"type"`
	TenantID       string `dynamodbav:"tenantId"`
	Domain         string `dynamodbav:"domain"`
	Classification string `dynamodbav:"classification"`
	UpdatedAt      string `dynamodbav:"updatedAt"`
}

func storeToItem(tenantID string, s config.Store, now time.Time) storeItem {
	return storeItem{
		PK: TenantPK(tenantID), SK: StoreSK(s.Domain), Type: typeStore,
		TenantID: tenantID, Domain: s.Domain, Classification: string(s.Classification),
		UpdatedAt: formatTime(now),
	}
}

func storeFromItem(it storeItem) config.Store {
	return config.Store{Domain: it.Domain, Classification: config.Classification(it.Classification)}
}

// classificationOrder is the order a group's stores are listed in.
var classificationOrder = map[config.Classification]int{
	config.Source: 0, config.QA: 1, config.ReleaseCandidate: 2, config.Production: 3,
}

func classificationRank(c config.Classification) int {
	if r, ok := classificationOrder[c]; ok {
		return r
	}
	return len(classificationOrder)
}

// storeGroupFromItems is the group of a group item (nil when the group has
// no name yet) and its store items: stores SOURCE, QA, RELEASE_CANDIDATE,
// PRODUCTION, then by domain; never a nil slice.
func storeGroupFromItems(group *groupItem, stores []storeItem) config.StoreGroup {
	g := config.StoreGroup{Stores: make([]config.Store, 0, len(stores))}
	if group != nil {
		g.Name = group.Name
	}
	for _, it := range stores {
		g.Stores = append(g.Stores, storeFromItem(it))
	}
	slices.SortFunc(g.Stores, func(a, b config.Store) int {
		return cmp.Or(
			cmp.Compare(classificationRank(a.Classification), classificationRank(b.Classification)),
			strings.Compare(a.Domain, b.Domain))
	})
	return g
}

// shopItem: PK SHOP#<domain>, SK SHOP. One shop belongs to one tenant.
type shopItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Type     string `dynamodbav:"type"`
	TenantID string `dynamodbav:"tenantId"`
	Domain   string `dynamodbav:"domain"`
}

func shopToItem(tenantID, domain string) shopItem {
	return shopItem{PK: ShopPK(domain), SK: ShopSK(), Type: typeShop, TenantID: tenantID, Domain: domain}
}

// keyItem: PK TENANT#<id>, SK APIKEY#<keyId>. Hash finds the KEYHASH item
// on revocation; the secret itself is never stored.
type keyItem struct {
	PK         string   `dynamodbav:"PK"`
	SK         string   `dynamodbav:"SK"`
	Type       string   `dynamodbav:"type"`
	TenantID   string   `dynamodbav:"tenantId"`
	KeyID      string   `dynamodbav:"keyId"`
	Name       string   `dynamodbav:"name"`
	Prefix     string   `dynamodbav:"prefix"`
	Scopes     []string `dynamodbav:"scopes"`
	CreatedBy  string   `dynamodbav:"createdBy,omitempty"`
	CreatedAt  string   `dynamodbav:"createdAt"`
	LastUsedAt string   `dynamodbav:"lastUsedAt,omitempty"`
	RevokedAt  string   `dynamodbav:"revokedAt,omitempty"`
	Hash       string   `dynamodbav:"hash"`
}

// keyHashItem: PK KEYHASH#<sha256hex>, SK KEYHASH. Everything the
// authorizer needs in one strongly consistent GetItem.
type keyHashItem struct {
	PK        string   `dynamodbav:"PK"`
	SK        string   `dynamodbav:"SK"`
	Type      string   `dynamodbav:"type"`
	TenantID  string   `dynamodbav:"tenantId"`
	KeyID     string   `dynamodbav:"keyId"`
	Name      string   `dynamodbav:"name"`
	Prefix    string   `dynamodbav:"prefix"`
	Scopes    []string `dynamodbav:"scopes"`
	CreatedBy string   `dynamodbav:"createdBy,omitempty"`
	CreatedAt string   `dynamodbav:"createdAt"`
	RevokedAt string   `dynamodbav:"revokedAt,omitempty"`
}

func scopeNames(scopes []auth.Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = string(s)
	}
	return out
}

func scopesFromNames(names []string) []auth.Scope {
	out := make([]auth.Scope, 0, len(names))
	for _, n := range names {
		// Scopes retired since the key was issued are dropped, not granted.
		if sc, err := auth.ParseScope(n); err == nil {
			out = append(out, sc)
		}
	}
	return out
}

func keyToItems(rec auth.KeyRecord, hash string) (keyItem, keyHashItem) {
	scopes := scopeNames(rec.Scopes)
	k := keyItem{
		PK: TenantPK(rec.TenantID), SK: APIKeySK(rec.ID), Type: typeAPIKey,
		TenantID: rec.TenantID, KeyID: rec.ID, Name: rec.Name, Prefix: rec.Prefix,
		Scopes: scopes, CreatedBy: rec.CreatedBy, CreatedAt: formatTime(rec.CreatedAt),
		LastUsedAt: formatTimePtr(rec.LastUsedAt), RevokedAt: formatTimePtr(rec.RevokedAt),
		Hash: hash,
	}
	h := keyHashItem{
		PK: KeyHashPK(hash), SK: KeyHashSK(), Type: typeKeyHash,
		TenantID: rec.TenantID, KeyID: rec.ID, Name: rec.Name, Prefix: rec.Prefix,
		Scopes: scopes, CreatedBy: rec.CreatedBy, CreatedAt: k.CreatedAt,
		RevokedAt: k.RevokedAt,
	}
	return k, h
}

func keyRecordFromItem(it keyItem) (auth.KeyRecord, error) {
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return auth.KeyRecord{}, err
	}
	used, err := parseTimePtr(it.LastUsedAt)
	if err != nil {
		return auth.KeyRecord{}, err
	}
	revoked, err := parseTimePtr(it.RevokedAt)
	if err != nil {
		return auth.KeyRecord{}, err
	}
	return auth.KeyRecord{
		ID: it.KeyID, TenantID: it.TenantID, Name: it.Name, Prefix: it.Prefix,
		Scopes: scopesFromNames(it.Scopes), CreatedBy: it.CreatedBy, CreatedAt: created,
		LastUsedAt: used, RevokedAt: revoked,
	}, nil
}

func keyRecordFromHashItem(it keyHashItem) (auth.KeyRecord, error) {
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return auth.KeyRecord{}, err
	}
	revoked, err := parseTimePtr(it.RevokedAt)
	if err != nil {
		return auth.KeyRecord{}, err
	}
	return auth.KeyRecord{
		ID: it.KeyID, TenantID: it.TenantID, Name: it.Name, Prefix: it.Prefix,
		Scopes: scopesFromNames(it.Scopes), CreatedBy: it.CreatedBy, CreatedAt: created,
		RevokedAt: revoked,
	}, nil
}

// Item types and attributes of shop connections and OAuth states.
const (
	typeShopToken  = "shopToken"
	typeOAuthState = "oauthState"

	attrShop                  = "shop"
	attrStatus                = "status"
	attrVersion               = "version"
	attrAccessToken           = "accessToken"
	attrRefreshToken          = "refreshToken"
	attrScopes                = "scopes"
	attrAccessTokenExpiresAt  = "accessTokenExpiresAt"
	attrRefreshTokenExpiresAt = "refreshTokenExpiresAt"
	attrInstalledAt           = "installedAt"
	attrUpdatedAt             = "updatedAt"
	attrUninstalledAt         = "uninstalledAt"
	attrRefreshLeaseUntil     = "refreshLeaseUntil"
	// attrExpiresAt is the table's TTL attribute (epoch seconds). Only
	// ephemeral items carry it: the shop connection deliberately names its
	// token expiry accessTokenExpiresAt, or TTL would delete the connection
	// an hour after every refresh.
	attrExpiresAt = "expiresAt"
)

// shopTokenItem: PK TENANT#<id>, SK SHOPTOKEN#<domain>. The tokens are
// sealed (shared/secrets storage form, bound to tenant and shop); the store
// never sees them in clear.
type shopTokenItem struct {
	PK                    string `dynamodbav:"PK"`
	SK                    string `dynamodbav:"SK"`
	Type                  string `dynamodbav:"type"`
	TenantID              string `dynamodbav:"tenantId"`
	Shop                  string `dynamodbav:"shop"`
	Status                string `dynamodbav:"status"`
	AccessToken           []byte `dynamodbav:"accessToken,omitempty"`
	RefreshToken          []byte `dynamodbav:"refreshToken,omitempty"`
	Scopes                string `dynamodbav:"scopes"`
	AccessTokenExpiresAt  string `dynamodbav:"accessTokenExpiresAt,omitempty"`
	RefreshTokenExpiresAt string `dynamodbav:"refreshTokenExpiresAt,omitempty"`
	InstalledAt           string `dynamodbav:"installedAt"`
	UpdatedAt             string `dynamodbav:"updatedAt"`
	UninstalledAt         string `dynamodbav:"uninstalledAt,omitempty"`
	RefreshLeaseUntil     string `dynamodbav:"refreshLeaseUntil,omitempty"`
	Version               int64  `dynamodbav:"version"`
}

func shopConnectionFromItem(it shopTokenItem) (ShopConnection, error) {
	c := ShopConnection{
		TenantID: it.TenantID, Shop: it.Shop, Status: ConnectionStatus(it.Status),
		Tokens:  ShopTokens{AccessToken: it.AccessToken, RefreshToken: it.RefreshToken, Scopes: it.Scopes},
		Version: it.Version,
	}
	var err error
	if c.Tokens.AccessTokenExpiresAt, err = parseTimePtr(it.AccessTokenExpiresAt); err != nil {
		return ShopConnection{}, err
	}
	if c.Tokens.RefreshTokenExpiresAt, err = parseTimePtr(it.RefreshTokenExpiresAt); err != nil {
		return ShopConnection{}, err
	}
	if c.InstalledAt, err = parseTime(it.InstalledAt); err != nil {
		return ShopConnection{}, err
	}
	if c.UpdatedAt, err = parseTime(it.UpdatedAt); err != nil {
		return ShopConnection{}, err
	}
	if c.UninstalledAt, err = parseTimePtr(it.UninstalledAt); err != nil {
		return ShopConnection{}, err
	}
	if c.RefreshLeaseUntil, err = parseTimePtr(it.RefreshLeaseUntil); err != nil {
		return ShopConnection{}, err
	}
	return c, nil
}

// oauthStateItem: PK OAUTHSTATE#<nonce>, SK OAUTHSTATE. ExpiresAt (epoch
// seconds) is the TTL attribute: DynamoDB deletes unused states, and the
// consuming delete's condition refuses expired ones TTL has not reached yet.
type oauthStateItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	TenantID  string `dynamodbav:"tenantId"`
	Shop      string `dynamodbav:"shop"`
	Online    bool   `dynamodbav:"online,omitempty"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func oauthStateToItem(st OAuthState) oauthStateItem {
	return oauthStateItem{
		PK: OAuthStatePK(st.Nonce), SK: OAuthStateSK(), Type: typeOAuthState,
		TenantID: st.TenantID, Shop: st.Shop, Online: st.Online, ExpiresAt: st.ExpiresAt.Unix(),
	}
}

func oauthStateFromItem(nonce string, it oauthStateItem) OAuthState {
	return OAuthState{Nonce: nonce, TenantID: it.TenantID, Shop: it.Shop, Online: it.Online, ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC()}
}

// Item type and attributes of received webhook deliveries.
const (
	typeWebhookDelivery = "webhookDelivery"

	attrState      = "state"
	attrClaim      = "claim"
	attrLeaseUntil = "leaseUntil"
)

// webhookDeliveryItem: PK WEBHOOK#<webhookId>, SK WEBHOOK. State is
// "pending" from the claim until the event is on the queue, then
// "enqueued". LeaseUntil (epoch milliseconds) bounds a pending claim: after
// it, a retry of the delivery may claim it again (the first attempt
// crashed). ExpiresAt (epoch seconds) is the TTL attribute.
type webhookDeliveryItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	WebhookID  string `dynamodbav:"webhookId"`
	Shop       string `dynamodbav:"shop"`
	Topic      string `dynamodbav:"topic"`
	State      string `dynamodbav:"state"`
	Claim      string `dynamodbav:"claim"`
	LeaseUntil int64  `dynamodbav:"leaseUntil"`
	ReceivedAt string `dynamodbav:"receivedAt"`
	ExpiresAt  int64  `dynamodbav:"expiresAt"`
}

func webhookDeliveryToItem(d WebhookDelivery, state WebhookDeliveryState) webhookDeliveryItem {
	return webhookDeliveryItem{
		PK: WebhookDeliveryPK(d.WebhookID), SK: WebhookDeliverySK(), Type: typeWebhookDelivery,
		WebhookID: d.WebhookID, Shop: d.Shop, Topic: d.Topic, State: string(state), Claim: d.Claim,
		LeaseUntil: d.LeaseUntil.UnixMilli(), ReceivedAt: formatTime(d.ReceivedAt), ExpiresAt: d.ExpiresAt.Unix(),
	}
}

func webhookDeliveryFromItem(it webhookDeliveryItem) (WebhookDelivery, WebhookDeliveryState, error) {
	received, err := parseTime(it.ReceivedAt)
	if err != nil {
		return WebhookDelivery{}, "", err
	}
	return WebhookDelivery{
		WebhookID: it.WebhookID, Shop: it.Shop, Topic: it.Topic, Claim: it.Claim,
		LeaseUntil: time.UnixMilli(it.LeaseUntil).UTC(), ReceivedAt: received,
		ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(),
	}, WebhookDeliveryState(it.State), nil
}

// Item types of canonical mappings.
const (
	typeMapping      = "mapping"
	typeMappingGID   = "mappingGid"
	typeMappingCount = "mappingCount"

	attrGID        = "gid"
	attrCanonical  = "canonical"
	attrObjectType = "objectType"
	attrCount      = "count"
)

// mappingItem: PK TENANT#<t>#MAP#<objectType>#<shop>, SK C#<canonical>.
type mappingItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	TenantID   string `dynamodbav:"tenantId"`
	ObjectType string `dynamodbav:"objectType"`
	Canonical  string `dynamodbav:"canonical"`
	GID        string `dynamodbav:"gid"`
	Shop       string `dynamodbav:"shop"`
	UpdatedAt  string `dynamodbav:"updatedAt"`
}

// mappingGIDItem: PK TENANT#<t>#GID#<shop>, SK G#<gid key>.
type mappingGIDItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	TenantID   string `dynamodbav:"tenantId"`
	ObjectType string `dynamodbav:"objectType"`
	Canonical  string `dynamodbav:"canonical"`
	GID        string `dynamodbav:"gid"`
	Shop       string `dynamodbav:"shop"`
	UpdatedAt  string `dynamodbav:"updatedAt"`
}

// mappingCountItem: PK TENANT#<t>#MAP#<objectType>#<shop>, SK COUNT. It is
// only ever written with ADD, in the transactions that add or remove
// mapping items of its partition.
type mappingCountItem struct {
	Count int `dynamodbav:"count"`
}

func mappingToItems(tenantID string, m mapping.Mapping, now time.Time) (mappingItem, mappingGIDItem) {
	at := formatTime(now)
	return mappingItem{
			PK: MappingPK(tenantID, string(m.ObjectType), m.Shop), SK: MappingSK(m.Canonical), Type: typeMapping,
			TenantID: tenantID, ObjectType: string(m.ObjectType), Canonical: m.Canonical, GID: m.GID, Shop: m.Shop, UpdatedAt: at,
		}, mappingGIDItem{
			PK: GIDPK(tenantID, m.Shop), SK: GIDSK(mapping.GIDKey(m.ObjectType, m.GID)), Type: typeMappingGID,
			TenantID: tenantID, ObjectType: string(m.ObjectType), Canonical: m.Canonical, GID: m.GID, Shop: m.Shop, UpdatedAt: at,
		}
}

func mappingFromItem(it mappingItem) mapping.Mapping {
	return mapping.Mapping{ObjectType: mapping.ObjectType(it.ObjectType), Canonical: it.Canonical, GID: it.GID, Shop: it.Shop}
}

func mappingFromGIDItem(it mappingGIDItem) mapping.Mapping {
	return mapping.Mapping{ObjectType: mapping.ObjectType(it.ObjectType), Canonical: it.Canonical, GID: it.GID, Shop: it.Shop}
}
