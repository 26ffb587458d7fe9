package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
)

func testVerifier(t testing.TB, now time.Time) *SessionVerifier {
	t.Helper()
	v, err := NewSessionVerifier(testShopifyKey, testShopifySecret)
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return now }
	return v
}

func TestNewSessionVerifier(t *testing.T) {
	tests := []struct {
		key, secret string
		ok          bool
	}{
		{"k", "s", true},
		{"", "s", false},
		{"k", "", false},
		{" ", " ", false},
	}
	for _, tt := range tests {
		_, err := NewSessionVerifier(tt.key, tt.secret)
		if (err == nil) != tt.ok {
			t.Errorf("NewSessionVerifier(%q, %q) err = %v, want ok %v", tt.key, tt.secret, err, tt.ok)
		}
	}
}

func TestVerifyTestdataToken(t *testing.T) {
	ev := loadEvent(t, "request-shopify-session.json")
	token := strings.TrimPrefix(ev.Headers["Authorization"], "Bearer ")
	got, err := testVerifier(t, testNow).Verify(token)
	if err != nil {
		t.Fatal(err)
	}
	want := SessionToken{
		Shop: testShop, UserID: "42", SessionID: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
		ExpiresAt: time.Unix(testTokenIAT+60, 0).UTC(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token (-want +got):\n%s", diff)
	}
}

func TestVerify(t *testing.T) {
	for _, tt := range sessionTokenCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			got, err := testVerifier(t, tt.now).Verify(tt.token)
			if tt.ok {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got.Shop != testShop || got.UserID != "42" {
					t.Errorf("token = %+v", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify accepted the token: %+v", got)
			}
			if k := platform.KindOf(err); k != platform.KindUnauthenticated {
				t.Errorf("kind = %v, want unauthenticated", k)
			}
			if msg := platform.PublicMessage(err); msg != "invalid session token" && msg != "session token expired" {
				t.Errorf("public message = %q", msg)
			}
			if got != (SessionToken{}) {
				t.Errorf("a rejected token returned %+v", got)
			}
		})
	}
}

