// Package shoptokens holds the Shopify credentials of connected shops:
// it seals tokens before they are stored (shared/secrets), opens them for
// the functions that call Shopify, and refreshes expiring offline tokens
// before they expire, one refresh per shop at a time.
//
// Resolver groups declare what they need as
//
//	AccessToken(ctx context.Context, tenantID, shop string) (string, error)
//
// which *Service implements. Tokens never appear in errors or logs.
package shoptokens

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/store"
)

// Store is the storage of shop connections; *store.Store implements it.
type Store interface {
	ShopConnection(ctx context.Context, tenantID, shop string) (store.ShopConnection, error)
	ConnectShop(ctx context.Context, tenantID, shop string, t store.ShopTokens, now time.Time) (store.ShopConnection, error)
	ClaimShopTokenRefresh(ctx context.Context, tenantID, shop string, version int64, now, until time.Time) error
	ReleaseShopTokenRefresh(ctx context.Context, tenantID, shop string, version int64) error
	UpdateShopTokens(ctx context.Context, tenantID, shop string, expected int64, t store.ShopTokens, now time.Time) (store.ShopConnection, error)
}

var _ Store = (*store.Store)(nil)

// TokenEndpoint is Shopify's token endpoint; *oauth.App implements it.
type TokenEndpoint interface {
	Refresh(ctx context.Context, shop, refreshToken string) (shopify.Session, error)
	TokenExchange(ctx context.Context, shop, sessionToken string, online, expiring bool) (shopify.Session, error)
}

var _ TokenEndpoint = (*oauth.App)(nil)

// Defaults of Options.
const (
	// DefaultRefreshMargin: Shopify advises refreshing a few minutes before
	// the hour is up, so a call started now does not carry a token that
	// expires in flight.
	DefaultRefreshMargin = 5 * time.Minute
	// DefaultLeaseTTL bounds how long a dead refresher blocks the others.
	DefaultLeaseTTL = 30 * time.Second
	// DefaultRefreshWait is how long a caller waits for another process's
	// refresh when the token it holds has already expired.
	DefaultRefreshWait = 5 * time.Second
)

// Options tune a Service; zero values mean the defaults.
type Options struct {
	RefreshMargin time.Duration
	LeaseTTL      time.Duration
	RefreshWait   time.Duration
	Now           func() time.Time
	Log           *slog.Logger
}

// Service is the token service. It is safe for concurrent use and meant to
// be built once per cold start: it keeps opened access tokens in memory by
// connection version, so a warm function reads the item (one GetItem, which
// also sees an uninstall or a reinstall at once) but calls KMS only when
// the token changed.
type Service struct {
	store    Store
	sealer   secrets.Sealer
	endpoint TokenEndpoint
	opts     Options

	mu    sync.Mutex
	cache map[cacheKey]cachedToken
}

type cacheKey struct{ tenant, shop string }

type cachedToken struct {
	version int64
	token   string
}

