package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

type themePayload struct {
	Theme      *OnlineStoreTheme
	NewTheme   *OnlineStoreTheme
	UserErrors []*codedError
}

type themeDeletePayload struct {
	DeletedThemeId *graphql.ID
	UserErrors     []*codedError
}

// publishTheme makes t the MAIN theme; the previous one becomes UNPUBLISHED.
func (s *shopData) publishTheme(t *OnlineStoreTheme, at DateTime) {
	for _, o := range s.themes {
		if o.Role == "MAIN" && o != t {
			o.Role, o.UpdatedAt = "UNPUBLISHED", at
		}
	}
	t.Role, t.UpdatedAt = "MAIN", at
}

func (s *shopData) copyTheme(src *OnlineStoreTheme, name, role string, at DateTime) *OnlineStoreTheme {
	t := &OnlineStoreTheme{Name: name, Role: role}
	t.base = s.newBase("OnlineStoreTheme", at, t)
	if src != nil {
		t.ThemeStoreId = src.ThemeStoreId
		for _, f := range src.files {
			c := *f
			c.CreatedAt, c.UpdatedAt = at, at
			t.files = append(t.files, &c)
		}
	}
	s.themes = append(s.themes, t)
	return t
}

// ThemeCreate creates an unpublished theme from a source URL (the emulator
// does not fetch it: the theme starts with the files of the shop's MAIN theme).
func (rootResolver) ThemeCreate(ctx context.Context, a struct {
	Source URL
	Name   *string
	Role   *string
}) *themePayload {
	st := stateOf(ctx)
	if u, err := url.Parse(string(a.Source)); err != nil || u.Scheme == "" || u.Host == "" {
		return &themePayload{UserErrors: []*codedError{cerr([]string{"source"}, "Source is not a valid URL", "INVALID")}}
	}
	role := "UNPUBLISHED"
	if a.Role != nil {
		role = *a.Role
	}
	if role != "UNPUBLISHED" && role != "DEVELOPMENT" {
		return &themePayload{UserErrors: []*codedError{cerr([]string{"role"}, "Role must be UNPUBLISHED or DEVELOPMENT", "INVALID")}}
	}
	name := strings.TrimSuffix(pathBase(string(a.Source)), ".zip")
	if a.Name != nil && *a.Name != "" {
		name = *a.Name
	}
	var main *OnlineStoreTheme
	for _, t := range st.shop.themes {
		if t.Role == "MAIN" {
			main = t
		}
	}
	t := st.shop.copyTheme(main, name, role, now())
	st.emit("themes/create", t)
	return &themePayload{Theme: t, UserErrors: noErrors()}
}

func pathBase(u string) string {
	if p, err := url.Parse(u); err == nil {
		u = p.Path
	}
	if i := strings.LastIndex(u, "/"); i >= 0 {
		return u[i+1:]
	}
	return u
}

// ThemeDuplicate copies a theme with its files.
func (rootResolver) ThemeDuplicate(ctx context.Context, a struct {
	ID   graphql.ID
	Name *string
}) *themePayload {
	st := stateOf(ctx)
	src, _ := lookup(st.shop, a.ID).(*OnlineStoreTheme)
	if src == nil {
		return &themePayload{UserErrors: []*codedError{cerr([]string{"id"}, "Theme does not exist", "NOT_FOUND")}}
	}
	name := "Copy of " + src.Name
	if a.Name != nil && *a.Name != "" {
		name = *a.Name
	}
	t := st.shop.copyTheme(src, name, "UNPUBLISHED", now())
	st.emit("themes/create", t)
	return &themePayload{NewTheme: t, UserErrors: noErrors()}
}

// ThemePublish makes a theme the live (MAIN) theme.
func (rootResolver) ThemePublish(ctx context.Context, a idArg) *themePayload {
	st := stateOf(ctx)
	t, _ := lookup(st.shop, a.ID).(*OnlineStoreTheme)
	if t == nil {
		return &themePayload{UserErrors: []*codedError{cerr([]string{"id"}, "Theme does not exist", "NOT_FOUND")}}
	}
	st.shop.publishTheme(t, now())
	st.emit("themes/publish", t)
	return &themePayload{Theme: t, UserErrors: noErrors()}
}

