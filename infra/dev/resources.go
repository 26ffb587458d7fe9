package dev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/flux-platform/flux/shared/secrets"
)

// Local account and region of the stack's own ARNs (functions, table, API).
// Queue ARNs are whatever moto answers.
const (
	LocalRegion    = "us-east-1"
	LocalAccountID = "123456789012"
)

// Names are the physical names the local stack gives the template's resources.
type Names struct {
	// Table is the table's name when the template has one table; with several,
	// each is Table + "-" + logical id.
	Table string
	// Prefix starts every queue and bucket name ("flux-local-"), so test runs
	// can use unique names against a shared moto.
	Prefix string
}

// QueueName is the local name of a queue resource.
func (n Names) QueueName(logicalID string, fifo bool) string {
	name := n.Prefix + logicalID
	if fifo {
		name += ".fifo"
	}
	return name
}

// BucketName is the local name of a bucket resource (lower case, as S3 wants).
func (n Names) BucketName(logicalID string) string {
	return strings.ToLower(strings.ReplaceAll(n.Prefix+logicalID, "_", "-"))
}

// Provision creates the template's table(s) in DynamoDB, its queues (DLQs
// first, with their redrive policies) and buckets in moto, idempotently, and
// returns a Resolver that knows every resource's local values. Functions
// resolve to their logical ids (!Ref) and local ARNs (!GetAtt .Arn).
// queueAttrs override queues' attributes (logical id -> attribute -> value),
// e.g. a short VisibilityTimeout for a test of redelivery.
func Provision(ctx context.Context, cfg aws.Config, t *Template, names Names, params map[string]string, queueAttrs map[string]map[string]string) (*Resolver, error) {
	r := &Resolver{
		Params: map[string]string{},
		Pseudo: map[string]string{
			"AWS::Region":    LocalRegion,
			"AWS::AccountId": LocalAccountID,
			"AWS::StackName": strings.TrimSuffix(names.Prefix, "-"),
			"AWS::StackId":   "arn:aws:cloudformation:" + LocalRegion + ":" + LocalAccountID + ":stack/local/local",
			"AWS::Partition": "aws",
			"AWS::URLSuffix": "amazonaws.com",
		},
		Resources:  map[string]Physical{},
		Conditions: t.Conditions,
	}
	if r.Pseudo["AWS::StackName"] == "" {
		r.Pseudo["AWS::StackName"] = "flux-local"
	}
	for name, p := range t.Parameters {
		if v, ok := params[name]; ok {
			r.Params[name] = v
		} else if p.HasDefault {
			r.Params[name] = p.Default
		}
	}
	for name := range params {
		if _, ok := t.Parameters[name]; !ok {
			return nil, fmt.Errorf("parameter %s is not in the template", name)
		}
	}

	ddb := dynamodb.NewFromConfig(cfg)
	tables := t.OfType(TypeTable)
	for _, id := range tables {
		name := names.Table
		if len(tables) > 1 {
			name = names.Table + "-" + id
		}
		if err := createTable(ctx, ddb, r, name, t.Resources[id].Properties); err != nil {
			return nil, fmt.Errorf("table %s: %w", id, err)
		}
		arn := "arn:aws:dynamodb:" + LocalRegion + ":" + LocalAccountID + ":table/" + name
		r.Resources[id] = Physical{Ref: name, Attrs: map[string]string{"Arn": arn, "StreamArn": arn + "/stream/local"}}
	}

	q := &queueMaker{client: sqs.NewFromConfig(cfg), t: t, r: r, names: names, busy: map[string]bool{}, overrides: queueAttrs}
	for _, id := range t.OfType(TypeQueue) {
		if err := q.ensure(ctx, id); err != nil {
			return nil, err
		}
	}

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, id := range t.OfType(TypeBucket) {
		name := names.BucketName(id)
		if err := createBucket(ctx, s3c, r, name, t.Resources[id].Properties); err != nil {
			return nil, fmt.Errorf("bucket %s: %w", id, err)
		}
		r.Resources[id] = Physical{Ref: name, Attrs: map[string]string{
			"Arn":        "arn:aws:s3:::" + name,
			"DomainName": name + ".s3.amazonaws.com",
		}}
	}

	// KMS keys: moto's KMS, behind an alias per key, so the production
	// KMS adapter (shared/secrets) runs unchanged locally.
	kmsc := kms.NewFromConfig(cfg)
	for _, id := range t.OfType(TypeKMSKey) {
		arn, err := secrets.EnsureKey(ctx, kmsc, "alias/"+names.Prefix+id)
		if err != nil {
			return nil, fmt.Errorf("kms key %s: %w", id, err)
		}
		r.Resources[id] = Physical{Ref: arn[strings.LastIndex(arn, "/")+1:], Attrs: map[string]string{"Arn": arn}}
	}

	for id, res := range t.Resources {
		if _, done := r.Resources[id]; done {
			continue
		}
		switch res.Type {
		case TypeFunction:
			r.Resources[id] = Physical{Ref: id, Attrs: map[string]string{
				"Arn": "arn:aws:lambda:" + LocalRegion + ":" + LocalAccountID + ":function:" + id,
			}}
		default:
			// Anything else (roles, alarms, APIs...) is its logical id locally.
			r.Resources[id] = Physical{Ref: id, Attrs: map[string]string{
				"Arn": "arn:aws:local:" + LocalRegion + ":" + LocalAccountID + ":" + id,
			}}
		}
	}
	return r, nil
}

