package writes

// Converters: each input of a write mutation becomes the object's
// canonical path and its body in Flux's canonical form (shared/capture),
// which shopwrite writes. References are canonical: {"$ref":{"type",
// "canonical"}}, re-pointed by shopwrite through the target's mappings.
// Every converter validates what Flux can check itself and answers a
// KindValidation error naming the field (input.product.title ...).

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// Limits of one write's input (Shopify's own limits where it has them).
const (
	MaxTitle      = 255
	MaxText       = 512 << 10 // descriptionHtml, body: 512 KiB
	MaxShort      = 5000      // summary, descriptions, SEO, alt text
	MaxTags       = 250
	MaxTag        = 255
	MaxOptions    = 3
	MaxValues     = 100 // values of one option
	MaxVariants   = 2048
	MaxMetafields = 250
	MaxMedia      = 250
	MaxProducts   = 5000 // products of a custom collection
	MaxRules      = 60
	MaxMenuItems  = 1000 // over all levels
	MaxMenuDepth  = 3
	MaxFields     = 128 // fields of a metaobject (definition)
	MaxValue      = 512 << 10
	MaxURL        = 2048
)

// Body is a converted input: the object's type, canonical path and body.
type Body struct {
	Type      mapping.ObjectType
	Canonical string
	JSON      []byte
}

func bad(field, format string, args ...any) error {
	return platform.E(platform.KindValidation, field+": "+fmt.Sprintf(format, args...))
}

// checker collects the first validation error of a conversion.
type checker struct{ err error }

func (c *checker) fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = bad(field, format, args...)
	}
}

func (c *checker) str(field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		c.fail(field, "is required")
	case !utf8.ValidString(s):
		c.fail(field, "is not valid UTF-8")
	case len(s) > max:
		c.fail(field, "is longer than %d bytes", max)
	}
}

func (c *checker) opt(field string, s *string, max int) {
	if s != nil {
		c.str(field, *s, max, false)
	}
}

func (c *checker) count(field string, n, max int) {
	if n > max {
		c.fail(field, "has %d elements; at most %d", n, max)
	}
}

func (c *checker) canonical(field string, t mapping.ObjectType, s string) {
	if c.err == nil && mapping.ValidateCanonical(t, s) != nil {
		c.fail(field, "%q is not a valid %s (expected %s)", clip(s), strings.ToLower(string(t)), mapping.CanonicalForm(t))
	}
}

func (c *checker) oneOf(field, s string, allowed ...string) {
	if !slices.Contains(allowed, s) {
		c.fail(field, "%q is not one of %s", clip(s), strings.Join(allowed, ", "))
	}
}

func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	for i := 60; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}

// set puts *p under k when p is not nil.
func set[T any](m map[string]any, k string, p *T) {
	if p != nil {
		m[k] = *p
	}
}

func ref(t mapping.ObjectType, canonical string) map[string]any {
	return map[string]any{capture.RefKey: map[string]any{"type": string(t), "canonical": canonical}}
}

// objectRef converts a reference input.
func (c *checker) objectRef(field string, r ObjectRef) map[string]any {
	t, err := mapping.ParseObjectType(r.ObjectType)
	if err != nil || t == mapping.Theme {
		c.fail(field+".objectType", "%q is not an object type Flux writes", clip(r.ObjectType))
		return nil
	}
	c.canonical(field+".canonical", t, r.Canonical)
	return ref(t, r.Canonical)
}

// refValue is a metafield's or metaobject field's value: a string, a
// reference or a list of references; exactly one must be given.
func (c *checker) refValue(field string, value *string, one *ObjectRef, many *[]ObjectRef) any {
	n := 0
	for _, given := range []bool{value != nil, one != nil, many != nil} {
		if given {
			n++
		}
	}
	if n != 1 {
		c.fail(field, "give exactly one of value, reference, references")
		return nil
	}
	switch {
	case value != nil:
		c.str(field+".value", *value, MaxValue, false)
		return *value
	case one != nil:
		return c.objectRef(field+".reference", *one)
	}
	c.count(field+".references", len(*many), MaxMetafields)
	out := make([]any, len(*many))
	for i, r := range *many {
		out[i] = c.objectRef(fmt.Sprintf("%s.references[%d]", field, i), r)
	}
	return out
}

