package emulator

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	graphql "github.com/graph-gophers/graphql-go"
)

// base is what every stored object has: a numeric id, its GID type and timestamps.
type base struct {
	num       int64
	kind      string
	CreatedAt DateTime
	UpdatedAt DateTime
}

func (b *base) gid() string { return fmt.Sprintf("gid://shopify/%s/%d", b.kind, b.num) }

// ID returns the object's GID, e.g. gid://shopify/Product/123.
func (b *base) ID() graphql.ID { return graphql.ID(b.gid()) }

// LegacyResourceId returns the numeric id as a string.
func (b *base) LegacyResourceId() string { return strconv.FormatInt(b.num, 10) }

func (b *base) numID() int64 { return b.num }

type identified interface{ numID() int64 }

func idOf[T identified](t T) int64 { return t.numID() }

// Count is Shopify's Count object.
type Count struct {
	Count     int32
	Precision string
}

func exactCount(n int) *Count { return &Count{Count: int32(n), Precision: "EXACT"} }

// SEO holds a title and description override.
type SEO struct {
	Title       *string
	Description *string
}

// Image is an image with its CDN URL and size.
type Image struct {
	ID      *graphql.ID
	Url     URL
	AltText *string
	Width   *int32
	Height  *int32
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

func stripHTML(h HTML) string { return strings.TrimSpace(tagRE.ReplaceAllString(string(h), "")) }

func strp(s string) *string { return &s }

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func i32p(n int) *int32 { v := int32(n); return &v }

// ---- metafields ------------------------------------------------------------------

// Metafield is a namespaced key/value attached to an owner.
type Metafield struct {
	base
	Namespace string
	Key       string
	Value     string
	Type      string
	OwnerType string
}

// JsonValue returns the value decoded according to its type.
func (m *Metafield) JsonValue() JSONValue { return JSONValue{V: metafieldJSON(m.Type, m.Value)} }

func metafieldJSON(typ, value string) any {
	switch {
	case strings.HasPrefix(typ, "list.") || strings.HasPrefix(typ, "json") || typ == "rating" || typ == "dimension" || typ == "weight" || typ == "volume" || typ == "money":
		var v any
		if err := jsonUnmarshalString(value, &v); err == nil {
			return v
		}
	case typ == "number_integer":
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			return n
		}
	case typ == "number_decimal":
		return value
	case typ == "boolean":
		return value == "true"
	}
	return value
}

type metafieldArgs struct {
	First     *int32
	After     *string
	Last      *int32
	Before    *string
	Reverse   *bool
	Namespace *string
	Keys      *[]string
}

// owner is embedded in objects that carry metafields.
type owner struct {
	mfs []*Metafield
}

func (o *owner) metafieldConn(ctx context.Context, a metafieldArgs) (*Connection[*Metafield], error) {
	var list []*Metafield
	for _, m := range o.mfs {
		if a.Namespace != nil && m.Namespace != *a.Namespace {
			continue
		}
		if a.Keys != nil {
			found := false
			for _, k := range *a.Keys {
				if k == m.Namespace+"."+m.Key {
					found = true
				}
			}
			if !found {
				continue
			}
		}
		list = append(list, m)
	}
	return paginate(ctx, list, pageArgs{First: a.First, After: a.After, Last: a.Last, Before: a.Before, Reverse: a.Reverse}, idOf[*Metafield], nil, nil)
}

// Metafields lists the owner's metafields.
func (o *owner) Metafields(ctx context.Context, a metafieldArgs) (*Connection[*Metafield], error) {
	return o.metafieldConn(ctx, a)
}

// Metafield returns one metafield by namespace and key.
func (o *owner) Metafield(a struct {
	Namespace *string
	Key       string
}) *Metafield {
	ns, key := "", a.Key
	if a.Namespace != nil {
		ns = *a.Namespace
	} else if i := strings.LastIndex(key, "."); i > 0 {
		ns, key = key[:i], key[i+1:]
	}
	for _, m := range o.mfs {
		if m.Namespace == ns && m.Key == key {
			return m
		}
	}
	return nil
}

// ---- publications ----------------------------------------------------------------

// Publication is a sales channel or catalog.
type Publication struct {
	base
	Name                     string
	AutoPublish              bool
	SupportsFuturePublishing bool
}

// ResourcePublication is an object's publication on one channel.
type ResourcePublication struct {
	pub         *Publication
	IsPublished bool
	PublishDate DateTime
}

// Publication returns the channel.
func (r *ResourcePublication) Publication() *Publication { return r.pub }

type resourcePubArgs struct {
	First         *int32
	After         *string
	Last          *int32
	Before        *string
	Reverse       *bool
	OnlyPublished *bool
}

type published struct {
	pubs []*ResourcePublication
}

// ResourcePublications lists the object's publications.
func (p *published) ResourcePublications(ctx context.Context, a resourcePubArgs) (*Connection[*ResourcePublication], error) {
	var list []*ResourcePublication
	for _, r := range p.pubs {
		// onlyPublished defaults to true, as on Shopify.
		if (a.OnlyPublished == nil || *a.OnlyPublished) && !r.IsPublished {
			continue
		}
		list = append(list, r)
	}
	return paginate(ctx, list, pageArgs{First: a.First, After: a.After, Last: a.Last, Before: a.Before, Reverse: a.Reverse},
		func(r *ResourcePublication) int64 { return r.pub.num }, nil, nil)
}

// ---- products --------------------------------------------------------------------

// Product is a product with its options, variants, media, metafields and publications.
type Product struct {
	base
	owner
	published
	shop            *shopData
	Handle          string
	Title           string
	Status          string
	Vendor          string
	ProductType     string
	Tags            []string
	DescriptionHtml HTML
	TemplateSuffix  *string
	PublishedAt     *DateTime
	TracksInventory bool
	optionList      []*ProductOption
	variantList     []*ProductVariant
	mediaList       []*MediaImage
}

