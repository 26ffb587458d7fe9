package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute and index names of the table.
const (
	AttrPK       = "PK"
	AttrSK       = "SK"
	AttrGSI1PK   = "GSI1PK"
	AttrGSI1SK   = "GSI1SK"
	AttrGSI2PK   = "GSI2PK"
	AttrGSI2SK   = "GSI2SK"
	AttrTTL      = "expiresAt"
	IndexGSI1    = "GSI1"
	IndexGSI2    = "GSI2"
	BillingMode  = "PAY_PER_REQUEST"
	ProjectAll   = "ALL"
	KeyTypeHash  = "HASH"
	KeyTypeRange = "RANGE"
)

// Shape is the table's design in plain values, so that a test can compare
// template.yaml's Table resource with what the code expects.
type Shape struct {
	AttributeDefinitions []Attribute // name and scalar type ("S")
	KeySchema            []KeyElement
	GlobalIndexes        []Index
	BillingMode          string // PAY_PER_REQUEST
	TTLAttribute         string // expiresAt
	SSE                  bool   // server-side encryption on
	PITR                 bool   // point-in-time recovery on (deployed table)
}

// Attribute is one attribute definition.
type Attribute struct {
	Name string
	Type string
}

// KeyElement is one element of a key schema.
type KeyElement struct {
	Name    string
	KeyType string // HASH or RANGE
}

// Index is a global secondary index.
type Index struct {
	Name           string
	KeySchema      []KeyElement
	ProjectionType string // ALL
}

// TableShape is the one definition of the table: TableDefinition and
// template.yaml both follow it.
func TableShape() Shape {
	return Shape{
		AttributeDefinitions: []Attribute{
			{AttrPK, "S"}, {AttrSK, "S"},
			{AttrGSI1PK, "S"}, {AttrGSI1SK, "S"},
			{AttrGSI2PK, "S"}, {AttrGSI2SK, "S"},
		},
		KeySchema: []KeyElement{{AttrPK, KeyTypeHash}, {AttrSK, KeyTypeRange}},
		GlobalIndexes: []Index{
			{IndexGSI1, []KeyElement{{AttrGSI1PK, KeyTypeHash}, {AttrGSI1SK, KeyTypeRange}}, ProjectAll},
			{IndexGSI2, []KeyElement{{AttrGSI2PK, KeyTypeHash}, {AttrGSI2SK, KeyTypeRange}}, ProjectAll},
		},
		BillingMode:  BillingMode,
		TTLAttribute: AttrTTL,
		SSE:          true,
		PITR:         true,
	}
}

func keySchema(ks []KeyElement) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = types.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: types.KeyType(k.KeyType)}
	}
	return out
}

// TableDefinition is the CreateTable request for a table named name.
func TableDefinition(name string) *dynamodb.CreateTableInput {
	s := TableShape()
	in := &dynamodb.CreateTableInput{
		TableName:        aws.String(name),
		BillingMode:      types.BillingMode(s.BillingMode),
		KeySchema:        keySchema(s.KeySchema),
		SSESpecification: &types.SSESpecification{Enabled: aws.Bool(s.SSE)},
	}
	for _, a := range s.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.Name), AttributeType: types.ScalarAttributeType(a.Type),
		})
	}
	for _, ix := range s.GlobalIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.KeySchema),
			Projection: &types.Projection{ProjectionType: types.ProjectionType(ix.ProjectionType)},
		})
	}
	return in
}

// TableAdmin is the part of the DynamoDB client CreateTable uses.
type TableAdmin interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	DescribeTimeToLive(ctx context.Context, in *dynamodb.DescribeTimeToLiveInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTimeToLiveOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// CreateTable creates the table (for the local stack, tests and fluxctl;
// deployed tables come from template.yaml), waits until it is ACTIVE and
// turns TTL on. A table that already exists is fine: it only waits and
// ensures TTL. Point-in-time recovery is left to the template.
func CreateTable(ctx context.Context, client TableAdmin, name string) error {
	_, err := client.CreateTable(ctx, TableDefinition(name))
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 200 * time.Millisecond
		o.MaxDelay = 2 * time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 5*time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("describe ttl of %s: %w", name, err)
	}
	if d := ttl.TimeToLiveDescription; d != nil &&
		(d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrTTL), Enabled: aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("enable ttl on %s: %w", name, err)
	}
	return nil
}
