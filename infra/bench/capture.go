package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/blobstore/blobtest"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/syncworker"
)

// The capture section: "a full capture of 1,000 and 10,000 products against
// the emulator — objects per second, Shopify cost used as a ratio of the
// restore-rate budget, DynamoDB write units per object".
//
// Per product count N, the source shop of a fresh emulator (Shopify's
// Standard bucket: 2000 points, 100/s) seeded with N products (the rest of
// its catalog as seeded) is synced by the real syncworker.Worker on
// DynamoDB Local (a counting store.DB asking every call for its consumed
// capacity), an in-memory queue honouring message delays, in-memory blobs,
// and Shopify clients whose HTTP transport records every GraphQL answer's
// extensions.cost. Each delivery runs under a 60 s context, the
// WorkerSyncFunction's Lambda timeout, so continuations happen as deployed.
//
// Rows: the baseline (the same objects read through catalog.Reader, bulk
// where supported, nothing captured), the first full OBJECTS sync, a second
// sync with no change (incremental, as the API starts it) and a
// reconciliation with no change (full read, as the daily schedule starts
// it).

type captureBenchConfig struct {
	products  string        // comma-separated product counts
	bulkPoll  time.Duration // the worker's BulkPoll, and the baseline's poll interval
	reconcile int           // run the no-change reconciliation row up to this many products
	lambda    time.Duration // each delivery's deadline
}

func (c *captureBenchConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.products, "capture-products", "1000,10000", "comma-separated product counts of the capture section's source shop")
	fs.DurationVar(&c.bulkPoll, "capture-bulk-poll", 200*time.Millisecond, "capture section: how long a bulk read waits between polls (worker's BulkPoll, and the baseline's)")
	fs.IntVar(&c.reconcile, "capture-reconcile-max", 1000, "capture section: also run a no-change reconciliation (full read) for product counts up to this (at 10,000 it adds about 2 minutes)")
	fs.DurationVar(&c.lambda, "capture-lambda-timeout", 60*time.Second, "capture section: each worker delivery's deadline (WorkerSyncFunction's Timeout)")
}

func (c captureBenchConfig) counts() ([]int, error) {
	var out []int
	for _, s := range strings.Split(c.products, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-capture-products: %q is not a positive count", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// ---------------------------------------------------------------- DynamoDB --

// itemKind classifies a written item by its key, for the breakdown.
func itemKind(tenant string, k map[string]types.AttributeValue) string {
	s := func(name string) string {
		if v, ok := k[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	pk, sk := s("PK"), s("SK")
	switch {
	case strings.HasPrefix(sk, store.VersionPrefix()):
		return "version"
	case sk == "CURRENT":
		return "CURRENT"
	case sk == store.MappingCountSK():
		return "mapping counter"
	case strings.HasPrefix(sk, store.MappingSK("")):
		return "mapping (canonical→gid)"
	case strings.HasPrefix(sk, store.GIDSK("")):
		return "mapping (gid→canonical)"
	case strings.HasPrefix(pk, store.SyncOpsPK(tenant, "")):
		return "operation"
	case strings.HasPrefix(sk, store.SyncRunSK("")):
		return "checkpoint"
	case strings.HasPrefix(sk, store.SyncSK("")):
		return "sync"
	default:
		return "other"
	}
}

// avSize approximates DynamoDB's size of a value (its item-size rules:
// strings and binaries by length, numbers about half their digits plus one,
// 3 bytes of overhead per list or map plus 1 per element).
func avSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return len(strings.TrimLeft(v.Value, "-0"))/2 + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += len(s)/2 + 1
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += avSize(e) + 1
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += len(k) + avSize(e) + 1
		}
		return n
	}
	return 0
}

func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + avSize(v)
	}
	return n
}

// wcuOf is the write units of an item of size bytes by DynamoDB's pricing:
// 1 per KB (rounded up), 2 per KB in a transaction.
func wcuOf(size int, tx bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/1024))
	if tx {
		u *= 2
	}
	return u
}

