package shopify

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Session is what Flux keeps of a shop's authorization, as seed 003's
// Session. Offline sessions (Flux's background work) have the id
// "offline_<shop>"; online sessions (one staff user in the embedded admin)
// "<shop>_<userId>".
//
// An expiring offline token (Shopify, December 2025) lives one hour and comes
// with a refresh token; RefreshToken and RefreshTokenExpires hold it.
type Session struct {
	ID       string
	Shop     string // the *.myshopify.com domain
	State    string // the OAuth state nonce of the flow that made it
	IsOnline bool
	Scope    string     // the scopes granted, comma-separated
	Expires  *time.Time // when AccessToken expires; nil for a non-expiring token
	// AccessToken is the Admin API credential. It is never printed: see String.
	AccessToken         string
	RefreshToken        string
	RefreshTokenExpires *time.Time
	OnlineAccessInfo    *OnlineAccessInfo // online sessions only
}

// OnlineAccessInfo describes the staff user of an online session.
type OnlineAccessInfo struct {
	ExpiresIn           int              `json:"expires_in"`
	AssociatedUserScope string           `json:"associated_user_scope"`
	AssociatedUser      OnlineAccessUser `json:"associated_user"`
}

// OnlineAccessUser is the staff user of an online session.
type OnlineAccessUser struct {
	ID            int64  `json:"id"`
	FirstName     string `json:"first_name"`
	LastName      string `json:"last_name"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	AccountOwner  bool   `json:"account_owner"`
	Locale        string `json:"locale"`
	Collaborator  bool   `json:"collaborator"`
}

// OfflineSessionID is the id of a shop's offline session.
func OfflineSessionID(shop string) string { return "offline_" + shop }

// OnlineSessionID is the id of a staff user's online session.
func OnlineSessionID(shop string, userID int64) string {
	return shop + "_" + strconv.FormatInt(userID, 10)
}

// now is the clock of the session checks; tests replace it.
var now = time.Now

// IsActive reports whether the session can be used for scopes as they are:
// it has a token, the token is not expired and the scopes have not changed.
func (s Session) IsActive(scopes AuthScopes) bool {
	return s.AccessToken != "" && !s.IsExpired(0) && !s.IsScopeChanged(scopes)
}

// IsExpired reports whether the access token expires within `within` from
// now (0: is already expired). A session without Expires never expires.
func (s Session) IsExpired(within time.Duration) bool {
	return s.Expires != nil && s.Expires.Add(-within).Before(now())
}

// IsRefreshable reports whether the session carries a refresh token that is
// still valid, so an expired access token can be renewed without the merchant.
func (s Session) IsRefreshable() bool {
	if s.RefreshToken == "" {
		return false
	}
	return s.RefreshTokenExpires == nil || s.RefreshTokenExpires.After(now())
}

// IsScopeChanged reports whether the app's scopes differ from the ones this
// session was granted, so the merchant must authorize again.
func (s Session) IsScopeChanged(scopes AuthScopes) bool {
	return !scopes.Equals(ParseAuthScopes(s.Scope))
}

// Equals reports whether two sessions hold the same data, tokens included.
func (s Session) Equals(o Session) bool {
	a, b := s.ToPropertyArray(true), o.ToPropertyArray(true)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// String describes the session without its tokens, so that a session can be
// logged or wrapped into an error safely. It has a value receiver so that
// printing a Session value (not only a pointer) is redacted too.
func (s Session) String() string {
	exp := "never"
	if s.Expires != nil {
		exp = s.Expires.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("Session{id=%s shop=%s online=%t scope=%q expires=%s token=%s refresh=%s}",
		s.ID, s.Shop, s.IsOnline, s.Scope, exp, redacted(s.AccessToken), redacted(s.RefreshToken))
}

// GoString keeps %#v from printing the token fields.
func (s Session) GoString() string { return s.String() }

// LogValue keeps slog from printing the token fields.
func (s Session) LogValue() slog.Value { return slog.StringValue(s.String()) }

func redacted(tok string) string {
	if tok == "" {
		return "none"
	}
	return "[redacted]"
}
