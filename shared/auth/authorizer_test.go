package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
)

// Fixed credentials of testdata/ (see testdata/README.md).
const (
	key1 = "flx_aeea6fq5eqvteokai5hfkxddnjyxq74grwkjxivjwc335rom2pnaqlr5izi" // ten_a, active
	key2 = "flx_aierafy6euwdgosbjbhvmxlennzhtaehr2kzzi5kwg4l7rwn2tnqvi263my" // ten_a, revoked
	key3 = "flx_amfbcga7eywtio2cjfifoxtfnrzxvamir6lj3jflwk44br6o2xoauehinfi" // unknown
	key4 = "flx_aqfregjae4xdkpcdjjivqx3gnv2hxaujsclz5jnmwo5mdsgp23oqkmxap7i" // ten_b, active

	testShopifyKey    = "test-shopify-api-key"
	testShopifySecret = "test-shopify-api-secret"
	testShop          = "flux-demo.myshopify.com"
	testTokenIAT      = 1764000000
	testMethodArn     = "arn:aws:execute-api:eu-west-1:123456789012:k7x2m9q4ab/prod/POST/api/graphql"
	testStageArn      = "arn:aws:execute-api:eu-west-1:123456789012:k7x2m9q4ab/prod/*/*"
)

var testNow = time.Unix(testTokenIAT, 0).UTC()

type fixture struct {
	store *fakeStore
	auth  *Authorizer
	now   time.Time
	logs  *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: newFakeStore(), now: testNow, logs: &bytes.Buffer{}}
	revokedAt := testNow.Add(-time.Hour)
	f.store.put(key1, KeyRecord{ID: "key_A1", TenantID: "ten_a", Name: "ci", Prefix: KeyDisplayPrefix(key1),
		Scopes: []Scope{ScopeConfigRead, ScopeKeysAdmin}, CreatedAt: testNow.Add(-48 * time.Hour)})
	f.store.put(key2, KeyRecord{ID: "key_A2", TenantID: "ten_a", Name: "old", Prefix: KeyDisplayPrefix(key2),
		Scopes: []Scope{ScopeConfigRead}, CreatedAt: testNow.Add(-48 * time.Hour), RevokedAt: &revokedAt})
	f.store.put(key4, KeyRecord{ID: "key_B1", TenantID: "ten_b", Name: "b", Prefix: KeyDisplayPrefix(key4),
		Scopes: []Scope{ScopeConfigRead}, CreatedAt: testNow.Add(-48 * time.Hour)})
	f.store.shops[testShop] = "ten_a"
	sv, err := NewSessionVerifier(testShopifyKey, testShopifySecret)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return f.now }
	sv.Now = clock
	f.auth = &Authorizer{
		Keys: f.store, Shops: f.store, Session: sv, Now: clock, TouchInterval: 5 * time.Minute,
		Log: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	return f
}