// Description returns the description without HTML.
func (p *Product) Description() string { return stripHTML(p.DescriptionHtml) }

// Seo returns the SEO fields (the title and description by default).
func (p *Product) Seo() *SEO { return &SEO{} }

// OnlineStoreUrl returns the storefront URL when the product is active.
func (p *Product) OnlineStoreUrl() *URL {
	if p.Status != "ACTIVE" || p.PublishedAt == nil {
		return nil
	}
	u := URL("https://" + p.shop.domain + "/products/" + p.Handle)
	return &u
}

// TotalInventory sums the variants' inventory.
func (p *Product) TotalInventory() int32 {
	var n int32
	for _, v := range p.variantList {
		n += v.inventory
	}
	return n
}

// ProductPriceRangeV2 is the lowest and highest variant price.
type ProductPriceRangeV2 struct {
	MinVariantPrice *MoneyV2
	MaxVariantPrice *MoneyV2
}

// PriceRangeV2 returns the variants' price range.
func (p *Product) PriceRangeV2() *ProductPriceRangeV2 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range p.variantList {
		if f, err := strconv.ParseFloat(string(v.Price), 64); err == nil {
			lo, hi = math.Min(lo, f), math.Max(hi, f)
		}
	}
	if len(p.variantList) == 0 || math.IsInf(lo, 0) {
		lo, hi = 0, 0
	}
	return &ProductPriceRangeV2{MinVariantPrice: &MoneyV2{Amount: Decimal(strconv.FormatFloat(lo, 'f', 2, 64)), CurrencyCode: "USD"},
		MaxVariantPrice: &MoneyV2{Amount: Decimal(strconv.FormatFloat(hi, 'f', 2, 64)), CurrencyCode: "USD"}}
}

// HasOnlyDefaultVariant reports whether the product has just the default variant.
func (p *Product) HasOnlyDefaultVariant() bool {
	return len(p.variantList) == 1 && p.variantList[0].Title == "Default Title"
}

// IsGiftCard is false for the demo catalog.
func (p *Product) IsGiftCard() bool { return false }

// RequiresSellingPlan is false for the demo catalog.
func (p *Product) RequiresSellingPlan() bool { return false }

// Category is unset (no taxonomy category) in the demo catalog.
func (p *Product) Category() *TaxonomyCategory { return nil }

// TaxonomyCategory is a product taxonomy category.
type TaxonomyCategory struct {
	ID       graphql.ID
	Name     string
	FullName string
}

// InventoryItem is a variant's inventory item.
type InventoryItem struct {
	ID               graphql.ID
	Sku              *string
	Tracked          bool
	RequiresShipping bool
}

// Options returns the product's options.
func (p *Product) Options(a struct{ First *int32 }) []*ProductOption {
	if a.First != nil && int(*a.First) < len(p.optionList) {
		return p.optionList[:*a.First]
	}
	return p.optionList
}

// Variants lists the product's variants.
func (p *Product) Variants(ctx context.Context, a pageArgs) (*Connection[*ProductVariant], error) {
	return paginate(ctx, p.variantList, a, idOf[*ProductVariant], nil, nil)
}

// VariantsCount counts the variants.
func (p *Product) VariantsCount() *Count { return exactCount(len(p.variantList)) }

// Media lists the product's media.
func (p *Product) Media(ctx context.Context, a pageArgs) (*Connection[*mediaR], error) {
	list := make([]*mediaR, len(p.mediaList))
	for i, m := range p.mediaList {
		list[i] = &mediaR{m}
	}
	return paginate(ctx, list, a, func(m *mediaR) int64 { return m.m.num }, nil, nil)
}

// MediaCount counts the media.
func (p *Product) MediaCount() *Count { return exactCount(len(p.mediaList)) }

// FeaturedMedia returns the first media.
func (p *Product) FeaturedMedia() *MediaImage {
	if len(p.mediaList) == 0 {
		return nil
	}
	return p.mediaList[0]
}

// Collections lists the collections containing the product.
func (p *Product) Collections(ctx context.Context, a pageArgs) (*Connection[*Collection], error) {
	var list []*Collection
	for _, c := range p.shop.collections {
		if c.contains(p) {
			list = append(list, c)
		}
	}
	return paginate(ctx, list, a, idOf[*Collection], collectionSort, collectionFields)
}

func productSort(p *Product, key string) string {
	switch key {
	case "TITLE":
		return strings.ToLower(p.Title)
	case "UPDATED_AT":
		return string(p.UpdatedAt)
	case "CREATED_AT":
		return string(p.CreatedAt)
	case "VENDOR":
		return p.Vendor
	case "PRODUCT_TYPE":
		return p.ProductType
	}
	return ""
}

func productFields(p *Product, f string) []string {
	switch f {
	case "id":
		return []string{strconv.FormatInt(p.num, 10)}
	case "handle":
		return []string{p.Handle}
	case "title", "default":
		return []string{p.Title}
	case "status":
		return []string{p.Status}
	case "vendor":
		return []string{p.Vendor}
	case "product_type":
		return []string{p.ProductType}
	case "tag":
		return p.Tags
	case "tag_not":
		return nil
	case "updated_at":
		return []string{string(p.UpdatedAt)}
	case "created_at":
		return []string{string(p.CreatedAt)}
	case "published_at":
		if p.PublishedAt != nil {
			return []string{string(*p.PublishedAt)}
		}
	case "published_status":
		if p.PublishedAt != nil {
			return []string{"published"}
		}
		return []string{"unpublished"}
	case "sku":
		var out []string
		for _, v := range p.variantList {
			if v.Sku != nil {
				out = append(out, *v.Sku)
			}
		}
		return out
	}
	return nil
}

// ProductOption is a product option such as Size.
type ProductOption struct {
	base
	Name         string
	Position     int32
	Values       []string
	OptionValues []*ProductOptionValue
}

