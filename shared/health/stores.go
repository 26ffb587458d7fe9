package health

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store"
)

// StoresPath is the authenticated route answering each store's Shopify
// state. It is apart from the public /api/health on purpose: which stores
// a tenant has, and whether their tokens work, is the tenant's data, and
// /api/health has no caller to scope it to.
const StoresPath = "/api/health/stores"

// Token states of a store in GET /api/health/stores.
const (
	// TokenActive: the access token is valid (Shopify accepted it, or it
	// does not expire / expires after the refresh margin).
	TokenActive = "active"
	// TokenExpiresSoon: the token works now but will stop: the access token
	// expires within ExpiryWarning and cannot be refreshed, or the refresh
	// token itself expires within ExpiryWarning. Reconnect the store soon.
	TokenExpiresSoon = "expires_soon"
	// TokenRefreshable: the access token has expired or is within the
	// refresh margin, and a valid refresh token renews it on the next call
	// (this check's probe makes that call).
	TokenRefreshable = "refreshable"
	// TokenNotConnected: the app was never installed on the store for this
	// tenant.
	TokenNotConnected = "not_connected"
	// TokenUninstalled: the app was uninstalled from the store.
	TokenUninstalled = "uninstalled"
	// TokenRejected: Shopify refused the token (401/403), or it expired
	// beyond refresh. Reconnect the store.
	TokenRejected = "rejected"
	// TokenUnknown: Flux could not read its own record of the connection
	// (a storage failure; see /api/health).
	TokenUnknown = "unknown"
)

// Safe reasons of a store check.
const (
	ReasonNotConnected  = "the Flux app is not installed on this store"
	ReasonUninstalled   = "the Flux app was uninstalled from this store; install it again"
	ReasonRejected      = "Shopify rejected the access token; reconnect the store"
	ReasonShopifyDown   = "Shopify did not answer"
	ReasonRateLimited   = "Shopify is rate limiting this store"
	ReasonFrozen        = "the store is frozen or locked"
	ReasonStorage       = "the store's connection could not be read"
	ReasonUnexpected    = "the check failed"
	ReasonRefreshFailed = "the access token could not be refreshed"
)

// DefaultStoreTimeout bounds one store's check (probe included).
const DefaultStoreTimeout = 3 * time.Second

// DefaultExpiryWarning is how far ahead an unrenewable expiry is reported
// as expires_soon.
const DefaultExpiryWarning = 7 * 24 * time.Hour

// probeQuery is the cheapest Admin API query (1 point).
const probeQuery = "{ shop { id } }"

// Connections is what the store check reads; *store.Store implements it.
type Connections interface {
	StoreGroup(ctx context.Context, tenantID string) (config.StoreGroup, error)
	ShopConnection(ctx context.Context, tenantID, shop string) (store.ShopConnection, error)
}

var _ Connections = (*store.Store)(nil)

// Sessions opens (and refreshes when due) a shop's token;
// *shoptokens.Service implements it.
type Sessions interface {
	Session(ctx context.Context, tenantID, shop string) (shopify.Session, error)
}

var _ Sessions = (*shoptokens.Service)(nil)

// StoreStatus is one store of the caller's group.
type StoreStatus struct {
	Shop           string `json:"shop"`
	Classification string `json:"classification"`
	Reachable      bool   `json:"reachable"`
	Token          string `json:"token"`
	LatencyMs      int64  `json:"latencyMs"`
	Reason         string `json:"reason,omitempty"`
}

// StoresReport is the body of GET /api/health/stores.
type StoresReport struct {
	Stores []StoreStatus `json:"stores"`
}

// StoreChecker checks each store of the caller's group: the stored
// connection, then a 1-point probe through the token service and the
// Shopify client.
type StoreChecker struct {
	Connections Connections
	Sessions    Sessions
	// Shopify is the probe's client configuration (API version, base URL);
	// the probe makes one try.
	Shopify shopify.Config
	// Timeout bounds each store's check; 0 means DefaultStoreTimeout.
	Timeout time.Duration
	// RefreshMargin is the token service's (0: shoptokens.DefaultRefreshMargin);
	// ExpiryWarning 0 means DefaultExpiryWarning.
	RefreshMargin time.Duration
	ExpiryWarning time.Duration
	Now           func() time.Time
}

func (s *StoreChecker) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Check answers the caller's stores, concurrently, each bounded by the
// store timeout and by ctx. Store problems are in the report; the error is
// for the caller (401/403) or for a group that cannot be read (503).
func (s *StoreChecker) Check(ctx context.Context) (StoresReport, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeStoresRead); err != nil {
		return StoresReport{}, err
	}
	sg, err := s.Connections.StoreGroup(ctx, caller.TenantID)
	if platform.KindOf(err) == platform.KindNotFound {
		return StoresReport{Stores: []StoreStatus{}}, nil
	}
	if err != nil {
		return StoresReport{}, platform.Wrap(platform.KindUnavailable, "the store group could not be read; try again later", err)
	}
	out := make([]StoreStatus, len(sg.Stores))
	var wg sync.WaitGroup
	for i, st := range sg.Stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = s.checkStore(ctx, caller.TenantID, st)
		}()
	}
	wg.Wait()
	return StoresReport{Stores: out}, nil
}