// New builds a Service. endpoint may be nil for a function that only reads
// non-expiring tokens (refresh and token exchange then fail as internal
// errors).
func New(st Store, sealer secrets.Sealer, endpoint TokenEndpoint, opts Options) *Service {
	if opts.RefreshMargin <= 0 {
		opts.RefreshMargin = DefaultRefreshMargin
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.RefreshWait <= 0 {
		opts.RefreshWait = DefaultRefreshWait
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Service{store: st, sealer: sealer, endpoint: endpoint, opts: opts, cache: map[cacheKey]cachedToken{}}
}

// Token field names in the AAD: an access token blob cannot be passed off
// as the refresh token or the other way round.
const (
	fieldAccess  = "access"
	fieldRefresh = "refresh"
)

// AAD is what a token of tenantID's connection of shop is sealed to.
func AAD(tenantID, shop, field string) []byte {
	return secrets.AAD("tenant", tenantID, "shop", shop, "token", field)
}

func (s *Service) seal(ctx context.Context, tenantID, shop, field, token string) ([]byte, error) {
	if token == "" {
		return nil, nil
	}
	sealed, err := s.sealer.Seal(ctx, []byte(token), AAD(tenantID, shop, field))
	if err != nil {
		return nil, fmt.Errorf("seal %s token of %s: %w", field, shop, err)
	}
	b, err := sealed.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("seal %s token of %s: %w", field, shop, err)
	}
	return b, nil
}

func (s *Service) open(ctx context.Context, tenantID, shop, field string, blob []byte) (string, error) {
	sealed, err := secrets.Parse(blob)
	if err == nil {
		var pt []byte
		if pt, err = s.sealer.Open(ctx, sealed, AAD(tenantID, shop, field)); err == nil {
			return string(pt), nil
		}
	}
	if platform.KindOf(err) == platform.KindUnavailable {
		return "", fmt.Errorf("open %s token of %s: %w", field, shop, err)
	}
	// A blob that does not open here is an integrity problem (moved,
	// corrupted, another key): loud in the logs, opaque to the client.
	return "", platform.Wrap(platform.KindInternal, "stored Shopify credentials of "+shop+" cannot be read",
		fmt.Errorf("open %s token of %s for %s: %w", field, shop, tenantID, err))
}

// tokens seals a session's tokens into what the store keeps.
func (s *Service) tokens(ctx context.Context, tenantID string, sess shopify.Session) (store.ShopTokens, error) {
	access, err := s.seal(ctx, tenantID, sess.Shop, fieldAccess, sess.AccessToken)
	if err != nil {
		return store.ShopTokens{}, err
	}
	refresh, err := s.seal(ctx, tenantID, sess.Shop, fieldRefresh, sess.RefreshToken)
	if err != nil {
		return store.ShopTokens{}, err
	}
	return store.ShopTokens{
		AccessToken: access, RefreshToken: refresh, Scopes: sess.Scope,
		AccessTokenExpiresAt: sess.Expires, RefreshTokenExpiresAt: sess.RefreshTokenExpires,
	}, nil
}

// Connect seals and stores an offline session's tokens as the tenant's
// connection of sess.Shop (after an install or a token exchange). The shop
// must be in the tenant's store group (KindNotFound otherwise).
func (s *Service) Connect(ctx context.Context, tenantID string, sess shopify.Session) (store.ShopConnection, error) {
	if sess.IsOnline {
		// Online tokens belong to one staff user and die with their
		// session: Flux's background work needs the shop's offline token.
		return store.ShopConnection{}, platform.E(platform.KindInternal, "an online session cannot be stored as a shop connection")
	}
	if sess.AccessToken == "" {
		return store.ShopConnection{}, platform.E(platform.KindInternal, "no access token to store")
	}
	t, err := s.tokens(ctx, tenantID, sess)
	if err != nil {
		return store.ShopConnection{}, err
	}
	c, err := s.store.ConnectShop(ctx, tenantID, sess.Shop, t, s.opts.Now())
	if err != nil {
		return store.ShopConnection{}, err
	}
	s.remember(tenantID, sess.Shop, c.Version, sess.AccessToken)
	return c, nil
}

// ExchangeSessionToken trades an embedded-app session token (the App
// Bridge id token of a staff user in the Shopify admin) for the shop's
// expiring offline token and stores it as the tenant's connection. The
// caller has verified the session token and derived tenantID from its
// shop; Shopify verifies it again. Returns the stored session.
func (s *Service) ExchangeSessionToken(ctx context.Context, tenantID, shop, idToken string) (shopify.Session, error) {
	shop, err := oauth.ValidateShop(shop)
	if err != nil {
		return shopify.Session{}, err
	}
	if idToken == "" {
		return shopify.Session{}, platform.E(platform.KindUnauthenticated, "a Shopify session token is required")
	}
	if s.endpoint == nil {
		return shopify.Session{}, platform.E(platform.KindInternal, "token exchange is not configured here")
	}
	sess, err := s.endpoint.TokenExchange(ctx, shop, idToken, false, true)
	if err != nil {
		return shopify.Session{}, fmt.Errorf("token exchange for %s: %w", shop, err)
	}
	if sess.Shop != shop {
		return shopify.Session{}, platform.Wrap(platform.KindInternal, "token exchange answered for another shop", fmt.Errorf("asked %s, got %s", shop, sess.Shop))
	}
	if _, err := s.Connect(ctx, tenantID, sess); err != nil {
		return shopify.Session{}, err
	}
	return sess, nil
}

// AccessToken is the shop's current Admin API access token for the
// tenant, refreshed first when it expires within the refresh margin.
// A shop never connected is KindNotFound "store <shop> is not connected";
// an uninstalled one the same kind, saying so.
func (s *Service) AccessToken(ctx context.Context, tenantID, shop string) (string, error) {
	sess, err := s.Session(ctx, tenantID, shop)
	if err != nil {
		return "", err
	}
	return sess.AccessToken, nil
}

// Session is AccessToken as an offline shopify.Session (scope and expiry
// included, no refresh token), for shopify.New.
func (s *Service) Session(ctx context.Context, tenantID, shop string) (shopify.Session, error) {
	shop, err := oauth.ValidateShop(shop)
	if err != nil {
		return shopify.Session{}, err
	}
	deadline := s.opts.Now().Add(s.opts.RefreshWait)
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		c, err := s.connection(ctx, tenantID, shop)
		if err != nil {
			return shopify.Session{}, err
		}
		now := s.opts.Now()
		if !s.expiring(c, now) {
			return s.session(ctx, c)
		}
		sess, retry, err := s.refresh(ctx, c, now)
		if !retry {
			return sess, err
		}
		if !s.opts.Now().Add(wait).Before(deadline) {
			return shopify.Session{}, platform.Wrap(platform.KindUnavailable,
				"the Shopify token of "+shop+" is being refreshed; try again in a moment", errors.New("waited for another process's refresh"))
		}
		select {
		case <-ctx.Done():
			return shopify.Session{}, fmt.Errorf("wait for the token refresh of %s: %w", shop, ctx.Err())
		case <-time.After(wait):
		}
	}
}

