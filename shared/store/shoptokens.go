package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
)

// ConnectionStatus is whether Flux's app is installed on a shop.
type ConnectionStatus string

const (
	ConnectionActive      ConnectionStatus = "active"
	ConnectionUninstalled ConnectionStatus = "uninstalled"
)

// ShopTokens are a shop's Shopify credentials as stored: sealed blobs
// (shared/secrets storage form) the store never opens, and their metadata.
type ShopTokens struct {
	AccessToken           []byte
	RefreshToken          []byte // nil for a non-expiring token
	Scopes                string // granted, comma-separated as Shopify sends them
	AccessTokenExpiresAt  *time.Time
	RefreshTokenExpiresAt *time.Time
}

// ShopConnection is a shop connected to a tenant: item SHOPTOKEN#<shop>
// under the tenant's partition.
type ShopConnection struct {
	TenantID      string
	Shop          string
	Status        ConnectionStatus
	Tokens        ShopTokens // empty once uninstalled
	InstalledAt   time.Time
	UpdatedAt     time.Time
	UninstalledAt *time.Time
	// RefreshLeaseUntil is set while one process refreshes the token (see
	// ClaimShopTokenRefresh).
	RefreshLeaseUntil *time.Time
	// Version grows by one with every write; refreshes are conditional on it.
	Version int64
}

func errNotConnected(shop string) cond {
	return platform.E(platform.KindNotFound, fmt.Sprintf("store %s is not connected", shop))
}

func errConnectionChanged(shop string) cond {
	return platform.E(platform.KindConflict, fmt.Sprintf("the connection of store %s changed meanwhile", shop))
}

// checkShop insists on a normalised domain: keys are built from it, and a
// second spelling of one shop would be a second connection.
func checkShop(tenantID, shop string) error {
	if err := ValidateTenantID(tenantID); err != nil {
		return err
	}
	d, err := config.NormalizeShop(shop)
	if err != nil {
		return err
	}
	if d != shop {
		return platform.E(platform.KindValidation, fmt.Sprintf("shop %q is not normalised", shop))
	}
	return nil
}

// update builds SET and REMOVE clauses of an UpdateExpression.
type update struct {
	set, remove []string
	names       map[string]string
	values      map[string]types.AttributeValue
}

func newUpdate() *update {
	return &update{names: map[string]string{}, values: map[string]types.AttributeValue{}}
}

func (u *update) name(attr string) string {
	n := "#" + attr
	u.names[n] = attr
	return n
}

// setOrRemove sets attr to v, or removes it when v is nil.
func (u *update) setOrRemove(attr string, v types.AttributeValue) {
	if v == nil {
		u.remove = append(u.remove, u.name(attr))
		return
	}
	u.values[":"+attr] = v
	u.set = append(u.set, u.name(attr)+" = :"+attr)
}

func (u *update) raw(expr string) { u.set = append(u.set, expr) }

func (u *update) expression() string {
	var b strings.Builder
	if len(u.set) > 0 {
		b.WriteString("SET " + strings.Join(u.set, ", "))
	}
	if len(u.remove) > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("REMOVE " + strings.Join(u.remove, ", "))
	}
	return b.String()
}

func bin(b []byte) types.AttributeValue {
	if len(b) == 0 {
		return nil
	}
	return &types.AttributeValueMemberB{Value: b}
}

