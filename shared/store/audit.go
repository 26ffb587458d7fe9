package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/platform"
)

// The audit log: one item per entry, in one partition per tenant, ordered
// by time. Key functions and the item struct live here (not keys.go /
// items.go), following the same rules.
//
//	PK                      SK                                       item
//	TENANT#<tenant>#AUDIT   AUDIT#<at, fixed-width UTC>#<entry id>   one audit entry (TTL expiresAt)
//
// The partition is the tenant's own (isolation stays structural) but not
// TENANT#<tenant> itself, so an unbounded, write-heavy log never shares a
// partition with the small, hot config items the authorizer and every
// group read. The fixed-width time (timeLayout) makes SK order time order,
// so a time range is one key condition (SK BETWEEN), never a Scan.
const (
	auditPart     = sep + "AUDIT"
	skAudit       = "AUDIT" + sep
	typeAudit     = "audit"
	auditMaxLimit = 1000
)

// DefaultAuditRetention is how long an entry is kept before DynamoDB's TTL
// may delete it (AUDIT_RETENTION overrides it per function).
const DefaultAuditRetention = 400 * 24 * time.Hour

// AuditPK is the partition of a tenant's audit log.
func AuditPK(tenantID string) string { return TenantPK(tenantID) + auditPart }

// AuditSK is the sort key of the entry with id written at at.
func AuditSK(at time.Time, id string) string { return skAudit + formatTime(at) + sep + id }

// AuditBoundSK is the sort key bound of time t: every entry at or after t
// sorts after it, every entry before t sorts before it.
func AuditBoundSK(t time.Time) string { return skAudit + formatTime(t) }

type auditItem struct {
	PK           string `dynamodbav:"PK"`
	SK           string `dynamodbav:"SK"`
	Type         string `dynamodbav:"type"`
	TenantID     string `dynamodbav:"tenantId"`
	ID           string `dynamodbav:"id"`
	At           string `dynamodbav:"at"`
	Actor        string `dynamodbav:"actor"`
	Action       string `dynamodbav:"action"`
	ResourceType string `dynamodbav:"resourceType"`
	ResourceID   string `dynamodbav:"resourceId,omitempty"`
	Shop         string `dynamodbav:"shop,omitempty"`
	Result       string `dynamodbav:"result"`
	Detail       string `dynamodbav:"detail,omitempty"`
	RequestID    string `dynamodbav:"requestId,omitempty"`
	ExpiresAt    int64  `dynamodbav:"expiresAt"` // the table's TTL attribute (epoch seconds)
}

func (it auditItem) entry() (audit.Entry, error) {
	at, err := parseTime(it.At)
	if err != nil {
		return audit.Entry{}, err
	}
	return audit.Entry{
		ID: it.ID, TenantID: it.TenantID, At: at, Actor: it.Actor, Action: it.Action,
		ResourceType: it.ResourceType, ResourceID: it.ResourceID, Shop: it.Shop,
		Result: audit.Result(it.Result), Detail: it.Detail, RequestID: it.RequestID,
	}, nil
}

// PutAuditEntry stores e (validated), to expire at expiresAt. An id is
// written once: attribute_not_exists(PK) (KindConflict otherwise).
func (s *Store) PutAuditEntry(ctx context.Context, e audit.Entry, expiresAt time.Time) error {
	if err := e.Validate(); err != nil {
		return err
	}
	av, err := marshal(auditItem{
		PK: AuditPK(e.TenantID), SK: AuditSK(e.At, e.ID), Type: typeAudit, TenantID: e.TenantID,
		ID: e.ID, At: formatTime(e.At), Actor: e.Actor, Action: e.Action, ResourceType: e.ResourceType,
		ResourceID: e.ResourceID, Shop: e.Shop, Result: string(e.Result), Detail: e.Detail,
		RequestID: e.RequestID, ExpiresAt: expiresAt.Unix(),
	})
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.Table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	return classify("put audit entry", err, platform.E(platform.KindConflict, "audit entry "+e.ID+" exists"))
}

