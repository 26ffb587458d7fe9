package shopify

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/flux-platform/flux/shared/platform"
)

// DefaultAPIVersion is the Admin API version Flux pins. 2026-10 is the newest
// stable version (Shopify releases one each quarter, on the 1st at 17:00 UTC;
// 2026-10 went stable on 2026-10-01) and is supported until at least
// 2027-10-01. Pinning the newest stable one gives Flux the longest runway
// before the next forced upgrade; bump it deliberately, with the release
// notes read, never implicitly.
const DefaultAPIVersion = "2026-10"

// UnstableAPIVersion is Shopify's development version: allowed for
// experiments, never a default.
const UnstableAPIVersion = "unstable"

var versionPattern = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// ValidateAPIVersion accepts "unstable" or a YYYY-MM version whose month is a
// release month (01, 04, 07, 10). Shopify answers 404 for anything else, so
// catching it here turns a confusing runtime failure into a configuration
// error.
func ValidateAPIVersion(v string) error {
	if v == UnstableAPIVersion {
		return nil
	}
	m := versionPattern.FindStringSubmatch(v)
	if m == nil {
		return platform.E(platform.KindValidation, fmt.Sprintf("API version %q is not YYYY-MM or unstable", v))
	}
	year, _ := strconv.Atoi(m[1])
	switch m[2] {
	case "01", "04", "07", "10":
	default:
		return platform.E(platform.KindValidation, fmt.Sprintf("API version %q: Shopify releases versions only in January, April, July and October", v))
	}
	if year < 2019 { // the first versioned release was 2019-04
		return platform.E(platform.KindValidation, fmt.Sprintf("API version %q predates Shopify's API versioning", v))
	}
	return nil
}
