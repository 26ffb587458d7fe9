package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// GraphQLOptions are per-call options, as seed 003's GraphQLQueryOptions.
type GraphQLOptions struct {
	// Tries is the total number of attempts (429, 5xx, THROTTLED, network
	// failures); 0 means the client's default.
	Tries int
	// APIVersion overrides the client's version for this call.
	APIVersion string
	// Headers are added to the request.
	Headers http.Header
	// Cost is the caller's estimate of requestedQueryCost; 0 means the
	// requested cost of this query's last run, else DefaultCostEstimate.
	Cost float64
}

// Response is a GraphQL answer.
type Response struct {
	Data       json.RawMessage     `json:"data"`
	Errors     []GraphQLErrorEntry `json:"errors,omitempty"`
	Extensions json.RawMessage     `json:"extensions,omitempty"`
	// Cost is extensions.cost, when Shopify sent a usable one.
	Cost   *Cost       `json:"-"`
	Status int         `json:"-"`
	Header http.Header `json:"-"`
}

// Decode unmarshals data into v.
func (r *Response) Decode(v any) error {
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return errors.New("shopify response has no data")
	}
	return json.Unmarshal(r.Data, v)
}

// GraphQL runs query with variables against the shop's Admin GraphQL API
// (POST /admin/api/<version>/graphql.json), paced by the shop's cost budget.
//
// It retries, up to opts.Tries attempts, on 429 (after Retry-After), 5xx,
// THROTTLED and network failures, with jittered exponential backoff, within
// ctx's deadline. It never retries another 4xx.
//
// Errors are classified platform errors naming the store; their chain holds
// *HTTPResponseError, *GraphqlQueryError or *UserErrors. With a
// *GraphqlQueryError or *UserErrors the Response is returned too (data may be
// partial).
func (c *Client) GraphQL(ctx context.Context, query string, variables map[string]any, opts *GraphQLOptions) (*Response, error) {
	if opts == nil {
		opts = &GraphQLOptions{}
	}
	version := c.version
	if opts.APIVersion != "" {
		if err := ValidateAPIVersion(opts.APIVersion); err != nil {
			return nil, err
		}
		version = opts.APIVersion
	}
	tries := opts.Tries
	if tries <= 0 {
		tries = c.tries
	}
	body, err := json.Marshal(struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables,omitempty"`
	}{query, variables})
	if err != nil {
		return nil, platform.Wrap(platform.KindValidation, "GraphQL variables are not JSON", err)
	}
	estimate := opts.Cost
	if estimate <= 0 {
		estimate = c.throttle.EstimateCost(query)
	}
	url := c.apiURL(version, "graphql")

	var lastErr error
	paceMissed := false
	for try := 1; ; try++ {
		resp, wait, err := c.graphqlOnce(ctx, url, query, body, estimate, opts.Headers, try)
		if err == nil {
			return resp, nil
		}
		if c.pacing && !paceMissed && wait >= 0 && resp != nil && resp.Cost != nil && estimate < resp.Cost.RequestedQueryCost {
			// THROTTLED because pacing guessed the cost too low (a query not
			// seen before): that is pacing's miss, not Shopify's failure, so
			// once it does not use up one of the caller's tries.
			paceMissed = true
			try--
		}
		if wait < 0 || try >= tries {
			if lastErr != nil && ctx.Err() != nil {
				err = lastErr // the caller gave up waiting: report why we were waiting
			}
			return resp, c.fail(ctx, err)
		}
		lastErr = err
		if resp != nil && resp.Cost != nil {
			// THROTTLED: the query costs what Shopify asked for, not our guess.
			estimate = resp.Cost.RequestedQueryCost
		}
		platform.Log(ctx).Debug("shopify retry", "shop", c.shop, "try", try, "wait", wait, "error", err)
		if serr := sleep(ctx, wait); serr != nil {
			return nil, c.fail(ctx, lastErr)
		}
	}
}