// ProductOptionValue is one value of an option.
type ProductOptionValue struct {
	base
	Name        string
	HasVariants bool
}

// SelectedOption is a variant's value for one option.
type SelectedOption struct {
	Name  string
	Value string
}

// ProductVariant is a purchasable variant of a product.
type ProductVariant struct {
	base
	owner
	product         *Product
	Title           string
	Sku             *string
	Barcode         *string
	Price           Money
	CompareAtPrice  *Money
	Position        int32
	Taxable         bool
	inventory       int32
	SelectedOptions []*SelectedOption
	Image           *Image
}

// DisplayName is the product title and the variant title.
func (v *ProductVariant) DisplayName() string { return v.product.Title + " - " + v.Title }

// InventoryQuantity returns the stock on hand.
func (v *ProductVariant) InventoryQuantity() *int32 { n := v.inventory; return &n }

// InventoryPolicy is DENY: no overselling.
func (v *ProductVariant) InventoryPolicy() string { return "DENY" }

// InventoryItem is the variant's inventory item (its id is derived from the variant's).
func (v *ProductVariant) InventoryItem() *InventoryItem {
	return &InventoryItem{ID: graphql.ID(fmt.Sprintf("gid://shopify/InventoryItem/%d", v.num+500_000_000)), Sku: v.Sku, Tracked: v.product.TracksInventory, RequiresShipping: true}
}

// AvailableForSale reports stock on hand.
func (v *ProductVariant) AvailableForSale() bool { return v.inventory > 0 }

// Product returns the variant's product.
func (v *ProductVariant) Product() *Product { return v.product }

// ---- media and files -------------------------------------------------------------

// MediaPreviewImage is a media's preview.
type MediaPreviewImage struct {
	Image  *Image
	Status string
}

// MediaImage is an image in the file library, possibly attached to products.
type MediaImage struct {
	base
	Alt       *string
	Image     *Image
	MimeType  *string
	filename  string
	fileSize  int
	Status    string
	productID int64
}

// MediaError is a media processing error (the emulator has none).
type MediaError struct {
	Code    string
	Details *string
	Message string
}

// MediaWarning is a media processing warning (the emulator has none).
type MediaWarning struct {
	Code    string
	Message *string
}

// FileError is a file processing error (the emulator has none).
type FileError struct {
	Code    string
	Details *string
	Message string
}

// MediaErrors is empty.
func (m *MediaImage) MediaErrors() []*MediaError { return []*MediaError{} }

// MediaWarnings is empty.
func (m *MediaImage) MediaWarnings() []*MediaWarning { return []*MediaWarning{} }

// FileErrors is empty.
func (m *MediaImage) FileErrors() []*FileError { return []*FileError{} }

// FileErrors is empty.
func (g *GenericFile) FileErrors() []*FileError { return []*FileError{} }

// MediaImageOriginalSource is the uploaded original.
type MediaImageOriginalSource struct {
	FileSize *int32
	Url      *URL
}

// OriginalSource returns the original file's URL and size.
func (m *MediaImage) OriginalSource() *MediaImageOriginalSource {
	if m.Image == nil {
		return nil
	}
	u := m.Image.Url
	return &MediaImageOriginalSource{FileSize: i32p(m.fileSize), Url: &u}
}

// MediaContentType is IMAGE.
func (m *MediaImage) MediaContentType() string { return "IMAGE" }

// FileStatus is the file's processing status.
func (m *MediaImage) FileStatus() string { return m.Status }

// Preview returns the image as its own preview.
func (m *MediaImage) Preview() *MediaPreviewImage {
	return &MediaPreviewImage{Image: m.Image, Status: "READY"}
}

// GenericFile is a non-media file (PDF, CSV...) in the file library.
type GenericFile struct {
	base
	Alt              *string
	Url              *URL
	MimeType         *string
	OriginalFileSize *int32
	filename         string
}

// FileStatus is READY.
func (g *GenericFile) FileStatus() string { return "READY" }

// Preview returns no image for generic files.
func (g *GenericFile) Preview() *MediaPreviewImage { return &MediaPreviewImage{Status: "READY"} }

// mediaR resolves the Media interface.
type mediaR struct{ m *MediaImage }

func (r *mediaR) ID() graphql.ID                 { return r.m.ID() }
func (r *mediaR) MediaErrors() []*MediaError     { return []*MediaError{} }
func (r *mediaR) MediaWarnings() []*MediaWarning { return []*MediaWarning{} }
func (r *mediaR) Alt() *string                   { return r.m.Alt }
func (r *mediaR) MediaContentType() string       { return "IMAGE" }
func (r *mediaR) Status() string                 { return r.m.Status }
func (r *mediaR) Preview() *MediaPreviewImage    { return r.m.Preview() }
func (r *mediaR) ToMediaImage() (*MediaImage, bool) {
	return r.m, true
}

// fileR resolves the File interface.
type fileR struct{ v any }

func (r *fileR) file() interface {
	ID() graphql.ID
	FileStatus() string
	Preview() *MediaPreviewImage
} {
	switch f := r.v.(type) {
	case *MediaImage:
		return f
	case *GenericFile:
		return f
	}
	return nil
}

func (r *fileR) ID() graphql.ID           { return r.file().ID() }
func (r *fileR) FileErrors() []*FileError { return []*FileError{} }
func (r *fileR) Alt() *string {
	switch f := r.v.(type) {
	case *MediaImage:
		return f.Alt
	case *GenericFile:
		return f.Alt
	}
	return nil
}
func (r *fileR) fileBase() *base {
	switch f := r.v.(type) {
	case *MediaImage:
		return &f.base
	case *GenericFile:
		return &f.base
	}
	return nil
}
func (r *fileR) CreatedAt() DateTime                 { return r.fileBase().CreatedAt }
func (r *fileR) UpdatedAt() DateTime                 { return r.fileBase().UpdatedAt }
func (r *fileR) FileStatus() string                  { return r.file().FileStatus() }
func (r *fileR) Preview() *MediaPreviewImage         { return r.file().Preview() }
func (r *fileR) ToMediaImage() (*MediaImage, bool)   { m, ok := r.v.(*MediaImage); return m, ok }
func (r *fileR) ToGenericFile() (*GenericFile, bool) { g, ok := r.v.(*GenericFile); return g, ok }

