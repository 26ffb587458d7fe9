package emulator

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

// AccessScope is one granted scope.
type AccessScope struct {
	Handle      string
	Description string
}

// App is the app the tokens belong to.
type App struct {
	ID     graphql.ID
	Title  string
	ApiKey string
}

type appInstallation struct {
	shop   *shopData
	scopes scopeSet
	apiKey string
}

func (a *appInstallation) ID() graphql.ID {
	return graphql.ID(fmt.Sprintf("gid://shopify/AppInstallation/%d", a.shop.shopNum))
}

// AccessScopes lists the token's scopes: all scopes the emulator knows for
// the demo tokens, the granted ones for OAuth tokens.
func (a *appInstallation) AccessScopes() []*AccessScope {
	set := map[string]bool{}
	if a.scopes == nil {
		for _, sc := range rootScopes {
			set[sc] = true
		}
	} else {
		for sc := range a.scopes {
			set[sc] = true
		}
	}
	var handles []string
	for h := range set {
		handles = append(handles, h)
	}
	sort.Strings(handles)
	out := make([]*AccessScope, len(handles))
	for i, h := range handles {
		out[i] = &AccessScope{Handle: h, Description: strings.ReplaceAll(strings.Replace(h, "_", " ", 1), "_", " ")}
	}
	return out
}

// App returns the emulator's app.
func (a *appInstallation) App() *App {
	return &App{ID: emulatorAppGID, Title: "Flux (emulated)", ApiKey: a.apiKey}
}

// CurrentAppInstallation is the calling app's installation on the shop.
func (rootResolver) CurrentAppInstallation(ctx context.Context) *appInstallation {
	st := stateOf(ctx)
	return &appInstallation{shop: st.shop, scopes: st.scopes, apiKey: st.srv.opts.APIKey}
}

func (n *nodeR) ToApp() (*App, bool)                         { return to[*App](n.v) }
func (n *nodeR) ToAppInstallation() (*appInstallation, bool) { return to[*appInstallation](n.v) }

// WebhookSubscriptionUpdate changes a subscription's callback URL or format.
func (rootResolver) WebhookSubscriptionUpdate(ctx context.Context, a struct {
	ID                  graphql.ID
	WebhookSubscription struct {
		CallbackUrl   *URL
		Format        *string
		IncludeFields *[]string
	}
}) *webhookCreatePayload {
	s := shopOf(ctx)
	w, _ := lookup(s, a.ID).(*WebhookSubscription)
	if w == nil {
		return &webhookCreatePayload{UserErrors: userErr([]string{"id"}, "Webhook subscription does not exist")}
	}
	in := a.WebhookSubscription
	if in.CallbackUrl != nil {
		u, err := url.Parse(string(*in.CallbackUrl))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &webhookCreatePayload{UserErrors: userErr([]string{"webhookSubscription", "callbackUrl"}, "Address is invalid")}
		}
		w.CallbackUrl = *in.CallbackUrl
	}
	if in.Format != nil {
		w.Format = *in.Format
	}
	if in.IncludeFields != nil {
		w.IncludeFields = *in.IncludeFields
	}
	w.UpdatedAt = now()
	return &webhookCreatePayload{WebhookSubscription: w, UserErrors: []*UserError{}}
}
