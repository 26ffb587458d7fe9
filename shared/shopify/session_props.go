package shopify

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// Property is one [key, value] pair of a session's storage form. Value is a
// string, an int64 or a bool, as in seed 003's toPropertyArray.
type Property struct {
	Key   string
	Value any
}

// MarshalJSON writes the pair as seed 003's [key, value] tuple.
func (p Property) MarshalJSON() ([]byte, error) { return json.Marshal([2]any{p.Key, p.Value}) }

// UnmarshalJSON reads a [key, value] tuple; numbers stay exact (json.Number).
func (p *Property) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var raw []any
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	if len(raw) != 2 {
		return errors.New("a session property is a [key, value] pair")
	}
	k, ok := raw[0].(string)
	if !ok {
		return errors.New("a session property key is a string")
	}
	p.Key, p.Value = k, raw[1]
	return nil
}

// ToPropertyArray is the session's storage form: pairs in a fixed order,
// absent values left out, times as Unix milliseconds. Without userData an
// online session keeps only its user's id (onlineAccessInfo), as in seed 003;
// with it, every user field. Tokens ARE included: this is what is stored
// (encrypted) and never what is logged.
func (s Session) ToPropertyArray(userData bool) []Property {
	props := []Property{
		{"id", s.ID},
		{"shop", s.Shop},
		{"state", s.State},
		{"isOnline", s.IsOnline},
	}
	add := func(k string, v any) { props = append(props, Property{k, v}) }
	if s.Scope != "" {
		add("scope", s.Scope)
	}
	if s.Expires != nil {
		add("expires", s.Expires.UnixMilli())
	}
	if s.AccessToken != "" {
		add("accessToken", s.AccessToken)
	}
	if s.RefreshToken != "" {
		add("refreshToken", s.RefreshToken)
	}
	if s.RefreshTokenExpires != nil {
		add("refreshTokenExpires", s.RefreshTokenExpires.UnixMilli())
	}
	if info := s.OnlineAccessInfo; info != nil {
		if !userData {
			add("onlineAccessInfo", info.AssociatedUser.ID)
		} else {
			u := info.AssociatedUser
			add("userId", u.ID)
			add("firstName", u.FirstName)
			add("lastName", u.LastName)
			add("email", u.Email)
			add("locale", u.Locale)
			add("emailVerified", u.EmailVerified)
			add("accountOwner", u.AccountOwner)
			add("collaborator", u.Collaborator)
			// Flux keeps these two as well (seed 003 drops them) so that the
			// storage form round-trips a session exactly.
			if info.AssociatedUserScope != "" {
				add("associatedUserScope", info.AssociatedUserScope)
			}
			if info.ExpiresIn != 0 {
				add("expiresIn", int64(info.ExpiresIn))
			}
		}
	}
	return props
}

func errBadSession(format string, args ...any) error {
	return platform.E(platform.KindValidation, "invalid stored session: "+fmt.Sprintf(format, args...))
}

// SessionFromPropertyArray rebuilds a session from its storage form. Keys
// match case-insensitively, isOnline may be a bool, "true"/"false" or a
// number, numbers may be int64, float64 or json.Number (what a JSON or
// DynamoDB round trip yields); nil values are skipped and unknown keys
// ignored, as seed 003's fromPropertyArray does. User fields are read only
// with userData.
func SessionFromPropertyArray(props []Property, userData bool) (Session, error) {
	var s Session
	var info OnlineAccessInfo
	hasUser := false
	for _, p := range props {
		if p.Value == nil {
			continue
		}
		var err error
		switch strings.ToLower(p.Key) {
		case "id":
			s.ID, err = asString(p.Value)
		case "shop":
			s.Shop, err = asString(p.Value)
		case "state":
			s.State, err = asString(p.Value)
		case "isonline":
			s.IsOnline, err = asBool(p.Value)
		case "scope":
			s.Scope, err = asString(p.Value)
		case "expires":
			s.Expires, err = asTime(p.Value)
		case "accesstoken":
			s.AccessToken, err = asString(p.Value)
		case "refreshtoken":
			s.RefreshToken, err = asString(p.Value)
		case "refreshtokenexpires":
			s.RefreshTokenExpires, err = asTime(p.Value)
		case "onlineaccessinfo", "userid":
			hasUser = true
			info.AssociatedUser.ID, err = asInt(p.Value)
		default:
			if !userData {
				continue
			}
			u := &info.AssociatedUser
			hasUser = hasUser || userKeys[strings.ToLower(p.Key)]
			switch strings.ToLower(p.Key) {
			case "firstname":
				u.FirstName, err = asString(p.Value)
			case "lastname":
				u.LastName, err = asString(p.Value)
			case "email":
				u.Email, err = asString(p.Value)
			case "locale":
				u.Locale, err = asString(p.Value)
			case "emailverified":
				u.EmailVerified, err = asBool(p.Value)
			case "accountowner":
				u.AccountOwner, err = asBool(p.Value)
			case "collaborator":
				u.Collaborator, err = asBool(p.Value)
			case "associateduserscope":
				info.AssociatedUserScope, err = asString(p.Value)
			case "expiresin":
				var n int64
				n, err = asInt(p.Value)
				info.ExpiresIn = int(n)
			}
		}
		if err != nil {
			return Session{}, errBadSession("%s: %v", p.Key, err)
		}
	}
	if s.ID == "" || s.Shop == "" {
		return Session{}, errBadSession("id and shop are required")
	}
	if s.IsOnline && hasUser {
		s.OnlineAccessInfo = &info
	}
	return s, nil
}

// userKeys are the keys of ToPropertyArray(true)'s user fields.
var userKeys = map[string]bool{
	"firstname": true, "lastname": true, "email": true, "locale": true, "emailverified": true,
	"accountowner": true, "collaborator": true, "associateduserscope": true, "expiresin": true,
}

func asString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case int64, int, float64, bool:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("unexpected %T", v)
}

func asBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		return strings.EqualFold(x, "true"), nil
	case int64:
		return x != 0, nil
	case int:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case json.Number:
		f, err := x.Float64()
		return f != 0, err
	}
	return false, fmt.Errorf("unexpected %T", v)
}

func asInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, errors.New("not an integer")
		}
		return int64(x), nil
	case json.Number:
		return x.Int64()
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("unexpected %T", v)
}

// asTime reads Unix milliseconds; 0 or "" means no time, as seed 003 treats a
// falsy expires.
func asTime(v any) (*time.Time, error) {
	if s, ok := v.(string); ok && s == "" {
		return nil, nil
	}
	ms, err := asInt(v)
	if err != nil || ms == 0 {
		return nil, err
	}
	t := time.UnixMilli(ms).UTC()
	return &t, nil
}