func fileFields(r *fileR, f string) []string {
	b := r.fileBase()
	switch f {
	case "id":
		return []string{strconv.FormatInt(b.num, 10)}
	case "updated_at":
		return []string{string(b.UpdatedAt)}
	case "created_at":
		return []string{string(b.CreatedAt)}
	case "filename", "default", "title":
		switch v := r.v.(type) {
		case *MediaImage:
			return []string{v.filename}
		case *GenericFile:
			return []string{v.filename}
		}
	case "media_type":
		if _, ok := r.v.(*MediaImage); ok {
			return []string{"IMAGE"}
		}
		return []string{"GENERIC_FILE"}
	case "status":
		return []string{r.FileStatus()}
	case "used_in":
		if m, ok := r.v.(*MediaImage); ok && m.productID != 0 {
			return []string{"product"}
		}
		return []string{"none"}
	}
	return nil
}

func fileSort(r *fileR, key string) string {
	switch key {
	case "UPDATED_AT":
		return string(r.fileBase().UpdatedAt)
	case "CREATED_AT":
		return string(r.fileBase().CreatedAt)
	case "FILENAME":
		return fileFields(r, "filename")[0]
	}
	return ""
}

// ---- collections -----------------------------------------------------------------

// CollectionRule is one rule of a smart collection.
type CollectionRule struct {
	Column    string
	Relation  string
	Condition string
}

// CollectionRuleSet is a smart collection's rules.
type CollectionRuleSet struct {
	AppliedDisjunctively bool
	Rules                []*CollectionRule
}

// Collection is a custom (manual) or smart collection.
type Collection struct {
	base
	owner
	published
	shop            *shopData
	Handle          string
	Title           string
	DescriptionHtml HTML
	SortOrder       string
	TemplateSuffix  *string
	Image           *Image
	RuleSet         *CollectionRuleSet
	productIDs      []int64
}

// Description returns the description without HTML.
func (c *Collection) Description() string { return stripHTML(c.DescriptionHtml) }

// Seo returns the SEO fields.
func (c *Collection) Seo() *SEO { return &SEO{} }

func (c *Collection) contains(p *Product) bool {
	if c.RuleSet == nil {
		for _, id := range c.productIDs {
			if id == p.num {
				return true
			}
		}
		return false
	}
	matched := 0
	for _, r := range c.RuleSet.Rules {
		var ok bool
		switch r.Column {
		case "TAG":
			for _, t := range p.Tags {
				ok = ok || strings.EqualFold(t, r.Condition)
			}
		case "TYPE":
			ok = strings.EqualFold(p.ProductType, r.Condition)
		case "VENDOR":
			ok = strings.EqualFold(p.Vendor, r.Condition)
		case "TITLE":
			ok = strings.Contains(strings.ToLower(p.Title), strings.ToLower(r.Condition))
		}
		if ok {
			matched++
		}
	}
	if c.RuleSet.AppliedDisjunctively {
		return matched > 0
	}
	return matched == len(c.RuleSet.Rules)
}

func (c *Collection) productList() []*Product {
	var list []*Product
	for _, p := range c.shop.products {
		if c.contains(p) {
			list = append(list, p)
		}
	}
	return list
}

// Products lists the collection's products.
func (c *Collection) Products(ctx context.Context, a pageArgs) (*Connection[*Product], error) {
	return paginate(ctx, c.productList(), a, idOf[*Product], productSort, productFields)
}

// ProductsCount counts the collection's products.
func (c *Collection) ProductsCount() *Count { return exactCount(len(c.productList())) }

func collectionSort(c *Collection, key string) string {
	switch key {
	case "TITLE":
		return strings.ToLower(c.Title)
	case "UPDATED_AT":
		return string(c.UpdatedAt)
	}
	return ""
}

func collectionFields(c *Collection, f string) []string {
	switch f {
	case "id":
		return []string{strconv.FormatInt(c.num, 10)}
	case "handle":
		return []string{c.Handle}
	case "title", "default":
		return []string{c.Title}
	case "updated_at":
		return []string{string(c.UpdatedAt)}
	case "collection_type":
		if c.RuleSet != nil {
			return []string{"smart"}
		}
		return []string{"custom"}
	}
	return nil
}

// ---- pages, blogs, articles ------------------------------------------------------

// Page is an online store page.
type Page struct {
	base
	owner
	Handle         string
	Title          string
	Body           HTML
	IsPublished    bool
	PublishedAt    *DateTime
	TemplateSuffix *string
}

// BodySummary is the body's text, shortened.
func (p *Page) BodySummary() string {
	s := stripHTML(p.Body)
	if len(s) > 150 {
		s = s[:150]
	}
	return s
}

// Blog is a blog of the online store.
type Blog struct {
	base
	owner
	shop           *shopData
	Handle         string
	Title          string
	CommentPolicy  string
	TemplateSuffix *string
	Tags           []string
}

func (b *Blog) articleList() []*Article {
	var list []*Article
	for _, a := range b.shop.articles {
		if a.blog == b {
			list = append(list, a)
		}
	}
	return list
}

// Articles lists the blog's articles.
func (b *Blog) Articles(ctx context.Context, a pageArgs) (*Connection[*Article], error) {
	return paginate(ctx, b.articleList(), a, idOf[*Article], articleSort, articleFields)
}

// ArticlesCount counts the blog's articles.
func (b *Blog) ArticlesCount() *Count { return exactCount(len(b.articleList())) }

// ArticleAuthor is an article's author.
type ArticleAuthor struct{ Name string }

