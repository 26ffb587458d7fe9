package shopify

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// Bulk operation statuses (BulkOperationStatus).
const (
	BulkCreated   = "CREATED"
	BulkRunning   = "RUNNING"
	BulkCompleted = "COMPLETED"
	BulkFailed    = "FAILED"
	BulkCanceled  = "CANCELED"
	BulkCanceling = "CANCELING"
	BulkExpired   = "EXPIRED"
)

// BulkOperation is the state of a bulk operation.
type BulkOperation struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	ErrorCode       string `json:"errorCode"`
	ObjectCount     string `json:"objectCount"` // UnsignedInt64, a string in JSON
	RootObjectCount string `json:"rootObjectCount"`
	FileSize        string `json:"fileSize"`
	URL             string `json:"url"`
	PartialDataURL  string `json:"partialDataUrl"`
}

// BulkLine is one line of a bulk result: one object, with ParentID set (from
// __parentId) for an object nested under another, e.g. a variant under its
// product. Objects come after their parent in the file.
type BulkLine struct {
	ParentID string
	Raw      json.RawMessage
}

// BulkOptions tune RunBulkQuery.
type BulkOptions struct {
	// PollInterval is the first wait between status polls, doubling up to
	// MaxPollInterval; 0 means 1 s and 30 s.
	PollInterval, MaxPollInterval time.Duration
	// Tries is passed to each GraphQL call; 0 means 3, since a poll failing
	// once should not lose a long-running operation.
	Tries int
	// MaxLineBytes bounds one JSONL line; 0 means 64 MiB.
	MaxLineBytes int
	// GroupObjects asks Shopify to group children under parents (slower); the
	// default false gives the flat file with __parentId.
	GroupObjects bool
}

const bulkRunMutation = `mutation fluxBulkRun($query: String!, $groupObjects: Boolean!) {
  bulkOperationRunQuery(query: $query, groupObjects: $groupObjects) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`

// node(id:) works on every supported version; currentBulkOperation would
// name the wrong operation once several run at once (allowed since 2025-10).
const bulkPollQuery = `query fluxBulkPoll($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount rootObjectCount fileSize url partialDataUrl }
  }
}`

// RunBulkQuery starts a bulk query (bulkOperationRunQuery), polls it with
// backoff until it is COMPLETED (or FAILED, CANCELED, EXPIRED), then streams
// its JSONL result to fn line by line without holding the file in memory. fn
// returning an error stops the stream and is returned. The operation is
// returned in every case where it was started.
//
// A caller that must not block (a Lambda that resumes across runs) uses the
// pieces instead: StartBulkQuery, BulkOperationState, StreamBulkResult.
func (c *Client) RunBulkQuery(ctx context.Context, query string, fn func(BulkLine) error, opts *BulkOptions) (*BulkOperation, error) {
	if opts == nil {
		opts = &BulkOptions{}
	}
	op, err := c.StartBulkQuery(ctx, query, opts)
	if err != nil {
		return nil, err
	}
	op, err = c.waitBulk(ctx, op.ID, opts, bulkGraphQLOptions(opts))
	if err != nil {
		return op, err
	}
	if op.Status != BulkCompleted {
		return op, platform.E(platform.KindUnavailable,
			fmt.Sprintf("Shopify bulk operation on %s ended %s %s", c.shop, op.Status, op.ErrorCode))
	}
	if op.URL == "" { // completed with no objects: Shopify sends no file
		return op, nil
	}
	return op, c.streamJSONL(ctx, op.URL, opts.MaxLineBytes, fn)
}

func bulkGraphQLOptions(opts *BulkOptions) *GraphQLOptions {
	tries := 0
	if opts != nil {
		tries = opts.Tries
	}
	if tries <= 0 {
		tries = 3
	}
	return &GraphQLOptions{Tries: tries}
}

