// Package stores is the stores resolver group (the graphql-stores function):
// seed 000's list queries (listProducts, listCollections, ... listFiles) read
// live from one of the caller's Shopify stores. Each query is a Shopify
// GraphQL query built here (only the requested field groups, a page size
// that fits Shopify's cost limit) and a converter from Shopify's answer to
// the seed's shape.
package stores

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/shopify"
)

// GroupName is the name of this resolver group on the rpc contract.
const GroupName = "stores"

// Operations of the stores group, named as the GraphQL fields.
const (
	OpListProducts              = "listProducts"
	OpListCollections           = "listCollections"
	OpListPages                 = "listPages"
	OpListBlogs                 = "listBlogs"
	OpListArticles              = "listArticles"
	OpListMenus                 = "listMenus"
	OpListDiscounts             = "listDiscounts"
	OpListMetaobjectDefinitions = "listMetaobjectDefinitions"
	OpListMetaobjects           = "listMetaobjects"
	OpListMetafieldDefinitions  = "listMetafieldDefinitions"
	OpListFiles                 = "listFiles"
)

// Tokens finds the Shopify access token Flux holds for a tenant's store.
// A store without one answers an error of kind NotFound.
type Tokens interface {
	AccessToken(ctx context.Context, tenantID, shop string) (string, error)
}

// Group is the stores resolver group's state: what every request shares.
// It holds no request state.
type Group struct {
	storage  config.Storage
	tokens   Tokens
	cfg      Config
	throttle *shopify.Throttle
}

// New builds the stores group. throttle paces every shop's calls of this
// process (nil: shopify.DefaultThrottle(), the process-wide one), so
// concurrent requests of one warm function share each store's budget.
func New(storage config.Storage, tokens Tokens, cfg Config, throttle *shopify.Throttle, log *slog.Logger) *rpc.Group {
	return NewGroup(storage, tokens, cfg, throttle).RPC(log)
}

// NewGroup is the stores group's state, for New and for GET /api/rate-limits
// (NewRateLimitsHandler). throttle nil means shopify.DefaultThrottle().
func NewGroup(storage config.Storage, tokens Tokens, cfg Config, throttle *shopify.Throttle) *Group {
	if throttle == nil {
		throttle = shopify.DefaultThrottle()
	}
	return &Group{storage: storage, tokens: tokens, cfg: cfg, throttle: throttle}
}

// RPC is the group's operations on the rpc contract.
func (g *Group) RPC(log *slog.Logger) *rpc.Group {
	return &rpc.Group{
		Name: GroupName,
		Log:  log,
		Ops: map[string]rpc.Operation{
			OpListProducts:              rpc.Op(g.ListProducts),
			OpListCollections:           rpc.Op(g.ListCollections),
			OpListPages:                 rpc.Op(g.ListPages),
			OpListBlogs:                 rpc.Op(g.ListBlogs),
			OpListArticles:              rpc.Op(g.ListArticles),
			OpListMenus:                 rpc.Op(g.ListMenus),
			OpListDiscounts:             rpc.Op(g.ListDiscounts),
			OpListMetaobjectDefinitions: rpc.Op(g.ListMetaobjectDefinitions),
			OpListMetaobjects:           rpc.Op(g.ListMetaobjects),
			OpListMetafieldDefinitions:  rpc.Op(g.ListMetafieldDefinitions),
			OpListFiles:                 rpc.Op(g.ListFiles),
		},
	}
}

// authorize checks the caller holds stores:read. Every operation calls it
// first, before looking at its arguments.
func authorize(ctx context.Context) error {
	return auth.IdentityFrom(ctx).Require(auth.ScopeStoresRead)
}

// client returns a Shopify client for the caller's shop: the shop in the
// caller's store group (a shop of another tenant is not found, exactly like
// one that does not exist) and Flux's access token for it.
func (g *Group) client(ctx context.Context, domain string) (*shopify.Client, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeStoresRead); err != nil {
		return nil, err
	}
	sg, err := g.storage.StoreGroup(ctx, caller.TenantID)
	if err != nil && platform.KindOf(err) != platform.KindNotFound {
		return nil, fmt.Errorf("store group of tenant %s: %w", caller.TenantID, err)
	}
	if !inGroup(sg, domain) {
		return nil, platform.E(platform.KindNotFound, "store "+domain+" not found in your store group")
	}
	return g.connect(ctx, caller.TenantID, domain)
}

// connect is a Shopify client for a shop of tenantID's group (the caller has
// checked it is one) with Flux's access token for it.
func (g *Group) connect(ctx context.Context, tenantID, domain string) (*shopify.Client, error) {
	return Connector{Tokens: g.tokens, Config: g.cfg, Throttle: g.throttle}.Client(ctx, tenantID, domain)
}

func inGroup(sg config.StoreGroup, domain string) bool {
	for _, s := range sg.Stores {
		if s.Domain == domain {
			return true
		}
	}
	return false
}

// run sends one query and decodes its data into out. Shopify failures keep
// the client's classification and store-naming message; a failure the client
// could not classify (an unexpected GraphQL error, an answer that does not
// decode) is still Shopify's, not Flux's: it is reported as the store being
// unavailable, naming the store and the query, never with Shopify's text.
func run(ctx context.Context, c *shopify.Client, op string, q rootQuery, vars map[string]any, first int, out any) error {
	resp, err := c.GraphQL(ctx, q.text, vars, &shopify.GraphQLOptions{Cost: float64(q.cost(first))})
	if err != nil {
		return shopifyFailure(c.Shop(), op, err)
	}
	if err := resp.Decode(out); err != nil {
		return shopifyFailure(c.Shop(), op, err)
	}
	return nil
}

