package stores

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// DefaultLimit is the page size of every list query when the caller names
// none (seed 000), MaxLimit Shopify's largest page.
const (
	DefaultLimit = 50
	MaxLimit     = 250
	// maxCursorLength bounds the opaque cursor a caller hands back. Shopify's
	// cursors are short base64 strings; anything longer is not one.
	maxCursorLength = 1024
)

// ID is a Shopify global id (gid://shopify/Product/123) as Flux returns it.
// On the wire it is a JSON string. Its two methods are graphql-go's scalar
// contract (matched by method set; this package does not import graphql-go),
// so the gateway can serve the group's result types as they are, with their
// ids as the GraphQL ID scalar.
type ID string

// ImplementsGraphQLType reports that ID is the GraphQL ID scalar.
func (ID) ImplementsGraphQLType(name string) bool { return name == "ID" }

// UnmarshalGraphQL reads an ID from a GraphQL input value.
func (id *ID) UnmarshalGraphQL(input any) error {
	s, ok := input.(string)
	if !ok {
		return fmt.Errorf("ID must be a string, got %T", input)
	}
	*id = ID(s)
	return nil
}

// PageInfo tells the caller whether there is more: pass Cursor back as the
// next request's cursor while HasNextPage. A page may hold fewer items than
// the limit asked for (see docs/api.md); only HasNextPage says it is the end.
type PageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	Cursor      *string `json:"cursor"`
}

// ListArgs are the arguments every list query shares.
type ListArgs struct {
	Shop   string  `json:"shop"`
	Cursor *string `json:"cursor,omitempty"`
	// Limit is the largest number of items wanted, 1..250; nil means 50.
	Limit *int `json:"limit,omitempty"`
	// UpdatedSince is an RFC 3339 time: only objects updated after it.
	UpdatedSince *string `json:"updatedSince,omitempty"`
}

// PageArgs are the arguments of a list query without updatedSince (Shopify
// cannot search these objects by update time).
type PageArgs struct {
	Shop   string  `json:"shop"`
	Cursor *string `json:"cursor,omitempty"`
	Limit  *int    `json:"limit,omitempty"`
}

func (a PageArgs) list() ListArgs { return ListArgs{Shop: a.Shop, Cursor: a.Cursor, Limit: a.Limit} }

// page is ListArgs validated: the limit, the cursor (nil for the first page)
// and the Shopify search string for updatedSince ("" for none).
type page struct {
	limit  int
	after  *string
	search string
}

// validate checks the shared arguments (the shop is checked separately).
func (a ListArgs) validate() (page, error) {
	p := page{limit: DefaultLimit}
	if a.Limit != nil {
		p.limit = *a.Limit
	}
	if p.limit < 1 || p.limit > MaxLimit {
		return page{}, platform.E(platform.KindValidation,
			fmt.Sprintf("limit must be between 1 and %d, got %d", MaxLimit, p.limit))
	}
	if a.Cursor != nil && *a.Cursor != "" {
		c := *a.Cursor
		if len(c) > maxCursorLength || strings.ContainsAny(c, " \t\r\n\"'") {
			return page{}, platform.E(platform.KindValidation, "cursor is not a cursor this API returned")
		}
		p.after = &c
	}
	if a.UpdatedSince != nil && *a.UpdatedSince != "" {
		s, err := updatedAfter(*a.UpdatedSince)
		if err != nil {
			return page{}, err
		}
		p.search = s
	}
	return p, nil
}

// updatedAfter is Shopify's search term for "updated after t":
// updated_at:>'2025-01-02T03:04:05Z'. t must be RFC 3339; it is sent in UTC.
func updatedAfter(t string) (string, error) {
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(t))
	if err != nil {
		return "", platform.E(platform.KindValidation,
			fmt.Sprintf("updatedSince %q is not an RFC 3339 time such as 2025-01-02T03:04:05Z", t))
	}
	return "updated_at:>'" + at.UTC().Format(time.RFC3339) + "'", nil
}

// andSearch joins Shopify search terms.
func andSearch(terms ...string) string {
	var out []string
	for _, t := range terms {
		if t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, " AND ")
}

// vars are the variables of a root query for page p, with first nodes.
func (p page) vars(first int, extra map[string]any) map[string]any {
	v := map[string]any{"first": first}
	if p.after != nil {
		v["after"] = *p.after
	}
	if p.search != "" {
		v["query"] = p.search
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

var gidNumber = regexp.MustCompile(`^(?:gid://shopify/([A-Za-z]+)/)?([0-9]{1,20})$`)

// legacyID is the numeric part of a GID of type typ (or a bare number).
func legacyID(id, typ, arg string) (string, error) {
	m := gidNumber.FindStringSubmatch(strings.TrimSpace(id))
	if m == nil || (m[1] != "" && m[1] != typ) {
		return "", platform.E(platform.KindValidation,
			fmt.Sprintf("%s %q is not a %s id such as gid://shopify/%s/123", arg, id, typ, typ))
	}
	return m[2], nil
}

var metaobjectType = regexp.MustCompile(`^\$?[A-Za-z0-9_:\-]{1,255}$`)

// metafieldOwnerTypes are the values of Shopify's MetafieldOwnerType enum.
var metafieldOwnerTypes = []string{
	"API_PERMISSION", "ARTICLE", "BLOG", "CARTTRANSFORM", "COLLECTION", "COMPANY", "COMPANY_LOCATION",
	"CUSTOMER", "DELIVERY_CUSTOMIZATION", "DISCOUNT", "DRAFTORDER", "FULFILLMENT_CONSTRAINT_RULE",
	"GIFT_CARD_TRANSACTION", "LOCATION", "MARKET", "MEDIA_IMAGE", "ORDER", "ORDER_ROUTING_LOCATION_RULE",
	"PAGE", "PAYMENT_CUSTOMIZATION", "PRODUCT", "PRODUCTVARIANT", "SELLING_PLAN", "SHOP", "VALIDATION",
}
