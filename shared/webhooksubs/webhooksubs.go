// Package webhooksubs registers Flux's Shopify webhook subscriptions on a
// shop: one HTTP subscription per topic Flux consumes, all pointing at
// FLUX_PUBLIC_URL + "/webhooks/shopify" (the webhook-shopify function).
//
// Registration is idempotent: the app's existing subscriptions are listed
// first and only the missing topics are created, so it can run on every
// install (and reinstall) without duplicating anything. A topic Shopify
// refuses (userErrors) is reported, not fatal: the others are still
// registered and the next install retries the missing ones.
//
// The compliance topics (customers/data_request, customers/redact,
// shop/redact) cannot be subscribed through the API: they are set in the
// app's configuration (shopify.app.toml, [webhooks.privacy_compliance]).
package webhooksubs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// Path is the route Shopify delivers webhooks to (function webhook-shopify).
const Path = "/webhooks/shopify"

// CallbackURL is the webhook address for the API's public base URL.
func CallbackURL(publicURL string) string { return strings.TrimSuffix(publicURL, "/") + Path }

// Topic is a Shopify WebhookSubscriptionTopic with the access scope its
// payloads need ("" when any installed app may subscribe).
type Topic struct {
	Name  string // WebhookSubscriptionTopic enum value, e.g. PRODUCTS_UPDATE
	Scope string // e.g. read_products
}

// Topics are the topics Flux consumes: changes to the objects it syncs that
// Shopify sends webhooks for (pages, blogs, articles, menus and files have
// none: the daily reconciliation covers them), bulk operations finishing
// (the sync engine's bulk reads), and the app's uninstall.
var Topics = []Topic{
	{"PRODUCTS_CREATE", "read_products"}, {"PRODUCTS_UPDATE", "read_products"}, {"PRODUCTS_DELETE", "read_products"},
	{"COLLECTIONS_CREATE", "read_products"}, {"COLLECTIONS_UPDATE", "read_products"}, {"COLLECTIONS_DELETE", "read_products"},
	{"METAOBJECTS_CREATE", "read_metaobjects"}, {"METAOBJECTS_UPDATE", "read_metaobjects"}, {"METAOBJECTS_DELETE", "read_metaobjects"},
	{"METAFIELD_DEFINITIONS_CREATE", ""}, {"METAFIELD_DEFINITIONS_UPDATE", ""}, {"METAFIELD_DEFINITIONS_DELETE", ""},
	{"DISCOUNTS_CREATE", "read_discounts"}, {"DISCOUNTS_UPDATE", "read_discounts"}, {"DISCOUNTS_DELETE", "read_discounts"},
	{"THEMES_CREATE", "read_themes"}, {"THEMES_UPDATE", "read_themes"}, {"THEMES_DELETE", "read_themes"}, {"THEMES_PUBLISH", "read_themes"},
	{"BULK_OPERATIONS_FINISH", ""},
	{"APP_UNINSTALLED", ""},
}

// Failure is a topic that was not registered, with a reason safe to show
// the merchant (Shopify's userErrors text, or Flux's classified message).
type Failure struct {
	Topic  string `json:"topic"`
	Reason string `json:"reason"`
}

// Result is what a registration did on one shop.
type Result struct {
	// Registered counts the subscriptions created now; Existing those that
	// were already there (same topic, same address).
	Registered int `json:"registered"`
	Existing   int `json:"existing"`
	// Failed are topics Shopify refused or that could not be asked.
	Failed []Failure `json:"failed,omitempty"`
	// Skipped are topics the granted access scopes do not cover.
	Skipped []Failure `json:"skipped,omitempty"`
	// Error says why nothing was registered (the existing subscriptions
	// could not be listed), safe to show.
	Error string `json:"error,omitempty"`
}

// OK reports whether every topic the scopes allow is subscribed.
func (r Result) OK() bool { return len(r.Failed) == 0 && r.Error == "" }

// ErrIncomplete is in the chain of Register's error when some topics failed.
var ErrIncomplete = errors.New("some webhook subscriptions were not registered")