// tableProps is the part of AWS::DynamoDB::Table's properties DynamoDB Local uses.
type tableProps struct {
	AttributeDefinitions []struct {
		AttributeName string
		AttributeType string
	}
	KeySchema              []keyElem
	BillingMode            string
	GlobalSecondaryIndexes []indexProps
	LocalSecondaryIndexes  []indexProps
	ProvisionedThroughput  *struct {
		ReadCapacityUnits  int64
		WriteCapacityUnits int64
	}
	StreamSpecification *struct {
		StreamViewType string
	}
	TimeToLiveSpecification *struct {
		AttributeName string
		Enabled       bool
	}
}

type keyElem struct {
	AttributeName string
	KeyType       string
}

type indexProps struct {
	IndexName  string
	KeySchema  []keyElem
	Projection struct {
		ProjectionType   string
		NonKeyAttributes []string
	}
}

func keySchema(ks []keyElem) []ddbtypes.KeySchemaElement {
	out := make([]ddbtypes.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = ddbtypes.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: ddbtypes.KeyType(k.KeyType)}
	}
	return out
}

func projection(p indexProps) *ddbtypes.Projection {
	pt := p.Projection.ProjectionType
	if pt == "" {
		pt = "ALL"
	}
	return &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(pt), NonKeyAttributes: p.Projection.NonKeyAttributes}
}

// TableInput builds the CreateTable input of an AWS::DynamoDB::Table's
// properties: the local table is the template's table.
func TableInput(r *Resolver, name string, props map[string]any) (*dynamodb.CreateTableInput, *ddbtypes.TimeToLiveSpecification, error) {
	var p tableProps
	if err := r.Into(props, &p); err != nil {
		return nil, nil, err
	}
	if len(p.KeySchema) == 0 {
		return nil, nil, errors.New("no KeySchema")
	}
	in := &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		KeySchema: keySchema(p.KeySchema),
	}
	for _, a := range p.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: ddbtypes.ScalarAttributeType(a.AttributeType),
		})
	}
	provisioned := p.BillingMode == "PROVISIONED" || (p.BillingMode == "" && p.ProvisionedThroughput != nil)
	var tp *ddbtypes.ProvisionedThroughput
	if provisioned {
		in.BillingMode = ddbtypes.BillingModeProvisioned
		tp = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
		if p.ProvisionedThroughput != nil {
			tp = &ddbtypes.ProvisionedThroughput{
				ReadCapacityUnits:  aws.Int64(p.ProvisionedThroughput.ReadCapacityUnits),
				WriteCapacityUnits: aws.Int64(p.ProvisionedThroughput.WriteCapacityUnits),
			}
		}
		in.ProvisionedThroughput = tp
	} else {
		in.BillingMode = ddbtypes.BillingModePayPerRequest
	}
	for _, g := range p.GlobalSecondaryIndexes {
		gsi := ddbtypes.GlobalSecondaryIndex{IndexName: aws.String(g.IndexName), KeySchema: keySchema(g.KeySchema), Projection: projection(g)}
		if provisioned {
			gsi.ProvisionedThroughput = tp
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
	}
	for _, l := range p.LocalSecondaryIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, ddbtypes.LocalSecondaryIndex{
			IndexName: aws.String(l.IndexName), KeySchema: keySchema(l.KeySchema), Projection: projection(l),
		})
	}
	if p.StreamSpecification != nil && p.StreamSpecification.StreamViewType != "" {
		in.StreamSpecification = &ddbtypes.StreamSpecification{
			StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewType(p.StreamSpecification.StreamViewType),
		}
	}
	var ttl *ddbtypes.TimeToLiveSpecification
	if p.TimeToLiveSpecification != nil && p.TimeToLiveSpecification.Enabled {
		ttl = &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(p.TimeToLiveSpecification.AttributeName), Enabled: aws.Bool(true)}
	}
	return in, ttl, nil
}