func loadEvent(t testing.TB, name string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayCustomAuthorizerRequestTypeRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

// withHeader replaces every Authorization and x-api-key header of ev by one
// header name: value, in both header maps as API Gateway does.
func withHeader(ev events.APIGatewayCustomAuthorizerRequestTypeRequest, name, value string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	h := map[string]string{}
	m := map[string][]string{}
	for k, v := range ev.Headers {
		if !strings.EqualFold(k, "authorization") && !strings.EqualFold(k, "x-api-key") {
			h[k] = v
		}
	}
	for k, v := range ev.MultiValueHeaders {
		if !strings.EqualFold(k, "authorization") && !strings.EqualFold(k, "x-api-key") {
			m[k] = v
		}
	}
	h[name] = value
	m[name] = []string{value}
	ev.Headers, ev.MultiValueHeaders = h, m
	return ev
}

type result string

const (
	allowed  result = "allow"
	denied   result = "deny"
	internal result = "internal"
)

func outcome(t *testing.T, resp events.APIGatewayCustomAuthorizerResponse, err error) (result, Identity) {
	t.Helper()
	switch {
	case err == nil:
		return allowed, FromContext(resp.Context)
	case err.Error() == "Unauthorized":
		if !errors.Is(err, ErrUnauthorized) {
			t.Errorf("denial is not ErrUnauthorized")
		}
		return denied, Identity{}
	default:
		return internal, Identity{}
	}
}

var (
	idKey1 = Identity{TenantID: "ten_a", Principal: "key_A1", PrincipalType: PrincipalAPIKey,
		Scopes: []Scope{ScopeConfigRead, ScopeKeysAdmin}}
	idSession = Identity{TenantID: "ten_a", Principal: "42", PrincipalType: PrincipalShopifySession, Scopes: AllScopes}
)

func TestHandleEvents(t *testing.T) {
	tests := []struct {
		file    string
		want    result
		id      Identity
		lookups int
	}{
		{"request-bearer-key.json", allowed, idKey1, 1},
		{"request-x-api-key.json", allowed, idKey1, 1},
		{"request-lowercase-headers.json", allowed, idKey1, 1},
		{"request-uppercase-headers.json", allowed, idKey1, 1},
		{"request-shopify-session.json", allowed, idSession, 0},
		{"request-no-credentials.json", denied, Identity{}, 0},
		{"request-conflicting-credentials.json", denied, Identity{}, 0},
		{"request-two-authorization-headers.json", denied, Identity{}, 0},
		{"request-basic-auth.json", denied, Identity{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := newFixture(t)
			resp, err := f.auth.Handle(context.Background(), loadEvent(t, tt.file))
			got, id := outcome(t, resp, err)
			if got != tt.want {
				t.Fatalf("outcome = %s (%v), want %s", got, err, tt.want)
			}
			if diff := cmp.Diff(tt.id, id); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if f.store.lookups != tt.lookups {
				t.Errorf("key lookups = %d, want %d", f.store.lookups, tt.lookups)
			}
		})
	}
}

func TestHandleAPIKeys(t *testing.T) {
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	tests := []struct {
		name    string
		header  string
		value   string
		want    result
		id      Identity
		lookups int
	}{
		{"valid bearer", "Authorization", "Bearer " + key1, allowed, idKey1, 1},
		{"valid x-api-key", "x-api-key", key1, allowed, idKey1, 1},
		{"x-api-key upper case name", "X-API-KEY", key1, allowed, idKey1, 1},
		{"bearer lower case scheme", "authorization", "bearer " + key1, allowed, idKey1, 1},
		{"other tenant's key", "Authorization", "Bearer " + key4, allowed,
			Identity{TenantID: "ten_b", Principal: "key_B1", PrincipalType: PrincipalAPIKey, Scopes: []Scope{ScopeConfigRead}}, 1},
		{"malformed key: short", "Authorization", "Bearer flx_abc", denied, Identity{}, 0},
		{"malformed key: long", "Authorization", "Bearer " + key1 + "a", denied, Identity{}, 0},
		{"malformed key: upper case", "Authorization", "Bearer " + strings.ToUpper(key1[:4]) + key1[4:], denied, Identity{}, 0},
		{"bad checksum", "Authorization", "Bearer " + flip(key1, len(key1)-2), denied, Identity{}, 0},
		{"tampered body", "x-api-key", flip(key1, 10), denied, Identity{}, 0},
		{"unknown key", "Authorization", "Bearer " + key3, denied, Identity{}, 1},
		{"revoked key", "Authorization", "Bearer " + key2, denied, Identity{}, 1},
		{"empty bearer", "Authorization", "Bearer ", denied, Identity{}, 0},
		{"bearer without scheme", "Authorization", key1, denied, Identity{}, 0},
		{"garbage", "x-api-key", "hello", denied, Identity{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ev := withHeader(loadEvent(t, "request-bearer-key.json"), tt.header, tt.value)
			resp, err := f.auth.Handle(context.Background(), ev)
			got, id := outcome(t, resp, err)
			if got != tt.want {
				t.Fatalf("outcome = %s (%v), want %s", got, err, tt.want)
			}
			if diff := cmp.Diff(tt.id, id); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if f.store.lookups != tt.lookups {
				t.Errorf("key lookups = %d, want %d", f.store.lookups, tt.lookups)
			}
			wantTouches := 0
			if got == allowed {
				wantTouches = 1
			}
			if len(f.store.touches) != wantTouches {
				t.Errorf("touches = %d, want %d", len(f.store.touches), wantTouches)
			}
		})
	}
}

func TestHandleTouchesKey(t *testing.T) {
	f := newFixture(t)
	if _, err := f.auth.Handle(context.Background(), loadEvent(t, "request-bearer-key.json")); err != nil {
		t.Fatal(err)
	}
	want := []touchCall{{TenantID: "ten_a", KeyID: "key_A1", At: testNow, Interval: 5 * time.Minute}}
	if diff := cmp.Diff(want, f.store.touches); diff != "" {
		t.Errorf("touches (-want +got):\n%s", diff)
	}
}

// sessionClaims are the claims of a valid token at testNow; mod changes them.
func sessionClaims(mod func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss": "https://" + testShop + "/admin", "dest": "https://" + testShop,
		"aud": testShopifyKey, "sub": "42",
		"exp": testTokenIAT + 60, "nbf": testTokenIAT, "iat": testTokenIAT,
		"jti": "0c4d7a8e-1f2b-4c3d-9e8f-7a6b5c4d3e2f", "sid": "b2c3d4e5f60718293a4b5c6d7e8f90a1",
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func signHS(t testing.TB, method jwt.SigningMethod, secret string, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, c).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func unsignedToken(t testing.TB, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sessionTokenCases are the token variants both the authorizer and the
// verifier tests run.
func sessionTokenCases(t testing.TB) []struct {
	name  string
	token string
	now   time.Time
	ok    bool
} {
	valid := signHS(t, jwt.SigningMethodHS256, testShopifySecret, sessionClaims(nil))
	set := func(k string, v any) func(jwt.MapClaims) { return func(c jwt.MapClaims) { c[k] = v } }
	del := func(k string) func(jwt.MapClaims) { return func(c jwt.MapClaims) { delete(c, k) } }
	hs := func(mod func(jwt.MapClaims)) string {
		return signHS(t, jwt.SigningMethodHS256, testShopifySecret, sessionClaims(mod))
	}
	parts := strings.Split(valid, ".")
	return []struct {
		name  string
		token string
		now   time.Time
		ok    bool
	}{
		{"valid", valid, testNow, true},
		{"valid near expiry", valid, testNow.Add(59 * time.Second), true},
		{"expired within leeway", valid, testNow.Add(65 * time.Second), true},
		{"expired", valid, testNow.Add(71 * time.Second), false},
		{"not yet valid within leeway", valid, testNow.Add(-5 * time.Second), true},
		{"not yet valid", valid, testNow.Add(-11 * time.Second), false},
		{"aud as list", hs(set("aud", []string{testShopifyKey})), testNow, true},
		{"wrong aud", hs(set("aud", "another-app")), testNow, false},
		{"missing aud", hs(del("aud")), testNow, false},
		{"wrong signature", signHS(t, jwt.SigningMethodHS256, "another-secret", sessionClaims(nil)), testNow, false},
		{"signature of other payload", parts[0] + "." + strings.Split(hs(set("sub", "43")), ".")[1] + "." + parts[2], testNow, false},
		{"alg none", unsignedToken(t, sessionClaims(nil)), testNow, false},
		{"alg none with signature", strings.Split(unsignedToken(t, sessionClaims(nil)), ".")[0] + "." + parts[1] + "." + parts[2], testNow, false},
		{"alg HS512", signHS(t, jwt.SigningMethodHS512, testShopifySecret, sessionClaims(nil)), testNow, false},
		{"alg HS384", signHS(t, jwt.SigningMethodHS384, testShopifySecret, sessionClaims(nil)), testNow, false},
		{"iss dest mismatch", hs(set("iss", "https://other-shop.myshopify.com/admin")), testNow, false},
		{"iss without /admin", hs(set("iss", "https://"+testShop)), testNow, false},
		{"dest not myshopify", hs(func(c jwt.MapClaims) {
			c["dest"] = "https://evil.example.com"
			c["iss"] = "https://evil.example.com/admin"
		}), testNow, false},
		{"dest over http", hs(func(c jwt.MapClaims) {
			c["dest"] = "http://" + testShop
			c["iss"] = "http://" + testShop + "/admin"
		}), testNow, false},
		{"dest upper case", hs(func(c jwt.MapClaims) {
			c["dest"] = "https://FLUX-DEMO.myshopify.com"
			c["iss"] = "https://FLUX-DEMO.myshopify.com/admin"
		}), testNow, false},
		{"dest with path", hs(set("dest", "https://"+testShop+"/x")), testNow, false},
		{"missing dest", hs(del("dest")), testNow, false},
		{"missing sub", hs(del("sub")), testNow, false},
		{"missing exp", hs(del("exp")), testNow, false},
		{"missing nbf", hs(del("nbf")), testNow, false},
		{"exp not a number", hs(set("exp", "tomorrow")), testNow, false},
		{"two parts", parts[0] + "." + parts[1], testNow, false},
		{"padding in signature", valid + "=", testNow, false},
		{"garbage", "a.b.c", testNow, false},
	}
}

func TestHandleSessionTokens(t *testing.T) {
	cases := sessionTokenCases(t)
	cases = append(cases, struct {
		name  string
		token string
		now   time.Time
		ok    bool
	}{"unknown shop", signHS(t, jwt.SigningMethodHS256, testShopifySecret, sessionClaims(func(c jwt.MapClaims) {
		c["dest"] = "https://stranger.myshopify.com"
		c["iss"] = "https://stranger.myshopify.com/admin"
	})), testNow, false})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.now = tt.now
			ev := withHeader(loadEvent(t, "request-shopify-session.json"), "Authorization", "Bearer "+tt.token)
			resp, err := f.auth.Handle(context.Background(), ev)
			got, id := outcome(t, resp, err)
			want := denied
			var wantID Identity
			if tt.ok {
				want, wantID = allowed, idSession
			}
			if got != want {
				t.Fatalf("outcome = %s (%v), want %s", got, err, want)
			}
			if diff := cmp.Diff(wantID, id); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if f.store.lookups != 0 {
				t.Errorf("a session token caused %d key lookups", f.store.lookups)
			}
		})
	}
}

