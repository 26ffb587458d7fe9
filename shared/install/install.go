// Package install connects a merchant's Shopify store to a Flux tenant:
// GET /auth/shopify starts the OAuth install for a shop of the caller's
// store group, GET /auth/shopify/callback finishes it (hmac, timestamp,
// one-time state, code exchange for an expiring offline token) and stores
// the sealed tokens through shared/shoptokens.
package install

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/store"
)

// StateStore keeps one-time OAuth states; *store.Store implements it.
type StateStore interface {
	PutOAuthState(ctx context.Context, st store.OAuthState) error
	ConsumeOAuthState(ctx context.Context, nonce string, now time.Time) (store.OAuthState, error)
}

var _ StateStore = (*store.Store)(nil)

// oauthStates adapts StateStore to shopify/oauth's StateStore, so the
// colleague's nonce issuing and checking run on the table.
type oauthStates struct {
	s   StateStore
	now func() time.Time
}

func (a oauthStates) Put(ctx context.Context, st oauth.State) error {
	return a.s.PutOAuthState(ctx, store.OAuthState{
		Nonce: st.Nonce, TenantID: st.TenantID, Shop: st.Shop, Online: st.Online, ExpiresAt: st.ExpiresAt,
	})
}

func (a oauthStates) Consume(ctx context.Context, nonce string) (oauth.State, error) {
	st, err := a.s.ConsumeOAuthState(ctx, nonce, a.now())
	if err != nil {
		return oauth.State{}, err
	}
	return oauth.State{Nonce: st.Nonce, TenantID: st.TenantID, Shop: st.Shop, Online: st.Online, ExpiresAt: st.ExpiresAt}, nil
}

// Installer answers GET /auth/shopify?shop=<shop> for a caller holding
// stores:write: a 302 to the shop's authorize page, or with
// "Accept: application/json" a 200 {"authorizeUrl","expiresAt"} so that an
// API client can open it in a browser.
type Installer struct {
	App      *oauth.App
	Groups   config.Storage
	States   StateStore
	StateTTL time.Duration
	Now      func() time.Time // nil: time.Now
}

// NewInstallHandler is the oauth-install function's handler.
func NewInstallHandler(log *slog.Logger, i *Installer) http.Handler { return platform.Edge(log, i) }

// AuthorizeResponse is the JSON answer of GET /auth/shopify.
type AuthorizeResponse struct {
	AuthorizeURL string    `json:"authorizeUrl"`
	ExpiresAt    time.Time `json:"expiresAt"`
}

func (i *Installer) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}

func (i *Installer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, err := i.start(ctx, r)
	if err != nil {
		platform.WriteError(ctx, w, err)
		return
	}
	// The URL carries a live nonce: no cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	if wantsJSON(r) {
		platform.WriteJSON(ctx, w, http.StatusOK, u)
		return
	}
	http.Redirect(w, r, u.AuthorizeURL, http.StatusFound)
}

func (i *Installer) start(ctx context.Context, r *http.Request) (AuthorizeResponse, error) {
	id := auth.FromHTTPRequest(r)
	if err := id.Require(auth.ScopeStoresWrite); err != nil {
		return AuthorizeResponse{}, err
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q["shop"]) != 1 {
		return AuthorizeResponse{}, platform.E(platform.KindValidation, "give exactly one shop, e.g. ?shop=example.myshopify.com")
	}
	shop, err := oauth.ValidateShop(q.Get("shop"))
	if err != nil {
		return AuthorizeResponse{}, err
	}
	if err := i.inGroup(ctx, id.TenantID, shop); err != nil {
		return AuthorizeResponse{}, err
	}
	st, err := oauth.NewState(ctx, oauthStates{s: i.States, now: i.now}, id.TenantID, shop, false, i.StateTTL, i.now())
	if err != nil {
		return AuthorizeResponse{}, err
	}
	u, err := AuthorizeURL(i.App, shop, st.Nonce)
	if err != nil {
		return AuthorizeResponse{}, err
	}
	platform.Log(ctx).Info("shopify install started", "tenant", id.TenantID, "shop", shop, "principal", id.Principal)
	return AuthorizeResponse{AuthorizeURL: u, ExpiresAt: st.ExpiresAt.UTC()}, nil
}

// inGroup: a shop outside the caller's store group is NOT_FOUND, exactly
// like a shop of another tenant (nothing is revealed about other tenants).
func (i *Installer) inGroup(ctx context.Context, tenantID, shop string) error {
	notFound := platform.E(platform.KindNotFound, "store "+shop+" is not in your store group")
	g, err := i.Groups.StoreGroup(ctx, tenantID)
	if platform.KindOf(err) == platform.KindNotFound {
		return notFound
	}
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(g.Stores, func(s config.Store) bool { return s.Domain == shop }) {
		return notFound
	}
	return nil
}

// AuthorizeURL is the shop's authorize page for an offline-access install
// with state nonce. grant_options[] is sent empty, which is Shopify's
// documented way to ask for offline access; the token is made expiring at
// the code exchange (expiring=1).
func AuthorizeURL(app *oauth.App, shop, nonce string) (string, error) {
	u, err := app.AuthorizeURL(shop, nonce, false)
	if err != nil {
		return "", err
	}
	return u + "&" + url.QueryEscape("grant_options[]") + "=", nil
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.Header.Get("Accept")), "application/json")
}
