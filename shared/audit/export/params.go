package export

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
)

// Query parameter limits.
const (
	// MaxQueryLength bounds the raw query string.
	MaxQueryLength = 4096
	// MaxRange is the longest from..to span of one export: the default
	// retention, since nothing older is kept.
	MaxRange = 400 * 24 * time.Hour
	// maxTimeParam bounds a time parameter's text.
	maxTimeParam = 64
	// maxCursor bounds the cursor's text.
	maxCursor = 200
)

// Times must stay within years the store's fixed-width keys can hold.
var (
	minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// params are the query parameters, in the order the next-page link
// repeats them.
var params = []string{"from", "to", "action", "actor", "result", "resourceType", "shop", "cursor"}

// ParamError is a malformed or invalid query parameter: 400
// VALIDATION_ERROR naming the parameter.
type ParamError struct{ Err *platform.Error }

func (e *ParamError) Error() string { return e.Err.Error() }
func (e *ParamError) Unwrap() error { return e.Err }

func paramErr(format string, a ...any) error {
	return &ParamError{platform.E(platform.KindValidation, fmt.Sprintf(format, a...))}
}

// Query is GET /api/audit-export's query.
type Query struct {
	audit.Filter
	// After is the cursor: resume after this entry (nil: from From).
	After *audit.Position
}

// ParseQuery parses GET /api/audit-export's raw query string: from
// (required, RFC 3339), to (RFC 3339, default now; after from, at most
// MaxRange later), action, actor, result (success|failure|denied),
// resourceType, shop (optional filters, each an exact match), cursor (the
// X-Flux-Next-Cursor of the previous page). Unknown or repeated
// parameters are errors, so a typo never silently widens an export.
func ParseQuery(raw string, now time.Time) (Query, error) {
	if len(raw) > MaxQueryLength {
		return Query{}, paramErr("the query string is longer than %d bytes", MaxQueryLength)
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return Query{}, paramErr("the query string is malformed")
	}
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Contains(params, k) {
			return Query{}, paramErr("unknown parameter %q; the parameters are %s", clip(k), strings.Join(params, ", "))
		}
		if len(v[k]) > 1 {
			return Query{}, paramErr("parameter %s is given more than once", k)
		}
	}
	var q Query
	if _, ok := v["from"]; !ok {
		return Query{}, paramErr("parameter from is required (RFC 3339, e.g. 2025-01-01T00:00:00Z)")
	}
	if q.From, err = timeParam(v.Get("from"), "from"); err != nil {
		return Query{}, err
	}
	q.To = now.UTC()
	if _, ok := v["to"]; ok {
		if q.To, err = timeParam(v.Get("to"), "to"); err != nil {
			return Query{}, err
		}
	}
	if !q.From.Before(q.To) {
		return Query{}, paramErr("from must be before to")
	}
	if q.To.Sub(q.From) > MaxRange {
		return Query{}, paramErr("from and to may be at most %d days apart", int(MaxRange/(24*time.Hour)))
	}
	if a, ok := v["action"]; ok {
		if !audit.ValidAction(a[0]) {
			return Query{}, paramErr("action must be an action name such as apiKey.create")
		}
		q.Action = a[0]
	}
	if a, ok := v["actor"]; ok {
		if a[0] == "" || len(a[0]) > audit.MaxActor || strings.IndexFunc(a[0], unicode.IsControl) >= 0 || !isUTF8(a[0]) {
			return Query{}, paramErr("actor must be 1 to %d printable characters, such as api_key:key_…", audit.MaxActor)
		}
		q.Actor = a[0]
	}
	if r, ok := v["result"]; ok {
		res, err := audit.ParseResult(r[0])
		if err != nil {
			return Query{}, paramErr("result must be success, failure or denied")
		}
		q.Result = res
	}
	if t, ok := v["resourceType"]; ok {
		if !audit.ValidResourceType(t[0]) {
			return Query{}, paramErr("resourceType must be a resource type such as apiKey")
		}
		q.ResourceType = t[0]
	}
	if s, ok := v["shop"]; ok {
		if len(s[0]) > 128 {
			return Query{}, paramErr("shop is not a *.myshopify.com shop domain")
		}
		d, err := config.NormalizeShop(s[0])
		if err != nil {
			return Query{}, paramErr("shop %q is not a *.myshopify.com shop domain", clip(s[0]))
		}
		q.Shop = d
	}
	if c, ok := v["cursor"]; ok {
		p, err := DecodeCursor(c[0])
		if err != nil {
			return Query{}, err
		}
		if p.At.Before(q.From) || !p.At.Before(q.To) {
			return Query{}, paramErr("cursor is not within from and to; pass the next link back as it was returned")
		}
		q.After = &p
	}
	return q, nil
}

func timeParam(raw, name string) (time.Time, error) {
	if len(raw) > maxTimeParam {
		return time.Time{}, paramErr("%s must be an RFC 3339 time such as 2025-01-01T00:00:00Z", name)
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}, paramErr("%s must be an RFC 3339 time such as 2025-01-01T00:00:00Z", name)
	}
	t = t.UTC()
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}, paramErr("%s must be between %s and %s", name, minTime.Format(time.RFC3339), maxTime.Format(time.RFC3339))
	}
	return t, nil
}

// cursorLayout is the cursor's time: fixed width, so the text sorts.
const cursorLayout = "2006-01-02T15:04:05.000000000Z"

// EncodeCursor is the opaque cursor of a position: base64url of
// "<time>#<entry id>".
func EncodeCursor(p audit.Position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(p.At.UTC().Format(cursorLayout) + "#" + p.ID))
}

// DecodeCursor reads EncodeCursor's form; anything else is a ParamError.
func DecodeCursor(c string) (audit.Position, error) {
	bad := paramErr("cursor is not a cursor of this API; pass the next link back as it was returned")
	if c == "" || len(c) > maxCursor {
		return audit.Position{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return audit.Position{}, bad
	}
	s := string(b)
	if len(s) < len(cursorLayout)+2 || s[len(cursorLayout)] != '#' {
		return audit.Position{}, bad
	}
	at, err := time.Parse(cursorLayout, s[:len(cursorLayout)])
	if err != nil {
		return audit.Position{}, bad
	}
	id := s[len(cursorLayout)+1:]
	if len(id) > 64 || strings.ContainsAny(id, "#") || strings.IndexFunc(id, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || unicode.IsLetter(r) && r < 128 || unicode.IsDigit(r) && r < 128)
	}) >= 0 {
		return audit.Position{}, bad
	}
	return audit.Position{At: at.UTC(), ID: id}, nil
}

// nextQuery is the query string of the page after p: q's parameters,
// with to pinned (so a default "now" does not move between pages).
func nextQuery(q Query, p audit.Position) string {
	v := url.Values{}
	v.Set("from", q.From.Format(time.RFC3339Nano))
	v.Set("to", q.To.Format(time.RFC3339Nano))
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("action", q.Action)
	set("actor", q.Actor)
	set("result", string(q.Result))
	set("resourceType", q.ResourceType)
	set("shop", q.Shop)
	v.Set("cursor", EncodeCursor(p))
	return v.Encode()
}

func isUTF8(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

// clip shortens untrusted text quoted back in an error.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