func (s *StoreChecker) checkStore(ctx context.Context, tenantID string, st config.Store) (res StoreStatus) {
	start := time.Now()
	res = StoreStatus{Shop: st.Domain, Classification: string(st.Classification)}
	defer func() {
		res.LatencyMs = time.Since(start).Milliseconds()
		if p := recover(); p != nil {
			platform.Log(ctx).Error("store health check panic", "shop", st.Domain, "panic", p)
			res.Reachable, res.Reason = false, ReasonUnexpected
			if res.Token == "" {
				res.Token = TokenUnknown
			}
		}
	}()
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultStoreTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	conn, err := s.Connections.ShopConnection(ctx, tenantID, st.Domain)
	switch {
	case platform.KindOf(err) == platform.KindNotFound:
		res.Token, res.Reason = TokenNotConnected, ReasonNotConnected
		return res
	case err != nil:
		platform.Log(ctx).Warn("store health: connection unreadable", "shop", st.Domain, "error", err.Error())
		res.Token, res.Reason = TokenUnknown, ReasonStorage
		if isTimeout(ctx, err) {
			res.Reason = ReasonTimeout
		}
		return res
	case conn.Status != store.ConnectionActive:
		res.Token, res.Reason = TokenUninstalled, ReasonUninstalled
		return res
	}
	res.Token = s.tokenState(conn)

	sess, err := s.Sessions.Session(ctx, tenantID, st.Domain)
	if err == nil {
		var c *shopify.Client
		cfg := s.Shopify
		cfg.Tries = 1
		if c, err = shopify.New(sess, cfg); err == nil {
			_, err = c.GraphQL(ctx, probeQuery, nil, &shopify.GraphQLOptions{Tries: 1, Cost: 1})
		}
	}
	if err == nil {
		res.Reachable = true
		if res.Token == TokenRefreshable {
			// The probe's session was refreshed (or the current token is
			// still in use while another process refreshes it).
			res.Token = TokenActive
			if sess.Expires != nil && !s.now().Add(s.margin()).Before(*sess.Expires) {
				res.Token = TokenRefreshable
			}
		}
		return res
	}
	res.Reason = s.probeReason(ctx, err, &res)
	if res.Reason != ReasonTimeout && platform.KindOf(err) != platform.KindForbidden {
		platform.Log(ctx).Warn("store health: probe failed", "shop", st.Domain, "reason", res.Reason, "error", err.Error())
	}
	return res
}

func (s *StoreChecker) margin() time.Duration {
	if s.RefreshMargin > 0 {
		return s.RefreshMargin
	}
	return shoptokens.DefaultRefreshMargin
}

// tokenState classifies an active connection's tokens before the probe.
func (s *StoreChecker) tokenState(c store.ShopConnection) string {
	now := s.now()
	warn := s.ExpiryWarning
	if warn <= 0 {
		warn = DefaultExpiryWarning
	}
	t := c.Tokens
	access, refresh := t.AccessTokenExpiresAt, t.RefreshTokenExpiresAt
	canRefresh := len(t.RefreshToken) > 0 && (refresh == nil || now.Before(*refresh))
	switch {
	case access == nil:
		return TokenActive // a non-expiring offline token
	case !now.Add(s.margin()).Before(*access): // due for refresh, or expired
		if canRefresh {
			return TokenRefreshable
		}
		if now.Before(*access) {
			return TokenExpiresSoon
		}
		return TokenRejected
	case !canRefresh:
		if !now.Add(warn).Before(*access) {
			return TokenExpiresSoon
		}
		return TokenActive
	case refresh != nil && !now.Add(warn).Before(*refresh):
		return TokenExpiresSoon
	}
	return TokenActive
}

// probeReason is the safe reason of a failed probe; a token Shopify
// refused (or that expired beyond refresh) makes the state rejected.
func (s *StoreChecker) probeReason(ctx context.Context, err error, res *StoreStatus) string {
	if errors.Is(err, shopify.ErrTokenRejected) {
		res.Token = TokenRejected
		return ReasonRejected
	}
	if isTimeout(ctx, err) {
		return ReasonTimeout
	}
	switch platform.KindOf(err) {
	case platform.KindNotFound:
		// Uninstalled or removed between the read and the probe.
		res.Token = TokenNotConnected
		return ReasonNotConnected
	case platform.KindRateLimited:
		return ReasonRateLimited
	case platform.KindForbidden:
		res.Token = TokenRejected
		return ReasonRejected
	case platform.KindUnavailable:
		var he *shopify.HTTPResponseError
		if errors.As(err, &he) && (he.Status == 402 || he.Status == 423) {
			return ReasonFrozen
		}
		if res.Token == TokenRefreshable && !errors.As(err, &he) {
			return ReasonRefreshFailed
		}
		return ReasonShopifyDown
	}
	return ReasonUnexpected
}

func isTimeout(ctx context.Context, err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || ctx.Err() != nil
}

// ServeHTTP answers GET /api/health/stores (scope stores:read): 200 with
// every store's state whenever the caller is authenticated; 401/403 for
// the caller; 503 only when the group itself cannot be read.
func (s *StoreChecker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := auth.WithIdentity(r.Context(), auth.FromHTTPRequest(r))
	report, err := s.Check(ctx)
	if err != nil {
		platform.WriteError(ctx, w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteJSON(ctx, w, http.StatusOK, report)
}