// DefaultConcurrency bounds the mutations in flight on one shop.
const DefaultConcurrency = 4

// DefaultTries is the attempts per Shopify call (429, 5xx, THROTTLED).
const DefaultTries = 3

// Registrar registers the subscriptions. The zero value is not usable:
// CallbackURL is required.
type Registrar struct {
	// CallbackURL is where Shopify delivers (CallbackURL(FLUX_PUBLIC_URL)).
	CallbackURL string
	// Topics to subscribe; nil means Topics.
	Topics []Topic
	// Shopify is the client configuration (API version, base URL of the
	// emulator, HTTP client...). Tries 0 means DefaultTries.
	Shopify shopify.Config
	// Concurrency bounds the mutations in flight; 0 means DefaultConcurrency.
	Concurrency int
}

const listQuery = `query FluxWebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 50, after: $after) {
    nodes { id topic endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } }
    pageInfo { hasNextPage endCursor }
  }
}`

const createMutation = `mutation FluxWebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}`

// Register subscribes sess's shop to every topic of r not yet subscribed
// at r.CallbackURL. It returns what it did; the error is non-nil when the
// existing subscriptions could not be listed (nothing was registered) or
// when some topics failed (errors.Is(err, ErrIncomplete); Result.Failed
// says which). Running it again registers only what is still missing.
func (r *Registrar) Register(ctx context.Context, sess shopify.Session) (Result, error) {
	if r.CallbackURL == "" {
		return Result{}, platform.E(platform.KindInternal, "webhook callback URL is not configured")
	}
	cfg := r.Shopify
	if cfg.Tries <= 0 {
		cfg.Tries = DefaultTries
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "flux-webhooksubs"
	}
	client, err := shopify.New(sess, cfg)
	if err != nil {
		return Result{}, err
	}
	existing, err := r.existing(ctx, client)
	if err != nil {
		return Result{Error: reason(err)}, fmt.Errorf("list webhook subscriptions of %s: %w", client.Shop(), err)
	}
	topics := r.Topics
	if topics == nil {
		topics = Topics
	}
	granted := shopify.ParseAuthScopes(sess.Scope)
	var res Result
	var todo []string
	for _, t := range topics {
		switch {
		case existing[t.Name]:
			res.Existing++
		case t.Scope != "" && sess.Scope != "" && !granted.Has(shopify.ParseAuthScopes(t.Scope)):
			res.Skipped = append(res.Skipped, Failure{Topic: t.Name, Reason: "needs the " + t.Scope + " access scope"})
		default:
			todo = append(todo, t.Name)
		}
	}
	outcomes := r.create(ctx, client, todo)
	for _, topic := range todo {
		switch o := outcomes[topic]; o.kind {
		case created:
			res.Registered++
		case alreadyThere:
			res.Existing++
		default:
			res.Failed = append(res.Failed, o.failure)
		}
	}
	sort.Slice(res.Failed, func(i, j int) bool { return res.Failed[i].Topic < res.Failed[j].Topic })
	if !res.OK() {
		return res, fmt.Errorf("%s: %d of %d topics: %w", client.Shop(), len(res.Failed), len(todo), ErrIncomplete)
	}
	return res, nil
}

// Subscription is one of the app's webhook subscriptions on a shop.
type Subscription struct {
	ID          string
	Topic       string
	CallbackURL string // "" for a non-HTTP endpoint (EventBridge, Pub/Sub)
}

