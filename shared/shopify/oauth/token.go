package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// AccessTokenResponse is the token endpoint's answer.
type AccessTokenResponse struct {
	AccessToken           string                    `json:"access_token"`
	Scope                 string                    `json:"scope"`
	ExpiresIn             int64                     `json:"expires_in"`
	RefreshToken          string                    `json:"refresh_token"`
	RefreshTokenExpiresIn int64                     `json:"refresh_token_expires_in"`
	AssociatedUserScope   string                    `json:"associated_user_scope"`
	AssociatedUser        *shopify.OnlineAccessUser `json:"associated_user"`
}

// tokenError is the token endpoint's OAuth error ({"error","error_description"}).
// Its text is for logs only.
type tokenError struct {
	Status      int
	Code        string
	Description string
}

func (e *tokenError) Error() string {
	return fmt.Sprintf("token endpoint: HTTP %d %s %s", e.Status, e.Code, e.Description)
}

// maxTokenResponse bounds the token endpoint's answer (a few hundred bytes).
const maxTokenResponse = 64 << 10

// token posts body to the shop's token endpoint and builds a session from
// the answer. A 4xx is the grant's fault (rejected); anything else means
// Shopify could not be reached.
func (a *App) token(ctx context.Context, shop string, body map[string]string, rejected func(string, error) error) (shopify.Session, error) {
	if err := a.check(); err != nil {
		return shopify.Session{}, err
	}
	shop, err := ValidateShop(shop)
	if err != nil {
		return shopify.Session{}, err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return shopify.Session{}, platform.Wrap(platform.KindInternal, "token request", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.origin(shop)+"/admin/oauth/access_token", bytes.NewReader(b))
	if err != nil {
		return shopify.Session{}, platform.Wrap(platform.KindInternal, "token request", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if a.BaseURL != nil {
		req.Header.Set(shopify.ShopHeader, shop)
	}
	hc := a.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return shopify.Session{}, platform.Wrap(platform.KindUnavailable, "Shopify store "+shop+" is unreachable; try again later", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return shopify.Session{}, platform.Wrap(platform.KindUnavailable, "Shopify store "+shop+" is unreachable; try again later", err)
	}
	if resp.StatusCode != http.StatusOK {
		te := &tokenError{Status: resp.StatusCode}
		var e struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
		}
		if json.Unmarshal(raw, &e) == nil {
			te.Code, te.Description = e.Error, e.ErrorDescription
		}
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			return shopify.Session{}, rejected(shop, te)
		}
		return shopify.Session{}, platform.Wrap(platform.KindUnavailable, "Shopify store "+shop+" is unavailable; try again later", te)
	}
	var tr AccessTokenResponse
	if err := json.Unmarshal(raw, &tr); err != nil || tr.AccessToken == "" {
		return shopify.Session{}, platform.Wrap(platform.KindUnavailable, "Shopify sent an unexpected token response for "+shop, fmt.Errorf("decode token response: %v", err))
	}
	return SessionFromToken(shop, tr, a.now()), nil
}

// SessionFromToken builds the session a token response describes: online
// when it names a user (id "<shop>_<userId>"), else offline ("offline_<shop>"),
// with expiry times from expires_in and refresh_token_expires_in.
func SessionFromToken(shop string, tr AccessTokenResponse, now time.Time) shopify.Session {
	s := shopify.Session{
		ID: shopify.OfflineSessionID(shop), Shop: shop, Scope: tr.Scope,
		AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken,
	}
	if tr.ExpiresIn > 0 {
		t := now.Add(time.Duration(tr.ExpiresIn) * time.Second).UTC().Truncate(time.Millisecond)
		s.Expires = &t
	}
	if tr.RefreshTokenExpiresIn > 0 {
		t := now.Add(time.Duration(tr.RefreshTokenExpiresIn) * time.Second).UTC().Truncate(time.Millisecond)
		s.RefreshTokenExpires = &t
	}
	if tr.AssociatedUser != nil {
		s.IsOnline = true
		s.ID = shopify.OnlineSessionID(shop, tr.AssociatedUser.ID)
		s.OnlineAccessInfo = &shopify.OnlineAccessInfo{
			ExpiresIn: int(tr.ExpiresIn), AssociatedUserScope: tr.AssociatedUserScope, AssociatedUser: *tr.AssociatedUser,
		}
	}
	return s
}
