package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// QueryMessage is the message Shopify signs in a redirect's `hmac`: every
// parameter except hmac and signature, sorted by name, each value
// form-encoded (application/x-www-form-urlencoded, as Shopify's own Node and
// Ruby libraries build it) and joined with '&'. A repeated parameter keeps
// its values in order.
func QueryMessage(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k == "hmac" || k == "signature" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(formEncode(k))
			b.WriteByte('=')
			b.WriteString(formEncode(v))
		}
	}
	return b.String()
}

// formEncode is the WHATWG application/x-www-form-urlencoded byte
// serializer (what URLSearchParams produces): ALPHA, DIGIT and *-._ stay,
// space becomes '+', every other byte is %XX. Go's url.QueryEscape differs
// on '*' and '~', which would break the signature.
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

// SignQuery is the hex HMAC-SHA256 of QueryMessage(q) under secret: the value
// Shopify puts in `hmac` (the emulator and tests sign with it).
func SignQuery(secret string, q url.Values) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(QueryMessage(q)))
	return hex.EncodeToString(m.Sum(nil))
}

// LegacyQueryMessage is the message as Shopify's OAuth documentation has
// long described it: parameters except hmac and signature, sorted, "k=v"
// joined with '&', where '%' and '&' are escaped (%25, %26) in names and
// values and '=' (%3D) in names; an array parameter "ids[]" becomes
// ids=["1", "2"], another repeated one joins its values with ','. Values
// stay otherwise raw, so a `host` with '/' or '+' differs from QueryMessage.
func LegacyQueryMessage(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "hmac" && k != "signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	esc := strings.NewReplacer("%", "%25", "&", "%26")
	escKey := strings.NewReplacer("%", "%25", "&", "%26", "=", "%3D")
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		vs := q[k]
		var v string
		if name, isArray := strings.CutSuffix(k, "[]"); isArray {
			quoted := make([]string, len(vs))
			for i, x := range vs {
				quoted[i] = `"` + x + `"`
			}
			k, v = name, "["+strings.Join(quoted, ", ")+"]"
		} else {
			v = strings.Join(vs, ",")
		}
		parts = append(parts, escKey.Replace(k)+"="+esc.Replace(v))
	}
	return strings.Join(parts, "&")
}

// VerifyHMACQuery reports whether q carries exactly one `hmac` (hex) that is
// the HMAC-SHA256 under secret of its other parameters, canonicalized either
// as QueryMessage (what Shopify's Node and Ruby libraries check) or as
// LegacyQueryMessage (Shopify's documented rule). Both are unambiguous, and
// the only difference one can pass off as the other is a space for a '+'.
// The comparison is constant-time; an empty secret or a missing or malformed
// hmac never verifies.
func VerifyHMACQuery(secret string, q url.Values) bool {
	if secret == "" || len(q["hmac"]) != 1 {
		return false
	}
	got, err := hex.DecodeString(q.Get("hmac"))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	ok := false
	for _, msg := range []string{QueryMessage(q), LegacyQueryMessage(q)} {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(msg))
		// Both are computed and compared whatever the first gave: no timing
		// difference tells which form matched.
		ok = hmac.Equal(got, m.Sum(nil)) || ok
	}
	return ok
}

// DefaultTimestampTolerance is how far a redirect's `timestamp` may be from
// now, as Shopify's libraries allow (90 s): it bounds the replay of a signed
// URL that leaked (browser history, logs, referrers).
const DefaultTimestampTolerance = 90 * time.Second

// CheckTimestamp verifies q's `timestamp` (Unix seconds) is within tolerance
// of now.
func CheckTimestamp(q url.Values, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil {
		return platform.E(platform.KindValidation, "the request from Shopify has no valid timestamp")
	}
	d := now.Sub(time.Unix(ts, 0))
	if d < -tolerance || d > tolerance {
		return platform.E(platform.KindValidation, "the request from Shopify has expired; start again from the Shopify admin")
	}
	return nil
}