// rcuOf is the read units of size bytes read: 1 per 4 KB (rounded up,
// at least 1) strongly consistent, half that eventually consistent.
func rcuOf(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// gsiKeys are the key attributes of the table's global secondary indexes
// (all project ALL attributes).
var gsiKeys = func() [][]string {
	var out [][]string
	for _, ix := range store.TableShape().GlobalIndexes {
		var ks []string
		for _, k := range ix.KeySchema {
			ks = append(ks, k.Name)
		}
		out = append(out, ks)
	}
	return out
}()

// kindTally is what was written of one item kind, costed by DynamoDB's
// pricing from the requests: a Put by its item's size (plus the same
// again per global secondary index the item appears in), an Update or
// Delete as an item under 1 KB (their size is not in the request).
type kindTally struct {
	items int
	bytes int // of Puts
	wcu   float64
	gsi   float64 // of wcu, the index writes
}

// capacityDB wraps the store's DynamoDB client (every store.DB call,
// BatchGetItem included). It costs every call by DynamoDB's published
// pricing from the items written and read (ruled figures), and also asks
// DynamoDB Local for ConsumedCapacity (INDEXES) and keeps what it reports:
// DynamoDB Local's transactional figures do not follow the pricing (a
// transaction of one small Put reports 4 WCU, of four small Puts also 4,
// of one 2.5 KB Put 12; DynamoDB charges 2, 8 and 6), so the ruled ones
// are the section's figures and the reported ones are printed beside them.
type capacityDB struct {
	store.DB
	tenant string
	mu     sync.Mutex
	f      ddbFigures
}

var _ store.DB = (*capacityDB)(nil)

// ddbFigures are the counters at one moment.
type ddbFigures struct {
	calls, failed map[string]int
	// by DynamoDB's pricing, from the items
	rcu   float64
	kinds map[string]*kindTally
	// as DynamoDB Local reported them
	repRCU, repWCU float64
	noCap          int
	busy           time.Duration // Σ call durations
}

func newCapacityDB(db store.DB, tenant string) *capacityDB {
	c := &capacityDB{DB: db, tenant: tenant}
	c.reset()
	return c
}

func (c *capacityDB) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.f = ddbFigures{calls: map[string]int{}, failed: map[string]int{}, kinds: map[string]*kindTally{}}
}

func (c *capacityDB) snapshot() ddbFigures {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.f
	f.calls, f.failed, f.kinds = map[string]int{}, map[string]int{}, map[string]*kindTally{}
	for k, v := range c.f.calls {
		f.calls[k] = v
	}
	for k, v := range c.f.failed {
		f.failed[k] = v
	}
	for k, v := range c.f.kinds {
		t := *v
		f.kinds[k] = &t
	}
	return f
}

func (f ddbFigures) writeCalls() int {
	return f.calls["PutItem"] + f.calls["UpdateItem"] + f.calls["DeleteItem"] + f.calls["TransactWriteItems"]
}

func (f ddbFigures) readCalls() int {
	return f.calls["GetItem"] + f.calls["Query"] + f.calls["BatchGetItem"]
}

// wcu is the write units by DynamoDB's pricing, indexes included.
func (f ddbFigures) wcu() float64 {
	n := 0.0
	for _, k := range f.kinds {
		n += k.wcu
	}
	return n
}

func (f ddbFigures) kind(k string) kindTally {
	if t := f.kinds[k]; t != nil {
		return *t
	}
	return kindTally{}
}

// note counts a call, its duration, its reported capacity and, when it
// succeeded, its ruled read units.
func (c *capacityDB) note(op string, start time.Time, err error, write bool, rcu float64, caps ...types.ConsumedCapacity) {
	d := time.Since(start)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.f.busy += d
	c.f.calls[op]++
	if err != nil {
		// A failed conditional write is charged too; none is expected
		// here, and they are listed.
		c.f.failed[op]++
		return
	}
	c.f.rcu += rcu
	if len(caps) == 0 {
		c.f.noCap++
	}
	for _, cc := range caps {
		switch {
		case cc.ReadCapacityUnits != nil || cc.WriteCapacityUnits != nil:
			c.f.repRCU += aws.ToFloat64(cc.ReadCapacityUnits)
			c.f.repWCU += aws.ToFloat64(cc.WriteCapacityUnits)
		case write:
			c.f.repWCU += aws.ToFloat64(cc.CapacityUnits)
		default:
			c.f.repRCU += aws.ToFloat64(cc.CapacityUnits)
		}
	}
}

// written is one item a successful write call wrote.
type written struct {
	kind string
	item map[string]types.AttributeValue // a Put's item; nil for an Update or Delete
}

func (c *capacityDB) noteWrites(ws []written, tx bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range ws {
		k := c.f.kinds[w.kind]
		if k == nil {
			k = &kindTally{}
			c.f.kinds[w.kind] = k
		}
		k.items++
		if w.item == nil {
			k.wcu += wcuOf(0, tx)
			continue
		}
		size := itemSize(w.item)
		k.bytes += size
		k.wcu += wcuOf(size, tx)
		for _, ks := range gsiKeys {
			in := true
			for _, name := range ks {
				if _, ok := w.item[name]; !ok {
					in = false
				}
			}
			if in {
				k.wcu += wcuOf(size, tx)
				k.gsi += wcuOf(size, tx)
			}
		}
	}
}

func capList(cc *types.ConsumedCapacity) []types.ConsumedCapacity {
	if cc == nil {
		return nil
	}
	return []types.ConsumedCapacity{*cc}
}