// ThemeDelete deletes a theme other than the live one.
func (rootResolver) ThemeDelete(ctx context.Context, a idArg) *themeDeletePayload {
	st := stateOf(ctx)
	t, _ := lookup(st.shop, a.ID).(*OnlineStoreTheme)
	if t == nil {
		return &themeDeletePayload{UserErrors: []*codedError{cerr([]string{"id"}, "Theme does not exist", "NOT_FOUND")}}
	}
	if t.Role == "MAIN" {
		return &themeDeletePayload{UserErrors: []*codedError{cerr([]string{"id"}, "The live theme can't be deleted", "INVALID")}}
	}
	st.shop.themes = removeFrom(st.shop.themes, t)
	delete(st.shop.objects, t.num)
	st.emit("themes/delete", t)
	id := t.ID()
	return &themeDeletePayload{DeletedThemeId: &id, UserErrors: noErrors()}
}

// shopWebhookPayload is the REST shop resource (app/uninstalled, shop/update).
func shopWebhookPayload(s *shopData) map[string]any {
	return map[string]any{
		"id": s.shopNum, "name": s.name, "email": "owner@" + s.domain, "customer_email": "owner@" + s.domain, "shop_owner": "Demo Merchant",
		"domain": s.domain, "myshopify_domain": s.domain, "province": "New York", "province_code": "NY", "country": "US", "country_code": "US",
		"country_name": "United States", "address1": "1 Main Street", "address2": nil, "city": "New York", "zip": "10001", "phone": "5555555555",
		"latitude": nil, "longitude": nil, "source": nil, "primary_locale": "en", "primary_location_id": s.shopNum*10 + 1,
		"created_at": s.createdAt, "updated_at": s.createdAt, "currency": "USD", "enabled_presentment_currencies": []string{"USD"},
		"timezone": "(GMT-05:00) Eastern Time (US & Canada)", "iana_timezone": "America/New_York", "weight_unit": "kg",
		"money_format": "${{amount}}", "money_in_emails_format": "${{amount}}", "money_with_currency_format": "${{amount}} USD",
		"money_with_currency_in_emails_format": "${{amount}} USD", "plan_name": "basic", "plan_display_name": "Basic",
		"taxes_included": false, "tax_shipping": nil, "county_taxes": true, "auto_configure_tax_inclusivity": nil,
		"has_discounts": true, "has_gift_cards": false, "has_storefront": true, "password_enabled": false, "setup_required": false,
		"pre_launch_enabled": false, "checkout_api_supported": true, "multi_location_enabled": true, "eligible_for_payments": true,
		"requires_extra_payments_agreement": false, "finances": true, "google_apps_domain": nil, "google_apps_login_enabled": nil,
		"transactional_sms_disabled": false, "marketing_sms_consent_enabled_at_checkout": false,
	}
}

// uninstall is what happens when the merchant removes the app: an
// app/uninstalled webhook to subscribers, then the subscriptions are gone and
// every token of the shop (demo token included) answers 401 until a reset.
func (s *Server) uninstall(w http.ResponseWriter, sh *shopData) {
	sh.mu.Lock()
	raw, _ := json.Marshal(shopWebhookPayload(sh))
	ev := webhookEvent{shop: sh.domain, topic: "app/uninstalled", payload: raw, triggered: nowTime()}
	for _, sub := range sh.webhooks {
		if sub.Topic == "APP_UNINSTALLED" {
			ev.targets = append(ev.targets, sub)
		}
	}
	for _, sub := range sh.webhooks {
		delete(sh.objects, sub.num)
	}
	sh.webhooks = nil
	sh.token = ""
	sh.mu.Unlock()
	s.mu.Lock()
	for tok, t := range s.tokens {
		if t.shop == sh.domain {
			delete(s.tokens, tok)
		}
	}
	s.mu.Unlock()
	if len(ev.targets) > 0 {
		s.enqueue(func(ctx context.Context) { s.deliver(ctx, []webhookEvent{ev}) })
	}
	writeJSON(w, http.StatusOK, map[string]any{"uninstalled": sh.domain, "deliveries": len(ev.targets)})
}

func nowTime() time.Time { return time.Now().UTC() }
