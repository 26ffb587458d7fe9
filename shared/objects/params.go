package objects

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// Query parameter limits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	// MaxQueryLength bounds the raw query string; every valid query is far
	// shorter (a canonical is at most mapping.MaxCanonicalLength).
	MaxQueryLength = 4096
)

// maxSeq is the largest version number (12 digits, as the store keys it).
const maxSeq = 999_999_999_999

// seqPattern is a version number or a cursor: 1..999999999999, no sign,
// no leading zero, no spaces.
var seqPattern = regexp.MustCompile(`^[1-9][0-9]{0,11}$`)

// ParamError is a malformed or invalid query parameter: 400
// VALIDATION_ERROR naming the parameter.
type ParamError struct{ Err *platform.Error }

func (e *ParamError) Error() string { return e.Err.Error() }
func (e *ParamError) Unwrap() error { return e.Err }

func paramErr(format string, a ...any) error {
	return &ParamError{platform.E(platform.KindValidation, fmt.Sprintf(format, a...))}
}

// Object names one object in one shop.
type Object struct {
	Type      mapping.ObjectType
	Canonical string
	Shop      string
}

// HistoryQuery is GET /api/object-history's query.
type HistoryQuery struct {
	Object
	Limit  int
	Cursor string // "" for the first page, else a version number
}

// DiffQuery is GET /api/object-diff's query: two versions of one object
// (From, To: 0 = the default), or, with OtherShop, the current versions of
// the object in Shop (from) and OtherShop (to).
type DiffQuery struct {
	Object
	From, To  int64
	OtherShop string
}

// values parses the raw query: malformed escapes, repeated or unknown
// parameters and over-long queries are errors, so that a typo is never
// silently ignored.
func values(raw string, allowed ...string) (url.Values, error) {
	if len(raw) > MaxQueryLength {
		return nil, paramErr("the query string is longer than %d bytes", MaxQueryLength)
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return nil, paramErr("the query string is malformed")
	}
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Contains(allowed, k) {
			return nil, paramErr("unknown parameter %q; the parameters are %s", clip(k), strings.Join(allowed, ", "))
		}
		if len(v[k]) > 1 {
			return nil, paramErr("parameter %s is given more than once", k)
		}
	}
	return v, nil
}

// object parses objectType, canonical and shop, all required.
func object(v url.Values) (Object, error) {
	for _, k := range []string{"objectType", "canonical", "shop"} {
		if v.Get(k) == "" {
			return Object{}, paramErr("parameter %s is required", k)
		}
	}
	raw := v.Get("objectType")
	if len(raw) > 64 {
		return Object{}, paramErr("objectType is not an object type")
	}
	t, err := mapping.ParseObjectType(raw)
	if err != nil {
		return Object{}, &ParamError{platform.E(platform.KindValidation, platform.PublicMessage(err))}
	}
	c := v.Get("canonical")
	if err := mapping.ValidateCanonical(t, c); err != nil {
		return Object{}, &ParamError{platform.E(platform.KindValidation, platform.PublicMessage(err))}
	}
	shop, err := shopParam(v, "shop")
	if err != nil {
		return Object{}, err
	}
	return Object{Type: t, Canonical: c, Shop: shop}, nil
}

func shopParam(v url.Values, name string) (string, error) {
	raw := v.Get(name)
	if len(raw) > 128 {
		return "", paramErr("%s is not a *.myshopify.com shop domain", name)
	}
	d, err := config.NormalizeShop(raw)
	if err != nil {
		return "", paramErr("%s %q is not a *.myshopify.com shop domain", name, raw)
	}
	return d, nil
}

// seqParam is an optional version number (0 when absent).
func seqParam(v url.Values, name string) (int64, error) {
	raw, ok := v[name]
	if !ok {
		return 0, nil
	}
	if !seqPattern.MatchString(raw[0]) {
		return 0, paramErr("%s must be a version number between 1 and %d", name, int64(maxSeq))
	}
	n, _ := strconv.ParseInt(raw[0], 10, 64)
	return n, nil
}

// ParseHistoryQuery parses GET /api/object-history's raw query string:
// objectType, canonical, shop (required), limit (1..100, default 20),
// cursor (the nextCursor of the previous page).
func ParseHistoryQuery(raw string) (HistoryQuery, error) {
	v, err := values(raw, "objectType", "canonical", "shop", "limit", "cursor")
	if err != nil {
		return HistoryQuery{}, err
	}
	o, err := object(v)
	if err != nil {
		return HistoryQuery{}, err
	}
	q := HistoryQuery{Object: o, Limit: DefaultLimit}
	if l, ok := v["limit"]; ok {
		n, err := strconv.Atoi(l[0])
		if err != nil || n < 1 || n > MaxLimit || l[0] != strconv.Itoa(n) {
			return HistoryQuery{}, paramErr("limit must be an integer between 1 and %d", MaxLimit)
		}
		q.Limit = n
	}
	if c, ok := v["cursor"]; ok {
		// The cursor is the store's: the number of the last version of the
		// previous page. Anything else was not made by this API.
		if !seqPattern.MatchString(c[0]) {
			return HistoryQuery{}, paramErr("cursor is not a cursor of this API; pass back nextCursor as it was returned")
		}
		q.Cursor = c[0]
	}
	return q, nil
}

// ParseDiffQuery parses GET /api/object-diff's raw query string:
// objectType, canonical, shop (required) and either from and/or to (version
// numbers; default to = current, from = to - 1) or otherShop.
func ParseDiffQuery(raw string) (DiffQuery, error) {
	v, err := values(raw, "objectType", "canonical", "shop", "from", "to", "otherShop")
	if err != nil {
		return DiffQuery{}, err
	}
	o, err := object(v)
	if err != nil {
		return DiffQuery{}, err
	}
	q := DiffQuery{Object: o}
	if q.From, err = seqParam(v, "from"); err != nil {
		return DiffQuery{}, err
	}
	if q.To, err = seqParam(v, "to"); err != nil {
		return DiffQuery{}, err
	}
	if _, ok := v["otherShop"]; ok {
		if q.From != 0 || q.To != 0 {
			return DiffQuery{}, paramErr("otherShop compares the current versions of two shops and cannot be combined with from or to")
		}
		if q.OtherShop, err = shopParam(v, "otherShop"); err != nil {
			return DiffQuery{}, err
		}
		if q.OtherShop == q.Shop {
			return DiffQuery{}, paramErr("otherShop must be another shop than shop; to compare versions in one shop use from and to")
		}
	}
	return q, nil
}

// clip shortens untrusted text quoted back in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
