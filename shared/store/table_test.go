package store

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
)

func TestTableDefinitionFollowsShape(t *testing.T) {
	def := TableDefinition("t")
	s := TableShape()
	var attrs []Attribute
	for _, a := range def.AttributeDefinitions {
		attrs = append(attrs, Attribute{aws.ToString(a.AttributeName), string(a.AttributeType)})
	}
	var ks []KeyElement
	for _, k := range def.KeySchema {
		ks = append(ks, KeyElement{aws.ToString(k.AttributeName), string(k.KeyType)})
	}
	var gsis []Index
	for _, g := range def.GlobalSecondaryIndexes {
		ix := Index{Name: aws.ToString(g.IndexName), ProjectionType: string(g.Projection.ProjectionType)}
		for _, k := range g.KeySchema {
			ix.KeySchema = append(ix.KeySchema, KeyElement{aws.ToString(k.AttributeName), string(k.KeyType)})
		}
		gsis = append(gsis, ix)
	}
	got := Shape{
		AttributeDefinitions: attrs, KeySchema: ks, GlobalIndexes: gsis,
		BillingMode: string(def.BillingMode), SSE: aws.ToBool(def.SSESpecification.Enabled),
		TTLAttribute: s.TTLAttribute, PITR: s.PITR,
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("TableDefinition differs from TableShape (-shape +definition):\n%s", diff)
	}
	if aws.ToString(def.TableName) != "t" {
		t.Errorf("table name = %q", aws.ToString(def.TableName))
	}
	want := Shape{
		AttributeDefinitions: []Attribute{{"PK", "S"}, {"SK", "S"}, {"GSI1PK", "S"}, {"GSI1SK", "S"}, {"GSI2PK", "S"}, {"GSI2SK", "S"}},
		KeySchema:            []KeyElement{{"PK", "HASH"}, {"SK", "RANGE"}},
		GlobalIndexes: []Index{
			{"GSI1", []KeyElement{{"GSI1PK", "HASH"}, {"GSI1SK", "RANGE"}}, "ALL"},
			{"GSI2", []KeyElement{{"GSI2PK", "HASH"}, {"GSI2SK", "RANGE"}}, "ALL"},
		},
		BillingMode: "PAY_PER_REQUEST", TTLAttribute: "expiresAt", SSE: true, PITR: true,
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("TableShape (-want +got):\n%s", diff)
	}
}