// List is the app's webhook subscriptions on c's shop (Shopify lists only
// the calling app's own).
func List(ctx context.Context, c *shopify.Client) ([]Subscription, error) {
	var out []Subscription
	var after any
	for page := 0; page < 20; page++ {
		resp, err := c.GraphQL(ctx, listQuery, map[string]any{"after": after}, nil)
		if err != nil {
			return nil, err
		}
		var data struct {
			WebhookSubscriptions struct {
				Nodes []struct {
					ID       string `json:"id"`
					Topic    string `json:"topic"`
					Endpoint struct {
						CallbackURL string `json:"callbackUrl"`
					} `json:"endpoint"`
				} `json:"nodes"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"webhookSubscriptions"`
		}
		if err := resp.Decode(&data); err != nil {
			return nil, platform.Wrap(platform.KindUnavailable, "Shopify answered the webhook subscription list of "+c.Shop()+" in an unexpected shape", err)
		}
		for _, n := range data.WebhookSubscriptions.Nodes {
			out = append(out, Subscription{ID: n.ID, Topic: n.Topic, CallbackURL: n.Endpoint.CallbackURL})
		}
		pi := data.WebhookSubscriptions.PageInfo
		if !pi.HasNextPage || pi.EndCursor == "" {
			break
		}
		after = pi.EndCursor
	}
	return out, nil
}

// existing is the set of topics already subscribed at r.CallbackURL.
func (r *Registrar) existing(ctx context.Context, c *shopify.Client) (map[string]bool, error) {
	subs, err := List(ctx, c)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, s := range subs {
		if s.CallbackURL == r.CallbackURL {
			out[s.Topic] = true
		}
	}
	return out, nil
}

type outcomeKind int

const (
	failed outcomeKind = iota
	created
	alreadyThere
)

type outcome struct {
	kind    outcomeKind
	failure Failure
}

// create runs webhookSubscriptionCreate for each topic, a few at a time,
// and returns each topic's outcome.
func (r *Registrar) create(ctx context.Context, c *shopify.Client, topics []string) map[string]outcome {
	n := r.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	var (
		mu       sync.Mutex
		outcomes = make(map[string]outcome, len(topics))
		wg       sync.WaitGroup
		sem      = make(chan struct{}, n)
	)
	for _, topic := range topics {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				mu.Lock()
				outcomes[topic] = outcome{failed, Failure{Topic: topic, Reason: "timed out before Shopify was asked"}}
				mu.Unlock()
				return
			}
			o := r.createOne(ctx, c, topic)
			mu.Lock()
			outcomes[topic] = o
			mu.Unlock()
		}()
	}
	wg.Wait()
	return outcomes
}

func (r *Registrar) createOne(ctx context.Context, c *shopify.Client, topic string) outcome {
	_, err := c.GraphQL(ctx, createMutation, map[string]any{
		"topic": topic,
		"sub":   map[string]any{"callbackUrl": r.CallbackURL, "format": "JSON"},
	}, &shopify.GraphQLOptions{Cost: 10})
	if err == nil {
		return outcome{kind: created}
	}
	var ue *shopify.UserErrors
	if errors.As(err, &ue) {
		if alreadyTaken(ue) {
			// Registered meanwhile (a concurrent install): it exists.
			return outcome{kind: alreadyThere}
		}
		msgs := make([]string, 0, len(ue.Errors))
		for _, e := range ue.Errors {
			msgs = append(msgs, e.Message)
		}
		platform.Log(ctx).Warn("webhook subscription not registered", "shop", c.Shop(), "topic", topic, "error", ue.Error())
		return outcome{failed, Failure{Topic: topic, Reason: "Shopify refused the subscription: " + strings.Join(msgs, "; ")}}
	}
	platform.Log(ctx).Warn("webhook subscription not registered", "shop", c.Shop(), "topic", topic, "error", err.Error())
	return outcome{failed, Failure{Topic: topic, Reason: reason(err)}}
}

// reason is a failure's text for the merchant: the classified message of
// the Shopify client (it names the store, never internals).
func reason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out waiting for Shopify"
	}
	if platform.KindOf(err) == platform.KindInternal {
		return "Shopify did not accept the request"
	}
	return platform.PublicMessage(err)
}

// alreadyTaken: Shopify's answer to a duplicate topic and address
// ("Address for this topic has already been taken").
func alreadyTaken(ue *shopify.UserErrors) bool {
	return slices.ContainsFunc(ue.Errors, func(e shopify.UserError) bool {
		return strings.Contains(strings.ToLower(e.Message), "already been taken")
	})
}