func timeAttr(t *time.Time) types.AttributeValue {
	if t == nil {
		return nil
	}
	return str(formatTime(*t))
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// setTokens writes t; absent optional parts are removed, so a new
// non-expiring token does not keep an old refresh token.
func (u *update) setTokens(t ShopTokens) {
	u.setOrRemove(attrAccessToken, bin(t.AccessToken))
	u.setOrRemove(attrRefreshToken, bin(t.RefreshToken))
	u.setOrRemove(attrScopes, str(t.Scopes))
	u.setOrRemove(attrAccessTokenExpiresAt, timeAttr(t.AccessTokenExpiresAt))
	u.setOrRemove(attrRefreshTokenExpiresAt, timeAttr(t.RefreshTokenExpiresAt))
}

// ConnectShop stores a shop's tokens after an install (or a token exchange):
// status active, installedAt now, version + 1, whatever was stored before
// (an uninstalled connection, older tokens, a refresh lease) replaced. It
// is one transaction with a condition on the SHOP# guard, so tokens are only
// ever stored for a shop that belongs to the tenant's store group: another
// tenant's shop, or one not in any group, is KindNotFound.
//
// A new install wins over a concurrent refresh: the refresh's write is
// conditional on the version this one bumps.
func (s *Store) ConnectShop(ctx context.Context, tenantID, shop string, t ShopTokens, now time.Time) (ShopConnection, error) {
	if err := checkShop(tenantID, shop); err != nil {
		return ShopConnection{}, err
	}
	if len(t.AccessToken) == 0 {
		return ShopConnection{}, platform.E(platform.KindValidation, "a shop connection needs an access token")
	}
	u := newUpdate()
	u.setOrRemove(attrType, str(typeShopToken))
	u.setOrRemove(attrTenantID, str(tenantID))
	u.setOrRemove(attrShop, str(shop))
	u.setOrRemove(attrStatus, str(string(ConnectionActive)))
	u.setTokens(t)
	u.setOrRemove(attrInstalledAt, str(formatTime(now)))
	u.setOrRemove(attrUpdatedAt, str(formatTime(now)))
	u.setOrRemove(attrUninstalledAt, nil)
	u.setOrRemove(attrRefreshLeaseUntil, nil)
	u.values[":zero"], u.values[":one"] = num(0), num(1)
	u.raw(u.name(attrVersion) + " = if_not_exists(" + u.name(attrVersion) + ", :zero) + :one")

	err := s.transact(ctx, []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{
			TableName:                 aws.String(s.Table),
			Key:                       key(ShopPK(shop), ShopSK()),
			ConditionExpression:       aws.String("#tenant = :tenant"),
			ExpressionAttributeNames:  map[string]string{"#tenant": attrTenantID},
			ExpressionAttributeValues: map[string]types.AttributeValue{":tenant": str(tenantID)},
		}},
		{Update: &types.Update{
			TableName:                 aws.String(s.Table),
			Key:                       key(TenantPK(tenantID), ShopTokenSK(shop)),
			UpdateExpression:          aws.String(u.expression()),
			ExpressionAttributeNames:  u.names,
			ExpressionAttributeValues: u.values,
		}},
	})
	if err := classify(fmt.Sprintf("connect shop %s to %s", shop, tenantID), err,
		platform.E(platform.KindNotFound, fmt.Sprintf("store %s is not in the store group", shop))); err != nil {
		return ShopConnection{}, err
	}
	// A transaction returns no values: read back what was written.
	return s.ShopConnection(ctx, tenantID, shop)
}

// ShopConnection is the tenant's connection of shop (one strongly
// consistent GetItem, so a refresh or uninstall is seen at once). A shop
// never connected (or another tenant's) is KindNotFound; an uninstalled one
// is returned with its status (the caller decides).
func (s *Store) ShopConnection(ctx context.Context, tenantID, shop string) (ShopConnection, error) {
	if err := checkShop(tenantID, shop); err != nil {
		return ShopConnection{}, err
	}
	var it shopTokenItem
	found, err := s.getItem(ctx, TenantPK(tenantID), ShopTokenSK(shop), &it)
	if err != nil {
		return ShopConnection{}, fmt.Errorf("shop connection %s of %s: %w", shop, tenantID, err)
	}
	if !found || it.TenantID != tenantID {
		return ShopConnection{}, fmt.Errorf("shop connection %s of %s: %w", shop, tenantID, errNotConnected(shop))
	}
	c, err := shopConnectionFromItem(it)
	if err != nil {
		return ShopConnection{}, fmt.Errorf("shop connection %s of %s: %w", shop, tenantID, err)
	}
	return c, nil
}

