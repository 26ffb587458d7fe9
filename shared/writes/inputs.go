package writes

// The inputs of the direct-write mutations: Shopify-like fields, one Go
// type per GraphQL input type of shared/graphql/schema/writes.graphql. The
// gateway decodes the GraphQL arguments into them (graph-gophers matches
// fields by name: nullable fields are pointers, Int is int32) and sends
// them as the rpc arguments (JSON, by the tags); the writes group decodes
// them back and converts them (convert.go) into the canonical form
// shopwrite writes.

// ObjectRef names an object of the target store by type and canonical path
// (a product by handle, an article as blog/handle...): a reference.
type ObjectRef struct {
	ObjectType string `json:"objectType"`
	Canonical  string `json:"canonical"`
}

// Metafield is a metafield to set on the object. A reference metafield
// (product_reference, list.product_reference...) takes reference or
// references instead of value: they are re-pointed at the target's GIDs.
type Metafield struct {
	Namespace  string       `json:"namespace"`
	Key        string       `json:"key"`
	Type       string       `json:"type"`
	Value      *string      `json:"value,omitempty"`
	Reference  *ObjectRef   `json:"reference,omitempty"`
	References *[]ObjectRef `json:"references,omitempty"`
}

// SEO is an object's search-engine title and description.
type SEO struct {
	Title       *string `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
}

// ---- PRODUCT ----

// ProductOption is an option and its values (Size: S, M, L).
type ProductOption struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// SelectedOption is one option value of a variant.
type SelectedOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Variant is a product variant, identified by its option values.
type Variant struct {
	Options        []SelectedOption `json:"options"`
	Price          *string          `json:"price,omitempty"`
	CompareAtPrice *string          `json:"compareAtPrice,omitempty"`
	SKU            *string          `json:"sku,omitempty"`
	Barcode        *string          `json:"barcode,omitempty"`
	Taxable        *bool            `json:"taxable,omitempty"`
	Metafields     *[]Metafield     `json:"metafields,omitempty"`
}

// Media is a product image: a URL Shopify fetches, or a file of the target
// store's library by its name.
type Media struct {
	URL  *string `json:"url,omitempty"`
	File *string `json:"file,omitempty"`
	Alt  *string `json:"alt,omitempty"`
}

// Product is writeProduct's product.
type Product struct {
	Handle          string           `json:"handle"`
	Title           string           `json:"title"`
	DescriptionHTML *string          `json:"descriptionHtml,omitempty"`
	Vendor          *string          `json:"vendor,omitempty"`
	ProductType     *string          `json:"productType,omitempty"`
	Status          *string          `json:"status,omitempty"`
	Tags            *[]string        `json:"tags,omitempty"`
	TemplateSuffix  *string          `json:"templateSuffix,omitempty"`
	SEO             *SEO             `json:"seo,omitempty"`
	Options         *[]ProductOption `json:"options,omitempty"`
	Variants        *[]Variant       `json:"variants,omitempty"`
	Metafields      *[]Metafield     `json:"metafields,omitempty"`
	Media           *[]Media         `json:"media,omitempty"`
}

// WriteProductInput is writeProduct's input.
type WriteProductInput struct {
	Shop    string  `json:"shop"`
	Product Product `json:"product"`
}

// ---- COLLECTION ----

// CollectionRule is one condition of a smart collection.
type CollectionRule struct {
	Column    string `json:"column"`
	Relation  string `json:"relation"`
	Condition string `json:"condition"`
}

// CollectionRuleSet makes a collection smart.
type CollectionRuleSet struct {
	AppliedDisjunctively bool             `json:"appliedDisjunctively"`
	Rules                []CollectionRule `json:"rules"`
}

// Collection is writeCollection's collection: custom (products, by handle)
// or smart (ruleSet).
type Collection struct {
	Handle          string             `json:"handle"`
	Title           string             `json:"title"`
	DescriptionHTML *string            `json:"descriptionHtml,omitempty"`
	SortOrder       *string            `json:"sortOrder,omitempty"`
	TemplateSuffix  *string            `json:"templateSuffix,omitempty"`
	SEO             *SEO               `json:"seo,omitempty"`
	Products        *[]string          `json:"products,omitempty"`
	RuleSet         *CollectionRuleSet `json:"ruleSet,omitempty"`
	Metafields      *[]Metafield       `json:"metafields,omitempty"`
}

// WriteCollectionInput is writeCollection's input.
type WriteCollectionInput struct {
	Shop       string     `json:"shop"`
	Collection Collection `json:"collection"`
}

// ---- PAGE, BLOG, ARTICLE ----

// Page is writePage's page.
type Page struct {
	Handle         string       `json:"handle"`
	Title          string       `json:"title"`
	Body           *string      `json:"body,omitempty"`
	IsPublished    *bool        `json:"isPublished,omitempty"`
	TemplateSuffix *string      `json:"templateSuffix,omitempty"`
	Metafields     *[]Metafield `json:"metafields,omitempty"`
}

// WritePageInput is writePage's input.
type WritePageInput struct {
	Shop string `json:"shop"`
	Page Page   `json:"page"`
}

// Blog is writeBlog's blog.
type Blog struct {
	Handle         string       `json:"handle"`
	Title          string       `json:"title"`
	CommentPolicy  *string      `json:"commentPolicy,omitempty"`
	TemplateSuffix *string      `json:"templateSuffix,omitempty"`
	Metafields     *[]Metafield `json:"metafields,omitempty"`
}

// WriteBlogInput is writeBlog's input.
type WriteBlogInput struct {
	Shop string `json:"shop"`
	Blog Blog   `json:"blog"`
}

// Image is an article's image.
type Image struct {
	URL     string  `json:"url"`
	AltText *string `json:"altText,omitempty"`
}

// Article is writeArticle's article; Blog is its blog's handle.
type Article struct {
	Blog           string       `json:"blog"`
	Handle         string       `json:"handle"`
	Title          string       `json:"title"`
	Body           *string      `json:"body,omitempty"`
	Summary        *string      `json:"summary,omitempty"`
	Tags           *[]string    `json:"tags,omitempty"`
	Author         *string      `json:"author,omitempty"`
	IsPublished    *bool        `json:"isPublished,omitempty"`
	TemplateSuffix *string      `json:"templateSuffix,omitempty"`
	Image          *Image       `json:"image,omitempty"`
	Metafields     *[]Metafield `json:"metafields,omitempty"`
}

// WriteArticleInput is writeArticle's input.
type WriteArticleInput struct {
	Shop    string  `json:"shop"`
	Article Article `json:"article"`
}

// ---- MENU ----

// MenuItem is one entry of a menu: a link (url) or an object of the store
// (resource), with nested items.
type MenuItem struct {
	Title    string      `json:"title"`
	Type     string      `json:"type"`
	URL      *string     `json:"url,omitempty"`
	Resource *ObjectRef  `json:"resource,omitempty"`
	Tags     *[]string   `json:"tags,omitempty"`
	Items    *[]MenuItem `json:"items,omitempty"`
}

// Menu is writeMenu's menu.
type Menu struct {
	Handle string      `json:"handle"`
	Title  string      `json:"title"`
	Items  *[]MenuItem `json:"items,omitempty"`
}

// WriteMenuInput is writeMenu's input.
type WriteMenuInput struct {
	Shop string `json:"shop"`
	Menu Menu   `json:"menu"`
}

// ---- DISCOUNT ----

// CombinesWith says which other discounts a discount combines with.
type CombinesWith struct {
	OrderDiscounts    bool `json:"orderDiscounts"`
	ProductDiscounts  bool `json:"productDiscounts"`
	ShippingDiscounts bool `json:"shippingDiscounts"`
}

// Discount is writeDiscount's discount. Kind is CODE_BASIC (code and a
// percentage or an amount off), CODE_FREE_SHIPPING (code) or
// AUTOMATIC_BASIC (a percentage or an amount, no code).
type Discount struct {
	Kind                   string        `json:"kind"`
	Title                  string        `json:"title"`
	Code                   *string       `json:"code,omitempty"`
	StartsAt               *string       `json:"startsAt,omitempty"`
	EndsAt                 *string       `json:"endsAt,omitempty"`
	Percentage             *float64      `json:"percentage,omitempty"`
	Amount                 *string       `json:"amount,omitempty"`
	AppliesOnEachItem      *bool         `json:"appliesOnEachItem,omitempty"`
	UsageLimit             *int32        `json:"usageLimit,omitempty"`
	AppliesOncePerCustomer *bool         `json:"appliesOncePerCustomer,omitempty"`
	CombinesWith           *CombinesWith `json:"combinesWith,omitempty"`
	Metafields             *[]Metafield  `json:"metafields,omitempty"`
}

// WriteDiscountInput is writeDiscount's input.
type WriteDiscountInput struct {
	Shop     string   `json:"shop"`
	Discount Discount `json:"discount"`
}

// ---- definitions and metaobjects ----

// Validation is one validation rule of a field or metafield definition.
type Validation struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FieldDefinition is one field of a metaobject definition.
type FieldDefinition struct {
	Key         string        `json:"key"`
	Name        string        `json:"name"`
	Type        string        `json:"type"`
	Description *string       `json:"description,omitempty"`
	Required    *bool         `json:"required,omitempty"`
	Validations *[]Validation `json:"validations,omitempty"`
}

// MetaobjectDefinition is writeMetaobjectDefinition's definition.
type MetaobjectDefinition struct {
	Type             string            `json:"type"`
	Name             string            `json:"name"`
	Description      *string           `json:"description,omitempty"`
	DisplayNameKey   *string           `json:"displayNameKey,omitempty"`
	FieldDefinitions []FieldDefinition `json:"fieldDefinitions"`
}

// WriteMetaobjectDefinitionInput is writeMetaobjectDefinition's input.
type WriteMetaobjectDefinitionInput struct {
	Shop       string               `json:"shop"`
	Definition MetaobjectDefinition `json:"definition"`
}

// MetaobjectField is one field value of a metaobject entry: value, or a
// reference (references for a list.*_reference field).
type MetaobjectField struct {
	Key        string       `json:"key"`
	Value      *string      `json:"value,omitempty"`
	Reference  *ObjectRef   `json:"reference,omitempty"`
	References *[]ObjectRef `json:"references,omitempty"`
}

// Metaobject is writeMetaobject's entry.
type Metaobject struct {
	Type   string            `json:"type"`
	Handle string            `json:"handle"`
	Fields []MetaobjectField `json:"fields"`
}

// WriteMetaobjectInput is writeMetaobject's input.
type WriteMetaobjectInput struct {
	Shop       string     `json:"shop"`
	Metaobject Metaobject `json:"metaobject"`
}

// MetafieldDefinition is writeMetafieldDefinition's definition.
type MetafieldDefinition struct {
	OwnerType   string        `json:"ownerType"`
	Namespace   string        `json:"namespace"`
	Key         string        `json:"key"`
	Name        string        `json:"name"`
	Type        string        `json:"type"`
	Description *string       `json:"description,omitempty"`
	Validations *[]Validation `json:"validations,omitempty"`
	Pin         *bool         `json:"pin,omitempty"`
}

// WriteMetafieldDefinitionInput is writeMetafieldDefinition's input.
type WriteMetafieldDefinitionInput struct {
	Shop       string              `json:"shop"`
	Definition MetafieldDefinition `json:"definition"`
}

// ---- FILES ----

// UploadFileInput is uploadFile's input: exactly one of fileId (a confirmed
// Flux file, pushed through a Shopify staged upload) or url (a public
// http(s) URL Shopify fetches itself). Filename defaults to the Flux file's
// name or the URL's last segment; it is the file's canonical.
type UploadFileInput struct {
	Shop     string  `json:"shop"`
	FileID   *string `json:"fileId,omitempty"`
	URL      *string `json:"url,omitempty"`
	Filename *string `json:"filename,omitempty"`
	Alt      *string `json:"alt,omitempty"`
}

// UpdateFileInput is updateFile's input: the file by its name (its
// canonical) in the shop, and its new alt text.
type UpdateFileInput struct {
	Shop     string `json:"shop"`
	Filename string `json:"filename"`
	Alt      string `json:"alt"`
}
