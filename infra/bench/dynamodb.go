package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/graphql"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store"
)

// countingDB wraps the store's DynamoDB client: it asks every call for its
// consumed capacity and tallies calls and capacity units per operation.
type countingDB struct {
	store.DB
	mu    sync.Mutex
	calls map[string]int
	rcu   float64
	wcu   float64
	noCap int // calls that returned no ConsumedCapacity
}

var _ store.DB = (*countingDB)(nil)

func (c *countingDB) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls, c.rcu, c.wcu, c.noCap = map[string]int{}, 0, 0, 0
}

func (c *countingDB) note(op string, caps ...types.ConsumedCapacity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[op]++
	if len(caps) == 0 {
		c.noCap++
	}
	for _, cc := range caps {
		c.rcu += aws.ToFloat64(cc.ReadCapacityUnits)
		c.wcu += aws.ToFloat64(cc.WriteCapacityUnits)
		if cc.ReadCapacityUnits == nil && cc.WriteCapacityUnits == nil {
			// DynamoDB reports only CapacityUnits when the split is not asked for.
			if op == "GetItem" || op == "Query" {
				c.rcu += aws.ToFloat64(cc.CapacityUnits)
			} else {
				c.wcu += aws.ToFloat64(cc.CapacityUnits)
			}
		}
	}
}

func capOf(cc *types.ConsumedCapacity) []types.ConsumedCapacity {
	if cc == nil {
		return nil
	}
	return []types.ConsumedCapacity{*cc}
}

