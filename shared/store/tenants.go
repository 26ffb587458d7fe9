package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
)

// MaxNameLength bounds tenant and group names.
const MaxNameLength = 200

var tenantIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidateTenantID checks a tenant id: 1 to 64 letters, digits, '_', '.'
// or '-', starting with a letter or digit (never '#', the key separator).
func ValidateTenantID(id string) error {
	if !tenantIDPattern.MatchString(id) {
		return platform.E(platform.KindValidation,
			fmt.Sprintf("tenant id %q must be 1 to 64 letters, digits, '_', '.' or '-'", id))
	}
	return nil
}

func validateName(what, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxNameLength {
		return "", platform.E(platform.KindValidation, fmt.Sprintf("%s must be 1 to %d characters", what, MaxNameLength))
	}
	return name, nil
}

func errTenantNotFound(id string) cond {
	return platform.E(platform.KindNotFound, fmt.Sprintf("tenant %s not found", id))
}

// tenantExists is a transaction item that fails unless the tenant exists.
func (s *Store) tenantExists(tenantID string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:           aws.String(s.Table),
		Key:                 key(TenantPK(tenantID), TenantSK()),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	}}
}

// CreateTenant creates a tenant; an existing id is KindConflict.
func (s *Store) CreateTenant(ctx context.Context, t config.Tenant) error {
	if err := ValidateTenantID(t.ID); err != nil {
		return err
	}
	name, err := validateName("tenant name", t.Name)
	if err != nil {
		return err
	}
	t.Name = name
	item, err := marshal(tenantToItem(t, time.Now()))
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.Table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	return classify("create tenant "+t.ID, err,
		platform.E(platform.KindConflict, fmt.Sprintf("tenant %s exists", t.ID)))
}

// Tenant reads a tenant; a missing one is KindNotFound.
func (s *Store) Tenant(ctx context.Context, id string) (config.Tenant, error) {
	var it tenantItem
	found, err := s.getItem(ctx, TenantPK(id), TenantSK(), &it)
	if err != nil {
		return config.Tenant{}, fmt.Errorf("get tenant %s: %w", id, err)
	}
	if !found {
		return config.Tenant{}, fmt.Errorf("get tenant: %w", errTenantNotFound(id))
	}
	return tenantFromItem(it), nil
}

// ListTenants lists every tenant by id, through GSI1 (operator use; no Scan).
// GSI reads are eventually consistent: a tenant created a moment ago may be
// missing.
func (s *Store) ListTenants(ctx context.Context) ([]config.Tenant, error) {
	items, err := s.query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.Table),
		IndexName:              aws.String(IndexGSI1),
		KeyConditionExpression: aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(TenantsGSI1PK()),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	var its []tenantItem
	if err := attributevalue.UnmarshalListOfMaps(items, &its); err != nil {
		return nil, fmt.Errorf("list tenants: unmarshal: %w", err)
	}
	out := make([]config.Tenant, len(its))
	for i, it := range its {
		out[i] = tenantFromItem(it)
	}
	return out, nil
}

// SetGroupName names the tenant's store group, creating the group if needed.
// A missing tenant is KindNotFound.
func (s *Store) SetGroupName(ctx context.Context, tenantID, name string) error {
	name, err := validateName("group name", name)
	if err != nil {
		return err
	}
	item, err := marshal(groupToItem(tenantID, name, time.Now()))
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{
		s.tenantExists(tenantID),
		{Put: &types.Put{TableName: aws.String(s.Table), Item: item}},
	})
	return classify("set group name of "+tenantID, err, errTenantNotFound(tenantID), nil)
}

// AddStore adds a store to the tenant's group, or changes its classification
// if it is already there. The SHOP# guard item, written in the same
// transaction, makes a shop belong to one tenant only: a shop in another
// tenant's group is KindConflict; a missing tenant is KindNotFound.
func (s *Store) AddStore(ctx context.Context, tenantID string, st config.Store) error {
	domain, err := config.NormalizeShop(st.Domain)
	if err != nil {
		return err
	}
	class, err := config.ParseClassification(string(st.Classification))
	if err != nil {
		return err
	}
	st = config.Store{Domain: domain, Classification: class}
	storeAV, err := marshal(storeToItem(tenantID, st, time.Now()))
	if err != nil {
		return err
	}
	shopAV, err := marshal(shopToItem(tenantID, domain))
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{
		s.tenantExists(tenantID),
		{Put: &types.Put{TableName: aws.String(s.Table), Item: storeAV}},
		{Put: &types.Put{
			TableName:                aws.String(s.Table),
			Item:                     shopAV,
			ConditionExpression:      aws.String("attribute_not_exists(PK) OR #tenant = :tenant"),
			ExpressionAttributeNames: map[string]string{"#tenant": attrTenantID},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":tenant": str(tenantID),
			},
		}},
	})
	return classify(fmt.Sprintf("add store %s to %s", domain, tenantID), err,
		errTenantNotFound(tenantID),
		nil,
		platform.E(platform.KindConflict, fmt.Sprintf("shop %s already belongs to another tenant", domain)))
}