func (c *capacityDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	start := time.Now()
	out, err := c.DB.GetItem(ctx, in, opts...)
	var caps []types.ConsumedCapacity
	var rcu float64
	if err == nil {
		caps = capList(out.ConsumedCapacity)
		rcu = rcuOf(itemSize(out.Item), aws.ToBool(in.ConsistentRead))
	}
	c.note("GetItem", start, err, false, rcu, caps...)
	return out, err
}

func (c *capacityDB) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	start := time.Now()
	out, err := c.DB.Query(ctx, in, opts...)
	var caps []types.ConsumedCapacity
	var rcu float64
	if err == nil {
		caps = capList(out.ConsumedCapacity)
		size := 0 // a Query is charged on the items' total size
		for _, it := range out.Items {
			size += itemSize(it)
		}
		rcu = rcuOf(size, aws.ToBool(in.ConsistentRead))
	}
	c.note("Query", start, err, false, rcu, caps...)
	return out, err
}

func (c *capacityDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	start := time.Now()
	out, err := c.DB.BatchGetItem(ctx, in, opts...)
	var caps []types.ConsumedCapacity
	var rcu float64
	if err == nil {
		caps = out.ConsumedCapacity
		for table, ka := range in.RequestItems {
			consistent := aws.ToBool(ka.ConsistentRead)
			got := out.Responses[table]
			for _, it := range got { // each item as a GetItem
				rcu += rcuOf(itemSize(it), consistent)
			}
			unproc := 0
			if u, ok := out.UnprocessedKeys[table]; ok {
				unproc = len(u.Keys)
			}
			if missing := len(ka.Keys) - len(got) - unproc; missing > 0 {
				rcu += float64(missing) * rcuOf(0, consistent)
			}
		}
	}
	c.note("BatchGetItem", start, err, false, rcu, caps...)
	return out, err
}

func (c *capacityDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	start := time.Now()
	out, err := c.DB.PutItem(ctx, in, opts...)
	var caps []types.ConsumedCapacity
	if err == nil {
		caps = capList(out.ConsumedCapacity)
		c.noteWrites([]written{{itemKind(c.tenant, in.Item), in.Item}}, false)
	}
	c.note("PutItem", start, err, true, 0, caps...)
	return out, err
}

func (c *capacityDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	start := time.Now()
	out, err := c.DB.UpdateItem(ctx, in, opts...)
	var caps []types.ConsumedCapacity
	if err == nil {
		caps = capList(out.ConsumedCapacity)
		c.noteWrites([]written{{itemKind(c.tenant, in.Key), nil}}, false)
	}
	c.note("UpdateItem", start, err, true, 0, caps...)
	return out, err
}

func (c *capacityDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	start := time.Now()
	out, err := c.DB.DeleteItem(ctx, in, opts...)
	var caps []types.ConsumedCapacity
	if err == nil {
		caps = capList(out.ConsumedCapacity)
		c.noteWrites([]written{{itemKind(c.tenant, in.Key), nil}}, false)
	}
	c.note("DeleteItem", start, err, true, 0, caps...)
	return out, err
}

func (c *capacityDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityIndexes
	start := time.Now()
	out, err := c.DB.TransactWriteItems(ctx, in, opts...)
	var caps []types.ConsumedCapacity
	if err == nil {
		caps = out.ConsumedCapacity
		ws := make([]written, 0, len(in.TransactItems))
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				ws = append(ws, written{itemKind(c.tenant, it.Put.Item), it.Put.Item})
			case it.Update != nil:
				ws = append(ws, written{itemKind(c.tenant, it.Update.Key), nil})
			case it.Delete != nil:
				ws = append(ws, written{itemKind(c.tenant, it.Delete.Key), nil})
			case it.ConditionCheck != nil:
				ws = append(ws, written{"condition check", nil})
			}
		}
		c.noteWrites(ws, true)
	}
	c.note("TransactWriteItems", start, err, true, 0, caps...)
	return out, err
}

// ----------------------------------------------------------------- Shopify --

// costTransport records the cost of every GraphQL answer that passes
// through it, and the bytes of everything else (bulk results).
type costTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	shopifyFigures
}

type shopifyFigures struct {
	requests, throttled, otherErrs int
	actual, requested              float64
	downloads                      int
	downloadBytes                  int64
	busy                           time.Duration // Σ round trips (pacing waits excluded)
	// the bucket as the last answer left it
	lastAvail float64
	lastAt    time.Time
}

func (t *costTransport) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.shopifyFigures = shopifyFigures{}
}

func (t *costTransport) snapshot() shopifyFigures {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.shopifyFigures
}

