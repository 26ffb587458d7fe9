package auth

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
)

// Shopify session tokens are the HS256 JWTs App Bridge hands the embedded
// app in the Shopify admin (https://shopify.dev/docs/apps/build/authentication-authorization/session-tokens).
// Their payload looks like:
//
//	{"iss":"https://shop.myshopify.com/admin","dest":"https://shop.myshopify.com",
//	 "aud":"<app api key>","sub":"42","exp":1700000060,"nbf":1700000000,
//	 "iat":1700000000,"jti":"...","sid":"..."}
//
// They are signed with the app's API secret and live for one minute.

// DefaultSessionLeeway is the clock skew allowed on exp and nbf.
const DefaultSessionLeeway = 10 * time.Second

// MaxSessionTokenLength bounds what is handed to the JWT parser. Shopify's
// tokens are well under 1 KiB.
const MaxSessionTokenLength = 4096

// SessionToken is what a verified Shopify session token says.
type SessionToken struct {
	Shop      string    // the shop's *.myshopify.com domain, lower case
	UserID    string    // sub: the Shopify staff user
	SessionID string    // sid, when present
	ExpiresAt time.Time // exp
}

// SessionVerifier verifies Shopify session tokens of one app.
type SessionVerifier struct {
	apiKey string // the app's client id: the expected aud
	secret []byte // the app's API secret: the HS256 key
	// Leeway is the clock skew allowed on exp and nbf; zero means
	// DefaultSessionLeeway.
	Leeway time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewSessionVerifier makes a verifier for the app with this API key (client
// id) and API secret. Both are required.
func NewSessionVerifier(apiKey, apiSecret string) (*SessionVerifier, error) {
	apiKey, apiSecret = strings.TrimSpace(apiKey), strings.TrimSpace(apiSecret)
	if apiKey == "" || apiSecret == "" {
		return nil, errors.New("shopify session tokens need the app's API key and API secret")
	}
	return &SessionVerifier{apiKey: apiKey, secret: []byte(apiSecret)}, nil
}

// shopifyClaims is the payload of a session token.
type shopifyClaims struct {
	jwt.RegisteredClaims
	Dest string `json:"dest"`
	SID  string `json:"sid,omitempty"`
}

// errBadSession is the one safe message for a token that does not verify;
// the cause (kept as Err) is for logs only.
func errBadSession(cause error) error {
	return platform.Wrap(platform.KindUnauthenticated, "invalid session token", cause)
}

// Verify checks a session token's signature (HS256 with the app's secret,
// nothing else accepted), aud (the app's API key), iss and dest (the same
// valid *.myshopify.com shop), exp and nbf (both required, with leeway) and
// sub (required). Every failure is KindUnauthenticated.
func (v *SessionVerifier) Verify(token string) (SessionToken, error) {
	if v == nil {
		return SessionToken{}, platform.E(platform.KindUnauthenticated, "session tokens are not accepted")
	}
	if token == "" || len(token) > MaxSessionTokenLength {
		return SessionToken{}, errBadSession(errors.New("empty or oversized token"))
	}
	leeway := v.Leeway
	if leeway <= 0 {
		leeway = DefaultSessionLeeway
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithAudience(v.apiKey),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	)
	var claims shopifyClaims
	_, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		// WithValidMethods already restricts alg to HS256; check the
		// method's type as well so a library change cannot widen it.
		if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok || t.Method.Alg() != jwt.SigningMethodHS256.Alg() {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return v.secret, nil
	})
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return SessionToken{}, platform.Wrap(platform.KindUnauthenticated, "session token expired", err)
	default:
		return SessionToken{}, errBadSession(err)
	}

	destShop, ok := shopOf(claims.Dest, "")
	if !ok {
		return SessionToken{}, errBadSession(errors.New("dest is not a shop url"))
	}
	issShop, ok := shopOf(claims.Issuer, "/admin")
	if !ok {
		return SessionToken{}, errBadSession(errors.New("iss is not a shop admin url"))
	}
	// Not secret, but compare in constant time like everything else that
	// comes out of a credential.
	if !hmac.Equal([]byte(destShop), []byte(issShop)) {
		return SessionToken{}, errBadSession(errors.New("iss and dest name different shops"))
	}
	sub := strings.TrimSpace(claims.Subject)
	if sub == "" || len(sub) > 128 {
		return SessionToken{}, errBadSession(errors.New("sub is missing"))
	}
	return SessionToken{
		Shop:      destShop,
		UserID:    sub,
		SessionID: claims.SID,
		ExpiresAt: claims.ExpiresAt.Time.UTC(),
	}, nil
}

// shopOf reads "https://<shop>" + suffix, where shop must already be a
// normalized *.myshopify.com domain (lower case, no trailing slash, nothing
// around it): a signed token has no excuse for another spelling.
func shopOf(u, suffix string) (string, bool) {
	rest, ok := strings.CutPrefix(u, "https://")
	if !ok {
		return "", false
	}
	if rest, ok = strings.CutSuffix(rest, suffix); !ok {
		return "", false
	}
	shop, err := config.NormalizeShop(rest)
	if err != nil || shop != rest {
		return "", false
	}
	return shop, true
}

// SessionIdentity verifies a Shopify session token and resolves its shop to
// the tenant that installed the app. An unknown shop is KindUnauthenticated;
// any other directory failure is returned as it is (an internal error, not
// a denial).
//
// A session principal holds every scope: it is a staff member of the shop,
// signed in to the Shopify admin and using Flux's embedded app there, and
// Shopify has already decided that this user may use the app in this shop.
// Flux does not keep per-staff permissions of its own; restricting what a
// staff member can do is the shop's business, in the Shopify admin.
func (v *SessionVerifier) SessionIdentity(ctx context.Context, shops ShopDirectory, token string) (Identity, SessionToken, error) {
	tok, err := v.Verify(token)
	if err != nil {
		return Identity{}, SessionToken{}, err
	}
	if shops == nil {
		return Identity{}, tok, platform.E(platform.KindUnauthenticated, "session tokens are not accepted")
	}
	tenant, err := shops.TenantByShop(ctx, tok.Shop)
	switch {
	case err == nil && tenant != "":
	case err == nil || platform.KindOf(err) == platform.KindNotFound || platform.KindOf(err) == platform.KindValidation:
		return Identity{}, tok, platform.Wrap(platform.KindUnauthenticated, "shop is not connected to flux",
			fmt.Errorf("no tenant for shop %s: %w", tok.Shop, errOrMissing(err)))
	default:
		return Identity{}, tok, fmt.Errorf("find tenant of shop %s: %w", tok.Shop, err)
	}
	return Identity{
		TenantID:      tenant,
		Principal:     tok.UserID,
		PrincipalType: PrincipalShopifySession,
		Scopes:        slices.Clone(AllScopes),
	}, tok, nil
}

func errOrMissing(err error) error {
	if err != nil {
		return err
	}
	return errors.New("empty tenant id")
}
