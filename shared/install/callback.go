package install

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/webhooksubs"
)

// Connector stores an install's tokens; *shoptokens.Service implements it.
type Connector interface {
	Connect(ctx context.Context, tenantID string, sess shopify.Session) (store.ShopConnection, error)
}

// ConnectedHook runs after a shop's tokens are stored, with the fresh
// session: registering the webhook subscriptions (WebhookHook) is the
// first one. A hook may record what it did in the answer (resp). A hook
// must be idempotent, because a merchant may install again, and installing
// again is how a failed hook is retried. Its failure is logged as a
// warning and reported in the answer (setupPending); the connection
// itself stands.
type ConnectedHook interface {
	ShopConnected(ctx context.Context, tenantID string, sess shopify.Session, resp *ConnectedResponse) error
}

// Callback answers GET /auth/shopify/callback, where Shopify sends the
// merchant's browser after they approve the install. It is a public route
// (no Flux credentials): the hmac, the timestamp and the one-time state are
// the authentication.
type Callback struct {
	App    *oauth.App
	States StateStore
	Tokens Connector
	// Hooks run in order after the tokens are stored (the functions'
	// builder adds WebhookHook).
	Hooks []ConnectedHook
	// TimestampTolerance bounds the age of the signed redirect; 0 means
	// oauth.DefaultTimestampTolerance.
	TimestampTolerance time.Duration
	Now                func() time.Time // nil: time.Now
	// Audit records each install that reached a tenant (the state was
	// valid): connected, or failed after that. Callbacks refused before
	// (bad hmac, stale, unknown state) have no tenant and are only logged.
	Audit audit.Recorder
}

// CallbackActor is the audit actor of an install: the merchant approved
// it in Shopify's admin, and the callback, a public route, recorded it.
var CallbackActor = audit.SystemActor("oauth-callback")

// NewCallbackHandler is the oauth-callback function's handler.
func NewCallbackHandler(log *slog.Logger, c *Callback) http.Handler { return platform.Edge(log, c) }

// ConnectedResponse is the JSON answer of a successful callback.
type ConnectedResponse struct {
	Connected bool     `json:"connected"`
	Shop      string   `json:"shop"`
	Scopes    []string `json:"scopes"`
	// SetupPending: a follow-up step (a ConnectedHook) failed and will be
	// retried by the next install; the tokens are stored.
	SetupPending bool `json:"setupPending,omitempty"`
	// Webhooks is what the webhook registration did (WebhookHook).
	Webhooks *webhooksubs.Result `json:"webhooks,omitempty"`
}

func (c *Callback) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// MaxCallbackQuery bounds the callback's query string: Shopify's is a few
// hundred bytes.
const MaxCallbackQuery = 4096

// callbackParams must each appear exactly once; host (base64 of the admin
// URL) is optional, as Shopify added it later; other parameters are allowed
// (Shopify may add more) and are covered by the hmac.
var callbackParams = []string{"code", "hmac", "shop", "state", "timestamp"}

var (
	hexHMAC   = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	unixTime  = regexp.MustCompile(`^[0-9]{1,12}$`)
	authCode  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	stateText = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
)

func malformed(msg string) error {
	return platform.E(platform.KindValidation, "malformed Shopify callback: "+msg)
}

// ParseCallbackQuery parses and shape-checks the callback's raw query
// string before anything is verified: size, encoding, the required
// parameters exactly once each, and their formats. A malformed query is
// KindValidation. It does not check the hmac (VerifyHMACQuery does, over
// the values returned here).
func ParseCallbackQuery(raw string) (url.Values, error) {
	if len(raw) > MaxCallbackQuery {
		return nil, malformed("query string too long")
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, malformed("query string is not valid URL encoding")
	}
	for _, p := range callbackParams {
		if len(q[p]) != 1 || q.Get(p) == "" {
			return nil, malformed("needs exactly one " + p)
		}
	}
	if len(q["host"]) > 1 {
		return nil, malformed("needs at most one host")
	}
	switch {
	case !hexHMAC.MatchString(q.Get("hmac")):
		return nil, malformed("hmac is not a hex SHA-256")
	case !unixTime.MatchString(q.Get("timestamp")):
		return nil, malformed("timestamp is not Unix seconds")
	case !authCode.MatchString(q.Get("code")):
		return nil, malformed("code has unexpected characters")
	case !stateText.MatchString(q.Get("state")):
		return nil, malformed("state has unexpected characters")
	}
	if _, err := oauth.ValidateShop(q.Get("shop")); err != nil {
		return nil, err
	}
	return q, nil
}

func unauthenticated(msg string, cause error) error {
	return platform.Wrap(platform.KindUnauthenticated, msg, cause)
}