func (t *costTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return nil, rerr
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.busy += time.Since(start)
	if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/graphql.json") {
		t.downloads++
		t.downloadBytes += int64(len(body))
		return resp, nil
	}
	t.requests++
	var r struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
		Extensions struct {
			Cost *shopify.Cost `json:"cost"`
		} `json:"extensions"`
	}
	if json.Unmarshal(body, &r) != nil || resp.StatusCode != http.StatusOK {
		t.otherErrs++
	}
	throttled := false
	for _, e := range r.Errors {
		if e.Extensions.Code == "THROTTLED" {
			throttled = true
		}
	}
	if throttled {
		t.throttled++
	} else if len(r.Errors) > 0 {
		t.otherErrs++
	}
	if c := r.Extensions.Cost; c != nil {
		t.lastAvail, t.lastAt = c.ThrottleStatus.CurrentlyAvailable, time.Now()
		t.requested += c.RequestedQueryCost
		if !throttled && c.ActualQueryCost != nil {
			t.actual += *c.ActualQueryCost
		}
	}
	return resp, nil
}

// captureClients connect the source shop to the emulator through the
// counting transport, with one Throttle (one warm worker process).
type captureClients struct {
	url      string
	http     *http.Client
	throttle *shopify.Throttle
}

func (c captureClients) Client(_ context.Context, _, shop string) (*shopify.Client, error) {
	if shop != emulator.SourceShop {
		return nil, platform.E(platform.KindNotFound, "no token for "+shop)
	}
	return shopify.New(shopify.Session{ID: shopify.OfflineSessionID(shop), Shop: shop, AccessToken: emulator.SourceToken},
		shopify.Config{BaseURL: func(string) string { return c.url }, HTTPClient: c.http, Throttle: c.throttle, UserAgent: "flux-worker-sync"})
}

// timedReaders time the worker's deletion checks (Exists, pacing included).
type timedReaders struct {
	syncworker.Readers
	mu     sync.Mutex
	exists time.Duration
	checks int
	lists  time.Duration
}

func (t *timedReaders) Reader(ctx context.Context, tenantID, shop string) (syncworker.Reader, error) {
	r, err := t.Readers.Reader(ctx, tenantID, shop)
	if err != nil {
		return nil, err
	}
	return timedReader{Reader: r, t: t}, nil
}

func (t *timedReaders) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.exists, t.checks, t.lists = 0, 0, 0
}

type timedReader struct {
	syncworker.Reader
	t *timedReaders
}

func (r timedReader) List(ctx context.Context, typ mapping.ObjectType, since time.Time, cursor string) (catalog.Page, error) {
	start := time.Now()
	pg, err := r.Reader.List(ctx, typ, since, cursor)
	r.t.mu.Lock()
	r.t.lists += time.Since(start)
	r.t.mu.Unlock()
	return pg, err
}

func (r timedReader) Exists(ctx context.Context, typ mapping.ObjectType, gids []string) (map[string]bool, error) {
	start := time.Now()
	out, err := r.Reader.Exists(ctx, typ, gids)
	r.t.mu.Lock()
	r.t.exists += time.Since(start)
	r.t.checks += len(gids)
	r.t.mu.Unlock()
	return out, err
}

// ------------------------------------------------------- queue and blobs --

// benchQueue is SyncQueue in memory; a message is delivered once its delay
// has passed, as SQS's DelaySeconds does.
type benchQueue struct {
	mu   sync.Mutex
	msgs []queued
}

type queued struct {
	m   syncworker.Message
	due time.Time
}

func (q *benchQueue) SendAfter(_ context.Context, m syncworker.Message, d time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, queued{m, time.Now().Add(d)})
	return nil
}

func (q *benchQueue) take() (queued, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.msgs) == 0 {
		return queued{}, false
	}
	sort.SliceStable(q.msgs, func(i, j int) bool { return q.msgs[i].due.Before(q.msgs[j].due) })
	m := q.msgs[0]
	q.msgs = q.msgs[1:]
	return m, true
}

// ------------------------------------------------------------------ rows --

// captureRow is one measured run.
type captureRow struct {
	name     string
	wall     time.Duration
	objects  int // processed (sync) or read (baseline)
	products int // PRODUCT objects (baseline only)
	sync     fsync.Sync
	runs     int // worker deliveries
	failures int // deliveries that returned an error (redelivered)
	waited   time.Duration
	exists   time.Duration
	checks   int
	lists    time.Duration
	shopify  shopifyFigures
	ddb      ddbFigures
	blobs    int            // bytes put to the blob store
	ops      map[string]int // "TYPE objectType" → count (rows after the first)
}

// availableRatio is the points the row used ÷ the points it could use: a
// full bucket plus what it restores over the wall time.
func (r captureRow) availableRatio() float64 {
	return r.shopify.actual / (benchBucket + benchRestoreRate*r.wall.Seconds())
}

func (c captureCase) syncRows() []captureRow {
	rows := []captureRow{c.first, c.incr}
	if c.hasReco {
		rows = append(rows, c.reco)
	}
	return rows
}

func (r captureRow) objectsPerSec() float64 {
	if r.wall <= 0 {
		return 0
	}
	return float64(r.objects) / r.wall.Seconds()
}

