package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/platform"
)

// WebhookDelivery is the dedupe record of one Shopify webhook delivery,
// keyed by its X-Shopify-Webhook-Id (the same on every retry of one
// delivery).
type WebhookDelivery struct {
	WebhookID string
	Shop      string
	Topic     string
	// Claim is a random token of the request that holds the delivery: only
	// that request may complete or release it.
	Claim string
	// LeaseUntil bounds a pending claim (millisecond precision): a retry
	// after it may claim the delivery again, because the request that held
	// it crashed before the event reached the queue.
	LeaseUntil time.Time
	ReceivedAt time.Time
	// ExpiresAt is when DynamoDB's TTL may delete the record (second
	// precision); duplicates are recognised until then.
	ExpiresAt time.Time
}

// WebhookDeliveryState is the state of a delivery record.
type WebhookDeliveryState string

// States of a delivery record.
const (
	WebhookPending  WebhookDeliveryState = "pending"  // claimed, event not yet on the queue
	WebhookEnqueued WebhookDeliveryState = "enqueued" // the event is on the queue
)

// Errors of PutWebhookDelivery, both KindConflict (test with errors.Is).
var (
	// ErrWebhookDuplicate: the delivery's event is already on the queue.
	ErrWebhookDuplicate = errors.New("webhook delivery already enqueued")
	// ErrWebhookInProgress: another request holds an unexpired claim.
	ErrWebhookInProgress = errors.New("webhook delivery in progress")
)

// Shopify's webhook ids are UUIDs; anything of this shape (never '#') is
// accepted so a change of Shopify's format does not drop deliveries.
var webhookIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// ValidateWebhookID checks an X-Shopify-Webhook-Id before it becomes a key.
func ValidateWebhookID(id string) error {
	if !webhookIDPattern.MatchString(id) {
		return platform.E(platform.KindValidation, "X-Shopify-Webhook-Id must be 1 to 128 characters of [A-Za-z0-9._:-]")
	}
	return nil
}

func checkDelivery(d WebhookDelivery) error {
	if err := ValidateWebhookID(d.WebhookID); err != nil {
		return err
	}
	if d.Claim == "" || d.Shop == "" || d.Topic == "" {
		return platform.E(platform.KindValidation, "webhook delivery needs a claim, a shop and a topic")
	}
	return nil
}

// PutWebhookDelivery claims a delivery (state pending) with one conditional
// PutItem: it succeeds when the delivery was never seen, or when an earlier
// claim was left pending and its lease has passed (that request crashed
// between the claim and the queue). Otherwise it fails with KindConflict
// wrapping ErrWebhookDuplicate (already enqueued) or ErrWebhookInProgress (a
// live claim), told apart from the item DynamoDB returns with the failed
// condition, so no extra read is needed.
func (s *Store) PutWebhookDelivery(ctx context.Context, d WebhookDelivery, now time.Time) error {
	if err := checkDelivery(d); err != nil {
		return err
	}
	av, err := marshal(webhookDeliveryToItem(d, WebhookPending))
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.Table),
		Item:                av,
		ConditionExpression: aws.String("attribute_not_exists(PK) OR (#state = :pending AND #lease < :now)"),
		ExpressionAttributeNames: map[string]string{
			"#state": attrState, "#lease": attrLeaseUntil,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": str(string(WebhookPending)),
			":now":     num(now.UnixMilli()),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		var old webhookDeliveryItem
		// Without the old item (an endpoint that does not return it) the
		// delivery is treated as in progress: Shopify retries, nothing is lost.
		sentinel, msg := ErrWebhookInProgress, "webhook delivery is being processed; retry later"
		if len(ccf.Item) > 0 && attributevalue.UnmarshalMap(ccf.Item, &old) == nil && old.State == string(WebhookEnqueued) {
			sentinel, msg = ErrWebhookDuplicate, "webhook delivery already received"
		}
		return fmt.Errorf("put webhook delivery: %w", platform.Wrap(platform.KindConflict, msg, sentinel))
	}
	return classify("put webhook delivery", err)
}

// CompleteWebhookDelivery marks a claimed delivery enqueued: PutItem of the
// whole record with condition claim = d.Claim. A failed condition
// (KindConflict) means the claim was lost: its lease passed and a retry
// claimed the delivery again.
func (s *Store) CompleteWebhookDelivery(ctx context.Context, d WebhookDelivery) error {
	if err := checkDelivery(d); err != nil {
		return err
	}
	av, err := marshal(webhookDeliveryToItem(d, WebhookEnqueued))
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.Table),
		Item:                      av,
		ConditionExpression:       aws.String("#claim = :claim"),
		ExpressionAttributeNames:  map[string]string{"#claim": attrClaim},
		ExpressionAttributeValues: map[string]types.AttributeValue{":claim": str(d.Claim)},
	})
	return classify("complete webhook delivery", err, platform.E(platform.KindConflict, "webhook delivery claimed by another request"))
}

// DeleteWebhookDelivery releases a pending claim (the event could not be
// enqueued), so that Shopify's retry of the delivery is not taken for a
// duplicate. Only the claim's holder releases it, and never once enqueued:
// condition claim = :claim AND state = pending, else KindConflict.
func (s *Store) DeleteWebhookDelivery(ctx context.Context, webhookID, claim string) error {
	if err := ValidateWebhookID(webhookID); err != nil {
		return err
	}
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                aws.String(s.Table),
		Key:                      key(WebhookDeliveryPK(webhookID), WebhookDeliverySK()),
		ConditionExpression:      aws.String("#claim = :claim AND #state = :pending"),
		ExpressionAttributeNames: map[string]string{"#claim": attrClaim, "#state": attrState},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":claim": str(claim), ":pending": str(string(WebhookPending)),
		},
	})
	return classify("delete webhook delivery", err, platform.E(platform.KindConflict, "webhook delivery not held by this request"))
}

// WebhookDelivery reads a delivery record and its state (tests, operators).
func (s *Store) WebhookDelivery(ctx context.Context, webhookID string) (WebhookDelivery, WebhookDeliveryState, error) {
	if err := ValidateWebhookID(webhookID); err != nil {
		return WebhookDelivery{}, "", err
	}
	var it webhookDeliveryItem
	found, err := s.getItem(ctx, WebhookDeliveryPK(webhookID), WebhookDeliverySK(), &it)
	if err != nil {
		return WebhookDelivery{}, "", fmt.Errorf("get webhook delivery: %w", err)
	}
	if !found {
		return WebhookDelivery{}, "", platform.E(platform.KindNotFound, "webhook delivery not found")
	}
	return webhookDeliveryFromItem(it)
}
