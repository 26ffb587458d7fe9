package objects

import (
	"strings"
	"testing"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// FuzzParseRevertRequest: any body is either a valid request (a known type,
// a canonical of that type, a shop, a version ≥ 1) or a validation error;
// it never panics.
func FuzzParseRevertRequest(f *testing.F) {
	for _, s := range []string{
		`{"objectType":"PRODUCT","canonical":"classic-leather-bag","shop":"a.myshopify.com","version":1}`,
		`{"objectType":"ARTICLE","canonical":"news/x","shop":"a","version":3}`,
		`{"objectType":"PRODUCT","canonical":"x","shop":"a","version":1.5}`,
		`{"objectType":"PRODUCT","canonical":"x","shop":"a","version":-1}`,
		`{"version":99999999999999999999}`, `{`, `[]`, `null`, `{} {}`, `"x"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		in, err := ParseRevertRequest(strings.NewReader(body))
		if err != nil {
			if platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("%q: %v is not a validation error", body, err)
			}
			return
		}
		if !in.Type.Valid() || mapping.ValidateCanonical(in.Type, in.Canonical) != nil || in.Shop == "" || in.Version < 1 {
			t.Fatalf("%q accepted as %+v", body, in)
		}
	})
}