// budgetRatio is the points the row used ÷ the points the bucket restores
// over its wall time.
func (r captureRow) budgetRatio() float64 {
	if r.wall <= 0 {
		return 0
	}
	return r.shopify.actual / (benchRestoreRate * r.wall.Seconds())
}

// newCaptureEmulator is a fresh emulator with n source products and
// Shopify's Standard bucket, served over loopback HTTP.
func newCaptureEmulator(ctx context.Context, n int) (*emulator.Server, *httptest.Server, time.Duration, error) {
	start := time.Now()
	emu, err := emulator.New(ctx, emulator.Options{
		SourceProducts: n, MaximumAvailable: benchBucket, RestoreRate: benchRestoreRate,
		Versions: []string{shopify.DefaultAPIVersion}, Logger: quiet,
	})
	if err != nil {
		return nil, nil, 0, err
	}
	return emu, httptest.NewServer(emu), time.Since(start), nil
}

// readBaseline reads every OBJECTS type of the source shop as the worker
// would (bulk where supported, polled every poll; List pages otherwise)
// and captures nothing.
func readBaseline(ctx context.Context, url string, poll time.Duration) (captureRow, error) {
	tr := &costTransport{base: http.DefaultTransport}
	cl := captureClients{url: url, http: &http.Client{Transport: tr}, throttle: shopify.NewThrottle(nil)}
	c, err := cl.Client(ctx, "", emulator.SourceShop)
	if err != nil {
		return captureRow{}, err
	}
	rd := &catalog.Reader{Client: c}
	row := captureRow{name: "read only (baseline)"}
	start := time.Now()
	for _, t := range catalog.ObjectOrder {
		count := func(o catalog.Object) error {
			row.objects++
			if o.Type == mapping.Product {
				row.products++
			}
			return nil
		}
		invalid := func(catalog.Invalid) error { row.objects++; return nil }
		if catalog.SupportsBulk(t) {
			id, err := rd.StartBulk(ctx, t)
			if err != nil {
				return row, err
			}
			var op *shopify.BulkOperation
			for {
				if op, err = rd.BulkState(ctx, id); err != nil {
					return row, err
				}
				if op.Status != "CREATED" && op.Status != "RUNNING" {
					break
				}
				time.Sleep(poll)
				row.waited += poll
			}
			if op.Status != "COMPLETED" {
				return row, fmt.Errorf("bulk read of %s ended %s", t, op.Status)
			}
			if op.URL != "" {
				if err := rd.StreamBulk(ctx, t, op.URL, 0, count, invalid); err != nil {
					return row, err
				}
			}
			continue
		}
		cursor := ""
		for {
			pg, err := rd.List(ctx, t, time.Time{}, cursor)
			if err != nil {
				return row, err
			}
			for _, o := range pg.Objects {
				_ = count(o)
			}
			row.objects += len(pg.Invalid)
			if cursor = pg.Next; cursor == "" {
				break
			}
		}
	}
	row.wall = time.Since(start)
	row.shopify = tr.snapshot()
	return row, nil
}

// captureFixture is a tenant whose group is the emulator's source shop,
// on its own table, with a Worker.
type captureFixture struct {
	st      *store.Store
	db      *capacityDB
	tr      *costTransport
	readers *timedReaders
	blobs   *blobtest.Mem
	q       *benchQueue
	w       *syncworker.Worker
	lambda  time.Duration
}

const captureTenant = "bench-capture"

func newCaptureFixture(ctx context.Context, client *dynamodb.Client, table, url string, cfg captureBenchConfig) (*captureFixture, error) {
	if err := store.CreateTable(ctx, client, table); err != nil {
		return nil, err
	}
	f := &captureFixture{db: newCapacityDB(client, captureTenant), tr: &costTransport{base: http.DefaultTransport},
		blobs: &blobtest.Mem{}, q: &benchQueue{}, lambda: cfg.lambda}
	f.st = store.New(f.db, table)
	if err := f.st.CreateTenant(ctx, config.Tenant{ID: captureTenant, Name: "Bench capture"}); err != nil {
		return nil, err
	}
	if err := f.st.AddStore(ctx, captureTenant, config.Store{Domain: emulator.SourceShop, Classification: config.Source}); err != nil {
		return nil, err
	}
	f.readers = &timedReaders{Readers: syncworker.ShopReaders{Clients: captureClients{
		url: url, http: &http.Client{Transport: f.tr}, throttle: shopify.NewThrottle(nil),
	}}}
	f.w = &syncworker.Worker{
		Store: f.st, Readers: f.readers,
		Capturers: func(tenantID, shop, syncID string) syncworker.Capturer {
			return ingest.New(f.st, f.blobs, tenantID, shop, syncID)
		},
		Blobs: f.blobs, Queue: f.q, Log: quiet,
		Options: syncworker.Options{BulkPoll: cfg.bulkPoll},
	}
	return f, nil
}

