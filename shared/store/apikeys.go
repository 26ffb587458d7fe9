package store

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
)

func errKeyNotFound() cond { return platform.E(platform.KindNotFound, "api key not found") }

func validHash(hash string) bool {
	b, err := hex.DecodeString(hash)
	return err == nil && len(b) == 32 && hex.EncodeToString(b) == hash
}

// LookupKey finds a key by the SHA-256 hex of its secret with one strongly
// consistent GetItem of its KEYHASH# item, so a revocation is seen at once.
// An unknown hash is KindNotFound; a revoked key is returned with RevokedAt
// set (the caller decides). LastUsedAt is not kept on the lookup item.
func (s *Store) LookupKey(ctx context.Context, hash string) (auth.KeyRecord, error) {
	if !validHash(hash) {
		return auth.KeyRecord{}, fmt.Errorf("lookup key: %w", errKeyNotFound())
	}
	var it keyHashItem
	found, err := s.getItem(ctx, KeyHashPK(hash), KeyHashSK(), &it)
	if err != nil {
		return auth.KeyRecord{}, fmt.Errorf("lookup key: %w", err)
	}
	if !found {
		return auth.KeyRecord{}, fmt.Errorf("lookup key: %w", errKeyNotFound())
	}
	rec, err := keyRecordFromHashItem(it)
	if err != nil {
		return auth.KeyRecord{}, fmt.Errorf("lookup key %s: %w", it.KeyID, err)
	}
	return rec, nil
}

// TouchKey sets the key's lastUsedAt to at unless it was set less than
// interval before at: at most one write per key per interval. A skipped
// write (or a key that no longer exists) is not an error.
func (s *Store) TouchKey(ctx context.Context, tenantID, keyID string, at time.Time, interval time.Duration) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.Table),
		Key:                 key(TenantPK(tenantID), APIKeySK(keyID)),
		UpdateExpression:    aws.String("SET #used = :at"),
		ConditionExpression: aws.String("attribute_exists(PK) AND (attribute_not_exists(#used) OR #used < :threshold)"),
		ExpressionAttributeNames: map[string]string{
			"#used": attrLastUsedAt,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at":        str(formatTime(at)),
			":threshold": str(formatTime(at.Add(-interval))),
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil
	}
	return classify("touch key "+keyID, err)
}

// CreateKey stores a key under its tenant and its KEYHASH# lookup item in
// one transaction. A missing tenant is KindNotFound; an existing key id or
// hash is KindConflict.
func (s *Store) CreateKey(ctx context.Context, rec auth.KeyRecord, hash string) error {
	if rec.ID == "" || rec.TenantID == "" {
		return platform.E(platform.KindValidation, "api key needs an id and a tenant")
	}
	if !validHash(hash) {
		return platform.E(platform.KindValidation, "api key hash must be lower-case SHA-256 hex")
	}
	k, h := keyToItems(rec, hash)
	kAV, err := marshal(k)
	if err != nil {
		return err
	}
	hAV, err := marshal(h)
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{
		s.tenantExists(rec.TenantID),
		{Put: &types.Put{TableName: aws.String(s.Table), Item: kAV, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: aws.String(s.Table), Item: hAV, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	})
	return classify("create key "+rec.ID, err,
		errTenantNotFound(rec.TenantID),
		platform.E(platform.KindConflict, "api key id exists"),
		platform.E(platform.KindConflict, "api key hash exists"))
}

// ListKeys lists the tenant's keys, newest first (key ids are ULIDs, so the
// sort key order is creation order). One strongly consistent Query.
func (s *Store) ListKeys(ctx context.Context, tenantID string) ([]auth.KeyRecord, error) {
	items, err := s.query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.Table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :keys)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(TenantPK(tenantID)), ":keys": str(APIKeyPrefix()),
		},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("list keys of %s: %w", tenantID, err)
	}
	var its []keyItem
	if err := attributevalue.UnmarshalListOfMaps(items, &its); err != nil {
		return nil, fmt.Errorf("list keys of %s: unmarshal: %w", tenantID, err)
	}
	out := make([]auth.KeyRecord, 0, len(its))
	for _, it := range its {
		rec, err := keyRecordFromItem(it)
		if err != nil {
			return nil, fmt.Errorf("list keys of %s: key %s: %w", tenantID, it.KeyID, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// RevokeKey revokes the tenant's key on both its items in one transaction,
// so LookupKey sees it at once. Revoking again keeps the first revokedAt.
// An unknown id, or another tenant's key, is KindNotFound.
func (s *Store) RevokeKey(ctx context.Context, tenantID, keyID string, at time.Time) (auth.KeyRecord, error) {
	var it keyItem
	found, err := s.getItem(ctx, TenantPK(tenantID), APIKeySK(keyID), &it)
	if err != nil {
		return auth.KeyRecord{}, fmt.Errorf("revoke key %s: %w", keyID, err)
	}
	if !found || it.TenantID != tenantID {
		return auth.KeyRecord{}, fmt.Errorf("revoke key %s: %w", keyID, errKeyNotFound())
	}
	update := func(k map[string]types.AttributeValue, condition string) types.TransactWriteItem {
		return types.TransactWriteItem{Update: &types.Update{
			TableName:           aws.String(s.Table),
			Key:                 k,
			UpdateExpression:    aws.String("SET #revoked = if_not_exists(#revoked, :at)"),
			ConditionExpression: aws.String(condition),
			ExpressionAttributeNames: map[string]string{
				"#revoked": attrRevokedAt, "#tenant": attrTenantID, "#key": attrKeyID,
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":at": str(formatTime(at)), ":tenant": str(tenantID), ":key": str(keyID),
			},
		}}
	}
	const owned = "attribute_exists(PK) AND #tenant = :tenant AND #key = :key"
	err = s.transact(ctx, []types.TransactWriteItem{
		update(key(TenantPK(tenantID), APIKeySK(keyID)), owned),
		update(key(KeyHashPK(it.Hash), KeyHashSK()), owned),
	})
	if err := classify("revoke key "+keyID, err, errKeyNotFound(), errKeyNotFound()); err != nil {
		return auth.KeyRecord{}, err
	}
	if it.RevokedAt == "" {
		it.RevokedAt = formatTime(at)
	}
	rec, err := keyRecordFromItem(it)
	if err != nil {
		return auth.KeyRecord{}, fmt.Errorf("revoke key %s: %w", keyID, err)
	}
	return rec, nil
}