// graphqlOnce is one attempt. wait < 0 means the error is final; otherwise it
// is how long to wait before trying again.
func (c *Client) graphqlOnce(ctx context.Context, url, query string, body []byte, estimate float64, headers http.Header, try int) (*Response, time.Duration, error) {
	var res *Reservation
	if c.pacing {
		r, err := c.throttle.Reserve(ctx, c.shop, estimate)
		if err != nil {
			// The caller's deadline came before the store's budget allowed
			// the call: to the caller, that is Shopify's rate limit.
			return nil, -1, platform.Wrap(platform.KindRateLimited,
				"Shopify's rate limit for "+c.shop+" did not allow the call in time; try again later", err)
		}
		res = r
	}
	settle := func(cost Cost, ok bool) {
		if res != nil {
			res.Settle(query, cost, ok)
		} else if ok {
			c.throttle.Observe(c.shop, cost)
		}
	}
	raw, err := c.send(ctx, http.MethodPost, url, body, "application/json", headers)
	if err != nil {
		settle(Cost{}, false)
		if retryableTransport(ctx, err) {
			return nil, c.retry.wait(try), err
		}
		return nil, -1, err
	}
	resp := &Response{Status: raw.status, Header: raw.header}
	perr := json.Unmarshal(raw.body, resp)
	cost, costOK := ParseCost(resp.Extensions)
	settle(cost, costOK)
	if costOK {
		resp.Cost = &cost
	}
	if !raw.ok() {
		he := c.httpError(http.MethodPost, url, raw)
		if retryableStatus(raw.status) {
			return nil, c.waitBeforeRetry(try, raw), he
		}
		return nil, -1, he
	}
	if perr != nil {
		return nil, -1, fmt.Errorf("shopify GraphQL answer is not JSON: %w", perr)
	}
	if len(resp.Errors) > 0 {
		qe := &GraphqlQueryError{Shop: c.shop, Errors: resp.Errors}
		if qe.HasCode("THROTTLED") {
			return resp, c.throttledWait(try, resp.Cost), qe
		}
		return resp, -1, qe
	}
	if ue := findUserErrors(c.shop, resp.Data); ue != nil {
		return resp, -1, ue
	}
	return resp, 0, nil
}

// throttledWait is how long a THROTTLED query waits: with pacing, the next
// reservation waits for the budget itself (a little jitter spreads callers);
// without, until the bucket refills to the requested cost.
func (c *Client) throttledWait(try int, cost *Cost) time.Duration {
	if cost == nil {
		return c.retry.wait(try)
	}
	if c.pacing {
		return time.Duration(float64(c.retry.base) * 0.05 * float64(try))
	}
	t := cost.ThrottleStatus
	deficit := cost.RequestedQueryCost - t.CurrentlyAvailable
	if deficit <= 0 {
		return c.retry.wait(try)
	}
	return min(time.Duration(math.Min(deficit/t.RestoreRate, maxDelay.Seconds())*float64(time.Second)), maxDelay)
}

// fail classifies a final error and logs it once, without the token (which
// is in no error) and without the response body.
func (c *Client) fail(ctx context.Context, err error) error {
	ce := classify(c.shop, err)
	platform.Log(ctx).Debug("shopify call failed", "shop", c.shop, "kind", platform.KindOf(ce).String(), "error", err)
	return ce
}

// findUserErrors returns the userErrors of the first root field whose payload
// has a non-empty userErrors list (a mutation rejected its input).
func findUserErrors(shop string, data json.RawMessage) *UserErrors {
	if len(data) == 0 || !bytes.Contains(data, []byte(`"userErrors"`)) {
		return nil
	}
	var roots map[string]json.RawMessage
	if json.Unmarshal(data, &roots) != nil {
		return nil
	}
	names := make([]string, 0, len(roots))
	for name := range roots {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		payload := roots[name]
		var p struct {
			UserErrors []UserError `json:"userErrors"`
		}
		if json.Unmarshal(payload, &p) == nil && len(p.UserErrors) > 0 {
			return &UserErrors{Shop: shop, Mutation: name, Errors: p.UserErrors}
		}
	}
	return nil
}