// QueryAudit reads one page of tenantID's entries matching f, oldest
// first, after the position after (nil: from f.From): one Query with
// `PK = AUDIT partition AND SK BETWEEN AUDIT#<from> AND AUDIT#<to>`
// (From inclusive, To exclusive: an entry's SK is its bound followed by
// "#<id>"), Limit limit items read (≤ 1000), eventually consistent. The
// other fields of f are a FilterExpression: DynamoDB reads, and bills,
// every item of the range and drops the ones that do not match, so a page
// may hold fewer than limit entries, or none, and still not be the last.
// next is nil when the range is exhausted, else the position to resume
// after.
func (s *Store) QueryAudit(ctx context.Context, tenantID string, f audit.Filter, after *audit.Position, limit int) (entries []audit.Entry, next *audit.Position, err error) {
	if limit < 1 || limit > auditMaxLimit {
		return nil, nil, platform.E(platform.KindValidation, fmt.Sprintf("limit must be between 1 and %d", auditMaxLimit))
	}
	if !f.From.Before(f.To) {
		return nil, nil, platform.E(platform.KindValidation, "from must be before to")
	}
	pk := AuditPK(tenantID)
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.Table),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":from": str(AuditBoundSK(f.From)), ":to": str(AuditBoundSK(f.To)),
		},
		Limit: aws.Int32(int32(limit)),
	}
	if after != nil {
		in.ExclusiveStartKey = key(pk, AuditSK(after.At, after.ID))
	}
	var conds []string
	names := map[string]string{}
	add := func(attr, val string) {
		if val == "" {
			return
		}
		n, v := "#f"+attr, ":f"+attr
		names[n] = attr
		in.ExpressionAttributeValues[v] = str(val)
		conds = append(conds, n+" = "+v)
	}
	add("action", f.Action)
	add("actor", f.Actor)
	add("result", string(f.Result))
	add("resourceType", f.ResourceType)
	add("shop", f.Shop)
	if len(conds) > 0 {
		in.FilterExpression = aws.String(strings.Join(conds, " AND "))
		in.ExpressionAttributeNames = names
	}
	out, err := s.DB.Query(ctx, in)
	if err != nil {
		return nil, nil, fmt.Errorf("query audit of tenant %s: %w", tenantID, err)
	}
	var items []auditItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, nil, fmt.Errorf("unmarshal audit entries: %w", err)
	}
	entries = make([]audit.Entry, 0, len(items))
	for _, it := range items {
		e, err := it.entry()
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if len(out.LastEvaluatedKey) > 0 {
		var k struct {
			SK string `dynamodbav:"SK"`
		}
		if err := attributevalue.UnmarshalMap(out.LastEvaluatedKey, &k); err != nil {
			return nil, nil, fmt.Errorf("unmarshal audit page key: %w", err)
		}
		p, ok := AuditPositionOfSK(k.SK)
		if !ok {
			return nil, nil, fmt.Errorf("audit page key %q is not an audit sort key", k.SK)
		}
		next = &p
	}
	return entries, next, nil
}

// AuditPositionOfSK reads an audit sort key back into a position.
func AuditPositionOfSK(sk string) (audit.Position, bool) {
	rest, ok := strings.CutPrefix(sk, skAudit)
	if !ok || len(rest) < len(timeLayout)+2 || rest[len(timeLayout)] != '#' {
		return audit.Position{}, false
	}
	at, err := time.Parse(timeLayout, rest[:len(timeLayout)])
	if err != nil {
		return audit.Position{}, false
	}
	return audit.Position{At: at.UTC(), ID: rest[len(timeLayout)+1:]}, true
}

// AuditLog is the store-backed audit.Recorder: entries go to the table
// with expiresAt = At + Retention (DefaultAuditRetention when zero).
type AuditLog struct {
	Store     *Store
	Retention time.Duration
}

var _ audit.Recorder = AuditLog{}

// Record stores e (data-model pattern A1).
func (l AuditLog) Record(ctx context.Context, e audit.Entry) error {
	r := l.Retention
	if r <= 0 {
		r = DefaultAuditRetention
	}
	return l.Store.PutAuditEntry(ctx, e, e.At.Add(r))
}

// NewAuditLog is the recorder a mutating function wires on st: retention
// from AUDIT_RETENTION (a Go duration; default DefaultAuditRetention, 400
// days). A malformed value is one of env's problems (env.Err).
func NewAuditLog(st *Store, env *platform.Env) AuditLog {
	return AuditLog{Store: st, Retention: env.Duration("AUDIT_RETENTION", DefaultAuditRetention)}
}
