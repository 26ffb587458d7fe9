package mapping

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/flux-platform/flux/shared/platform"
)

// MaxCanonicalLength bounds a canonical path in bytes (it is part of a
// DynamoDB sort key, which allows 1024).
const MaxCanonicalLength = 512

// maxSegment bounds one segment (a handle, a type, a code...) in bytes:
// Shopify's handles and metaobject types are at most 255 characters.
const maxSegment = 255

// Fields are what a canonical path is built from; each object type reads
// the fields its rule names (see rules and docs/mappings.md).
type Fields struct {
	// Handle: products, collections, pages, blogs, menus, articles (the
	// article's own handle) and metaobjects (the entry's handle).
	Handle string
	// BlogHandle: the blog an article belongs to.
	BlogHandle string
	// Type: a metaobject definition's type, or a metaobject's type.
	Type string
	// OwnerType, Namespace, Key: a metafield definition (OwnerType as
	// Shopify's MetafieldOwnerType enum: PRODUCT, COLLECTION, ...).
	OwnerType, Namespace, Key string
	// Code: a code discount's (first) redeem code. Title: an automatic
	// discount's title, or a theme's name.
	Code, Title string
	// Filename: a file's name in the file library (hero-banner.jpg).
	Filename string
	// ThemeRole: a theme's role (MAIN for the published theme).
	ThemeRole string
}

// rule is one object type's canonical path and GID form: the one place
// these are defined.
type rule struct {
	// form describes the canonical path for error messages.
	form string
	// build makes the canonical path from fields (validated by validate).
	build func(Fields) string
	// validate checks a canonical path.
	validate func(string) bool
	// resources are the GID resource names the type accepts; the first one
	// is the form named in errors.
	resources []string
}