func (c *countingDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.DB.GetItem(ctx, in, opts...)
	if err == nil {
		c.note("GetItem", capOf(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *countingDB) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.DB.Query(ctx, in, opts...)
	if err == nil {
		c.note("Query", capOf(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *countingDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.DB.PutItem(ctx, in, opts...)
	if err == nil {
		c.note("PutItem", capOf(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *countingDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.DB.UpdateItem(ctx, in, opts...)
	if err == nil {
		c.note("UpdateItem", capOf(out.ConsumedCapacity)...)
	} else {
		c.note("UpdateItem(condition failed)")
	}
	return out, err
}

func (c *countingDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.DB.DeleteItem(ctx, in, opts...)
	if err == nil {
		c.note("DeleteItem", capOf(out.ConsumedCapacity)...)
	}
	return out, err
}

func (c *countingDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	out, err := c.DB.TransactWriteItems(ctx, in, opts...)
	if err == nil {
		c.note("TransactWriteItems", out.ConsumedCapacity...)
	}
	return out, err
}

// dynamoEndpoint is FLUX_BENCH_DYNAMODB_ENDPOINT, or a DynamoDB Local started
// here (in memory, on a free port) and stopped by the returned func.
func dynamoEndpoint(dir string) (string, func(), error) {
	if ep := os.Getenv("FLUX_BENCH_DYNAMODB_ENDPOINT"); ep != "" {
		return ep, func() {}, nil
	}
	jar := filepath.Join(dir, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err != nil {
		return "", nil, fmt.Errorf("no DynamoDB Local at %s (run infra/scripts/install-dynamodb-local.sh, or set FLUX_BENCH_DYNAMODB_ENDPOINT)", jar)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("java", "-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
		"-inMemory", "-port", fmt.Sprint(port), "-disableTelemetry")
	cmd.Dir = dir
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	ep := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(ep); err == nil {
			resp.Body.Close()
			return ep, stop, nil
		}
		select {
		case <-exited:
			return "", nil, fmt.Errorf("DynamoDB Local exited: %s", tail(logs.String()))
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, errors.New("DynamoDB Local did not start within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const configQuery = `{"query":"{ config { storeGroup { name stores { domain classification } } } }"}`

func benchDynamoDB(out io.Writer, root string, o options) error {
	fmt.Fprintf(out, "== DynamoDB per authenticated request (authorizer + POST /api/graphql config query), %d requests, DynamoDB Local\n", o.requests)
	dir := o.ddbLocalDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	ep, stop, err := dynamoEndpoint(dir)
	if err != nil {
		return err
	}
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	client := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""),
	})
	tableName := fmt.Sprintf("flux-bench-%d", time.Now().UnixNano())
	if err := store.CreateTable(ctx, client, tableName); err != nil {
		return err
	}
	defer func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(tableName)})
	}()
	db := &countingDB{DB: client}
	st := store.New(db, tableName)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// A tenant with a named group of four stores and an all-scopes key.
	const tenant = "bench-tenant"
	if err := st.CreateTenant(ctx, config.Tenant{ID: tenant, Name: "Bench"}); err != nil {
		return err
	}
	if err := st.SetGroupName(ctx, tenant, "Bench stores"); err != nil {
		return err
	}
	for i, c := range []config.Classification{config.Source, config.QA, config.ReleaseCandidate, config.Production} {
		if err := st.AddStore(ctx, tenant, config.Store{Domain: fmt.Sprintf("bench-%d.myshopify.com", i), Classification: c}); err != nil {
			return err
		}
	}
	secret, _, err := (&auth.Keys{Store: st}).Issue(ctx, tenant, "bench", "bench key", auth.AllScopes)
	if err != nil {
		return err
	}

	authorizer := &auth.Authorizer{Keys: st, Shops: st, Log: quiet}
	gw, err := graphql.NewHandler(graphql.Options{
		Transport: rpc.InProcess{configgroup.GroupName: configgroup.New(st, &auth.Keys{Store: st}, quiet)},
		Log:       quiet,
	})
	if err != nil {
		return err
	}
	handler := platform.APIGatewayHandler(gw)

	db.reset()
	for i := range o.requests {
		reqID := fmt.Sprintf("bench-%d", i)
		authz, err := authorizer.Handle(ctx, events.APIGatewayCustomAuthorizerRequestTypeRequest{
			Type:       "REQUEST",
			MethodArn:  "arn:aws:execute-api:us-east-1:000000000000:bench/prod/POST/api/graphql",
			Resource:   "/api/graphql",
			Path:       "/api/graphql",
			HTTPMethod: http.MethodPost,
			Headers:    map[string]string{"Authorization": "Bearer " + secret},
			RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
				RequestID: reqID, Stage: "prod", ResourcePath: "/api/graphql", HTTPMethod: http.MethodPost,
			},
		})
		if err != nil {
			return fmt.Errorf("authorizer: %w", err)
		}
		resp, err := handler(ctx, events.APIGatewayProxyRequest{
			Resource: "/api/graphql", Path: "/api/graphql", HTTPMethod: http.MethodPost,
			Headers:        map[string]string{"Content-Type": "application/json"},
			Body:           configQuery,
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: reqID, Stage: "prod", Authorizer: authz.Context},
		})
		if err != nil {
			return fmt.Errorf("graphql: %w", err)
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "RELEASE_CANDIDATE") {
			return fmt.Errorf("config query answered %d: %s", resp.StatusCode, tail(resp.Body))
		}
	}

	n := float64(o.requests)
	reads := db.calls["GetItem"] + db.calls["Query"]
	writes := db.calls["PutItem"] + db.calls["UpdateItem"] + db.calls["DeleteItem"] + db.calls["TransactWriteItems"]
	// The minimum: the key's hash item (1 strongly consistent GetItem, < 4 KB:
	// 1 RCU) and the tenant's group partition (1 strongly consistent Query over
	// the group and its stores, < 4 KB: 1 RCU).
	const minReads, minRCU = 2.0, 2.0
	w := table(out)
	fmt.Fprintln(w, "per request\tmeasured\tminimum\tvs minimum\t")
	fmt.Fprintf(w, "read calls (GetItem+Query)\t%.2f\t%.0f\t%s\t\n", float64(reads)/n, minReads, ratio(float64(reads)/n, minReads))
	if db.noCap == 0 {
		fmt.Fprintf(w, "read capacity units\t%.2f\t%.0f\t%s\t\n", db.rcu/n, minRCU, ratio(db.rcu/n, minRCU))
		fmt.Fprintf(w, "write capacity units\t%.2f\t\t\t\n", db.wcu/n)
	}
	fmt.Fprintf(w, "write calls\t%.2f\t\t\t\n", float64(writes)/n)
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "   calls: %v", db.calls)
	if db.noCap > 0 {
		fmt.Fprintf(out, " (%d calls returned no ConsumedCapacity: capacity units not reported)", db.noCap)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "   writes: the authorizer records a key's use at most once per touch interval (1 min), so they amortise.")
	fmt.Fprintln(out)
	return nil
}