// refill waits until the shop's bucket is full again (as the last answer
// left it, restoring at the restore rate), so that every row starts as the
// first did; it returns how long it waited.
func (f *captureFixture) refill(ctx context.Context) (time.Duration, error) {
	s := f.tr.snapshot()
	if s.lastAt.IsZero() {
		return 0, nil
	}
	full := s.lastAt.Add(time.Duration((benchBucket - s.lastAvail) / benchRestoreRate * float64(time.Second)))
	d := time.Until(full) + 100*time.Millisecond
	if d <= 0 {
		return 0, nil
	}
	select {
	case <-time.After(d):
		return d, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// syncRow starts an OBJECTS sync (triggeredBy by) and delivers the queue's
// messages until none is left; a failed delivery is redelivered, as SQS
// would after the visibility timeout (here at once).
func (f *captureFixture) syncRow(ctx context.Context, name, by string) (captureRow, error) {
	g, err := f.st.StoreGroup(ctx, captureTenant)
	if err != nil {
		return captureRow{}, err
	}
	f.db.reset()
	f.tr.reset()
	f.readers.reset()
	blobsBefore := f.blobs.Bytes()
	row := captureRow{name: name}
	start := time.Now()
	sy, _, err := f.st.CreateSync(ctx, fsync.Sync{
		ID: fmt.Sprintf("sync_bench_%d", start.UnixNano()), TenantID: captureTenant, Type: fsync.Objects,
		TriggeredBy: by, TriggeredAt: start, ReadFromStores: fsync.ReadFromStores(g),
	})
	if err != nil {
		return row, err
	}
	if sy.Status != fsync.Running {
		return row, fmt.Errorf("sync %s is %s, not RUNNING", sy.ID, sy.Status)
	}
	_ = f.q.SendAfter(ctx, syncworker.Message{TenantID: captureTenant, SyncID: sy.ID, Type: fsync.Objects}, 0)
	var lastErr error
	for {
		m, ok := f.q.take()
		if !ok {
			break
		}
		if d := time.Until(m.due); d > 0 {
			row.waited += d
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return row, ctx.Err()
			}
		}
		if row.runs++; row.runs > 2000 {
			return row, errors.New("the sync did not end within 2000 deliveries")
		}
		rctx, cancel := context.WithTimeout(ctx, f.lambda)
		err := f.w.Run(rctx, m.m)
		cancel()
		if err != nil {
			row.failures++
			lastErr = err
			if row.failures > 20 {
				return row, fmt.Errorf("more than 20 failed deliveries, the last: %w", err)
			}
			_ = f.q.SendAfter(ctx, m.m, 0)
		}
	}
	row.wall = time.Since(start)
	row.ddb = f.db.snapshot()
	row.shopify = f.tr.snapshot()
	f.readers.mu.Lock()
	row.exists, row.checks, row.lists = f.readers.exists, f.readers.checks, f.readers.lists
	f.readers.mu.Unlock()
	row.blobs = f.blobs.Bytes() - blobsBefore
	if row.sync, err = f.st.GetSync(ctx, captureTenant, sy.ID); err != nil {
		return row, err
	}
	if row.sync.Status != fsync.Completed {
		return row, fmt.Errorf("sync %s ended %s %q (last delivery error: %v)", sy.ID, row.sync.Status, row.sync.Error, lastErr)
	}
	row.objects = row.sync.Stats.Processed
	if row.sync.OperationsCount > 0 && row.sync.OperationsCount < 1000 {
		ops, _, err := f.st.ListOperations(ctx, captureTenant, sy.ID, "", store.Page{Limit: 1000})
		if err != nil {
			return row, err
		}
		row.ops = map[string]int{}
		for _, op := range ops {
			row.ops[string(op.Type)+" "+op.ObjectType]++
		}
	}
	return row, nil
}

// captureCase is the rows of one product count.
type captureCase struct {
	n                 int
	seed              time.Duration // seeding the emulator
	baseline          captureRow
	first, incr, reco captureRow
	hasReco           bool
	took              time.Duration
	refills           time.Duration // waiting for a full bucket between rows
}

func runCaptureCase(ctx context.Context, client *dynamodb.Client, n int, cfg captureBenchConfig) (captureCase, error) {
	cc := captureCase{n: n}
	start := time.Now()

	// The baseline on its own emulator, so each starts with a full bucket.
	emuCtx, cancel := context.WithCancel(ctx)
	emu, hs, seed, err := newCaptureEmulator(emuCtx, n)
	if err != nil {
		cancel()
		return cc, err
	}
	cc.seed = seed
	cc.baseline, err = readBaseline(ctx, hs.URL, cfg.bulkPoll)
	hs.Close()
	emu.Close()
	cancel()
	if err != nil {
		return cc, fmt.Errorf("baseline read: %w", err)
	}

	emuCtx, cancel = context.WithCancel(ctx)
	defer cancel()
	emu, hs, _, err = newCaptureEmulator(emuCtx, n)
	if err != nil {
		return cc, err
	}
	defer emu.Close()
	defer hs.Close()
	table := fmt.Sprintf("flux-bench-capture-%d-%d", n, time.Now().UnixNano())
	defer func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	}()
	f, err := newCaptureFixture(ctx, client, table, hs.URL, cfg)
	if err != nil {
		return cc, err
	}
	if cc.first, err = f.syncRow(ctx, "first full sync", "api"); err != nil {
		return cc, fmt.Errorf("first sync: %w", err)
	}
	if cc.refills, err = f.refill(ctx); err != nil {
		return cc, err
	}
	if cc.incr, err = f.syncRow(ctx, "no change, incremental", "api"); err != nil {
		return cc, fmt.Errorf("second sync: %w", err)
	}
	if n <= cfg.reconcile {
		d, err := f.refill(ctx)
		if err != nil {
			return cc, err
		}
		cc.refills += d
		if cc.reco, err = f.syncRow(ctx, "no change, reconcile (full)", syncworker.ReconcileTrigger); err != nil {
			return cc, fmt.Errorf("reconciliation: %w", err)
		}
		cc.hasReco = true
	}
	cc.took = time.Since(start)
	return cc, nil
}