func (c *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The URL holds a one-time code and the hmac: never let the next page
	// send it on as a Referer, nor a cache keep the answer.
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	resp, err := c.finish(ctx, r)
	if err != nil {
		platform.WriteError(ctx, w, err)
		return
	}
	if wantsJSON(r) {
		platform.WriteJSON(ctx, w, http.StatusOK, resp)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(http.StatusOK)
	if err := connectedPage.Execute(w, resp); err != nil {
		platform.Log(ctx).Warn("write connected page", "error", err)
	}
}

// finish verifies the callback in the order that spends nothing on a
// forgery (shape, hmac, timestamp, then the state, which it uses up), then
// exchanges the code and stores the tokens. Nothing is stored on failure.
func (c *Callback) finish(ctx context.Context, r *http.Request) (resp ConnectedResponse, err error) {
	q, err := ParseCallbackQuery(r.URL.RawQuery)
	if err != nil {
		return ConnectedResponse{}, err
	}
	shop, _ := oauth.ValidateShop(q.Get("shop")) // checked by ParseCallbackQuery
	if !oauth.VerifyHMACQuery(c.App.APISecret, q) {
		return ConnectedResponse{}, unauthenticated("the request did not come from Shopify (bad hmac)", nil)
	}
	tol := c.TimestampTolerance
	if tol <= 0 {
		tol = oauth.DefaultTimestampTolerance
	}
	if err := oauth.CheckTimestamp(q, c.now(), tol); err != nil {
		return ConnectedResponse{}, unauthenticated(platform.PublicMessage(err), err)
	}
	st, err := oauth.ConsumeState(ctx, oauthStates{s: c.States, now: c.now}, q.Get("state"), shop, c.now())
	if err != nil {
		if platform.KindOf(err) == platform.KindValidation {
			return ConnectedResponse{}, unauthenticated(platform.PublicMessage(err), err)
		}
		return ConnectedResponse{}, err
	}
	defer func() {
		e := audit.Entry{TenantID: st.TenantID, Actor: CallbackActor, Action: audit.ActionStoreConnect,
			ResourceType: audit.ResourceStore, ResourceID: shop, Shop: shop, Result: audit.Success}
		if err != nil {
			e.Result, e.Detail = audit.Failure, audit.DetailOf(err)
		} else {
			e.Detail = "installed with scopes " + strings.Join(resp.Scopes, ",")
			if resp.SetupPending {
				e.Detail += "; setup pending"
			}
		}
		audit.Write(ctx, c.Audit, e)
	}()
	sess, err := c.App.ExchangeCode(ctx, oauth.Callback{Shop: shop, Code: q.Get("code"), State: st}, true)
	if err != nil {
		return ConnectedResponse{}, err
	}
	if sess.IsOnline {
		return ConnectedResponse{}, platform.Wrap(platform.KindInternal, "Shopify issued an online token for an offline install", errors.New("online token from code exchange"))
	}
	granted := shopify.ParseAuthScopes(sess.Scope)
	if !granted.Has(c.App.Scopes) {
		// Installs grant what the app asks; a difference means the app's
		// scopes changed under a running flow. Store what was granted.
		platform.Log(ctx).Warn("shopify granted fewer scopes than requested", "shop", shop, "granted", granted.String(), "requested", c.App.Scopes.String())
	}
	if _, err := c.Tokens.Connect(ctx, st.TenantID, sess); err != nil {
		return ConnectedResponse{}, err
	}
	platform.Log(ctx).Info("shopify store connected", "tenant", st.TenantID, "shop", shop, "scopes", granted.String())
	resp = ConnectedResponse{Connected: true, Shop: shop, Scopes: granted.Array()}
	for _, h := range c.Hooks {
		if err := h.ShopConnected(ctx, st.TenantID, sess, &resp); err != nil {
			platform.Log(ctx).Warn("post-install step failed; installing again retries it", "tenant", st.TenantID, "shop", shop, "error", err.Error())
			resp.SetupPending = true
		}
	}
	return resp, nil
}

var connectedPage = template.Must(template.New("connected").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flux: store connected</title>
<style>body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:36rem;color:#222}code{background:#f3f3f3;padding:0 .3em}</style>
</head><body>
<h1>Store connected</h1>
<p><code>{{.Shop}}</code> is now connected to Flux with the scopes {{range $i, $s := .Scopes}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}.</p>
{{with .Webhooks}}<p>Webhook subscriptions: {{.Registered}} registered now, {{.Existing}} already in place{{if .Skipped}}, {{len .Skipped}} not available with the granted scopes{{end}}.</p>
{{if .Error}}<p>Webhooks could not be registered: {{.Error}}</p>{{end}}{{if .Failed}}<p>Not registered:</p><ul>{{range .Failed}}<li><code>{{.Topic}}</code>: {{.Reason}}</li>{{end}}</ul>{{end}}{{end}}
{{if .SetupPending}}<p>Some setup steps did not finish; the store is connected, and they are retried when you install again.</p>{{end}}
<p>You can close this window.</p>
</body></html>
`))
