package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
)

// DB is the part of the DynamoDB client the store uses; *dynamodb.Client
// satisfies it, and tests can wrap it to count or fail calls. There is no
// Scan on purpose.
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ DB = (*dynamodb.Client)(nil)

// Store is the single table. Its methods return platform errors: KindNotFound,
// KindConflict, KindValidation, or wrapped internal errors.
type Store struct {
	DB    DB
	Table string
}

// New is a Store on table name.
func New(db DB, table string) *Store { return &Store{DB: db, Table: table} }

var (
	_ auth.KeyStore      = (*Store)(nil)
	_ auth.ShopDirectory = (*Store)(nil)
	_ config.Storage     = (*Store)(nil)
)

// cond is the domain error for a failed condition; nil means "this item has
// no condition that can fail".
type cond = *platform.Error

// classify is the one place DynamoDB's condition failures become domain
// errors. For a single-item write, conds[0] is the error of its condition;
// for a transaction, conds[i] is the error of item i's condition (DynamoDB
// reports the reasons in item order). A transaction that lost a race with
// another one is a conflict. Anything else is wrapped with op as an internal
// error.
func classify(op string, err error, conds ...cond) error {
	if err == nil {
		return nil
	}
	withCause := func(c cond) error {
		return fmt.Errorf("%s: %w", op, &platform.Error{Kind: c.Kind, Message: c.Message, Err: err})
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) && len(conds) > 0 && conds[0] != nil {
		return withCause(conds[0])
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for i, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" && i < len(conds) && conds[i] != nil {
				return withCause(conds[i])
			}
		}
		if isTransactionConflict(tce) {
			return withCause(platform.E(platform.KindConflict, "concurrent update, try again"))
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func isTransactionConflict(tce *types.TransactionCanceledException) bool {
	conflict := false
	for _, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "TransactionConflict":
			conflict = true
		case "", "None":
		default:
			return false
		}
	}
	return conflict
}

// transact runs a transaction, retrying a few times when it only lost a race
// with another transaction on the same items (the SDK does not retry those),
// so that the loser of a race sees the winner's result as a condition failure.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	const attempts = 4
	var err error
	for i := range attempts {
		_, err = s.DB.TransactWriteItems(ctx, in)
		var tce *types.TransactionCanceledException
		if err == nil || !errors.As(err, &tce) || !isTransactionConflict(tce) || i == attempts-1 {
			return err
		}
		backoff := time.Duration(10<<i)*time.Millisecond + rand.N(10*time.Millisecond)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(backoff):
		}
	}
	return err
}

// key is the primary key of an item.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: str(pk), AttrSK: str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func marshal(item any) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", item, err)
	}
	return av, nil
}

// query reads every page of a query.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.DB, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
	}
	return items, nil
}

// getItem reads one item strongly consistently into v; found is false when
// the item does not exist.
func (s *Store) getItem(ctx context.Context, pk, sk string, v any) (found bool, err error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.Table), Key: key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, err
	}
	if len(out.Item) == 0 {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, v); err != nil {
		return false, fmt.Errorf("unmarshal %s/%s: %w", pk, sk, err)
	}
	return true, nil
}
