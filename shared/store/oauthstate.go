package store

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/platform"
)

// OAuthState is a one-time OAuth install state: the nonce Shopify hands
// back on the callback, bound to the tenant and shop the install was
// started for.
type OAuthState struct {
	Nonce     string
	TenantID  string
	Shop      string
	Online    bool
	ExpiresAt time.Time // second precision (the TTL attribute)
}

// Nonces are URL-safe base64 (shared/shopify/oauth issues 43 characters).
var noncePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)

func errStateNotFound() cond {
	return platform.E(platform.KindNotFound, "OAuth state not found, already used or expired")
}

// PutOAuthState stores a new state (a nonce is never reused: an existing
// one is KindConflict). DynamoDB's TTL deletes it some time after
// ExpiresAt; ConsumeOAuthState refuses it from ExpiresAt on.
func (s *Store) PutOAuthState(ctx context.Context, st OAuthState) error {
	if !noncePattern.MatchString(st.Nonce) {
		return platform.E(platform.KindValidation, "OAuth state nonce must be 16 to 128 URL-safe base64 characters")
	}
	if err := checkShop(st.TenantID, st.Shop); err != nil {
		return err
	}
	av, err := marshal(oauthStateToItem(st))
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.Table),
		Item:                av,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	return classify("put oauth state", err, platform.E(platform.KindConflict, "OAuth state nonce exists"))
}

// ConsumeOAuthState deletes the state and returns it, in one conditional
// DeleteItem (attribute_exists AND expiresAt > now, ReturnValues ALL_OLD):
// of any number of concurrent callbacks with one nonce exactly one gets it,
// and an expired state is refused even before TTL removes it. Unknown,
// used and expired nonces are all KindNotFound.
func (s *Store) ConsumeOAuthState(ctx context.Context, nonce string, now time.Time) (OAuthState, error) {
	if !noncePattern.MatchString(nonce) {
		return OAuthState{}, fmt.Errorf("consume oauth state: %w", errStateNotFound())
	}
	out, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                aws.String(s.Table),
		Key:                      key(OAuthStatePK(nonce), OAuthStateSK()),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #exp > :now"),
		ExpressionAttributeNames: map[string]string{"#exp": attrExpiresAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(now.Unix()),
		},
		ReturnValues: types.ReturnValueAllOld,
	})
	if err := classify("consume oauth state", err, errStateNotFound()); err != nil {
		return OAuthState{}, err
	}
	var it oauthStateItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return OAuthState{}, fmt.Errorf("consume oauth state: unmarshal: %w", err)
	}
	return oauthStateFromItem(nonce, it), nil
}
