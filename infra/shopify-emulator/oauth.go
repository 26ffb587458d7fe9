package emulator

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// issuedToken is an access token granted through OAuth.
type issuedToken struct {
	shop    string
	scope   string
	expires time.Time // zero: never
}

func (t issuedToken) valid(now time.Time) bool { return t.expires.IsZero() || now.Before(t.expires) }

type grant struct {
	shop    string
	scope   string
	expires time.Time
}

type oauthState struct {
	mu      sync.Mutex
	codes   map[string]grant
	refresh map[string]grant
}

func newOAuthState() *oauthState {
	return &oauthState{codes: map[string]grant{}, refresh: map[string]grant{}}
}

func randomToken(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// OAuthHMAC computes the hmac Shopify adds to OAuth redirects: hex
// HMAC-SHA256 of the query parameters other than hmac and signature, sorted
// by name, each name and value form-encoded as URLSearchParams does (what
// Shopify's Node and Ruby libraries verify), joined with '&'.
func OAuthHMAC(secret string, q url.Values) string {
	var keys []string
	for k := range q {
		if k != "hmac" && k != "signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, formEncode(k)+"="+formEncode(v))
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strings.Join(parts, "&")))
	return hex.EncodeToString(m.Sum(nil))
}

// formEncode is the WHATWG application/x-www-form-urlencoded serializer:
// ALPHA, DIGIT and *-._ stay, space is '+', any other byte is %XX.
func formEncode(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexdig[c>>4])
			b.WriteByte(hexdig[c&15])
		}
	}
	return b.String()
}

// serveAuthorize is GET /admin/oauth/authorize: the merchant approves at once,
// and the browser is sent to redirect_uri with code, hmac, host, shop, state
// and timestamp.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request, hint string) {
	q := r.URL.Query()
	shop := s.resolveShop(r, hint)
	if v := q.Get("shop"); v != "" && hint == "" {
		shop = normalizeShop(v)
	}
	if s.shop(shop) == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
		return
	}
	if q.Get("client_id") != s.opts.APIKey {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": "Oauth error invalid_request: The client_id is invalid"})
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || redirect.Host == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": "Oauth error invalid_request: The redirect_uri is missing or not whitelisted"})
		return
	}
	code := randomToken("")
	s.oauth.mu.Lock()
	s.oauth.codes[code] = grant{shop: shop, scope: q.Get("scope"), expires: s.opts.Clock().Add(10 * time.Minute)}
	s.oauth.mu.Unlock()
	out := redirect.Query()
	out.Set("code", code)
	out.Set("host", base64.RawStdEncoding.EncodeToString([]byte("admin.shopify.com/store/"+strings.TrimSuffix(shop, ".myshopify.com"))))
	out.Set("shop", shop)
	out.Set("state", q.Get("state"))
	out.Set("timestamp", fmt.Sprint(s.opts.Clock().Unix()))
	out.Set("hmac", OAuthHMAC(s.opts.APISecret, out))
	redirect.RawQuery = out.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

// serveAccessToken is POST /admin/oauth/access_token: authorization code,
// token exchange (embedded apps' session tokens) and refresh.
func (s *Server) serveAccessToken(w http.ResponseWriter, r *http.Request, hint string) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"errors": "Method Not Allowed"})
		return
	}
	params := url.Values{}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed JSON body")
			return
		}
		for k, v := range m {
			params.Set(k, fmt.Sprint(v))
		}
	} else {
		params, _ = url.ParseQuery(string(body))
		for k, v := range r.URL.Query() {
			if params.Get(k) == "" {
				params[k] = v
			}
		}
	}
	if params.Get("client_id") != s.opts.APIKey || params.Get("client_secret") != s.opts.APISecret {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Client credentials are invalid")
		return
	}
	shop := s.resolveShop(r, hint)
	now := s.opts.Clock()
	expiring := params.Get("expiring") == "1" || params.Get("expiring") == "true"
	var g grant
	switch params.Get("grant_type") {
	case "", "authorization_code":
		s.oauth.mu.Lock()
		c, ok := s.oauth.codes[params.Get("code")]
		delete(s.oauth.codes, params.Get("code"))
		s.oauth.mu.Unlock()
		if !ok || now.After(c.expires) || c.shop != shop {
			oauthError(w, http.StatusBadRequest, "invalid_request", "The authorization code was not found or was already used")
			return
		}
		g = c
	case "urn:ietf:params:oauth:grant-type:token-exchange":
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(params.Get("subject_token"), claims, func(*jwt.Token) (any, error) { return []byte(s.opts.APISecret), nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience(s.opts.APIKey), jwt.WithLeeway(5*time.Second))
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_subject_token", "Token exchange failed: "+err.Error())
			return
		}
		dest, _ := claims["dest"].(string)
		if u, err := url.Parse(dest); err != nil || u.Host != shop {
			oauthError(w, http.StatusBadRequest, "invalid_subject_token", "The session token's dest does not match the shop")
			return
		}
		g = grant{shop: shop, scope: "read_products,write_products,read_content,write_content,read_themes,write_themes,read_discounts,read_files,write_files,read_metaobjects,write_metaobjects,read_online_store_navigation"}
		if params.Get("requested_token_type") == "urn:shopify:params:oauth:token-type:online-access-token" {
			tok := randomToken("shpua_")
			s.mu.Lock()
			s.tokens[tok] = issuedToken{shop: shop, scope: g.scope, expires: now.Add(24 * time.Hour)}
			s.mu.Unlock()
			sub, _ := claims["sub"].(string)
			writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "scope": g.scope, "expires_in": 86399,
				"associated_user_scope": g.scope, "associated_user": map[string]any{"id": sub, "first_name": "Demo", "last_name": "Merchant", "email": "owner@" + shop, "account_owner": true, "locale": "en", "collaborator": false, "email_verified": true}})
			return
		}
	case "refresh_token":
		s.oauth.mu.Lock()
		rg, ok := s.oauth.refresh[params.Get("refresh_token")]
		delete(s.oauth.refresh, params.Get("refresh_token"))
		s.oauth.mu.Unlock()
		if !ok || now.After(rg.expires) || rg.shop != shop {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token is invalid or expired")
			return
		}
		g, expiring = rg, true
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "The grant type is not supported")
		return
	}
	tok := randomToken("shpat_")
	it := issuedToken{shop: g.shop, scope: g.scope}
	out := map[string]any{"access_token": tok, "scope": g.scope}
	if expiring {
		it.expires = now.Add(time.Hour)
		rt := randomToken("shprt_")
		s.oauth.mu.Lock()
		s.oauth.refresh[rt] = grant{shop: g.shop, scope: g.scope, expires: now.Add(90 * 24 * time.Hour)}
		s.oauth.mu.Unlock()
		out["expires_in"], out["refresh_token"], out["refresh_token_expires_in"] = 3600, rt, 7776000
	}
	s.mu.Lock()
	s.tokens[tok] = it
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