func (s *Service) connection(ctx context.Context, tenantID, shop string) (store.ShopConnection, error) {
	c, err := s.store.ShopConnection(ctx, tenantID, shop)
	if err != nil {
		if platform.KindOf(err) == platform.KindNotFound {
			return store.ShopConnection{}, platform.Wrap(platform.KindNotFound, "store "+shop+" is not connected", err)
		}
		return store.ShopConnection{}, err
	}
	if c.Status != store.ConnectionActive {
		s.forget(tenantID, shop)
		return store.ShopConnection{}, platform.E(platform.KindNotFound,
			"store "+shop+" is not connected: the Flux app was uninstalled from it; install it again")
	}
	return c, nil
}

// expiring: the access token expires within the margin.
func (s *Service) expiring(c store.ShopConnection, now time.Time) bool {
	exp := c.Tokens.AccessTokenExpiresAt
	return exp != nil && !now.Add(s.opts.RefreshMargin).Before(*exp)
}

// usable: the access token has not expired yet (it can still serve a call
// while the refresh is someone else's job or failed).
func usable(c store.ShopConnection, now time.Time) bool {
	exp := c.Tokens.AccessTokenExpiresAt
	return exp == nil || now.Before(*exp)
}

func (s *Service) session(ctx context.Context, c store.ShopConnection) (shopify.Session, error) {
	tok, ok := s.recall(c.TenantID, c.Shop, c.Version)
	if !ok {
		var err error
		if tok, err = s.open(ctx, c.TenantID, c.Shop, fieldAccess, c.Tokens.AccessToken); err != nil {
			return shopify.Session{}, err
		}
		s.remember(c.TenantID, c.Shop, c.Version, tok)
	}
	return shopify.Session{
		ID: shopify.OfflineSessionID(c.Shop), Shop: c.Shop, Scope: c.Tokens.Scopes,
		Expires: c.Tokens.AccessTokenExpiresAt, AccessToken: tok,
	}, nil
}

func errReconnect(shop string, cause error) error {
	return platform.Wrap(platform.KindForbidden,
		"the Shopify access token of "+shop+" has expired and cannot be refreshed; reconnect the store",
		errors.Join(shopify.ErrTokenRejected, cause))
}