func TestHandleSessionTokensDisabled(t *testing.T) {
	f := newFixture(t)
	f.auth.Session = nil
	resp, err := f.auth.Handle(context.Background(), loadEvent(t, "request-shopify-session.json"))
	if got, _ := outcome(t, resp, err); got != denied {
		t.Fatalf("outcome = %s (%v), want deny", got, err)
	}
}

func TestHandleInternalFailures(t *testing.T) {
	dbDown := errors.New("operation error DynamoDB: GetItem, dial tcp 10.0.0.1:443: connection refused")
	tests := []struct {
		name  string
		file  string
		setup func(*fakeStore)
		want  result
	}{
		{"key lookup fails", "request-bearer-key.json", func(s *fakeStore) { s.lookupErr = dbDown }, internal},
		{"key lookup throttled", "request-x-api-key.json", func(s *fakeStore) {
			s.lookupErr = platform.Wrap(platform.KindUnavailable, "table unavailable", dbDown)
		}, internal},
		{"shop lookup fails", "request-shopify-session.json", func(s *fakeStore) { s.shopErr = dbDown }, internal},
		// Recording use is best effort.
		{"touch fails", "request-bearer-key.json", func(s *fakeStore) { s.touchErr = dbDown }, allowed},
		// A malformed key never reaches the failing table.
		{"malformed key with table down", "request-basic-auth.json", func(s *fakeStore) { s.lookupErr = dbDown }, denied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.setup(f.store)
			resp, err := f.auth.Handle(context.Background(), loadEvent(t, tt.file))
			got, _ := outcome(t, resp, err)
			if got != tt.want {
				t.Fatalf("outcome = %s (%v), want %s", got, err, tt.want)
			}
			if got == internal {
				if strings.Contains(err.Error(), "10.0.0.1") {
					t.Errorf("error returned to API Gateway carries internal detail: %v", err)
				}
				if n := strings.Count(f.logs.String(), `"level":"ERROR"`); n != 1 {
					t.Errorf("logged %d errors, want exactly 1:\n%s", n, f.logs)
				}
			}
		})
	}
}