func shopifyFailure(shop, op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return platform.Wrap(platform.KindUnavailable, "Shopify store "+shop+" did not answer "+op+" in time; try again", err)
	}
	switch platform.KindOf(err) {
	case platform.KindInternal:
		return platform.Wrap(platform.KindUnavailable,
			"Shopify store "+shop+" could not answer "+op+"; try again later", err)
	case platform.KindUnauthenticated:
		// Shopify refusing Flux is not the caller failing to authenticate.
		return platform.Wrap(platform.KindForbidden,
			"Shopify rejected Flux's access to "+shop+"; the store must be reconnected", err)
	}
	return fmt.Errorf("%s on %s: %w", op, shop, err)
}

// connection is the JSON shape of a Shopify connection read with nodes.
type connection[T any] struct {
	Nodes    []T `json:"nodes"`
	PageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
}

// pageInfo converts Shopify's pageInfo: the cursor is Shopify's endCursor,
// passed through as it is.
func (c connection[T]) pageInfo() PageInfo {
	return PageInfo{HasNextPage: c.PageInfo.HasNextPage, Cursor: c.PageInfo.EndCursor}
}

// listing is one list query's request to Shopify: the operation's name, the
// root connection field, the query, extra search terms (ANDed with
// updatedSince) and extra variables.
type listing struct {
	op, field string
	query     rootQuery
	search    string
	vars      map[string]any
}

// fillBudget bounds the time one list request spends filling its page with
// further Shopify requests (see list).
const fillBudget = 2 * time.Second

// callBudget bounds all of one request's Shopify work (retries and their
// waits included), and deadlineMargin keeps it that far inside the
// function's own deadline: the group then answers with a classified error
// naming the store, instead of being cut off by the Lambda timeout (which
// the gateway could only report as an internal error).
const (
	callBudget     = 8 * time.Second
	deadlineMargin = time.Second
)

func withCallBudget(ctx context.Context) (context.Context, context.CancelFunc) {
	d := time.Now().Add(callBudget)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-deadlineMargin).Before(d) {
		d = dl.Add(-deadlineMargin)
	}
	return context.WithDeadline(ctx, d)
}

// list validates the shared arguments, connects to the caller's shop, reads
// one page of the listing and converts its nodes. The operation has checked
// the scope and its own arguments.
//
// A page holds at most limit items. When the requested fields make a node
// costly, one Shopify request may ask for fewer nodes than that (its
// requested cost must stay within MaxQueryCost); list then fills the page
// with further requests from the last cursor, but only while the store's
// budget covers the next one without waiting and within fillBudget. It
// stops early otherwise, answering fewer items with hasNextPage true: the
// caller pages on with the cursor, as always.
func list[S, T any](ctx context.Context, g *Group, args ListArgs, l listing, conv func(S) T) ([]T, PageInfo, error) {
	domain, err := config.NormalizeShop(args.Shop)
	if err != nil {
		return nil, PageInfo{}, err
	}
	p, err := args.validate()
	if err != nil {
		return nil, PageInfo{}, err
	}
	p.search = andSearch(l.search, p.search)
	c, err := g.client(ctx, domain)
	if err != nil {
		return nil, PageInfo{}, err
	}
	ctx, cancel := withCallBudget(ctx)
	defer cancel()
	start := time.Now()
	out := []T{}
	var last PageInfo
	for {
		first := l.query.pageSize(p.limit - len(out))
		var data map[string]connection[S]
		err := run(ctx, c, l.op, l.query, p.vars(first, l.vars), first, &data)
		conn, ok := data[l.field]
		if err == nil && !ok {
			err = shopifyFailure(c.Shop(), l.op, errors.New("answer has no "+l.field))
		}
		if err != nil {
			if len(out) > 0 {
				// Filling the page failed: what was read stands, and the
				// caller pages on from it (and meets the failure, if it lasts).
				platform.Log(ctx).Warn("stopped filling a page", "op", l.op, "shop", c.Shop(), "items", len(out), "error", err.Error())
				return out, last, nil
			}
			return nil, PageInfo{}, err
		}
		for _, n := range conn.Nodes {
			out = append(out, conv(n))
		}
		pi := conn.pageInfo()
		last = pi
		// Go on only from a full answer: a shorter one is Shopify's page end
		// (or its own choice of page size), which the caller pages on from.
		if !pi.HasNextPage || pi.Cursor == nil || len(out) >= p.limit || len(conn.Nodes) < first {
			return out, pi, nil
		}
		next := l.query.pageSize(p.limit - len(out))
		if time.Since(start) > fillBudget || g.throttle.Delay(c.Shop(), float64(l.query.cost(next))) > 0 {
			return out, pi, nil
		}
		p.after = pi.Cursor
	}
}

// NotConnected is a Tokens that holds no token: every store answers "not
// connected to Flux". The functions use it when no token key is configured
// (shared/stores/storestokens); the group itself only ever sees the Tokens
// interface.
type NotConnected struct{}

// AccessToken implements Tokens: always not found.
func (NotConnected) AccessToken(_ context.Context, _, shop string) (string, error) {
	return "", platform.E(platform.KindNotFound, "no Shopify access token for "+shop)
}