// Article is a blog post.
type Article struct {
	base
	owner
	blog           *Blog
	Handle         string
	Title          string
	Body           HTML
	Summary        *HTML
	Tags           []string
	Author         *ArticleAuthor
	Image          *Image
	IsPublished    bool
	PublishedAt    *DateTime
	TemplateSuffix *string
}

// Blog returns the article's blog.
func (a *Article) Blog() *Blog { return a.blog }

func articleSort(a *Article, key string) string {
	switch key {
	case "TITLE":
		return strings.ToLower(a.Title)
	case "UPDATED_AT":
		return string(a.UpdatedAt)
	case "PUBLISHED_AT":
		if a.PublishedAt != nil {
			return string(*a.PublishedAt)
		}
	}
	return ""
}

func articleFields(a *Article, f string) []string {
	switch f {
	case "id":
		return []string{strconv.FormatInt(a.num, 10)}
	case "handle":
		return []string{a.Handle}
	case "title", "default":
		return []string{a.Title}
	case "updated_at":
		return []string{string(a.UpdatedAt)}
	case "created_at":
		return []string{string(a.CreatedAt)}
	case "tag":
		return a.Tags
	case "blog_id":
		return []string{strconv.FormatInt(a.blog.num, 10)}
	case "author":
		if a.Author != nil {
			return []string{a.Author.Name}
		}
	}
	return nil
}

func pageFields(p *Page, f string) []string {
	switch f {
	case "id":
		return []string{strconv.FormatInt(p.num, 10)}
	case "handle":
		return []string{p.Handle}
	case "title", "default":
		return []string{p.Title}
	case "updated_at":
		return []string{string(p.UpdatedAt)}
	case "created_at":
		return []string{string(p.CreatedAt)}
	case "published_status":
		if p.IsPublished {
			return []string{"published"}
		}
		return []string{"unpublished"}
	}
	return nil
}

func pageSort(p *Page, key string) string {
	switch key {
	case "TITLE":
		return strings.ToLower(p.Title)
	case "UPDATED_AT":
		return string(p.UpdatedAt)
	}
	return ""
}

func blogFields(b *Blog, f string) []string {
	switch f {
	case "id":
		return []string{strconv.FormatInt(b.num, 10)}
	case "handle":
		return []string{b.Handle}
	case "title", "default":
		return []string{b.Title}
	case "updated_at":
		return []string{string(b.UpdatedAt)}
	case "created_at":
		return []string{string(b.CreatedAt)}
	}
	return nil
}

// ---- menus -----------------------------------------------------------------------

// Menu is a navigation menu.
type Menu struct {
	base
	Handle    string
	Title     string
	IsDefault bool
	Items     []*MenuItem
}

// MenuItem is a menu entry with nested entries.
type MenuItem struct {
	ID         graphql.ID
	Title      string
	Type       string
	Url        *URL
	ResourceId *graphql.ID
	Tags       []string
	Items      []*MenuItem
}

func menuFields(m *Menu, f string) []string {
	switch f {
	case "id":
		return []string{strconv.FormatInt(m.num, 10)}
	case "handle":
		return []string{m.Handle}
	case "title", "default":
		return []string{m.Title}
	case "updated_at":
		return []string{string(m.UpdatedAt)}
	}
	return nil
}

// ---- discounts -------------------------------------------------------------------

// DiscountNode wraps a discount of any kind.
type DiscountNode struct {
	base
	owner
	Kind                   string // DiscountCodeBasic, DiscountAutomaticBasic, DiscountCodeFreeShipping
	Title                  string
	Status                 string
	StartsAt               DateTime
	EndsAt                 *DateTime
	UsageLimit             *int32
	AppliesOncePerCustomer bool
	AsyncUsageCount        int32
	Percentage             float64 // 0 when the discount is an amount
	Amount                 string
	codes                  []*DiscountRedeemCode
	combines               DiscountCombinesWith
}

// Discount returns the discount itself, resolved by its kind.
func (d *DiscountNode) Discount() *discountR { return &discountR{d} }

// DiscountRedeemCode is a code of a code discount.
type DiscountRedeemCode struct {
	base
	Code            string
	AsyncUsageCount int32
}

type discountR struct{ d *DiscountNode }

func (r *discountR) ToDiscountCodeBasic() (*discountFields, bool) {
	return &discountFields{r.d}, r.d.Kind == "DiscountCodeBasic"
}
func (r *discountR) ToDiscountAutomaticBasic() (*discountFields, bool) {
	return &discountFields{r.d}, r.d.Kind == "DiscountAutomaticBasic"
}
func (r *discountR) ToDiscountCodeFreeShipping() (*discountFields, bool) {
	return &discountFields{r.d}, r.d.Kind == "DiscountCodeFreeShipping"
}

// discountFields resolves every concrete discount type.
type discountFields struct{ d *DiscountNode }

func (f *discountFields) Title() string                { return f.d.Title }
func (f *discountFields) Status() string               { return f.d.Status }
func (f *discountFields) StartsAt() DateTime           { return f.d.StartsAt }
func (f *discountFields) EndsAt() *DateTime            { return f.d.EndsAt }
func (f *discountFields) UsageLimit() *int32           { return f.d.UsageLimit }
func (f *discountFields) AppliesOncePerCustomer() bool { return f.d.AppliesOncePerCustomer }
func (f *discountFields) AsyncUsageCount() int32       { return f.d.AsyncUsageCount }
func (f *discountFields) CreatedAt() DateTime          { return f.d.CreatedAt }
func (f *discountFields) UpdatedAt() DateTime          { return f.d.UpdatedAt }
func (f *discountFields) CodesCount() *Count           { return exactCount(len(f.d.codes)) }
func (f *discountFields) Summary() string {
	switch {
	case f.d.Kind == "DiscountCodeFreeShipping":
		return "Free shipping on all products"
	case f.d.Percentage > 0:
		return fmt.Sprintf("%g%% off entire order", f.d.Percentage)
	default:
		return "$" + f.d.Amount + " off entire order"
	}
}
func (f *discountFields) Codes(ctx context.Context, a pageArgs) (*Connection[*DiscountRedeemCode], error) {
	return paginate(ctx, f.d.codes, a, idOf[*DiscountRedeemCode], nil, nil)
}
func (f *discountFields) CustomerGets() *customerGets { return &customerGets{f.d} }