var (
	// A handle: Shopify generates lower-case letters, digits and '-', but
	// accepts other letters (non-Latin scripts), '_' and '.'.
	handlePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{N}_.-]+$`)
	// A metaobject type: "designer", "$app:designer", "app--123--designer".
	typePattern = regexp.MustCompile(`^[A-Za-z0-9_$:-]+$`)
	// A metafield owner type: Shopify's MetafieldOwnerType enum value.
	ownerPattern = regexp.MustCompile(`^[A-Z][A-Z_]*$`)
	// A metafield namespace ("custom", "$app:reviews", "app--1--x") and key.
	namespacePattern = regexp.MustCompile(`^[A-Za-z0-9_$:-]+$`)
	keyPattern       = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

func segment(s string, p *regexp.Regexp) bool {
	return s != "" && len(s) <= maxSegment && p.MatchString(s)
}

func isHandle(s string) bool { return segment(s, handlePattern) }

// isToken is a free-form segment (a discount code, a filename): valid
// UTF-8, printable, no whitespace, no '/', at most 255 bytes, not "." or "..".
func isToken(s string) bool {
	if s == "" || len(s) > maxSegment || !utf8.ValidString(s) || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if r == '/' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// two splits s at its only '/' into two non-empty parts.
func two(s string) (string, string, bool) {
	a, b, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(b, "/") {
		return "", "", false
	}
	return a, b, true
}

// Slug is the slug of a title: lower case, every run of characters other
// than letters and digits becomes one '-', no '-' at either end.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	s := b.String()
	for len(s) > maxSegment {
		_, size := utf8.DecodeLastRuneInString(s)
		s = strings.TrimRight(s[:len(s)-size], "-")
	}
	return s
}

// Discount and theme canonical prefixes.
const (
	discountCodePrefix      = "code/"
	discountAutomaticPrefix = "automatic/"
	themeLive               = "live"
	themeNamePrefix         = "name/"
)

func handleRule(resource string) rule {
	return rule{
		form:      "the object's handle, such as classic-leather-bag",
		build:     func(f Fields) string { return f.Handle },
		validate:  isHandle,
		resources: []string{resource},
	}
}

var rules = map[ObjectType]rule{
	Product:    handleRule("Product"),
	Collection: handleRule("Collection"),
	Page:       handleRule("Page"),
	Blog:       handleRule("Blog"),
	Menu:       handleRule("Menu"),
	Article: {
		form:  "blog-handle/article-handle, such as news/spring-launch",
		build: func(f Fields) string { return f.BlogHandle + "/" + f.Handle },
		validate: func(s string) bool {
			b, a, ok := two(s)
			return ok && isHandle(b) && isHandle(a)
		},
		resources: []string{"Article"},
	},
	MetaobjectDefinition: {
		form:      "the definition's type, such as designer",
		build:     func(f Fields) string { return f.Type },
		validate:  func(s string) bool { return segment(s, typePattern) },
		resources: []string{"MetaobjectDefinition"},
	},
	Metaobject: {
		form:  "type/handle, such as designer/jane-doe",
		build: func(f Fields) string { return f.Type + "/" + f.Handle },
		validate: func(s string) bool {
			t, h, ok := two(s)
			return ok && segment(t, typePattern) && isHandle(h)
		},
		resources: []string{"Metaobject"},
	},
	MetafieldDefinition: {
		form:  "OWNER.namespace.key, such as PRODUCT.custom.material",
		build: func(f Fields) string { return f.OwnerType + "." + f.Namespace + "." + f.Key },
		validate: func(s string) bool {
			parts := strings.Split(s, ".")
			return len(parts) == 3 && segment(parts[0], ownerPattern) &&
				segment(parts[1], namespacePattern) && len(parts[2]) <= 64 && segment(parts[2], keyPattern)
		},
		resources: []string{"MetafieldDefinition"},
	},
	Discount: {
		form: "code/<CODE> for a code discount (its first code, upper case), " +
			"automatic/<title-slug> for an automatic discount, such as code/WELCOME10",
		build: func(f Fields) string {
			if f.Code != "" {
				return discountCodePrefix + strings.ToUpper(f.Code)
			}
			return discountAutomaticPrefix + Slug(f.Title)
		},
		validate: func(s string) bool {
			if c, ok := strings.CutPrefix(s, discountCodePrefix); ok {
				return isToken(c) && c == strings.ToUpper(c)
			}
			if t, ok := strings.CutPrefix(s, discountAutomaticPrefix); ok {
				return t != "" && Slug(t) == t
			}
			return false
		},
		resources: []string{"DiscountCodeNode", "DiscountAutomaticNode", "DiscountNode"},
	},
	File: {
		form:      "the file's name, such as hero-banner.jpg",
		build:     func(f Fields) string { return f.Filename },
		validate:  isToken,
		resources: []string{"MediaImage", "GenericFile", "Video", "ExternalVideo", "Model3d"},
	},
	Theme: {
		form: "live for the published theme (role MAIN), name/<name-slug> for any other, such as name/summer-2026",
		build: func(f Fields) string {
			if strings.EqualFold(f.ThemeRole, "MAIN") {
				return themeLive
			}
			return themeNamePrefix + Slug(f.Title)
		},
		validate: func(s string) bool {
			if s == themeLive {
				return true
			}
			n, ok := strings.CutPrefix(s, themeNamePrefix)
			return ok && n != "" && Slug(n) == n
		},
		resources: []string{"OnlineStoreTheme"},
	},
}

// Canonical builds the canonical path of an object of type t from its
// fields; fields that do not make a valid path are a validation error
// naming the expected form.
func Canonical(t ObjectType, f Fields) (string, error) {
	r, ok := rules[t]
	if !ok {
		_, err := ParseObjectType(string(t))
		return "", err
	}
	c := r.build(f)
	if err := ValidateCanonical(t, c); err != nil {
		return "", err
	}
	return c, nil
}

// ValidateCanonical checks that c is a canonical path of type t.
func ValidateCanonical(t ObjectType, c string) error {
	r, ok := rules[t]
	if !ok {
		_, err := ParseObjectType(string(t))
		return err
	}
	if c == "" || len(c) > MaxCanonicalLength || !utf8.ValidString(c) || !r.validate(c) {
		return platform.E(platform.KindValidation,
			fmt.Sprintf("canonical %q is not a %s canonical path: expected %s", clip(c), t, r.form))
	}
	return nil
}

// CanonicalForm describes the canonical path of type t (for docs and errors).
func CanonicalForm(t ObjectType) string { return rules[t].form }

// clip shortens untrusted input quoted in an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}