// refresh renews c's token if this process wins the refresh lease. retry
// means another process is refreshing (or just did) and the caller should
// read the connection again.
func (s *Service) refresh(ctx context.Context, c store.ShopConnection, now time.Time) (_ shopify.Session, retry bool, _ error) {
	// Use what we have while it lasts rather than fail a call.
	fallback := func(cause error) (shopify.Session, bool, error) {
		if usable(c, now) {
			s.opts.Log.WarnContext(ctx, "shopify token refresh failed; using the current token until it expires",
				"shop", c.Shop, "tenant", c.TenantID, "error", cause.Error())
			sess, err := s.session(ctx, c)
			return sess, false, err
		}
		return shopify.Session{}, false, cause
	}
	rtExp := c.Tokens.RefreshTokenExpiresAt
	if len(c.Tokens.RefreshToken) == 0 || (rtExp != nil && !now.Before(*rtExp)) {
		return fallback(errReconnect(c.Shop, errors.New("no valid refresh token")))
	}
	if s.endpoint == nil {
		return fallback(platform.E(platform.KindInternal, "token refresh is not configured here"))
	}
	if c.RefreshLeaseUntil != nil && now.Before(*c.RefreshLeaseUntil) {
		if usable(c, now) {
			sess, err := s.session(ctx, c)
			return sess, false, err
		}
		return shopify.Session{}, true, nil
	}
	if err := s.store.ClaimShopTokenRefresh(ctx, c.TenantID, c.Shop, c.Version, now, now.Add(s.opts.LeaseTTL)); err != nil {
		if platform.KindOf(err) == platform.KindConflict {
			return shopify.Session{}, true, nil // someone else took it, or the connection changed
		}
		return fallback(err)
	}
	sess, err := s.renew(ctx, c)
	if err != nil {
		// Context.WithoutCancel: the lease must go even if the caller gave up.
		if rerr := s.store.ReleaseShopTokenRefresh(context.WithoutCancel(ctx), c.TenantID, c.Shop, c.Version); rerr != nil {
			s.opts.Log.WarnContext(ctx, "release token refresh lease", "shop", c.Shop, "error", rerr.Error())
		}
		return fallback(err)
	}
	t, err := s.tokens(ctx, c.TenantID, sess)
	if err != nil {
		return fallback(err)
	}
	updated, err := s.store.UpdateShopTokens(ctx, c.TenantID, c.Shop, c.Version, t, s.opts.Now())
	switch {
	case platform.KindOf(err) == platform.KindConflict:
		// Reinstalled or uninstalled while we refreshed: what is stored now
		// is the truth.
		return shopify.Session{}, true, nil
	case err != nil:
		// The new token works; Shopify keeps the old refresh token usable
		// until the new one is used, so the next caller can refresh again.
		s.opts.Log.ErrorContext(ctx, "store refreshed shopify token", "shop", c.Shop, "tenant", c.TenantID, "error", err.Error())
		return sess, false, nil
	}
	s.remember(c.TenantID, c.Shop, updated.Version, sess.AccessToken)
	s.opts.Log.InfoContext(ctx, "shopify token refreshed", "shop", c.Shop, "tenant", c.TenantID, "version", updated.Version)
	return shopify.Session{
		ID: shopify.OfflineSessionID(c.Shop), Shop: c.Shop, Scope: sess.Scope,
		Expires: sess.Expires, AccessToken: sess.AccessToken,
	}, false, nil
}

// renew asks Shopify for new tokens with c's refresh token.
func (s *Service) renew(ctx context.Context, c store.ShopConnection) (shopify.Session, error) {
	rt, err := s.open(ctx, c.TenantID, c.Shop, fieldRefresh, c.Tokens.RefreshToken)
	if err != nil {
		return shopify.Session{}, err
	}
	sess, err := s.endpoint.Refresh(ctx, c.Shop, rt)
	if err != nil {
		return shopify.Session{}, fmt.Errorf("refresh token of %s: %w", c.Shop, err)
	}
	if sess.Scope == "" {
		sess.Scope = c.Tokens.Scopes
	}
	return sess, nil
}

func (s *Service) recall(tenantID, shop string, version int64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cache[cacheKey{tenantID, shop}]
	if !ok || c.version != version {
		return "", false
	}
	return c.token, true
}

func (s *Service) remember(tenantID, shop string, version int64, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache[cacheKey{tenantID, shop}] = cachedToken{version: version, token: token}
}

func (s *Service) forget(tenantID, shop string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cache, cacheKey{tenantID, shop})
}