type customerGets struct{ d *DiscountNode }

func (c *customerGets) Value() *customerGetsValue { return &customerGetsValue{c.d} }

type customerGetsValue struct{ d *DiscountNode }

// DiscountPercentage is a percentage off.
type DiscountPercentage struct{ Percentage float64 }

// MoneyV2 is an amount with its currency.
type MoneyV2 struct {
	Amount       Decimal
	CurrencyCode string
}

// DiscountAmount is a fixed amount off.
type DiscountAmount struct {
	Amount            *MoneyV2
	AppliesOnEachItem bool
}

func (v *customerGetsValue) ToDiscountPercentage() (*DiscountPercentage, bool) {
	return &DiscountPercentage{Percentage: v.d.Percentage / 100}, v.d.Percentage > 0
}
func (v *customerGetsValue) ToDiscountAmount() (*DiscountAmount, bool) {
	return &DiscountAmount{Amount: &MoneyV2{Amount: Decimal(v.d.Amount), CurrencyCode: "USD"}}, v.d.Percentage == 0
}

func discountFieldsOf(d *DiscountNode, f string) []string {
	switch f {
	case "id":
		return []string{strconv.FormatInt(d.num, 10)}
	case "title", "default":
		return []string{d.Title}
	case "status":
		return []string{d.Status}
	case "updated_at":
		return []string{string(d.UpdatedAt)}
	case "created_at":
		return []string{string(d.CreatedAt)}
	case "starts_at":
		return []string{string(d.StartsAt)}
	case "method":
		if strings.HasPrefix(d.Kind, "DiscountAutomatic") {
			return []string{"automatic"}
		}
		return []string{"code"}
	case "code":
		var out []string
		for _, c := range d.codes {
			out = append(out, c.Code)
		}
		return out
	}
	return nil
}

// ---- metaobjects -----------------------------------------------------------------

// MetafieldDefinitionType names a metafield type and its category.
type MetafieldDefinitionType struct {
	Name     string
	Category string
}

// MetaobjectFieldDefinition defines one field of a metaobject type.
type MetaobjectFieldDefinition struct {
	Key         string
	Name        *string
	Description *string
	Required    bool
	Type        *MetafieldDefinitionType
	validations []*MetafieldDefinitionValidation
}

// Validations returns the field's validation rules.
func (f *MetaobjectFieldDefinition) Validations() []*MetafieldDefinitionValidation {
	if f.validations == nil {
		return []*MetafieldDefinitionValidation{}
	}
	return f.validations
}

type enabled struct{ Enabled bool }

type enabledEligible struct{ Enabled, Eligible bool }

// MetaobjectAccess is who may read and write a metaobject type's entries.
type MetaobjectAccess struct{ Admin, Storefront string }

// MetaobjectCapabilities are a metaobject type's options.
type MetaobjectCapabilities struct {
	Publishable  *enabled
	Translatable *enabled
	Renderable   *enabled
	OnlineStore  *enabled
}

// Access is merchant read/write in the admin, none on the storefront.
func (d *MetaobjectDefinition) Access() *MetaobjectAccess {
	return &MetaobjectAccess{Admin: "PUBLIC_READ_WRITE", Storefront: "NONE"}
}

// Capabilities: entries are publishable and translatable.
func (d *MetaobjectDefinition) Capabilities() *MetaobjectCapabilities {
	return &MetaobjectCapabilities{Publishable: &enabled{true}, Translatable: &enabled{true}, Renderable: &enabled{false}, OnlineStore: &enabled{false}}
}

// Capabilities returns the entry's publishable status (ACTIVE).
func (m *Metaobject) Capabilities() *metaobjectCapabilityData {
	return &metaobjectCapabilityData{Publishable: &struct{ Status string }{"ACTIVE"}}
}

type metaobjectCapabilityData struct {
	Publishable *struct{ Status string }
}

// MetafieldAccess is who may read and write a definition's metafields.
type MetafieldAccess struct{ Admin, Storefront *string }

// MetafieldCapabilities are a metafield definition's options.
type MetafieldCapabilities struct {
	AdminFilterable          *enabledEligible
	SmartCollectionCondition *enabledEligible
	UniqueValues             *enabledEligible
}

// MetaobjectDefinition is a metaobject type.
type MetaobjectDefinition struct {
	base
	shop             *shopData
	Type             string
	Name             string
	Description      *string
	DisplayNameKey   *string
	FieldDefinitions []*MetaobjectFieldDefinition
}

func (d *MetaobjectDefinition) entries() []*Metaobject {
	var list []*Metaobject
	for _, m := range d.shop.metaobjects {
		if m.Type == d.Type {
			list = append(list, m)
		}
	}
	return list
}

// MetaobjectsCount counts the entries.
func (d *MetaobjectDefinition) MetaobjectsCount() int32 { return int32(len(d.entries())) }

// Metaobjects lists the entries.
func (d *MetaobjectDefinition) Metaobjects(ctx context.Context, a pageArgs) (*Connection[*Metaobject], error) {
	return paginate(ctx, d.entries(), a, idOf[*Metaobject], metaobjectSort, metaobjectFields)
}

// MetaobjectField is one field value of a metaobject.
type MetaobjectField struct {
	Key   string
	Value *string
	Type  string
}

// JsonValue decodes the value according to its type.
func (f *MetaobjectField) JsonValue() *JSONValue {
	if f.Value == nil {
		return nil
	}
	return &JSONValue{V: metafieldJSON(f.Type, *f.Value)}
}