// ShopConnections lists the tenant's connections, by shop (one strongly
// consistent Query on the SHOPTOKEN# prefix): for health and the dashboard.
func (s *Store) ShopConnections(ctx context.Context, tenantID string) ([]ShopConnection, error) {
	items, err := s.query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.Table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(TenantPK(tenantID)), ":p": str(ShopTokenPrefix()),
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("shop connections of %s: %w", tenantID, err)
	}
	var its []shopTokenItem
	if err := attributevalue.UnmarshalListOfMaps(items, &its); err != nil {
		return nil, fmt.Errorf("shop connections of %s: unmarshal: %w", tenantID, err)
	}
	out := make([]ShopConnection, 0, len(its))
	for _, it := range its {
		c, err := shopConnectionFromItem(it)
		if err != nil {
			return nil, fmt.Errorf("shop connections of %s: %s: %w", tenantID, it.Shop, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// ClaimShopTokenRefresh takes the refresh lease of an active connection at
// version until `until`, unless another process holds an unexpired lease
// or the connection changed (both KindConflict). Only the lease holder asks
// Shopify for a new token: Shopify rotates the refresh token and keeps one
// expiring token per shop, so two concurrent refreshes would each revoke
// the other's result. A holder that dies leaves a lease that expires.
func (s *Store) ClaimShopTokenRefresh(ctx context.Context, tenantID, shop string, version int64, now, until time.Time) error {
	if err := checkShop(tenantID, shop); err != nil {
		return err
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.Table),
		Key:              key(TenantPK(tenantID), ShopTokenSK(shop)),
		UpdateExpression: aws.String("SET #lease = :until"),
		ConditionExpression: aws.String("#version = :v AND #status = :active AND " +
			"(attribute_not_exists(#lease) OR #lease < :now)"),
		ExpressionAttributeNames: map[string]string{
			"#lease": attrRefreshLeaseUntil, "#version": attrVersion, "#status": attrStatus,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":until": str(formatTime(until)), ":now": str(formatTime(now)),
			":v": num(version), ":active": str(string(ConnectionActive)),
		},
	})
	return classify(fmt.Sprintf("claim token refresh of %s for %s", shop, tenantID), err, errConnectionChanged(shop))
}

// ReleaseShopTokenRefresh drops the lease taken at version after a failed
// refresh, so the next caller can try at once. A connection that moved on
// meanwhile keeps its state (not an error).
func (s *Store) ReleaseShopTokenRefresh(ctx context.Context, tenantID, shop string, version int64) error {
	if err := checkShop(tenantID, shop); err != nil {
		return err
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.Table),
		Key:                       key(TenantPK(tenantID), ShopTokenSK(shop)),
		UpdateExpression:          aws.String("REMOVE #lease"),
		ConditionExpression:       aws.String("#version = :v"),
		ExpressionAttributeNames:  map[string]string{"#lease": attrRefreshLeaseUntil, "#version": attrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(version)},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil
	}
	return classify(fmt.Sprintf("release token refresh of %s for %s", shop, tenantID), err)
}

// UpdateShopTokens stores refreshed tokens if the connection is still
// active at version expected (optimistic concurrency; the refresh lease, if
// any, is dropped). A connection that changed meanwhile (reinstalled,
// refreshed by another process, uninstalled) is KindConflict: read it again.
func (s *Store) UpdateShopTokens(ctx context.Context, tenantID, shop string, expected int64, t ShopTokens, now time.Time) (ShopConnection, error) {
	if err := checkShop(tenantID, shop); err != nil {
		return ShopConnection{}, err
	}
	if len(t.AccessToken) == 0 {
		return ShopConnection{}, platform.E(platform.KindValidation, "a shop connection needs an access token")
	}
	u := newUpdate()
	u.setTokens(t)
	u.setOrRemove(attrUpdatedAt, str(formatTime(now)))
	u.setOrRemove(attrRefreshLeaseUntil, nil)
	u.values[":expected"], u.values[":one"], u.values[":active"] = num(expected), num(1), str(string(ConnectionActive))
	u.raw(u.name(attrVersion) + " = " + u.name(attrVersion) + " + :one")
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.Table),
		Key:                       key(TenantPK(tenantID), ShopTokenSK(shop)),
		UpdateExpression:          aws.String(u.expression()),
		ConditionExpression:       aws.String(u.name(attrVersion) + " = :expected AND " + u.name(attrStatus) + " = :active"),
		ExpressionAttributeNames:  u.names,
		ExpressionAttributeValues: u.values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err := classify(fmt.Sprintf("update tokens of %s for %s", shop, tenantID), err, errConnectionChanged(shop)); err != nil {
		return ShopConnection{}, err
	}
	var it shopTokenItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return ShopConnection{}, fmt.Errorf("update tokens of %s for %s: unmarshal: %w", shop, tenantID, err)
	}
	return shopConnectionFromItem(it)
}

// MarkShopUninstalled records that the app was uninstalled from shop (the
// app/uninstalled webhook): status uninstalled, the tokens deleted (Shopify
// has revoked them; dead secrets are not kept), version + 1. A connection
// that does not exist is KindNotFound.
func (s *Store) MarkShopUninstalled(ctx context.Context, tenantID, shop string, now time.Time) error {
	if err := checkShop(tenantID, shop); err != nil {
		return err
	}
	u := newUpdate()
	u.setTokens(ShopTokens{}) // removes the tokens and their expiry times
	u.setOrRemove(attrStatus, str(string(ConnectionUninstalled)))
	u.setOrRemove(attrUninstalledAt, str(formatTime(now)))
	u.setOrRemove(attrUpdatedAt, str(formatTime(now)))
	u.setOrRemove(attrRefreshLeaseUntil, nil)
	u.values[":one"] = num(1)
	u.raw(u.name(attrVersion) + " = " + u.name(attrVersion) + " + :one")
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.Table),
		Key:                       key(TenantPK(tenantID), ShopTokenSK(shop)),
		UpdateExpression:          aws.String(u.expression()),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  u.names,
		ExpressionAttributeValues: u.values,
	})
	return classify(fmt.Sprintf("mark %s uninstalled for %s", shop, tenantID), err, errNotConnected(shop))
}
