package install

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/store"
)

type callbackFixture struct {
	h      *Callback
	states *memStates
	tokens *connector
	shop   *tokenEndpoint
	cases  callbackCases
	now    time.Time
}

func newCallbackFixture(t *testing.T) *callbackFixture {
	t.Helper()
	f := &callbackFixture{states: newMemStates(), tokens: &connector{}, cases: loadCallbackCases(t)}
	f.now = time.Unix(f.cases.Timestamp, 0).Add(5 * time.Second)
	f.shop = newTokenEndpoint(t, readTestdata(t, "access_token_offline_expiring.json"))
	app := testApp(f.shop.URL)
	app.Now = func() time.Time { return f.now }
	f.h = &Callback{App: app, States: f.states, Tokens: f.tokens, Now: func() time.Time { return f.now }}
	f.putState(t, f.cases.State, testTenant, testShop)
	return f
}

func (f *callbackFixture) putState(t *testing.T, nonce, tenant, shop string) {
	t.Helper()
	if err := f.states.PutOAuthState(context.Background(), store.OAuthState{
		Nonce: nonce, TenantID: tenant, Shop: shop, ExpiresAt: f.now.Add(10 * time.Minute),
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *callbackFixture) serve(t *testing.T, rawQuery, accept string) (status int, body string, resp map[string]string) {
	t.Helper()
	r := serve(t, NewCallbackHandler(quietLog(), f.h), event(t, "apigw-callback-request.json", rawQuery, accept, nil))
	return r.StatusCode, r.Body, map[string]string{
		"Content-Type": header(r, "Content-Type"), "Referrer-Policy": header(r, "Referrer-Policy"), "Cache-Control": header(r, "Cache-Control"),
	}
}

// signed is a callback query for shop and state, signed with the app secret
// at the fixture's timestamp (overrides replace or, when "", drop values).
func (f *callbackFixture) signed(overrides map[string]string) string {
	q := url.Values{
		"code": {"a94a110d86d2452eb3e2af4cfb8a3828"}, "host": {"YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWNtZS1zb3VyY2U"},
		"shop": {testShop}, "state": {f.cases.State}, "timestamp": {strconv.FormatInt(f.cases.Timestamp, 10)},
	}
	for k, v := range overrides {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	q.Set("hmac", oauth.SignQuery(testSecret, q))
	return q.Encode()
}

func TestCallbackConnectsRecordedQueries(t *testing.T) {
	for _, name := range []string{"callback-with-host", "callback-without-host"} {
		t.Run(name, func(t *testing.T) {
			f := newCallbackFixture(t)
			raw := f.cases.query(t, name)
			status, body, hdr := f.serve(t, raw, "application/json")
			if status != 200 {
				t.Fatalf("status %d body %s", status, body)
			}
			var got ConnectedResponse
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			want := ConnectedResponse{Connected: true, Shop: testShop, Scopes: []string{"write_content", "write_products"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if hdr["Referrer-Policy"] != "no-referrer" || hdr["Cache-Control"] != "no-store" {
				t.Errorf("headers %v", hdr)
			}
			q, _ := url.ParseQuery(raw)
			wantReq := []map[string]string{{"client_id": testAPIKey, "client_secret": testSecret, "code": q.Get("code"), "expiring": "1", "_shop": testShop}}
			if diff := cmp.Diff(wantReq, f.shop.calls()); diff != "" {
				t.Errorf("code exchange (-want +got):\n%s", diff)
			}
			stored := f.tokens.stored()
			if len(stored) != 1 || stored[0].Tenant != testTenant {
				t.Fatalf("stored %v", stored)
			}
			s := stored[0].Sess
			exp := f.now.Add(time.Hour)
			if s.Shop != testShop || s.IsOnline || s.AccessToken != "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" ||
				s.RefreshToken != "shprt_0a1b2c3d4e5f60718293a4b5c6d7e8f9" || s.Expires == nil || !s.Expires.Equal(exp) || s.State != f.cases.State {
				t.Errorf("stored session %v", s)
			}
			if strings.Contains(body, "shpat_") || strings.Contains(body, "shprt_") {
				t.Error("the answer shows a token")
			}
			if f.states.len() != 0 {
				t.Error("the state was not used up")
			}
		})
	}
}

func TestCallbackHTMLPage(t *testing.T) {
	f := newCallbackFixture(t)
	status, body, hdr := f.serve(t, f.cases.query(t, "callback-with-host"), "text/html,application/xhtml+xml,*/*;q=0.8")
	if status != 200 || !strings.HasPrefix(hdr["Content-Type"], "text/html") {
		t.Fatalf("status %d %v", status, hdr)
	}
	for _, want := range []string{"Store connected", "<code>acme-source.myshopify.com</code>", "<code>write_products</code>"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
}

func TestCallbackRefuses(t *testing.T) {
	docs := "" // filled from testdata below
	tests := []struct {
		name   string
		query  func(t *testing.T, f *callbackFixture) string
		status int
		code   string
		// stateLeft: the state is still usable after the refusal (nothing
		// that a forger sends may burn a merchant's install).
		stateLeft bool
	}{
		{"shopify docs example without state", func(t *testing.T, f *callbackFixture) string { return docs }, 422, "VALIDATION_ERROR", true},
		{"bad hmac", func(t *testing.T, f *callbackFixture) string {
			q, _ := url.ParseQuery(f.signed(nil))
			q.Set("hmac", strings.Repeat("ab", 32))
			return q.Encode()
		}, 401, "UNAUTHENTICATED", true},
		{"hmac by another secret", func(t *testing.T, f *callbackFixture) string {
			q, _ := url.ParseQuery(f.signed(nil))
			q.Set("hmac", oauth.SignQuery("other-secret", q))
			return q.Encode()
		}, 401, "UNAUTHENTICATED", true},
		{"tampered shop", func(t *testing.T, f *callbackFixture) string {
			q, _ := url.ParseQuery(f.signed(nil))
			q.Set("shop", "evil.myshopify.com")
			return q.Encode()
		}, 401, "UNAUTHENTICATED", true},
		{"stale timestamp", func(t *testing.T, f *callbackFixture) string {
			return f.signed(map[string]string{"timestamp": strconv.FormatInt(f.cases.Timestamp-600, 10)})
		}, 401, "UNAUTHENTICATED", true},
		{"future timestamp", func(t *testing.T, f *callbackFixture) string {
			return f.signed(map[string]string{"timestamp": strconv.FormatInt(f.cases.Timestamp+600, 10)})
		}, 401, "UNAUTHENTICATED", true},
		{"unknown state", func(t *testing.T, f *callbackFixture) string {
			return f.signed(map[string]string{"state": "never-issued-state-0123456789abcdef"})
		}, 401, "UNAUTHENTICATED", true},
		{"state issued for another shop", func(t *testing.T, f *callbackFixture) string {
			f.putState(t, "issued-for-prod-0123456789abcdef", testTenant, "acme-prod.myshopify.com")
			return f.signed(map[string]string{"state": "issued-for-prod-0123456789abcdef"})
		}, 401, "UNAUTHENTICATED", true},
		{"missing code", func(t *testing.T, f *callbackFixture) string { return f.signed(map[string]string{"code": ""}) }, 422, "VALIDATION_ERROR", true},
		{"missing state", func(t *testing.T, f *callbackFixture) string { return f.signed(map[string]string{"state": ""}) }, 422, "VALIDATION_ERROR", true},
		{"missing timestamp", func(t *testing.T, f *callbackFixture) string { return f.signed(map[string]string{"timestamp": ""}) }, 422, "VALIDATION_ERROR", true},
		{"bad shop domain", func(t *testing.T, f *callbackFixture) string {
			return f.signed(map[string]string{"shop": "acme.example.com"})
		}, 422, "VALIDATION_ERROR", true},
		{"duplicate state", func(t *testing.T, f *callbackFixture) string { return f.signed(nil) + "&state=" + f.cases.State }, 422, "VALIDATION_ERROR", true},
		{"malformed hmac", func(t *testing.T, f *callbackFixture) string {
			q, _ := url.ParseQuery(f.signed(nil))
			q.Set("hmac", "xyz")
			return q.Encode()
		}, 422, "VALIDATION_ERROR", true},
		{"oversized", func(t *testing.T, f *callbackFixture) string {
			return f.signed(map[string]string{"extra": strings.Repeat("x", 5000)})
		}, 422, "VALIDATION_ERROR", true},
		{"empty", func(t *testing.T, f *callbackFixture) string { return "" }, 422, "VALIDATION_ERROR", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCallbackFixture(t)
			docs = f.cases.query(t, "shopify-docs-example")
			status, body, hdr := f.serve(t, tt.query(t, f), "")
			var eb platform.ErrorBody
			if status != tt.status || json.Unmarshal([]byte(body), &eb) != nil || len(eb.Errors) != 1 || eb.Errors[0].Extensions.Code != tt.code {
				t.Fatalf("status %d body %s, want %d %s", status, body, tt.status, tt.code)
			}
			if !strings.HasPrefix(hdr["Content-Type"], "application/json") {
				t.Errorf("error Content-Type %q", hdr["Content-Type"])
			}
			if len(f.tokens.stored()) != 0 || len(f.shop.calls()) != 0 {
				t.Errorf("refused callback stored %d connections, made %d code exchanges", len(f.tokens.stored()), len(f.shop.calls()))
			}
			if _, ok := f.states.m[f.cases.State]; ok != tt.stateLeft {
				t.Errorf("merchant's state still usable: %v, want %v", ok, tt.stateLeft)
			}
		})
	}
}

func TestCallbackReplayRefused(t *testing.T) {
	f := newCallbackFixture(t)
	raw := f.cases.query(t, "callback-with-host")
	if status, body, _ := f.serve(t, raw, "application/json"); status != 200 {
		t.Fatalf("first: %d %s", status, body)
	}
	status, body, _ := f.serve(t, raw, "application/json")
	if status != 401 || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Fatalf("replay: %d %s", status, body)
	}
	if len(f.tokens.stored()) != 1 || len(f.shop.calls()) != 1 {
		t.Errorf("replay stored or exchanged again: %d, %d", len(f.tokens.stored()), len(f.shop.calls()))
	}
}

func TestCallbackDownstreamFailures(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *callbackFixture)
		status int
		code   string
	}{
		{"code already used", func(f *callbackFixture) { f.shop.answer(400, readTestdata(t, "access_token_code_used.json")) }, 422, "VALIDATION_ERROR"},
		{"shopify down", func(f *callbackFixture) { f.shop.answer(503, `{"errors":"unavailable"}`) }, 503, "SERVICE_UNAVAILABLE"},
		{"garbage token response", func(f *callbackFixture) { f.shop.answer(200, `{"scope":"read_products"}`) }, 503, "SERVICE_UNAVAILABLE"},
		{"shop removed from the group meanwhile", func(f *callbackFixture) {
			f.tokens.err = platform.E(platform.KindNotFound, "store acme-source.myshopify.com is not in the store group")
		}, 404, "NOT_FOUND"},
		{"storage down", func(f *callbackFixture) { f.tokens.err = errors.New("dynamodb: connection reset") }, 500, "INTERNAL_ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCallbackFixture(t)
			tt.setup(f)
			status, body, _ := f.serve(t, f.cases.query(t, "callback-with-host"), "application/json")
			var eb platform.ErrorBody
			if status != tt.status || json.Unmarshal([]byte(body), &eb) != nil || eb.Errors[0].Extensions.Code != tt.code {
				t.Fatalf("status %d body %s, want %d %s", status, body, tt.status, tt.code)
			}
			for _, secret := range []string{testSecret, "shpat_", "connection reset", "a94a110d86d2452eb3e2af4cfb8a3828"} {
				if strings.Contains(body, secret) {
					t.Errorf("error body shows %q: %s", secret, body)
				}
			}
			if len(f.tokens.stored()) != 0 {
				t.Error("stored after a failure")
			}
		})
	}
}

// hook records calls and fails when err is set.
type hook struct {
	calls []string
	err   error
}

func (h *hook) ShopConnected(_ context.Context, tenantID string, sess shopify.Session, _ *ConnectedResponse) error {
	h.calls = append(h.calls, tenantID+" "+sess.Shop)
	return h.err
}

func TestCallbackHooks(t *testing.T) {
	for _, tt := range []struct {
		name    string
		err     error
		pending bool
	}{{"hook succeeds", nil, false}, {"hook fails", errors.New("webhookSubscriptionCreate: throttled"), true}} {
		t.Run(tt.name, func(t *testing.T) {
			f := newCallbackFixture(t)
			h1, h2 := &hook{err: tt.err}, &hook{}
			f.h.Hooks = []ConnectedHook{h1, h2}
			status, body, _ := f.serve(t, f.cases.query(t, "callback-with-host"), "application/json")
			if status != 200 {
				t.Fatalf("status %d %s", status, body)
			}
			var got ConnectedResponse
			_ = json.Unmarshal([]byte(body), &got)
			if got.SetupPending != tt.pending || !got.Connected {
				t.Errorf("answer %+v", got)
			}
			want := []string{testTenant + " " + testShop}
			if !cmp.Equal(h1.calls, want) || !cmp.Equal(h2.calls, want) {
				t.Errorf("hooks called %v %v", h1.calls, h2.calls)
			}
			if strings.Contains(body, "throttled") {
				t.Error("hook error text in the answer")
			}
		})
	}
}

func TestParseCallbackQuery(t *testing.T) {
	cases := loadCallbackCases(t)
	for _, c := range cases.Cases {
		t.Run(c.Name, func(t *testing.T) {
			q, err := ParseCallbackQuery(c.Query)
			if c.Name == "shopify-docs-example" {
				if platform.KindOf(err) != platform.KindValidation || !strings.Contains(err.Error(), "state") {
					t.Fatalf("err = %v, want malformed: no state", err)
				}
				// It is still Shopify's signature: the verifier must accept it.
				raw, _ := url.ParseQuery(c.Query)
				if !oauth.VerifyHMACQuery(cases.Secret, raw) {
					t.Error("Shopify's documented example does not verify")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !oauth.VerifyHMACQuery(cases.Secret, q) {
				t.Error("recorded callback does not verify")
			}
		})
	}
}

// FuzzParseCallbackQuery: no input panics; whatever is accepted has each
// required parameter exactly once, a valid shop and a bounded size, and
// every refusal is a validation error.
func FuzzParseCallbackQuery(f *testing.F) {
	cases := loadCallbackCases(f)
	for _, c := range cases.Cases {
		f.Add(c.Query)
	}
	f.Add("code=x&hmac=" + strings.Repeat("0", 64) + "&shop=a.myshopify.com&state=s&timestamp=1&shop=b.myshopify.com")
	f.Add("%zz")
	f.Add("code=%00&hmac=&shop=&state=;&timestamp=-1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseCallbackQuery(raw)
		if err != nil {
			if platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("refusal of %q is %v, not a validation error", raw, err)
			}
			return
		}
		if len(raw) > MaxCallbackQuery {
			t.Fatalf("accepted %d bytes", len(raw))
		}
		for _, p := range callbackParams {
			if len(q[p]) != 1 {
				t.Fatalf("accepted %q with %d %s", raw, len(q[p]), p)
			}
		}
		if _, err := oauth.ValidateShop(q.Get("shop")); err != nil {
			t.Fatalf("accepted shop %q", q.Get("shop"))
		}
	})
}

// FuzzCallbackHandler: arbitrary queries through the whole handler never
// get a 5xx, never reach Shopify and never store anything (none of them
// carries a valid hmac).
func FuzzCallbackHandler(f *testing.F) {
	cases := loadCallbackCases(f)
	for _, c := range cases.Cases {
		f.Add(c.Query + "x")
	}
	f.Add("shop=a.myshopify.com")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err == nil && oauth.VerifyHMACQuery(testSecret, q) {
			t.Skip("a validly signed input")
		}
		states := newMemStates()
		conn := &connector{}
		app := testApp("http://127.0.0.1:1") // never called: a call would fail as 503
		h := NewCallbackHandler(quietLog(), &Callback{App: app, States: states, Tokens: conn})
		rec := httptestRecorder(h, "/auth/shopify/callback?"+raw)
		if rec >= 500 {
			t.Fatalf("query %q: status %d", raw, rec)
		}
		if len(conn.stored()) != 0 {
			t.Fatalf("query %q stored a connection", raw)
		}
	})
}