// Metaobject is an entry of a metaobject type.
type Metaobject struct {
	base
	shop   *shopData
	Handle string
	Type   string
	Fields []*MetaobjectField
}

// DisplayName is the display-name field's value, else the handle.
func (m *Metaobject) DisplayName() string {
	if d := m.Definition(); d != nil && d.DisplayNameKey != nil {
		if f := m.Field(struct{ Key string }{*d.DisplayNameKey}); f != nil && f.Value != nil {
			return *f.Value
		}
	}
	return m.Handle
}

// Field returns one field by key.
func (m *Metaobject) Field(a struct{ Key string }) *MetaobjectField {
	for _, f := range m.Fields {
		if f.Key == a.Key {
			return f
		}
	}
	return nil
}

// Definition returns the metaobject's type.
func (m *Metaobject) Definition() *MetaobjectDefinition {
	for _, d := range m.shop.metaobjectDefs {
		if d.Type == m.Type {
			return d
		}
	}
	return nil
}

func metaobjectSort(m *Metaobject, key string) string {
	switch key {
	case "updated_at", "UPDATED_AT":
		return string(m.UpdatedAt)
	case "display_name", "DISPLAY_NAME":
		return strings.ToLower(m.DisplayName())
	}
	return ""
}

func metaobjectFields(m *Metaobject, f string) []string {
	switch f {
	case "id":
		return []string{strconv.FormatInt(m.num, 10)}
	case "handle":
		return []string{m.Handle}
	case "display_name", "default", "title":
		return []string{m.DisplayName()}
	case "updated_at":
		return []string{string(m.UpdatedAt)}
	case "created_at":
		return []string{string(m.CreatedAt)}
	}
	if k, ok := strings.CutPrefix(f, "fields."); ok {
		if fl := m.Field(struct{ Key string }{k}); fl != nil && fl.Value != nil {
			return []string{*fl.Value}
		}
	}
	return nil
}

// MetafieldDefinitionValidation is one validation rule of a definition.
type MetafieldDefinitionValidation struct {
	Name  string
	Value *string
	Type  string
}

// MetafieldDefinition defines a metafield for an owner type.
type MetafieldDefinition struct {
	base
	shop           *shopData
	Name           string
	Namespace      string
	Key            string
	Description    *string
	Type           *MetafieldDefinitionType
	OwnerType      string
	PinnedPosition *int32
	Validations    []*MetafieldDefinitionValidation
}

// Access is merchant read/write, no storefront access.
func (d *MetafieldDefinition) Access() *MetafieldAccess {
	return &MetafieldAccess{Admin: strp("PUBLIC_READ_WRITE"), Storefront: strp("NONE")}
}

// Capabilities are all off.
func (d *MetafieldDefinition) Capabilities() *MetafieldCapabilities {
	return &MetafieldCapabilities{AdminFilterable: &enabledEligible{false, true}, SmartCollectionCondition: &enabledEligible{false, true}, UniqueValues: &enabledEligible{false, true}}
}

// MetafieldsCount counts the metafields using the definition.
func (d *MetafieldDefinition) MetafieldsCount() int32 {
	n := 0
	for _, m := range d.shop.allMetafields() {
		if m.OwnerType == d.OwnerType && m.Namespace == d.Namespace && m.Key == d.Key {
			n++
		}
	}
	return int32(n)
}

func metafieldDefinitionFields(d *MetafieldDefinition, f string) []string {
	switch f {
	case "id":
		return []string{strconv.FormatInt(d.num, 10)}
	case "namespace":
		return []string{d.Namespace}
	case "key":
		return []string{d.Key}
	case "name", "default", "title":
		return []string{d.Name}
	case "type":
		return []string{d.Type.Name}
	case "updated_at":
		return []string{string(d.UpdatedAt)}
	}
	return nil
}

func metafieldDefinitionSort(d *MetafieldDefinition, key string) string {
	switch key {
	case "NAME":
		return strings.ToLower(d.Name)
	case "PINNED_POSITION":
		if d.PinnedPosition != nil {
			return fmt.Sprintf("%05d", *d.PinnedPosition)
		}
	}
	return ""
}

// ---- themes ----------------------------------------------------------------------

// OnlineStoreTheme is a theme with its files.
type OnlineStoreTheme struct {
	base
	Name             string
	Role             string
	Processing       bool
	ProcessingFailed bool
	ThemeStoreId     *int32
	files            []*OnlineStoreThemeFile
}

// Prefix is the theme's asset prefix.
func (t *OnlineStoreTheme) Prefix() string { return "/t/" + strconv.FormatInt(t.num%1000, 10) }

// Files lists the theme's files, optionally only some filenames (with * globs).
func (t *OnlineStoreTheme) Files(ctx context.Context, a struct {
	Filenames *[]string
	First     *int32
	After     *string
}) (*Connection[*OnlineStoreThemeFile], error) {
	var list []*OnlineStoreThemeFile
	for _, f := range t.files {
		if a.Filenames != nil && !matchAnyGlob(*a.Filenames, f.Filename) {
			continue
		}
		list = append(list, f)
	}
	first := a.First
	if first == nil && !inBulk(ctx) {
		first = i32p(50)
	}
	return paginate(ctx, list, pageArgs{First: first, After: a.After}, func(f *OnlineStoreThemeFile) int64 { return f.seq }, nil, nil)
}