var (
	namespacePattern = regexp.MustCompile(`^[A-Za-z0-9_$:-]{2,255}$`)
	keyPattern       = regexp.MustCompile(`^[A-Za-z0-9_-]{2,64}$`)
	typeNamePattern  = regexp.MustCompile(`^[a-z_.]{1,100}$`)
	enumPattern      = regexp.MustCompile(`^[A-Z][A-Z_]{0,63}$`)
)

func (c *checker) metafields(field string, mfs *[]Metafield) []any {
	if mfs == nil {
		return nil
	}
	c.count(field, len(*mfs), MaxMetafields)
	out := make([]any, 0, len(*mfs))
	seen := map[string]bool{}
	for i, m := range *mfs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !namespacePattern.MatchString(m.Namespace) {
			c.fail(f+".namespace", "%q is not a metafield namespace (2-255 of A-Z a-z 0-9 _ - $ :)", clip(m.Namespace))
		}
		if !keyPattern.MatchString(m.Key) {
			c.fail(f+".key", "%q is not a metafield key (2-64 of A-Z a-z 0-9 _ -)", clip(m.Key))
		}
		if !typeNamePattern.MatchString(m.Type) {
			c.fail(f+".type", "%q is not a metafield type (such as single_line_text_field, product_reference)", clip(m.Type))
		}
		if seen[m.Namespace+"."+m.Key] {
			c.fail(f, "%s.%s is given twice", m.Namespace, m.Key)
		}
		seen[m.Namespace+"."+m.Key] = true
		v := c.refValue(f, m.Value, m.Reference, m.References)
		out = append(out, map[string]any{"namespace": m.Namespace, "key": m.Key, "type": m.Type, "value": v})
	}
	return out
}

func (c *checker) tags(field string, tags *[]string) []string {
	if tags == nil {
		return nil
	}
	c.count(field, len(*tags), MaxTags)
	for i, t := range *tags {
		c.str(fmt.Sprintf("%s[%d]", field, i), t, MaxTag, true)
	}
	return *tags
}

func (c *checker) seo(field string, s *SEO) map[string]any {
	if s == nil {
		return nil
	}
	c.opt(field+".title", s.Title, MaxTitle)
	c.opt(field+".description", s.Description, MaxShort)
	return map[string]any{"title": s.Title, "description": s.Description}
}

func (c *checker) url(field, u string) {
	c.str(field, u, MaxURL, true)
	if c.err == nil && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		c.fail(field, "must be an http(s) URL")
	}
}

func done(c *checker, t mapping.ObjectType, canonical string, body map[string]any) (Body, error) {
	if c.err != nil {
		return Body{}, c.err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return Body{}, platform.Wrap(platform.KindValidation, "the input cannot be encoded", err)
	}
	return Body{Type: t, Canonical: canonical, JSON: b}, nil
}