func createTable(ctx context.Context, c *dynamodb.Client, r *Resolver, name string, props map[string]any) error {
	in, ttl, err := TableInput(r, name, props)
	if err != nil {
		return err
	}
	_, err = c.CreateTable(ctx, in)
	var inUse *ddbtypes.ResourceInUseException
	switch {
	case err == nil:
	case errors.As(err, &inUse):
		// Exists already (make dev restarted on its persisted data).
	default:
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	if ttl != nil {
		d, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		if err == nil && d.TimeToLiveDescription != nil && d.TimeToLiveDescription.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabled {
			return nil
		}
		if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name), TimeToLiveSpecification: ttl}); err != nil {
			return fmt.Errorf("enable ttl on %s: %w", name, err)
		}
	}
	return nil
}

type queueMaker struct {
	client *sqs.Client
	t      *Template
	r      *Resolver
	names  Names
	busy   map[string]bool
	// overrides of attributes per queue (Options.QueueAttributes).
	overrides map[string]map[string]string
}

// ensure creates queue id after every queue its properties refer to (its DLQ).
func (q *queueMaker) ensure(ctx context.Context, id string) error {
	if _, done := q.r.Resources[id]; done {
		return nil
	}
	if q.busy[id] {
		return fmt.Errorf("queue %s: circular reference", id)
	}
	q.busy[id] = true
	props := q.t.Resources[id].Properties
	for _, dep := range refsIn(props) {
		if res, ok := q.t.Resources[dep]; ok && res.Type == TypeQueue {
			if err := q.ensure(ctx, dep); err != nil {
				return err
			}
		}
	}
	attrs, fifo, err := queueAttributes(q.r, props)
	if err != nil {
		return fmt.Errorf("queue %s: %w", id, err)
	}
	for k, v := range q.overrides[id] {
		attrs[k] = v
	}
	name := q.names.QueueName(id, fifo)
	out, err := q.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	var url string
	if err != nil {
		// The queue exists with other attributes: bring them up to date.
		var exists *sqstypes.QueueNameExists
		if !errors.As(err, &exists) {
			return fmt.Errorf("create queue %s: %w", name, err)
		}
		got, gerr := q.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if gerr != nil {
			return fmt.Errorf("create queue %s: %w", name, err)
		}
		url = aws.ToString(got.QueueUrl)
		set := map[string]string{}
		for k, v := range attrs {
			if k != string(sqstypes.QueueAttributeNameFifoQueue) {
				set[k] = v
			}
		}
		if _, err := q.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: set}); err != nil {
			return fmt.Errorf("update queue %s: %w", name, err)
		}
	} else {
		url = aws.ToString(out.QueueUrl)
	}
	ga, err := q.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return fmt.Errorf("queue %s arn: %w", name, err)
	}
	q.r.Resources[id] = Physical{Ref: url, Attrs: map[string]string{
		"Arn":       ga.Attributes[string(sqstypes.QueueAttributeNameQueueArn)],
		"QueueName": name,
		"QueueUrl":  url,
	}}
	return nil
}

