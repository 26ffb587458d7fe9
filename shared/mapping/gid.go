package mapping

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/flux-platform/flux/shared/platform"
)

const gidPrefix = "gid://shopify/"

// ParseGID splits a Shopify GID gid://shopify/<Resource>/<id> into its
// resource name and numeric id (a positive 64-bit integer). It accepts no
// query string, fragment or other form.
func ParseGID(gid string) (resource string, id uint64, ok bool) {
	rest, found := strings.CutPrefix(gid, gidPrefix)
	if !found {
		return "", 0, false
	}
	resource, num, found := strings.Cut(rest, "/")
	if !found || resource == "" || len(resource) > 64 {
		return "", 0, false
	}
	for _, r := range resource {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return "", 0, false
		}
	}
	if resource[0] < 'A' || resource[0] > 'Z' {
		return "", 0, false
	}
	if num == "" || num[0] == '0' || len(num) > 20 {
		return "", 0, false
	}
	for _, r := range num {
		if r < '0' || r > '9' {
			return "", 0, false
		}
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n == 0 {
		return "", 0, false
	}
	return resource, n, true
}

// ValidateGID checks that gid is a Shopify GID of an object of type t, such
// as gid://shopify/Product/123 for PRODUCT; anything else is a validation
// error naming the expected form.
func ValidateGID(t ObjectType, gid string) error {
	r, ok := rules[t]
	if !ok {
		_, err := ParseObjectType(string(t))
		return err
	}
	res, _, ok := ParseGID(gid)
	if ok {
		for _, want := range r.resources {
			if res == want {
				return nil
			}
		}
	}
	return platform.E(platform.KindValidation,
		fmt.Sprintf("gid %q is not a %s id: expected %s", clip(gid), t, GIDForm(t)))
}

// GIDForm describes the GIDs type t accepts: gid://shopify/Product/<id>, or
// for several resources gid://shopify/{MediaImage|GenericFile|...}/<id>.
func GIDForm(t ObjectType) string {
	res := rules[t].resources
	if len(res) == 1 {
		return gidPrefix + res[0] + "/<id>"
	}
	return gidPrefix + "{" + strings.Join(res, "|") + "}/<id>"
}

// GIDKey is the identity of a valid GID of type t in a store: the GID
// itself, except for discounts, whose DiscountCodeNode, DiscountAutomaticNode
// and DiscountNode GIDs with one numeric id are one discount
// (gid://shopify/DiscountNode/<id>). The store keys reverse lookups by it.
func GIDKey(t ObjectType, gid string) string {
	if t != Discount {
		return gid
	}
	_, id, ok := ParseGID(gid)
	if !ok {
		return gid
	}
	return gidPrefix + "DiscountNode/" + strconv.FormatUint(id, 10)
}