// ConvertProduct is writeProduct's product in canonical form (canonical:
// the handle). Variants name their option values; each option value a
// variant uses must be one of its option's values.
func ConvertProduct(p Product) (Body, error) {
	c := &checker{}
	c.canonical("product.handle", mapping.Product, p.Handle)
	c.str("product.title", p.Title, MaxTitle, true)
	c.opt("product.descriptionHtml", p.DescriptionHTML, MaxText)
	c.opt("product.vendor", p.Vendor, MaxTitle)
	c.opt("product.productType", p.ProductType, MaxTitle)
	c.opt("product.templateSuffix", p.TemplateSuffix, MaxTitle)
	b := map[string]any{"handle": p.Handle, "title": p.Title}
	set(b, "descriptionHtml", p.DescriptionHTML)
	set(b, "vendor", p.Vendor)
	set(b, "productType", p.ProductType)
	set(b, "templateSuffix", p.TemplateSuffix)
	if p.Status != nil {
		c.oneOf("product.status", *p.Status, "ACTIVE", "DRAFT", "ARCHIVED")
		b["status"] = *p.Status
	}
	if t := c.tags("product.tags", p.Tags); t != nil {
		b["tags"] = t
	}
	if s := c.seo("product.seo", p.SEO); s != nil {
		b["seo"] = s
	}
	values := map[string][]string{}
	if p.Options != nil {
		c.count("product.options", len(*p.Options), MaxOptions)
		var opts []any
		for i, o := range *p.Options {
			f := fmt.Sprintf("product.options[%d]", i)
			c.str(f+".name", o.Name, MaxTitle, true)
			if _, dup := values[o.Name]; dup {
				c.fail(f+".name", "option %q is given twice", clip(o.Name))
			}
			if len(o.Values) == 0 {
				c.fail(f+".values", "an option needs at least one value")
			}
			c.count(f+".values", len(o.Values), MaxValues)
			var vs []any
			for j, v := range o.Values {
				c.str(fmt.Sprintf("%s.values[%d]", f, j), v, MaxTitle, true)
				vs = append(vs, map[string]any{"name": v})
			}
			values[o.Name] = o.Values
			opts = append(opts, map[string]any{"name": o.Name, "position": i + 1, "optionValues": vs})
		}
		b["options"] = opts
	}
	if p.Variants != nil {
		c.count("product.variants", len(*p.Variants), MaxVariants)
		if len(*p.Variants) > 0 && p.Options == nil {
			c.fail("product.variants", "variants need the product's options")
		}
		seen := map[string]bool{}
		var vs []any
		for i, v := range *p.Variants {
			f := fmt.Sprintf("product.variants[%d]", i)
			if len(v.Options) != len(values) {
				c.fail(f+".options", "a variant names one value of each of the product's %d options", len(values))
			}
			var sel []any
			var key []string
			for j, so := range v.Options {
				allowed, ok := values[so.Name]
				if !ok || !slices.Contains(allowed, so.Value) {
					c.fail(fmt.Sprintf("%s.options[%d]", f, j), "%s: %s is not a value of the product's options", clip(so.Name), clip(so.Value))
				}
				sel = append(sel, map[string]any{"name": so.Name, "value": so.Value})
				key = append(key, so.Name+"="+so.Value)
			}
			slices.Sort(key)
			if k := strings.Join(key, "\x00"); seen[k] {
				c.fail(f+".options", "another variant has the same option values")
			} else {
				seen[k] = true
			}
			vm := map[string]any{"selectedOptions": sel, "position": i + 1}
			for _, pf := range []struct {
				name string
				v    *string
			}{{"price", v.Price}, {"compareAtPrice", v.CompareAtPrice}} {
				if pf.v != nil {
					if !moneyPattern.MatchString(*pf.v) {
						c.fail(f+"."+pf.name, "%q is not an amount such as 19.99", clip(*pf.v))
					}
					vm[pf.name] = *pf.v
				}
			}
			c.opt(f+".sku", v.SKU, MaxTitle)
			c.opt(f+".barcode", v.Barcode, MaxTitle)
			set(vm, "sku", v.SKU)
			set(vm, "barcode", v.Barcode)
			set(vm, "taxable", v.Taxable)
			if mfs := c.metafields(f+".metafields", v.Metafields); mfs != nil {
				vm["metafields"] = mfs
			}
			vs = append(vs, vm)
		}
		b["variants"] = vs
	}
	if mfs := c.metafields("product.metafields", p.Metafields); mfs != nil {
		b["metafields"] = mfs
	}
	if p.Media != nil {
		c.count("product.media", len(*p.Media), MaxMedia)
		media := []any{}
		for i, m := range *p.Media {
			f := fmt.Sprintf("product.media[%d]", i)
			var u string
			switch {
			case (m.URL == nil) == (m.File == nil):
				c.fail(f, "give exactly one of url, file")
			case m.URL != nil:
				c.url(f+".url", *m.URL)
				u = *m.URL
			default:
				c.canonical(f+".file", mapping.File, *m.File)
				u = "cdn:files/" + *m.File
			}
			c.opt(f+".alt", m.Alt, MaxShort)
			media = append(media, map[string]any{"mediaContentType": "IMAGE", "alt": m.Alt, "image": map[string]any{"url": u}})
		}
		b["media"] = media
	}
	return done(c, mapping.Product, p.Handle, b)
}