// refsIn lists the logical ids v refers to with !Ref / !GetAtt / ${...}.
func refsIn(v any) []string {
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case Fn:
			if id := refTarget(t); id != "" {
				seen[id] = true
			}
			if t.Name == "Fn::Sub" {
				s, _ := t.Arg.(string)
				if a, ok := t.Arg.([]any); ok && len(a) > 0 {
					s, _ = a[0].(string)
					walk(a[1:])
				}
				for {
					i := strings.Index(s, "${")
					if i < 0 {
						break
					}
					s = s[i+2:]
					j := strings.Index(s, "}")
					if j < 0 {
						break
					}
					name, _, _ := strings.Cut(s[:j], ".")
					seen[name] = true
					s = s[j+1:]
				}
				return
			}
			walk(t.Arg)
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// queueAttributes maps AWS::SQS::Queue properties to CreateQueue attributes.
func queueAttributes(r *Resolver, props map[string]any) (map[string]string, bool, error) {
	rv, err := r.Resolve(props)
	if err != nil {
		return nil, false, err
	}
	p := asMap(rv)
	attrs := map[string]string{}
	for _, k := range []string{"DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout"} {
		if v, ok := p[k]; ok {
			s, err := scalarString(v)
			if err != nil {
				return nil, false, fmt.Errorf("%s: %w", k, err)
			}
			attrs[k] = s
		}
	}
	fifo := false
	if v, ok := p["FifoQueue"]; ok {
		fifo = asString(v) == "true"
		if fifo {
			attrs["FifoQueue"] = "true"
		}
	}
	if v, ok := p["ContentBasedDeduplication"]; ok {
		attrs["ContentBasedDeduplication"] = asString(v)
	}
	for _, k := range []string{"RedrivePolicy", "RedriveAllowPolicy"} {
		v, ok := p[k]
		if !ok {
			continue
		}
		if s, isStr := v.(string); isStr {
			attrs[k] = s
			continue
		}
		m := asMap(v)
		if k == "RedrivePolicy" {
			// SQS wants maxReceiveCount as a number.
			if mr, ok := m["maxReceiveCount"]; ok {
				n, err := strconv.Atoi(asString(mr))
				if err != nil {
					return nil, false, fmt.Errorf("RedrivePolicy.maxReceiveCount: %w", err)
				}
				m["maxReceiveCount"] = n
			}
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return nil, false, err
		}
		attrs[k] = string(raw)
	}
	return attrs, fifo, nil
}

func createBucket(ctx context.Context, c *s3.Client, r *Resolver, name string, props map[string]any) error {
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	var owned *s3types.BucketAlreadyOwnedByYou
	var exists *s3types.BucketAlreadyExists
	if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	var cors struct {
		CorsConfiguration *struct {
			CorsRules []struct {
				AllowedHeaders []string
				AllowedMethods []string
				AllowedOrigins []string
				ExposedHeaders []string
				MaxAge         int32
			}
		}
	}
	if err := r.Into(props, &cors); err != nil {
		return err
	}
	if cors.CorsConfiguration != nil && len(cors.CorsConfiguration.CorsRules) > 0 {
		in := &s3.PutBucketCorsInput{Bucket: aws.String(name), CORSConfiguration: &s3types.CORSConfiguration{}}
		for _, cr := range cors.CorsConfiguration.CorsRules {
			rule := s3types.CORSRule{
				AllowedHeaders: cr.AllowedHeaders, AllowedMethods: cr.AllowedMethods,
				AllowedOrigins: cr.AllowedOrigins, ExposeHeaders: cr.ExposedHeaders,
			}
			if cr.MaxAge > 0 {
				rule.MaxAgeSeconds = aws.Int32(cr.MaxAge)
			}
			in.CORSConfiguration.CORSRules = append(in.CORSConfiguration.CORSRules, rule)
		}
		if _, err := c.PutBucketCors(ctx, in); err != nil {
			return fmt.Errorf("bucket %s cors: %w", name, err)
		}
	}
	return nil
}