func TestAllowResponse(t *testing.T) {
	f := newFixture(t)
	resp, err := f.auth.Handle(context.Background(), loadEvent(t, "request-bearer-key.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "key_A1",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{testStageArn},
			}},
		},
		Context: map[string]any{
			"tenantId":      "ten_a",
			"principal":     "key_A1",
			"principalType": "api_key",
			"scopes":        "config:read keys:admin",
		},
	}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
	// API Gateway accepts only string, number and boolean context values.
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var wire struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		t.Fatal(err)
	}
	for k, v := range wire.Context {
		switch v.(type) {
		case string, float64, bool:
		default:
			t.Errorf("context[%q] is %T; API Gateway rejects it", k, v)
		}
	}
}

func TestSessionContext(t *testing.T) {
	f := newFixture(t)
	resp, err := f.auth.Handle(context.Background(), loadEvent(t, "request-shopify-session.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"tenantId":      "ten_a",
		"principal":     "42",
		"principalType": "shopify_session",
		"scopes":        JoinScopes(AllScopes),
	}
	if diff := cmp.Diff(want, resp.Context); diff != "" {
		t.Errorf("context (-want +got):\n%s", diff)
	}
	if resp.PrincipalID != "42" {
		t.Errorf("principalId = %q", resp.PrincipalID)
	}
}

// TestLogsHoldNoSecrets runs every kind of request and checks that no
// secret or token reaches the logs, while the key prefix may.
func TestLogsHoldNoSecrets(t *testing.T) {
	f := newFixture(t)
	f.store.touchErr = errors.New("throttled")
	files := []string{"request-bearer-key.json", "request-x-api-key.json", "request-shopify-session.json",
		"request-conflicting-credentials.json", "request-two-authorization-headers.json", "request-basic-auth.json"}
	for _, file := range files {
		_, _ = f.auth.Handle(context.Background(), loadEvent(t, file))
	}
	for _, tok := range []string{key2, key3, key1[:len(key1)-1] + "a", "flx_abc"} {
		_, _ = f.auth.Handle(context.Background(), withHeader(loadEvent(t, "request-bearer-key.json"), "Authorization", "Bearer "+tok))
	}
	f.now = testNow.Add(time.Hour) // expired session token
	_, _ = f.auth.Handle(context.Background(), loadEvent(t, "request-shopify-session.json"))
	logs := f.logs.String()
	jwtParts := strings.Split(loadEvent(t, "request-shopify-session.json").Headers["Authorization"], ".")
	for _, secret := range []string{key1[12:], key2[12:], key3[12:], key4[12:], jwtParts[1], jwtParts[2], "dXNlcjpwYXNzd29yZA"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain a secret %q...:\n%s", secret[:8], logs)
		}
	}
	if !strings.Contains(logs, KeyDisplayPrefix(key2)) {
		t.Errorf("logs do not name the revoked key's prefix:\n%s", logs)
	}
}