// RemoveStore removes a store from the tenant's group and frees the shop.
// A store not in the tenant's group is KindNotFound.
func (s *Store) RemoveStore(ctx context.Context, tenantID, domain string) error {
	d, err := config.NormalizeShop(domain)
	if err != nil {
		return err
	}
	notFound := platform.E(platform.KindNotFound, fmt.Sprintf("store %s not found", d))
	err = s.transact(ctx, []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName:           aws.String(s.Table),
			Key:                 key(TenantPK(tenantID), StoreSK(d)),
			ConditionExpression: aws.String("attribute_exists(PK)"),
		}},
		{Delete: &types.Delete{
			TableName:                aws.String(s.Table),
			Key:                      key(ShopPK(d), ShopSK()),
			ConditionExpression:      aws.String("#tenant = :tenant"),
			ExpressionAttributeNames: map[string]string{"#tenant": attrTenantID},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":tenant": str(tenantID),
			},
		}},
		// The shop's connection (sealed tokens) goes with it: a store that
		// left the group must not keep a usable token.
		{Delete: &types.Delete{
			TableName: aws.String(s.Table),
			Key:       key(TenantPK(tenantID), ShopTokenSK(d)),
		}},
	})
	return classify(fmt.Sprintf("remove store %s from %s", d, tenantID), err, notFound, notFound)
}

// StoreGroup is the tenant's group: its name and stores, SOURCE, QA,
// RELEASE_CANDIDATE, PRODUCTION, then by domain. One strongly consistent
// Query. A tenant with neither a group name nor stores (or no tenant at all)
// is KindNotFound; a group with stores but no name has Name "".
func (s *Store) StoreGroup(ctx context.Context, tenantID string) (config.StoreGroup, error) {
	items, err := s.query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.Table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :group)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(TenantPK(tenantID)), ":group": str(GroupPrefix()),
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return config.StoreGroup{}, fmt.Errorf("store group of %s: %w", tenantID, err)
	}
	if len(items) == 0 {
		return config.StoreGroup{}, fmt.Errorf("store group of %s: %w", tenantID,
			platform.E(platform.KindNotFound, "store group not found"))
	}
	var (
		group  *groupItem
		stores []storeItem
	)
	for _, av := range items {
		var typ string
		if v, ok := av[attrType].(*types.AttributeValueMemberS); ok {
			typ = v.Value
		}
		switch typ {
		case typeGroup:
			group = new(groupItem)
			if err := attributevalue.UnmarshalMap(av, group); err != nil {
				return config.StoreGroup{}, fmt.Errorf("store group of %s: unmarshal group: %w", tenantID, err)
			}
		case typeStore:
			var it storeItem
			if err := attributevalue.UnmarshalMap(av, &it); err != nil {
				return config.StoreGroup{}, fmt.Errorf("store group of %s: unmarshal store: %w", tenantID, err)
			}
			stores = append(stores, it)
		}
	}
	return storeGroupFromItems(group, stores), nil
}

// TenantByShop is the tenant owning a shop (one strongly consistent GetItem
// of the SHOP# guard); an unknown shop is KindNotFound.
func (s *Store) TenantByShop(ctx context.Context, shop string) (string, error) {
	d, err := config.NormalizeShop(shop)
	if err != nil {
		return "", err
	}
	var it shopItem
	found, err := s.getItem(ctx, ShopPK(d), ShopSK(), &it)
	if err != nil {
		return "", fmt.Errorf("tenant of shop %s: %w", d, err)
	}
	if !found {
		return "", fmt.Errorf("tenant of shop: %w", platform.E(platform.KindNotFound, fmt.Sprintf("shop %s not found", d)))
	}
	return it.TenantID, nil
}