// StartBulkQuery starts a bulk query (bulkOperationRunQuery) and returns the
// operation as created (usually CREATED), without waiting for it. opts may
// be nil; only Tries and GroupObjects apply. Shopify's userErrors (an
// invalid query, OPERATION_IN_PROGRESS) are a *UserErrors in the chain.
func (c *Client) StartBulkQuery(ctx context.Context, query string, opts *BulkOptions) (*BulkOperation, error) {
	group := opts != nil && opts.GroupObjects
	resp, err := c.GraphQL(ctx, bulkRunMutation, map[string]any{"query": query, "groupObjects": group}, bulkGraphQLOptions(opts))
	if err != nil {
		return nil, err
	}
	var started struct {
		Run struct {
			Op *BulkOperation `json:"bulkOperation"`
		} `json:"bulkOperationRunQuery"`
	}
	if err := resp.Decode(&started); err != nil || started.Run.Op == nil || started.Run.Op.ID == "" {
		return nil, c.fail(ctx, fmt.Errorf("bulkOperationRunQuery returned no operation: %v", err))
	}
	return started.Run.Op, nil
}

// BulkOperationState polls a bulk operation once (node(id:)), without
// waiting: its status, and its result URL once COMPLETED. An operation
// Shopify does not know (expired from its history, another shop's) is a
// KindNotFound error.
func (c *Client) BulkOperationState(ctx context.Context, id string, opts *BulkOptions) (*BulkOperation, error) {
	return c.pollBulk(ctx, id, bulkGraphQLOptions(opts))
}

func (c *Client) pollBulk(ctx context.Context, id string, gq *GraphQLOptions) (*BulkOperation, error) {
	resp, err := c.GraphQL(ctx, bulkPollQuery, map[string]any{"id": id}, gq)
	if err != nil {
		return nil, err
	}
	var polled struct {
		Node *BulkOperation `json:"node"`
	}
	if err := resp.Decode(&polled); err != nil {
		return nil, c.fail(ctx, fmt.Errorf("bulk operation %s: %w", id, err))
	}
	if polled.Node == nil || polled.Node.ID == "" {
		return nil, platform.E(platform.KindNotFound, fmt.Sprintf("bulk operation %s not found on %s", id, c.shop))
	}
	return polled.Node, nil
}

// StreamBulkResult downloads a completed bulk operation's JSONL result (its
// URL, pre-signed: sent without the access token) and calls fn per line,
// without holding the file in memory. maxLineBytes 0 means 64 MiB. fn
// returning an error stops the stream and is returned.
func (c *Client) StreamBulkResult(ctx context.Context, url string, maxLineBytes int, fn func(BulkLine) error) error {
	return c.streamJSONL(ctx, url, maxLineBytes, fn)
}

func (c *Client) waitBulk(ctx context.Context, id string, opts *BulkOptions, gq *GraphQLOptions) (*BulkOperation, error) {
	wait, maxWait := opts.PollInterval, opts.MaxPollInterval
	if wait <= 0 {
		wait = time.Second
	}
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	for {
		op, err := c.pollBulk(ctx, id, gq)
		if err != nil {
			return nil, err
		}
		switch op.Status {
		case BulkCompleted, BulkFailed, BulkCanceled, BulkExpired:
			return op, nil
		}
		if err := sleep(ctx, wait); err != nil {
			return op, platform.Wrap(platform.KindUnavailable,
				"Shopify bulk operation on "+c.shop+" did not finish in time", err)
		}
		wait = min(wait*2, maxWait)
	}
}

// streamJSONL reads the result file. The URL is a pre-signed storage URL:
// it gets no access token.
func (c *Client) streamJSONL(ctx context.Context, url string, maxLine int, fn func(BulkLine) error) error {
	if maxLine <= 0 {
		maxLine = 64 << 20
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return c.fail(ctx, fmt.Errorf("bulk result URL: %w", err))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.fail(ctx, scrubURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodySnippet))
		// An expired or refused pre-signed URL is not a token problem: the
		// operation has to be run again.
		// (So no HTTPResponseError, which a 403 would make ErrTokenRejected.)
		cause := fmt.Errorf("bulk result download: HTTP %d: %.200s", resp.StatusCode, b)
		return c.fail(ctx, platform.Wrap(platform.KindUnavailable, "the bulk result of "+c.shop+" could not be downloaded; run the operation again", cause))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var meta struct {
			ParentID string `json:"__parentId"`
		}
		if err := json.Unmarshal(line, &meta); err != nil {
			return c.fail(ctx, fmt.Errorf("bulk result line %d is not JSON: %w", n, err))
		}
		if err := fn(BulkLine{ParentID: meta.ParentID, Raw: append(json.RawMessage(nil), line...)}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return c.fail(ctx, fmt.Errorf("bulk result after line %d: %w", n, err))
	}
	return nil
}