func TestVerifyMessages(t *testing.T) {
	token := signHS(t, jwt.SigningMethodHS256, testShopifySecret, sessionClaims(nil))
	tests := []struct {
		name string
		v    *SessionVerifier
		tok  string
		want string
	}{
		{"expired", testVerifier(t, testNow.Add(time.Hour)), token, "session token expired"},
		{"bad", testVerifier(t, testNow), token + "x", "invalid session token"},
		{"disabled", nil, token, "session tokens are not accepted"},
		{"oversized", testVerifier(t, testNow), strings.Repeat("a", MaxSessionTokenLength+1), "invalid session token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Verify(tt.tok)
			if got := platform.PublicMessage(err); got != tt.want {
				t.Errorf("message = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	token := signHS(t, jwt.SigningMethodHS256, testShopifySecret, sessionClaims(nil))
	v := testVerifier(t, testNow.Add(60*time.Second+25*time.Second))
	if _, err := v.Verify(token); err == nil {
		t.Fatal("accepted 25 s after exp with the default leeway")
	}
	v.Leeway = 30 * time.Second
	if _, err := v.Verify(token); err != nil {
		t.Fatalf("rejected within a 30 s leeway: %v", err)
	}
}

func TestSessionIdentity(t *testing.T) {
	dbDown := errors.New("dynamodb down")
	token := signHS(t, jwt.SigningMethodHS256, testShopifySecret, sessionClaims(nil))
	tests := []struct {
		name  string
		setup func(*fakeStore)
		token string
		want  Identity
		kind  platform.Kind
		isErr bool
	}{
		{"known shop", nil, token, idSession, 0, false},
		{"unknown shop", func(s *fakeStore) { delete(s.shops, testShop) }, token, Identity{}, platform.KindUnauthenticated, true},
		{"empty tenant", func(s *fakeStore) { s.shops[testShop] = "" }, token, Identity{}, platform.KindUnauthenticated, true},
		{"directory down", func(s *fakeStore) { s.shopErr = dbDown }, token, Identity{}, platform.KindInternal, true},
		{"bad token", nil, token + "x", Identity{}, platform.KindUnauthenticated, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFakeStore()
			s.shops[testShop] = "ten_a"
			if tt.setup != nil {
				tt.setup(s)
			}
			id, _, err := testVerifier(t, testNow).SessionIdentity(context.Background(), s, tt.token)
			if tt.isErr {
				if err == nil {
					t.Fatalf("no error; identity %+v", id)
				}
				if k := platform.KindOf(err); k != tt.kind {
					t.Errorf("kind = %v, want %v (%v)", k, tt.kind, err)
				}
				if tt.kind == platform.KindInternal && !errors.Is(err, dbDown) {
					t.Errorf("cause lost: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, id); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
	// The scopes are a copy: changing them does not change AllScopes.
	s := newFakeStore()
	s.shops[testShop] = "ten_a"
	id, _, err := testVerifier(t, testNow).SessionIdentity(context.Background(), s, token)
	if err != nil {
		t.Fatal(err)
	}
	id.Scopes[0] = "x"
	if AllScopes[0] == "x" {
		t.Fatal("SessionIdentity shares AllScopes")
	}
}

// signedWith reports whether token carries a valid HS256 signature by
// secret over its own header and payload, computed independently of the
// JWT library.
func signedWith(token, secret string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hb, &h) != nil || h.Alg != "HS256" {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(parts[0] + "." + parts[1]))
	return hmac.Equal(sig, m.Sum(nil))
}

func FuzzVerifySessionToken(f *testing.F) {
	for _, tt := range sessionTokenCases(f) {
		f.Add(tt.token)
	}
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0..")
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.")
	v := testVerifier(f, testNow)
	f.Fuzz(func(t *testing.T, token string) {
		got, err := v.Verify(token)
		if err != nil {
			if k := platform.KindOf(err); k != platform.KindUnauthenticated {
				t.Fatalf("kind = %v, want unauthenticated", k)
			}
			return
		}
		if !signedWith(token, testShopifySecret) {
			t.Fatalf("accepted a token not signed with the secret: %q", token)
		}
		if got.Shop == "" || got.UserID == "" {
			t.Fatalf("accepted token without shop or user: %+v", got)
		}
	})
}

// FuzzVerifyForgedClaims signs arbitrary claims with a wrong secret or a
// wrong algorithm: none may verify.
func FuzzVerifyForgedClaims(f *testing.F) {
	f.Add("https://"+testShop+"/admin", "https://"+testShop, testShopifyKey, "42", int64(60), "other-secret", uint8(0))
	f.Add("https://"+testShop+"/admin", "https://"+testShop, testShopifyKey, "42", int64(60), testShopifySecret, uint8(1))
	f.Add("https://"+testShop+"/admin", "https://"+testShop, testShopifyKey, "42", int64(60), testShopifySecret, uint8(2))
	v := testVerifier(f, testNow)
	f.Fuzz(func(t *testing.T, iss, dest, aud, sub string, life int64, secret string, alg uint8) {
		c := jwt.MapClaims{"iss": iss, "dest": dest, "aud": aud, "sub": sub,
			"nbf": testTokenIAT, "exp": testTokenIAT + life}
		var token string
		var err error
		switch alg % 3 {
		case 0:
			if secret == testShopifySecret || secret == "" {
				return
			}
			token, err = jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
		case 1:
			token, err = jwt.NewWithClaims(jwt.SigningMethodHS512, c).SignedString([]byte(testShopifySecret))
		case 2:
			token, err = jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
		}
		if err != nil {
			return
		}
		if got, err := v.Verify(token); err == nil {
			t.Fatalf("forged token verified: %+v", got)
		}
	})
}
