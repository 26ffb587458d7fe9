package oauth

import (
	"regexp"
	"strings"

	"github.com/flux-platform/flux/shared/config"
)

// adminStoreURL is the admin address a merchant may paste
// ("https://admin.shopify.com/store/demo"), as Shopify's libraries accept.
var adminStoreURL = regexp.MustCompile(`^(?:https://)?admin\.shopify\.com/store/([a-z0-9][a-z0-9-]*)/?$`)

// ValidateShop returns the shop's canonical *.myshopify.com domain, or a
// KindValidation error. Anything that is not a plain *.myshopify.com host
// (other domains, ports, paths, userinfo, look-alikes such as
// "x.myshopify.com.evil.com") is refused: the domain decides where Flux sends
// the client secret and the authorization code.
func ValidateShop(s string) (string, error) {
	if m := adminStoreURL.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s))); m != nil {
		s = m[1] + ".myshopify.com"
	}
	return config.NormalizeShop(s)
}
