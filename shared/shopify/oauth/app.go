package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// App is Flux's Shopify app: its credentials and where Shopify sends the
// merchant back.
type App struct {
	APIKey    string // the client id
	APISecret string // the client secret: signs hmac and webhooks, sent only to the token endpoint
	Scopes    shopify.AuthScopes
	// RedirectURL is the OAuth callback (https://<api>/auth/shopify/callback).
	RedirectURL string
	// BaseURL maps a shop to its origin; nil means "https://<shop>". The
	// local stack points it at the Shopify emulator.
	BaseURL func(shop string) string
	// HTTPClient calls the token endpoint; nil means a 15 s timeout client.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *App) origin(shop string) string {
	if a.BaseURL != nil {
		return strings.TrimSuffix(a.BaseURL(shop), "/")
	}
	return "https://" + shop
}

func (a *App) check() error {
	if a.APIKey == "" || a.APISecret == "" {
		return platform.E(platform.KindInternal, "the Shopify app is not configured")
	}
	return nil
}

// AuthorizeURL is where the merchant approves the install: the shop's
// /admin/oauth/authorize with the app's client id, scopes, redirect and the
// state nonce; online adds grant_options[]=per-user.
func (a *App) AuthorizeURL(shop, state string, online bool) (string, error) {
	if err := a.check(); err != nil {
		return "", err
	}
	shop, err := ValidateShop(shop)
	if err != nil {
		return "", err
	}
	if state == "" || a.RedirectURL == "" {
		return "", platform.E(platform.KindInternal, "an authorize URL needs a state and a redirect URL")
	}
	q := url.Values{
		"client_id":    {a.APIKey},
		"scope":        {a.Scopes.String()},
		"redirect_uri": {a.RedirectURL},
		"state":        {state},
	}
	if online {
		q.Set("grant_options[]", "per-user")
	}
	return a.origin(shop) + "/admin/oauth/authorize?" + q.Encode(), nil
}

// Callback is a verified OAuth callback.
type Callback struct {
	Shop  string
	Code  string
	State State
}

// VerifyCallback checks Shopify's redirect to RedirectURL, in the order that
// spends nothing on a forgery: the shop domain, the hmac, the timestamp (within
// DefaultTimestampTolerance), then the one-time state nonce (consumed). Every
// failure is KindValidation with a message safe to show the merchant.
func (a *App) VerifyCallback(ctx context.Context, q url.Values, states StateStore) (Callback, error) {
	if err := a.check(); err != nil {
		return Callback{}, err
	}
	shop, err := ValidateShop(q.Get("shop"))
	if err != nil {
		return Callback{}, err
	}
	if !VerifyHMACQuery(a.APISecret, q) {
		return Callback{}, platform.E(platform.KindValidation, "the request did not come from Shopify (bad hmac)")
	}
	if err := CheckTimestamp(q, a.now(), DefaultTimestampTolerance); err != nil {
		return Callback{}, err
	}
	code := q.Get("code")
	if code == "" {
		return Callback{}, platform.E(platform.KindValidation, "the request from Shopify has no authorization code")
	}
	st, err := ConsumeState(ctx, states, q.Get("state"), shop, a.now())
	if err != nil {
		return Callback{}, err
	}
	return Callback{Shop: shop, Code: code, State: st}, nil
}

// Token types of the token-exchange grant.
const (
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeIDToken       = "urn:ietf:params:oauth:token-type:id_token"
	TokenTypeOfflineAccess = "urn:shopify:params:oauth:token-type:offline-access-token"
	TokenTypeOnlineAccess  = "urn:shopify:params:oauth:token-type:online-access-token"
	GrantRefreshToken      = "refresh_token"
)

// ExchangeCode trades a callback's authorization code for a token
// (POST /admin/oauth/access_token). expiring asks for an expiring offline
// token with a refresh token (Shopify requires them of public apps from
// 2027-01-01). The session's State is the callback's nonce.
func (a *App) ExchangeCode(ctx context.Context, cb Callback, expiring bool) (shopify.Session, error) {
	body := map[string]string{"client_id": a.APIKey, "client_secret": a.APISecret, "code": cb.Code}
	if expiring {
		body["expiring"] = "1"
	}
	s, err := a.token(ctx, cb.Shop, body, codeRejected)
	if err != nil {
		return shopify.Session{}, err
	}
	s.State = cb.State.Nonce
	return s, nil
}

// TokenExchange trades an embedded-app session token (the App Bridge id
// token, which the caller has verified with auth.SessionVerifier) for an
// access token: offline unless online, expiring when asked.
func (a *App) TokenExchange(ctx context.Context, shop, sessionToken string, online, expiring bool) (shopify.Session, error) {
	requested := TokenTypeOfflineAccess
	if online {
		requested = TokenTypeOnlineAccess
	}
	exp := "0"
	if expiring {
		exp = "1"
	}
	return a.token(ctx, shop, map[string]string{
		"client_id":            a.APIKey,
		"client_secret":        a.APISecret,
		"grant_type":           GrantTokenExchange,
		"subject_token":        sessionToken,
		"subject_token_type":   TokenTypeIDToken,
		"requested_token_type": requested,
		"expiring":             exp,
	}, sessionTokenRejected)
}

// Refresh trades an expiring offline token's refresh token for a new access
// token and refresh token; store both (Shopify rotates the refresh token).
func (a *App) Refresh(ctx context.Context, shop, refreshToken string) (shopify.Session, error) {
	if refreshToken == "" {
		return shopify.Session{}, refreshRejected(shop, errors.New("no refresh token"))
	}
	return a.token(ctx, shop, map[string]string{
		"client_id":     a.APIKey,
		"client_secret": a.APISecret,
		"grant_type":    GrantRefreshToken,
		"refresh_token": refreshToken,
	}, refreshRejected)
}

func codeRejected(shop string, cause error) error {
	return platform.Wrap(platform.KindValidation, "Shopify did not accept the authorization for "+shop+"; start the install again", cause)
}

func sessionTokenRejected(shop string, cause error) error {
	return platform.Wrap(platform.KindUnauthenticated, "Shopify did not accept the session token for "+shop, cause)
}

// refreshRejected puts shopify.ErrTokenRejected in the chain: the store must
// be reconnected by the merchant.
func refreshRejected(shop string, cause error) error {
	return platform.Wrap(platform.KindForbidden, "Shopify did not accept Flux's refresh token for "+shop+"; the store must be reconnected",
		errors.Join(shopify.ErrTokenRejected, cause))
}