// minimumWCU is the least a first capture of an object writes by
// DynamoDB's pricing: its version item, its CURRENT pointer, its two
// mapping items (canonical→gid, gid→canonical) and its CREATE operation,
// each once, in transactions (2 WCU per KB), no index. The version and
// operation items are costed at the mean of those the run wrote.
func minimumWCU(f ddbFigures) float64 {
	perVersion, perOp := 2.0, 2.0
	if v := f.kind("version"); v.items > 0 {
		perVersion = (v.wcu - v.gsi) / float64(v.items)
	}
	if op := f.kind("operation"); op.items > 0 {
		perOp = (op.wcu - op.gsi) / float64(op.items)
	}
	return perVersion + 2 + 2*2 + perOp
}

func benchCapture(out io.Writer, root string, o options) error {
	cfg := o.capture
	ns, err := cfg.counts()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "== Sync capture: full OBJECTS syncs of the emulator's source shop by syncworker.Worker on DynamoDB Local (bucket %d points, restore %d points/s; bulk poll %s; %s per delivery)\n",
		benchBucket, benchRestoreRate, cfg.bulkPoll, cfg.lambda)
	dir := o.ddbLocalDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	ep, stop, err := dynamoEndpoint(dir)
	if err != nil {
		return err
	}
	defer stop()
	client := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var cases []captureCase
	for _, n := range ns {
		cc, err := runCaptureCase(ctx, client, n, cfg)
		if err != nil {
			return fmt.Errorf("%d products: %w", n, err)
		}
		cases = append(cases, cc)
	}
	return printCapture(out, cases)
}

