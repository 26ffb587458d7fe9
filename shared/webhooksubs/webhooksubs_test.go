package webhooksubs

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/shopify"
)

const (
	testShop    = "acme-source.myshopify.com"
	testToken   = "shpat_webhooksubs_test_token"
	callbackURL = "https://flux.example.com/prod/webhooks/shopify"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func topicNames(ts []Topic) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

func TestCallbackURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://flux.example.com/prod":  "https://flux.example.com/prod/webhooks/shopify",
		"https://flux.example.com/prod/": "https://flux.example.com/prod/webhooks/shopify",
		"http://127.0.0.1:3000":          "http://127.0.0.1:3000/webhooks/shopify",
	} {
		if got := CallbackURL(in); got != want {
			t.Errorf("CallbackURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every topic Flux subscribes to is one the Shopify emulator's schema
// knows (it follows Shopify's WebhookSubscriptionTopic enum), once.
func TestTopicsAreShopifyTopics(t *testing.T) {
	schema, err := os.ReadFile(filepath.Join("..", "..", "infra", "shopify-emulator", "schema.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	var enum []string
	for _, line := range strings.Split(string(schema), "\n") {
		if rest, ok := strings.CutPrefix(line, "enum WebhookSubscriptionTopic {"); ok {
			enum = strings.Fields(strings.TrimSuffix(strings.TrimSpace(rest), "}"))
		}
	}
	if len(enum) == 0 {
		t.Fatal("no WebhookSubscriptionTopic enum in the emulator's schema")
	}
	seen := map[string]bool{}
	for _, name := range topicNames(Topics) {
		if !slices.Contains(enum, name) {
			t.Errorf("%s is not a WebhookSubscriptionTopic", name)
		}
		if seen[name] {
			t.Errorf("%s twice", name)
		}
		seen[name] = true
	}
	for _, must := range []string{"PRODUCTS_UPDATE", "COLLECTIONS_DELETE", "METAOBJECTS_CREATE", "METAFIELD_DEFINITIONS_UPDATE", "THEMES_PUBLISH", "APP_UNINSTALLED"} {
		if !seen[must] {
			t.Errorf("%s missing", must)
		}
	}
}

// fakeShopify answers the list query with existing subscriptions and each
// webhookSubscriptionCreate with the answer configured for its topic
// (default: created). It records the created topics and their input.
type fakeShopify struct {
	t        *testing.T
	existing []map[string]any // nodes of the list
	listFail int              // HTTP status of the list query, 0: answer
	answers  map[string]func(w http.ResponseWriter)

	mu      sync.Mutex
	created []string
	inputs  []map[string]any
}

func (f *fakeShopify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Shopify-Access-Token") != testToken {
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`)
		return
	}
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("request body: %v", err)
	}
	w.Header().Set("Content-Type", "application/json")
	cost := `"extensions":{"cost":{"requestedQueryCost":10,"actualQueryCost":10,"throttleStatus":{"maximumAvailable":2000,"currentlyAvailable":1990,"restoreRate":100}}}`
	if strings.Contains(req.Query, "webhookSubscriptions(") {
		if f.listFail != 0 {
			w.WriteHeader(f.listFail)
			_, _ = io.WriteString(w, `{"errors":"Internal error"}`)
			return
		}
		nodes, _ := json.Marshal(append([]map[string]any{}, f.existing...))
		_, _ = io.WriteString(w, `{"data":{"webhookSubscriptions":{"nodes":`+string(nodes)+`,"pageInfo":{"hasNextPage":false,"endCursor":null}}},`+cost+`}`)
		return
	}
	topic, _ := req.Variables["topic"].(string)
	sub, _ := req.Variables["sub"].(map[string]any)
	if answer := f.answers[topic]; answer != nil {
		answer(w)
		return
	}
	f.mu.Lock()
	f.created = append(f.created, topic)
	f.inputs = append(f.inputs, sub)
	f.mu.Unlock()
	_, _ = io.WriteString(w, `{"data":{"webhookSubscriptionCreate":{"webhookSubscription":{"id":"gid://shopify/WebhookSubscription/1","topic":"`+topic+`"},"userErrors":[]}},`+cost+`}`)
}

func userErrors(msg string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		b, _ := json.Marshal(msg)
		_, _ = io.WriteString(w, `{"data":{"webhookSubscriptionCreate":{"webhookSubscription":null,"userErrors":[{"field":["webhookSubscription"],"message":`+string(b)+`}]}}}`)
	}
}

func status(code int) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"errors":"boom at 10.0.0.7 internal"}`)
	}
}

func node(topic, url string) map[string]any {
	return map[string]any{"id": "gid://shopify/WebhookSubscription/9", "topic": topic,
		"endpoint": map[string]any{"__typename": "WebhookHttpEndpoint", "callbackUrl": url}}
}

func TestRegister(t *testing.T) {
	all := topicNames(Topics)
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
	}
	tests := []struct {
		name        string
		scope       string
		existing    []map[string]any
		listFail    int
		answers     map[string]func(w http.ResponseWriter)
		want        Result
		wantCreated []string
		wantErr     error
	}{
		{
			name:        "fresh shop: every topic",
			scope:       "read_products,read_metaobjects,read_discounts,read_themes",
			want:        Result{Registered: len(all)},
			wantCreated: all,
		},
		{
			name:  "some already subscribed at this address, one at another",
			scope: "write_products,read_metaobjects,read_discounts,read_themes",
			existing: []map[string]any{
				node("PRODUCTS_UPDATE", callbackURL), node("APP_UNINSTALLED", callbackURL),
				node("PRODUCTS_CREATE", "https://old.example.com/webhooks/shopify"),
			},
			want:        Result{Registered: len(all) - 2, Existing: 2},
			wantCreated: without("PRODUCTS_UPDATE", "APP_UNINSTALLED"),
		},
		{
			name:  "a topic refused with userErrors is reported, the others registered",
			scope: "read_products,read_metaobjects,read_discounts,read_themes",
			answers: map[string]func(w http.ResponseWriter){
				"METAOBJECTS_CREATE": userErrors("The specified filter is invalid, please ensure you specify the field(s) you wish to filter on."),
			},
			want: Result{Registered: len(all) - 1, Failed: []Failure{{Topic: "METAOBJECTS_CREATE",
				Reason: "Shopify refused the subscription: The specified filter is invalid, please ensure you specify the field(s) you wish to filter on."}}},
			wantCreated: without("METAOBJECTS_CREATE"),
			wantErr:     ErrIncomplete,
		},
		{
			name:        "already taken (a concurrent install) counts as existing",
			scope:       "read_products,read_metaobjects,read_discounts,read_themes",
			answers:     map[string]func(w http.ResponseWriter){"THEMES_UPDATE": userErrors("Address for this topic has already been taken")},
			want:        Result{Registered: len(all) - 1, Existing: 1},
			wantCreated: without("THEMES_UPDATE"),
		},
		{
			name:    "Shopify failing on one topic: a safe reason",
			scope:   "read_products,read_metaobjects,read_discounts,read_themes",
			answers: map[string]func(w http.ResponseWriter){"DISCOUNTS_DELETE": status(503)},
			want: Result{Registered: len(all) - 1, Failed: []Failure{{Topic: "DISCOUNTS_DELETE",
				Reason: "Shopify store acme-source.myshopify.com is unavailable; try again later"}}},
			wantCreated: without("DISCOUNTS_DELETE"),
			wantErr:     ErrIncomplete,
		},
		{
			name:        "topics outside the granted scopes are skipped",
			scope:       "read_products",
			want:        Result{Registered: 11, Skipped: skipped("read_metaobjects", "METAOBJECTS_CREATE", "METAOBJECTS_UPDATE", "METAOBJECTS_DELETE", "read_discounts", "DISCOUNTS_CREATE", "DISCOUNTS_UPDATE", "DISCOUNTS_DELETE", "read_themes", "THEMES_CREATE", "THEMES_UPDATE", "THEMES_DELETE", "THEMES_PUBLISH")},
			wantCreated: []string{"PRODUCTS_CREATE", "PRODUCTS_UPDATE", "PRODUCTS_DELETE", "COLLECTIONS_CREATE", "COLLECTIONS_UPDATE", "COLLECTIONS_DELETE", "METAFIELD_DEFINITIONS_CREATE", "METAFIELD_DEFINITIONS_UPDATE", "METAFIELD_DEFINITIONS_DELETE", "BULK_OPERATIONS_FINISH", "APP_UNINSTALLED"},
		},
		{
			name:     "the list fails: nothing registered, a safe error",
			scope:    "read_products",
			listFail: 500,
			want:     Result{Error: "Shopify store acme-source.myshopify.com is unavailable; try again later"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeShopify{t: t, existing: tt.existing, listFail: tt.listFail, answers: tt.answers}
			hs := httptest.NewServer(f)
			defer hs.Close()
			r := &Registrar{CallbackURL: callbackURL, Shopify: shopify.Config{
				BaseURL: func(string) string { return hs.URL }, Tries: 1, Throttle: shopify.NewThrottle(time.Now),
			}}
			got, err := r.Register(context.Background(), shopify.Session{Shop: testShop, AccessToken: testToken, Scope: tt.scope})
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && tt.want.Error == "" && err != nil {
				t.Errorf("err = %v", err)
			}
			if tt.want.Error != "" && err == nil {
				t.Error("no error when the list failed")
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCreated, f.created, cmpopts.SortSlices(func(a, b string) bool { return a < b }), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("created (-want +got):\n%s", diff)
			}
			for _, in := range f.inputs {
				if diff := cmp.Diff(map[string]any{"callbackUrl": callbackURL, "format": "JSON"}, in); diff != "" {
					t.Errorf("subscription input (-want +got):\n%s", diff)
				}
			}
			b, _ := json.Marshal(got)
			if strings.Contains(string(b), "10.0.0.7") || strings.Contains(string(b), testToken) {
				t.Errorf("result leaks internals: %s", b)
			}
		})
	}
}

func skipped(pairs ...string) []Failure {
	var out []Failure
	scope := ""
	for _, p := range pairs {
		if strings.HasPrefix(p, "read_") {
			scope = p
			continue
		}
		out = append(out, Failure{Topic: p, Reason: "needs the " + scope + " access scope"})
	}
	return out
}

func TestRegisterNeedsCallbackURL(t *testing.T) {
	if _, err := (&Registrar{}).Register(context.Background(), shopify.Session{Shop: testShop, AccessToken: testToken}); err == nil {
		t.Error("no error without a callback URL")
	}
}

// Against the Shopify emulator: the subscriptions are created and listed
// by Shopify's own query; a second registration adds none.
func TestRegisterAgainstEmulator(t *testing.T) {
	srv, err := emulator.New(t.Context(), emulator.Options{Versions: []string{shopify.DefaultAPIVersion}, SourceProducts: 5, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	r := &Registrar{CallbackURL: callbackURL, Shopify: shopify.Config{BaseURL: func(string) string { return hs.URL }, Throttle: shopify.NewThrottle(time.Now)}}
	sess := shopify.Session{Shop: emulator.SourceShop, AccessToken: emulator.SourceToken}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	first, err := r.Register(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Result{Registered: len(Topics)}, first, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("first registration (-want +got):\n%s", diff)
	}
	second, err := r.Register(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Result{Existing: len(Topics)}, second, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("second registration (-want +got):\n%s", diff)
	}
	got := ListSubscriptions(t, hs.URL, emulator.SourceShop, emulator.SourceToken)
	want := map[string]int{}
	for _, name := range topicNames(Topics) {
		want[name+" "+callbackURL] = 1
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("subscriptions on the emulator (-want +got):\n%s", diff)
	}
}

// ListSubscriptions counts a shop's subscriptions by "TOPIC callbackUrl",
// asking the emulator's Admin API.
func ListSubscriptions(t testing.TB, base, shop, token string) map[string]int {
	t.Helper()
	c, err := shopify.New(shopify.Session{Shop: shop, AccessToken: token}, shopify.Config{BaseURL: func(string) string { return base }})
	if err != nil {
		t.Fatal(err)
	}
	subs, err := List(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, s := range subs {
		out[s.Topic+" "+s.CallbackURL]++
	}
	return out
}