var moneyPattern = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,4})?$`)

// ConvertCollection is writeCollection's collection: products are product
// handles (references), or a ruleSet makes it smart; not both.
func ConvertCollection(col Collection) (Body, error) {
	c := &checker{}
	c.canonical("collection.handle", mapping.Collection, col.Handle)
	c.str("collection.title", col.Title, MaxTitle, true)
	c.opt("collection.descriptionHtml", col.DescriptionHTML, MaxText)
	c.opt("collection.templateSuffix", col.TemplateSuffix, MaxTitle)
	b := map[string]any{"handle": col.Handle, "title": col.Title}
	set(b, "descriptionHtml", col.DescriptionHTML)
	set(b, "templateSuffix", col.TemplateSuffix)
	if col.SortOrder != nil {
		c.oneOf("collection.sortOrder", *col.SortOrder, "MANUAL", "BEST_SELLING", "ALPHA_ASC", "ALPHA_DESC", "PRICE_DESC", "PRICE_ASC", "CREATED", "CREATED_DESC")
		b["sortOrder"] = *col.SortOrder
	}
	if s := c.seo("collection.seo", col.SEO); s != nil {
		b["seo"] = s
	}
	if col.Products != nil && col.RuleSet != nil {
		c.fail("collection", "give products (a custom collection) or ruleSet (a smart collection), not both")
	}
	if col.Products != nil {
		c.count("collection.products", len(*col.Products), MaxProducts)
		ps := make([]any, len(*col.Products))
		for i, h := range *col.Products {
			c.canonical(fmt.Sprintf("collection.products[%d]", i), mapping.Product, h)
			ps[i] = ref(mapping.Product, h)
		}
		b["products"] = ps
	}
	if rs := col.RuleSet; rs != nil {
		if len(rs.Rules) == 0 {
			c.fail("collection.ruleSet.rules", "a smart collection needs at least one rule")
		}
		c.count("collection.ruleSet.rules", len(rs.Rules), MaxRules)
		rules := make([]any, len(rs.Rules))
		for i, r := range rs.Rules {
			f := fmt.Sprintf("collection.ruleSet.rules[%d]", i)
			if !enumPattern.MatchString(r.Column) {
				c.fail(f+".column", "%q is not a rule column (such as TAG, TITLE, VENDOR)", clip(r.Column))
			}
			if !enumPattern.MatchString(r.Relation) {
				c.fail(f+".relation", "%q is not a rule relation (such as EQUALS, CONTAINS)", clip(r.Relation))
			}
			c.str(f+".condition", r.Condition, MaxTitle, true)
			rules[i] = map[string]any{"column": r.Column, "relation": r.Relation, "condition": r.Condition}
		}
		b["ruleSet"] = map[string]any{"appliedDisjunctively": rs.AppliedDisjunctively, "rules": rules}
	}
	if mfs := c.metafields("collection.metafields", col.Metafields); mfs != nil {
		b["metafields"] = mfs
	}
	return done(c, mapping.Collection, col.Handle, b)
}

// ConvertPage is writePage's page.
func ConvertPage(p Page) (Body, error) {
	c := &checker{}
	c.canonical("page.handle", mapping.Page, p.Handle)
	c.str("page.title", p.Title, MaxTitle, true)
	c.opt("page.body", p.Body, MaxText)
	c.opt("page.templateSuffix", p.TemplateSuffix, MaxTitle)
	b := map[string]any{"handle": p.Handle, "title": p.Title}
	set(b, "body", p.Body)
	set(b, "isPublished", p.IsPublished)
	set(b, "templateSuffix", p.TemplateSuffix)
	if mfs := c.metafields("page.metafields", p.Metafields); mfs != nil {
		b["metafields"] = mfs
	}
	return done(c, mapping.Page, p.Handle, b)
}

// ConvertBlog is writeBlog's blog.
func ConvertBlog(bl Blog) (Body, error) {
	c := &checker{}
	c.canonical("blog.handle", mapping.Blog, bl.Handle)
	c.str("blog.title", bl.Title, MaxTitle, true)
	c.opt("blog.templateSuffix", bl.TemplateSuffix, MaxTitle)
	b := map[string]any{"handle": bl.Handle, "title": bl.Title}
	if bl.CommentPolicy != nil {
		c.oneOf("blog.commentPolicy", *bl.CommentPolicy, "AUTO_PUBLISHED", "CLOSED", "MODERATED")
		b["commentPolicy"] = *bl.CommentPolicy
	}
	set(b, "templateSuffix", bl.TemplateSuffix)
	if mfs := c.metafields("blog.metafields", bl.Metafields); mfs != nil {
		b["metafields"] = mfs
	}
	return done(c, mapping.Blog, bl.Handle, b)
}

// ConvertArticle is writeArticle's article (canonical blog/handle; the blog
// must exist in the target store, by its handle).
func ConvertArticle(a Article) (Body, error) {
	c := &checker{}
	c.canonical("article.blog", mapping.Blog, a.Blog)
	c.canonical("article.handle", mapping.Blog, a.Handle) // a handle, as a blog's
	c.str("article.title", a.Title, MaxTitle, true)
	c.opt("article.body", a.Body, MaxText)
	c.opt("article.summary", a.Summary, MaxText)
	c.opt("article.author", a.Author, MaxTitle)
	c.opt("article.templateSuffix", a.TemplateSuffix, MaxTitle)
	b := map[string]any{"handle": a.Handle, "title": a.Title, "blog": map[string]any{"handle": a.Blog}}
	set(b, "body", a.Body)
	set(b, "summary", a.Summary)
	set(b, "isPublished", a.IsPublished)
	set(b, "templateSuffix", a.TemplateSuffix)
	if t := c.tags("article.tags", a.Tags); t != nil {
		b["tags"] = t
	}
	if a.Author != nil {
		b["author"] = map[string]any{"name": *a.Author}
	}
	if a.Image != nil {
		c.url("article.image.url", a.Image.URL)
		c.opt("article.image.altText", a.Image.AltText, MaxShort)
		b["image"] = map[string]any{"url": a.Image.URL, "altText": a.Image.AltText}
	}
	if mfs := c.metafields("article.metafields", a.Metafields); mfs != nil {
		b["metafields"] = mfs
	}
	return done(c, mapping.Article, a.Blog+"/"+a.Handle, b)
}

// ConvertMenu is writeMenu's menu: items link a URL or an object of the
// store (resource, a reference), up to three levels.
func ConvertMenu(m Menu) (Body, error) {
	c := &checker{}
	c.canonical("menu.handle", mapping.Menu, m.Handle)
	c.str("menu.title", m.Title, MaxTitle, true)
	total := 0
	var items func(field string, list *[]MenuItem, depth int) []any
	items = func(field string, list *[]MenuItem, depth int) []any {
		out := []any{}
		if list == nil {
			return out
		}
		if depth > MaxMenuDepth && len(*list) > 0 {
			c.fail(field, "menus nest at most %d levels", MaxMenuDepth)
			return out
		}
		total += len(*list)
		if total > MaxMenuItems {
			c.fail(field, "a menu has at most %d items", MaxMenuItems)
			return out
		}
		for i, it := range *list {
			f := fmt.Sprintf("%s[%d]", field, i)
			c.str(f+".title", it.Title, MaxTitle, true)
			if !enumPattern.MatchString(it.Type) {
				c.fail(f+".type", "%q is not a menu item type (such as HTTP, PRODUCT, COLLECTION, PAGE, FRONTPAGE)", clip(it.Type))
			}
			e := map[string]any{"title": it.Title, "type": it.Type, "tags": []string{}}
			if it.URL != nil {
				c.str(f+".url", *it.URL, MaxURL, false)
				e["url"] = *it.URL
			}
			if it.Resource != nil {
				e["resourceId"] = c.objectRef(f+".resource", *it.Resource)
			}
			if t := c.tags(f+".tags", it.Tags); t != nil {
				e["tags"] = t
			}
			e["items"] = items(f+".items", it.Items, depth+1)
			out = append(out, e)
		}
		return out
	}
	b := map[string]any{"handle": m.Handle, "title": m.Title, "items": items("menu.items", m.Items, 1)}
	return done(c, mapping.Menu, m.Handle, b)
}

// Discount kinds of writeDiscount and the Shopify type each writes.
var discountKinds = map[string]string{
	"CODE_BASIC":         "DiscountCodeBasic",
	"CODE_FREE_SHIPPING": "DiscountCodeFreeShipping",
	"AUTOMATIC_BASIC":    "DiscountAutomaticBasic",
}

// ConvertDiscount is writeDiscount's discount: canonical code/<CODE> for a
// code discount, automatic/<title-slug> for an automatic one. startsAt
// defaults to now.
func ConvertDiscount(d Discount, now time.Time) (Body, error) {
	c := &checker{}
	typ, ok := discountKinds[d.Kind]
	if !ok {
		c.fail("discount.kind", "%q is not one of CODE_BASIC, CODE_FREE_SHIPPING, AUTOMATIC_BASIC", clip(d.Kind))
	}
	c.str("discount.title", d.Title, MaxTitle, true)
	in := map[string]any{"__typename": typ, "title": d.Title}
	var canonical string
	var err error
	if d.Kind == "AUTOMATIC_BASIC" {
		if d.Code != nil {
			c.fail("discount.code", "an automatic discount has no code")
		}
		if canonical, err = mapping.Canonical(mapping.Discount, mapping.Fields{Title: d.Title}); err != nil && c.err == nil {
			c.fail("discount.title", "makes no canonical path (it needs letters or digits)")
		}
	} else if ok {
		if d.Code == nil {
			c.fail("discount.code", "a code discount needs its code")
		} else {
			c.str("discount.code", *d.Code, MaxTitle, true)
			if canonical, err = mapping.Canonical(mapping.Discount, mapping.Fields{Code: *d.Code}); err != nil && c.err == nil {
				c.fail("discount.code", "%q is not a discount code (no spaces or '/')", clip(*d.Code))
			}
			in["codes"] = []any{map[string]any{"code": *d.Code}}
		}
		set(in, "appliesOncePerCustomer", d.AppliesOncePerCustomer)
		if d.UsageLimit != nil {
			if *d.UsageLimit < 1 {
				c.fail("discount.usageLimit", "must be 1 or more")
			}
			in["usageLimit"] = *d.UsageLimit
		}
	}
	starts := now.UTC().Format(time.RFC3339)
	if d.StartsAt != nil {
		starts = *d.StartsAt
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"startsAt", &starts}, {"endsAt", d.EndsAt}} {
		if f.v == nil {
			continue
		}
		if _, err := time.Parse(time.RFC3339, *f.v); err != nil {
			c.fail("discount."+f.name, "%q is not an RFC 3339 time such as 2026-03-01T00:00:00Z", clip(*f.v))
		}
		in[f.name] = *f.v
	}
	if d.CombinesWith != nil {
		in["combinesWith"] = map[string]any{"orderDiscounts": d.CombinesWith.OrderDiscounts,
			"productDiscounts": d.CombinesWith.ProductDiscounts, "shippingDiscounts": d.CombinesWith.ShippingDiscounts}
	}
	if typ == "DiscountCodeFreeShipping" {
		if d.Percentage != nil || d.Amount != nil {
			c.fail("discount", "a free-shipping discount takes no percentage or amount")
		}
	} else if ok {
		switch {
		case (d.Percentage == nil) == (d.Amount == nil):
			c.fail("discount", "give exactly one of percentage (0 to 1, such as 0.1 for 10%%) and amount")
		case d.Percentage != nil:
			if *d.Percentage <= 0 || *d.Percentage > 1 {
				c.fail("discount.percentage", "must be more than 0 and at most 1 (0.1 is 10%%)")
			}
			in["customerGets"] = map[string]any{"value": map[string]any{"__typename": "DiscountPercentage", "percentage": *d.Percentage}}
		default:
			if !moneyPattern.MatchString(*d.Amount) {
				c.fail("discount.amount", "%q is not an amount such as 5.00", clip(*d.Amount))
			}
			v := map[string]any{"__typename": "DiscountAmount", "amount": map[string]any{"amount": *d.Amount}, "appliesOnEachItem": d.AppliesOnEachItem != nil && *d.AppliesOnEachItem}
			in["customerGets"] = map[string]any{"value": v}
		}
	}
	b := map[string]any{"discount": in}
	if mfs := c.metafields("discount.metafields", d.Metafields); mfs != nil {
		b["metafields"] = mfs
	}
	return done(c, mapping.Discount, canonical, b)
}

func (c *checker) validations(field string, vs *[]Validation) []any {
	out := []any{}
	if vs == nil {
		return out
	}
	c.count(field, len(*vs), 20)
	for i, v := range *vs {
		c.str(fmt.Sprintf("%s[%d].name", field, i), v.Name, MaxTitle, true)
		c.str(fmt.Sprintf("%s[%d].value", field, i), v.Value, MaxShort, false)
		out = append(out, map[string]any{"name": v.Name, "value": v.Value})
	}
	return out
}

// ConvertMetaobjectDefinition is writeMetaobjectDefinition's definition
// (canonical: its type).
func ConvertMetaobjectDefinition(d MetaobjectDefinition) (Body, error) {
	c := &checker{}
	c.canonical("definition.type", mapping.MetaobjectDefinition, d.Type)
	c.str("definition.name", d.Name, MaxTitle, true)
	c.opt("definition.description", d.Description, MaxShort)
	b := map[string]any{"type": d.Type, "name": d.Name}
	set(b, "description", d.Description)
	if len(d.FieldDefinitions) == 0 {
		c.fail("definition.fieldDefinitions", "a definition needs at least one field")
	}
	c.count("definition.fieldDefinitions", len(d.FieldDefinitions), MaxFields)
	keys := map[string]bool{}
	fds := make([]any, 0, len(d.FieldDefinitions))
	for i, fd := range d.FieldDefinitions {
		f := fmt.Sprintf("definition.fieldDefinitions[%d]", i)
		if !keyPattern.MatchString(fd.Key) {
			c.fail(f+".key", "%q is not a field key (2-64 of A-Z a-z 0-9 _ -)", clip(fd.Key))
		}
		if keys[fd.Key] {
			c.fail(f+".key", "%q is given twice", fd.Key)
		}
		keys[fd.Key] = true
		c.str(f+".name", fd.Name, MaxTitle, true)
		if !typeNamePattern.MatchString(fd.Type) {
			c.fail(f+".type", "%q is not a field type (such as single_line_text_field)", clip(fd.Type))
		}
		c.opt(f+".description", fd.Description, MaxShort)
		m := map[string]any{"key": fd.Key, "name": fd.Name, "type": map[string]any{"name": fd.Type},
			"required": fd.Required != nil && *fd.Required, "validations": c.validations(f+".validations", fd.Validations)}
		set(m, "description", fd.Description)
		fds = append(fds, m)
	}
	b["fieldDefinitions"] = fds
	if d.DisplayNameKey != nil {
		if !keys[*d.DisplayNameKey] {
			c.fail("definition.displayNameKey", "%q is not one of the fields' keys", clip(*d.DisplayNameKey))
		}
		b["displayNameKey"] = *d.DisplayNameKey
	}
	return done(c, mapping.MetaobjectDefinition, d.Type, b)
}

// ConvertMetaobject is writeMetaobject's entry (canonical type/handle).
func ConvertMetaobject(m Metaobject) (Body, error) {
	c := &checker{}
	canonical := m.Type + "/" + m.Handle
	c.canonical("metaobject.type", mapping.MetaobjectDefinition, m.Type)
	c.canonical("metaobject.handle", mapping.Page, m.Handle) // a handle, as a page's
	c.count("metaobject.fields", len(m.Fields), MaxFields)
	seen := map[string]bool{}
	fields := make([]any, 0, len(m.Fields))
	for i, fl := range m.Fields {
		f := fmt.Sprintf("metaobject.fields[%d]", i)
		if !keyPattern.MatchString(fl.Key) {
			c.fail(f+".key", "%q is not a field key", clip(fl.Key))
		}
		if seen[fl.Key] {
			c.fail(f+".key", "%q is given twice", fl.Key)
		}
		seen[fl.Key] = true
		fields = append(fields, map[string]any{"key": fl.Key, "value": c.refValue(f, fl.Value, fl.Reference, fl.References)})
	}
	b := map[string]any{"type": m.Type, "handle": m.Handle, "fields": fields}
	return done(c, mapping.Metaobject, canonical, b)
}

// ConvertMetafieldDefinition is writeMetafieldDefinition's definition
// (canonical OWNER.namespace.key).
func ConvertMetafieldDefinition(d MetafieldDefinition) (Body, error) {
	c := &checker{}
	canonical := d.OwnerType + "." + d.Namespace + "." + d.Key
	if !enumPattern.MatchString(d.OwnerType) {
		c.fail("definition.ownerType", "%q is not an owner type (such as PRODUCT, COLLECTION, PAGE)", clip(d.OwnerType))
	}
	if !namespacePattern.MatchString(d.Namespace) {
		c.fail("definition.namespace", "%q is not a metafield namespace", clip(d.Namespace))
	}
	if !keyPattern.MatchString(d.Key) {
		c.fail("definition.key", "%q is not a metafield key", clip(d.Key))
	}
	c.canonical("definition", mapping.MetafieldDefinition, canonical)
	c.str("definition.name", d.Name, MaxTitle, true)
	if !typeNamePattern.MatchString(d.Type) {
		c.fail("definition.type", "%q is not a metafield type (such as single_line_text_field)", clip(d.Type))
	}
	c.opt("definition.description", d.Description, MaxShort)
	b := map[string]any{"ownerType": d.OwnerType, "namespace": d.Namespace, "key": d.Key, "name": d.Name,
		"type": map[string]any{"name": d.Type}, "validations": c.validations("definition.validations", d.Validations)}
	set(b, "description", d.Description)
	if d.Pin != nil && *d.Pin {
		b["pinnedPosition"] = 1
	}
	return done(c, mapping.MetafieldDefinition, canonical, b)
}