func printCapture(out io.Writer, cases []captureCase) error {
	w := table(out)
	fmt.Fprintln(w, "products\trow\tobjects\twall\tobjects/s\tvs read only\tShopify points\t÷ restore budget\t÷ available\tTHROTTLED\tWCU/object\tvs minimum\tRCU/object\tDynamoDB calls/object\tdeliveries\t")
	for _, c := range cases {
		b := c.baseline
		fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%.1f\t1.00x\t%.0f\t%.2f\t%.2f\t%d\t\t\t\t\t\t\n", c.n, b.name, b.objects,
			b.wall.Round(time.Millisecond), b.objectsPerSec(), b.shopify.actual, b.budgetRatio(), b.availableRatio(), b.shopify.throttled)
		for i, r := range c.syncRows() {
			n := float64(max(r.objects, 1))
			vsMin := ""
			if i == 0 {
				vsMin = ratio(r.ddb.wcu()/float64(max(r.sync.Stats.Created, 1)), minimumWCU(r.ddb))
			}
			fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%.1f\t%s\t%.0f\t%.2f\t%.2f\t%d\t%.2f\t%s\t%.2f\t%.2f\t%d\t\n", c.n, r.name, r.objects,
				r.wall.Round(time.Millisecond), r.objectsPerSec(), ratio(r.objectsPerSec(), b.objectsPerSec()), r.shopify.actual,
				r.budgetRatio(), r.availableRatio(), r.shopify.throttled, r.ddb.wcu()/n, vsMin, r.ddb.rcu/n,
				float64(r.ddb.readCalls()+r.ddb.writeCalls())/n, r.runs)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, c := range cases {
		f := c.first
		created := float64(max(f.sync.Stats.Created, 1))
		fmt.Fprintf(out, "   %d products (emulator seeded in %s; the case took %s, %s of it waiting for a full bucket before each no-change row):\n",
			c.n, c.seed.Round(time.Millisecond), c.took.Round(time.Second), c.refills.Round(time.Second))
		fmt.Fprintf(out, "     read only: %d objects (%d products), %d GraphQL requests, %s of bulk results, %s of it polling bulk operations\n",
			c.baseline.objects, c.baseline.products, c.baseline.shopify.requests, byteSize(c.baseline.shopify.downloadBytes), c.baseline.waited.Round(time.Millisecond))
		fmt.Fprintf(out, "     first sync: %d processed, %d created, %d operations, %d warnings, %d errors; %d deliveries (%d failed), %s waiting on queue delays (bulk polls); %s of bodies to blobs\n",
			f.sync.Stats.Processed, f.sync.Stats.Created, f.sync.OperationsCount, f.sync.Stats.Warnings, f.sync.Stats.Errors, f.runs, f.failures,
			f.waited.Round(time.Millisecond), byteSize(int64(f.blobs)))
		for _, r := range c.syncRows() {
			calls := r.ddb.readCalls() + r.ddb.writeCalls()
			fmt.Fprintf(out, "     %s time: %s in %d DynamoDB calls (%.1f ms each), %s in %d Shopify round trips, %s in page reads and %s in %d deletion checks (Shopify pacing included)\n",
				r.name, r.ddb.busy.Round(time.Millisecond), calls, float64(r.ddb.busy.Microseconds())/1000/float64(max(calls, 1)),
				r.shopify.busy.Round(time.Millisecond), r.shopify.requests, r.lists.Round(time.Millisecond), r.exists.Round(time.Millisecond), r.checks)
		}
		fmt.Fprintf(out, "     first sync WCU per created object %.2f, minimum %.2f (version %.2f + CURRENT 2 + two mapping items 4 + CREATE operation %.2f, transactional, no index): %s\n",
			f.ddb.wcu()/created, minimumWCU(f.ddb), perItem(f.ddb.kind("version")), perItem(f.ddb.kind("operation")), ratio(f.ddb.wcu()/created, minimumWCU(f.ddb)))
		fmt.Fprintf(out, "     first sync writes by item:")
		kinds := make([]string, 0, len(f.ddb.kinds))
		for k := range f.ddb.kinds {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return f.ddb.kinds[kinds[i]].wcu > f.ddb.kinds[kinds[j]].wcu })
		for _, k := range kinds {
			t := f.ddb.kind(k)
			fmt.Fprintf(out, " %s %d items %.0f WCU", k, t.items, t.wcu)
			if t.gsi > 0 {
				fmt.Fprintf(out, " (%.0f of it index writes)", t.gsi)
			}
			fmt.Fprint(out, ";")
		}
		fmt.Fprintln(out)
		for _, r := range c.syncRows() {
			fmt.Fprintf(out, "     %s: %.0f WCU, %.0f RCU by DynamoDB's pricing (DynamoDB Local reported %.0f WCU, %.0f RCU); calls %v", r.name, r.ddb.wcu(), r.ddb.rcu, r.ddb.repWCU, r.ddb.repRCU, r.ddb.calls)
			if len(r.ddb.failed) > 0 {
				fmt.Fprintf(out, ", failed %v", r.ddb.failed)
			}
			if r.ddb.noCap > 0 {
				fmt.Fprintf(out, ", %d without ConsumedCapacity", r.ddb.noCap)
			}
			fmt.Fprintln(out)
		}
		for _, r := range c.syncRows()[1:] {
			fmt.Fprintf(out, "     %s: %d processed, %d warnings, %d operations %v; %.0f WCU = %.3f per object of the first sync; %.0f Shopify points = %.2f per object of the first sync\n",
				r.name, r.sync.Stats.Processed, r.sync.Stats.Warnings, r.sync.OperationsCount, r.ops, r.ddb.wcu(), r.ddb.wcu()/float64(max(f.objects, 1)),
				r.shopify.actual, r.shopify.actual/float64(max(f.objects, 1)))
		}
	}
	fmt.Fprintln(out, "   (objects/s: objects processed ÷ wall time, from startSync to the end of the last delivery; ÷ restore budget: Σ actualQueryCost ÷")
	fmt.Fprintln(out, "   (restore rate × wall time), which can exceed 1 since the bucket starts full; ÷ available: the same ÷ (bucket + restore rate × wall time);")
	fmt.Fprintln(out, "   WCU and RCU by DynamoDB's pricing from the items written and read (1 WCU per KB, 2 in a transaction, the same again per index the item")
	fmt.Fprintln(out, "   is in; 1 RCU per 4 KB strongly consistent, half eventually), per object processed; vs minimum: per object created, against the minimum")
	fmt.Fprintln(out, "   above; DynamoDB Local's own ConsumedCapacity does not follow the pricing for transactions and is only printed beside it)")
	fmt.Fprintln(out)
	return nil
}

func perItem(t kindTally) float64 {
	if t.items == 0 {
		return 0
	}
	return t.wcu / float64(t.items)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