func TestCredentialFrom(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		multi   map[string][]string
		want    string
		ok      bool
	}{
		{"none", nil, nil, "", false},
		{"unrelated headers", map[string]string{"Accept": "*/*"}, nil, "", false},
		{"bearer", map[string]string{"Authorization": "Bearer abc"}, nil, "abc", true},
		{"bearer lower case", map[string]string{"authorization": "bearer abc"}, nil, "abc", true},
		{"bearer upper case", map[string]string{"AUTHORIZATION": "BEARER abc"}, nil, "abc", true},
		{"bearer extra spaces", map[string]string{"Authorization": "  Bearer   abc  "}, nil, "abc", true},
		{"x-api-key", map[string]string{"x-api-key": "abc"}, nil, "abc", true},
		{"X-Api-Key", map[string]string{"X-Api-Key": " abc "}, nil, "abc", true},
		{"multi only", nil, map[string][]string{"authorization": {"Bearer abc"}}, "abc", true},
		{"both maps agree", map[string]string{"Authorization": "Bearer abc"}, map[string][]string{"Authorization": {"Bearer abc"}}, "abc", true},
		{"bearer and x-api-key agree", map[string]string{"Authorization": "Bearer abc", "x-api-key": "abc"}, nil, "abc", true},
		{"bearer and x-api-key differ", map[string]string{"Authorization": "Bearer abc", "x-api-key": "abd"}, nil, "", false},
		{"two authorization values differ", map[string]string{"Authorization": "Bearer abc"},
			map[string][]string{"Authorization": {"Bearer xyz", "Bearer abc"}}, "", false},
		{"name spelled twice", map[string]string{"Authorization": "Bearer abc", "authorization": "Bearer xyz"}, nil, "", false},
		{"basic", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, nil, "", false},
		{"basic next to x-api-key", map[string]string{"Authorization": "Basic dXNlcjpwYXNz", "x-api-key": "abc"}, nil, "", false},
		{"scheme only", map[string]string{"Authorization": "Bearer"}, nil, "", false},
		{"empty bearer", map[string]string{"Authorization": "Bearer  "}, nil, "", false},
		{"empty x-api-key", map[string]string{"x-api-key": ""}, nil, "", false},
		{"token with space", map[string]string{"Authorization": "Bearer abc def"}, nil, "", false},
		{"token with tab", map[string]string{"x-api-key": "abc\tdef"}, nil, "", false},
		{"token with newline", map[string]string{"x-api-key": "abc\ndef"}, nil, "", false},
		{"non-ascii token", map[string]string{"x-api-key": "abcé"}, nil, "", false},
		{"oversized", map[string]string{"x-api-key": strings.Repeat("a", MaxCredentialLength+1)}, nil, "", false},
		{"max size", map[string]string{"x-api-key": strings.Repeat("a", MaxCredentialLength)}, nil, strings.Repeat("a", MaxCredentialLength), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := CredentialFrom(tt.headers, tt.multi)
			if got != tt.want || ok != tt.ok {
				t.Errorf("CredentialFrom = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestStageWildcardArn(t *testing.T) {
	tests := []struct{ in, want string }{
		{testMethodArn, testStageArn},
		{"arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/GET/request", "arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/*/*"},
		{"arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/", "arn:aws:execute-api:us-east-1:123456789012:abc/prod/*/*"},
		{"arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/GET/a/b/c", "arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/*/*"},
		{"arn:aws:execute-api:us-east-1:123456789012:abc", "arn:aws:execute-api:us-east-1:123456789012:abc"},
		{"arn:aws:lambda:us-east-1:123456789012:function:x", "arn:aws:lambda:us-east-1:123456789012:function:x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := StageWildcardArn(tt.in); got != tt.want {
			t.Errorf("StageWildcardArn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCredentialFrom(f *testing.F) {
	f.Add("Authorization", "Bearer "+key1, "x-api-key", key1)
	f.Add("authorization", "bearer a.b.c", "Accept", "*/*")
	f.Add("AUTHORIZATION", "Basic dXNlcjpwYXNz", "X-API-KEY", key4)
	f.Add("x-api-key", " \t", "authorization", "Bearer\x00x")
	f.Add("Authorization", "Bearer", "Authorization", "Bearer  x y")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		headers := map[string]string{n1: v1}
		multi := map[string][]string{n2: {v2}, n1: {v1}}
		cred, ok := CredentialFrom(headers, multi)
		if !ok {
			if cred != "" {
				t.Fatalf("no credential but %q", cred)
			}
			return
		}
		if !validCredential(cred) {
			t.Fatalf("credential %q is not valid", cred)
		}
		if !strings.Contains(v1, cred) && !strings.Contains(v2, cred) {
			t.Fatalf("credential %q comes from no header", cred)
		}
		for _, p := range []struct{ n, v string }{{n1, v1}, {n2, v2}} {
			if !strings.EqualFold(p.n, "authorization") && !strings.EqualFold(p.n, "x-api-key") {
				continue
			}
			if !strings.Contains(p.v, cred) {
				t.Fatalf("credential %q disagrees with %s: %q", cred, p.n, p.v)
			}
		}
	})
}

func TestHandleTouchesOncePerInterval(t *testing.T) {
	f := newFixture(t)
	ev := loadEvent(t, "request-bearer-key.json")
	steps := []struct {
		at       time.Duration // after testNow
		touchErr error
		touches  int // total TouchKey calls after this request
	}{
		{0, nil, 1},
		{time.Minute, nil, 1},     // within the 5 min interval: no write
		{5 * time.Minute, nil, 2}, // interval elapsed
		{6 * time.Minute, nil, 2},
		{11 * time.Minute, errors.New("throttled"), 3}, // failed write...
		{11*time.Minute + time.Second, nil, 4},         // ...is retried
		{12 * time.Minute, nil, 4},
	}
	for i, st := range steps {
		f.now = testNow.Add(st.at)
		f.store.touchErr = st.touchErr
		if _, err := f.auth.Handle(context.Background(), ev); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if len(f.store.touches) != st.touches {
			t.Fatalf("step %d: touches = %d, want %d", i, len(f.store.touches), st.touches)
		}
	}
	if got := f.store.lookups; got != len(steps) {
		t.Errorf("lookups = %d, want one per request (%d): revocation must be seen at once", got, len(steps))
	}
}