func matchAnyGlob(globs []string, name string) bool {
	for _, g := range globs {
		if g == name {
			return true
		}
		if p, ok := strings.CutSuffix(g, "*"); ok && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// OnlineStoreThemeFile is one file of a theme.
type OnlineStoreThemeFile struct {
	seq         int64
	Filename    string
	content     string
	ContentType string
	CreatedAt   DateTime
	UpdatedAt   DateTime
}

// Body returns the file's content as text.
func (f *OnlineStoreThemeFile) Body() *themeFileBody { return &themeFileBody{f} }

// ChecksumMd5 is the content's MD5, hex.
func (f *OnlineStoreThemeFile) ChecksumMd5() *string { s := md5Hex(f.content); return &s }

// Size is the content's length in bytes.
func (f *OnlineStoreThemeFile) Size() int32 { return int32(len(f.content)) }

type themeFileBody struct{ f *OnlineStoreThemeFile }

type themeFileText struct{ Content string }
type themeFileBase64 struct{ ContentBase64 string }
type themeFileURL struct{ Url URL }

// binary reports whether a theme file is served as base64 (not UTF-8 text).
func (f *OnlineStoreThemeFile) binary() bool { return !utf8.ValidString(f.content) }

func (b *themeFileBody) ToOnlineStoreThemeFileBodyText() (*themeFileText, bool) {
	return &themeFileText{b.f.content}, !b.f.binary()
}
func (b *themeFileBody) ToOnlineStoreThemeFileBodyBase64() (*themeFileBase64, bool) {
	return &themeFileBase64{base64.StdEncoding.EncodeToString([]byte(b.f.content))}, b.f.binary()
}
func (b *themeFileBody) ToOnlineStoreThemeFileBodyUrl() (*themeFileURL, bool) { return nil, false }

// ---- shop ------------------------------------------------------------------------

// ShopR resolves the Shop object.
type ShopR struct{ s *shopData }

func (r *ShopR) ID() graphql.ID { return graphql.ID(fmt.Sprintf("gid://shopify/Shop/%d", r.s.shopNum)) }
func (r *ShopR) Name() string   { return r.s.name }
func (r *ShopR) Email() string  { return "owner@" + r.s.domain }
func (r *ShopR) MyshopifyDomain() string {
	return r.s.domain
}
func (r *ShopR) CurrencyCode() string { return "USD" }
func (r *ShopR) IanaTimezone() string { return "America/New_York" }
func (r *ShopR) CreatedAt() DateTime  { return r.s.createdAt }
func (r *ShopR) UpdatedAt() DateTime  { return r.s.createdAt }
func (r *ShopR) PrimaryDomain() *Domain {
	return &Domain{ID: graphql.ID(fmt.Sprintf("gid://shopify/Domain/%d", r.s.shopNum)), Host: r.s.domain, Url: URL("https://" + r.s.domain), SslEnabled: true}
}
func (r *ShopR) Plan() *ShopPlan { return &ShopPlan{DisplayName: "Basic"} }

// Domain is a shop domain.
type Domain struct {
	ID         graphql.ID
	Host       string
	Url        URL
	SslEnabled bool
}

// ShopPlan is the shop's plan.
type ShopPlan struct {
	DisplayName        string
	PartnerDevelopment bool
	ShopifyPlus        bool
}

// ---- Node ------------------------------------------------------------------------

// nodeR resolves the Node interface for any stored object.
type nodeR struct{ v any }

func (n *nodeR) ID() graphql.ID {
	if x, ok := n.v.(interface{ ID() graphql.ID }); ok {
		return x.ID()
	}
	return ""
}

func to[T any](v any) (T, bool) { t, ok := v.(T); return t, ok }

func (n *nodeR) ToShop() (*ShopR, bool)                    { return to[*ShopR](n.v) }
func (n *nodeR) ToDomain() (*Domain, bool)                 { return to[*Domain](n.v) }
func (n *nodeR) ToProduct() (*Product, bool)               { return to[*Product](n.v) }
func (n *nodeR) ToProductOption() (*ProductOption, bool)   { return to[*ProductOption](n.v) }
func (n *nodeR) ToProductVariant() (*ProductVariant, bool) { return to[*ProductVariant](n.v) }
func (n *nodeR) ToMediaImage() (*MediaImage, bool)         { return to[*MediaImage](n.v) }
func (n *nodeR) ToGenericFile() (*GenericFile, bool)       { return to[*GenericFile](n.v) }
func (n *nodeR) ToMetafield() (*Metafield, bool)           { return to[*Metafield](n.v) }
func (n *nodeR) ToPublication() (*Publication, bool)       { return to[*Publication](n.v) }
func (n *nodeR) ToCollection() (*Collection, bool)         { return to[*Collection](n.v) }
func (n *nodeR) ToPage() (*Page, bool)                     { return to[*Page](n.v) }
func (n *nodeR) ToBlog() (*Blog, bool)                     { return to[*Blog](n.v) }
func (n *nodeR) ToArticle() (*Article, bool)               { return to[*Article](n.v) }
func (n *nodeR) ToMenu() (*Menu, bool)                     { return to[*Menu](n.v) }
func (n *nodeR) ToDiscountNode() (*DiscountNode, bool)     { return to[*DiscountNode](n.v) }
func (n *nodeR) ToMetafieldDefinition() (*MetafieldDefinition, bool) {
	return to[*MetafieldDefinition](n.v)
}
func (n *nodeR) ToMetaobjectDefinition() (*MetaobjectDefinition, bool) {
	return to[*MetaobjectDefinition](n.v)
}
func (n *nodeR) ToMetaobject() (*Metaobject, bool)             { return to[*Metaobject](n.v) }
func (n *nodeR) ToOnlineStoreTheme() (*OnlineStoreTheme, bool) { return to[*OnlineStoreTheme](n.v) }
func (n *nodeR) ToProductOptionValue() (*ProductOptionValue, bool) {
	return to[*ProductOptionValue](n.v)
}
func (n *nodeR) ToWebhookSubscription() (*WebhookSubscription, bool) {
	return to[*WebhookSubscription](n.v)
}
func (n *nodeR) ToBulkOperation() (*BulkOperation, bool) { return to[*BulkOperation](n.v) }
func (n *nodeR) ToTaxonomyCategory() (*TaxonomyCategory, bool) {
	return to[*TaxonomyCategory](n.v)
}
func (n *nodeR) ToInventoryItem() (*InventoryItem, bool) { return to[*InventoryItem](n.v) }
