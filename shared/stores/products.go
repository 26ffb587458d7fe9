package stores

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/flux-platform/flux/shared/platform"
)

// Product field groups (ProductSyncConfigInput.productFields). id and handle
// are always read; every other field belongs to one group and is null (or
// absent) unless its group is requested.
const (
	ProductCore         = "core"         // title status vendor productType tags createdAt updatedAt
	ProductContent      = "content"      // descriptionHtml templateSuffix
	ProductSEO          = "seo"          // seo { title description }
	ProductOptions      = "options"      // options { name position values }
	ProductMedia        = "media"        // media (first 25)
	ProductMetafields   = "metafields"   // metafields (first 25)
	ProductPublications = "publications" // publications (first 10)
)

// Variant field groups (variantFields). A variant's id is always read.
const (
	VariantCore      = "core"      // title sku barcode position selectedOptions
	VariantPricing   = "pricing"   // price compareAtPrice taxable
	VariantInventory = "inventory" // the fields named by inventoryOptions
)

// InventoryQuantity is the one inventory option: the variant's
// inventoryQuantity.
const InventoryQuantity = "quantity"

// ProductGroups and VariantGroups list the groups in a stable order.
var (
	ProductGroups    = []string{ProductCore, ProductContent, ProductSEO, ProductOptions, ProductMedia, ProductMetafields, ProductPublications}
	VariantGroups    = []string{VariantCore, VariantPricing, VariantInventory}
	InventoryOptions = []string{InventoryQuantity}
)

// Nested page sizes of a product's connections. A product with more
// variants, media, metafields or publications than this shows the first
// ones; syncs read whole products with bulk operations.
const (
	productVariantsFirst     = 100
	productMediaFirst        = 25
	productMetafieldsFirst   = 25
	productPublicationsFirst = 10
)

// ProductSyncConfig is ProductSyncConfigInput: which field groups a product
// listing reads. A nil list means its default: every product group, and the
// variant groups core and pricing (plus inventory when inventoryOptions are
// given). syncVariants nil means true. Inventory is opt-in: a sync that
// writes inventory overwrites stock.
type ProductSyncConfig struct {
	ProductFields    *[]string `json:"productFields,omitempty"`
	SyncVariants     *bool     `json:"syncVariants,omitempty"`
	VariantFields    *[]string `json:"variantFields,omitempty"`
	InventoryOptions *[]string `json:"inventoryOptions,omitempty"`
}

// ListProductsArgs are listProducts' arguments.
type ListProductsArgs struct {
	ListArgs
	Config *ProductSyncConfig `json:"config,omitempty"`
}

// fieldSelection is a validated ProductSyncConfig.
type fieldSelection struct {
	product   []string
	variants  bool
	variant   []string
	inventory []string
}

func (f fieldSelection) has(group string) bool { return slices.Contains(f.product, group) }

// allFields is what listProducts reads without a config: everything seed
// 000's example shows, inventory included (reading it changes nothing).
var allFields = fieldSelection{product: ProductGroups, variants: true, variant: VariantGroups, inventory: InventoryOptions}

// selection validates a config. Unknown group names are a validation error
// naming the valid ones.
func (c *ProductSyncConfig) selection() (fieldSelection, error) {
	if c == nil {
		return allFields, nil
	}
	var sel fieldSelection
	var err error
	if sel.product, err = groups("productFields", c.ProductFields, ProductGroups, ProductGroups); err != nil {
		return sel, err
	}
	sel.variants = c.SyncVariants == nil || *c.SyncVariants
	if sel.inventory, err = groups("inventoryOptions", c.InventoryOptions, InventoryOptions, nil); err != nil {
		return sel, err
	}
	defVariant := []string{VariantCore, VariantPricing}
	if len(sel.inventory) > 0 {
		defVariant = append(defVariant, VariantInventory)
	}
	if sel.variant, err = groups("variantFields", c.VariantFields, VariantGroups, defVariant); err != nil {
		return sel, err
	}
	hasInv := slices.Contains(sel.variant, VariantInventory)
	switch {
	case hasInv && len(sel.inventory) == 0:
		return sel, platform.E(platform.KindValidation,
			`variantFields "inventory" needs inventoryOptions (e.g. ["quantity"]): inventory is read only when asked for`)
	case !hasInv && len(sel.inventory) > 0 && c.VariantFields != nil:
		return sel, platform.E(platform.KindValidation, `inventoryOptions need "inventory" in variantFields`)
	case len(sel.inventory) > 0 && !sel.variants:
		return sel, platform.E(platform.KindValidation, "inventoryOptions need syncVariants")
	}
	if !sel.variants {
		sel.variant = nil
	}
	return sel, nil
}

// groups validates a list of group names against valid; nil means def.
func groups(arg string, names *[]string, valid, def []string) ([]string, error) {
	if names == nil {
		return slices.Clone(def), nil
	}
	out := []string{}
	for _, n := range *names {
		n = strings.ToLower(strings.TrimSpace(n))
		if !slices.Contains(valid, n) {
			return nil, platform.E(platform.KindValidation,
				fmt.Sprintf("%s: unknown group %q (valid: %s)", arg, n, strings.Join(valid, ", ")))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// productsQuery is the Shopify query for a field selection: only the
// requested groups' fields, so unrequested data costs nothing.
func productsQuery(f fieldSelection) rootQuery {
	node := []sel{scalars("id", "handle")}
	if f.has(ProductCore) {
		node = append(node, scalars("title", "status", "vendor", "productType", "tags", "createdAt", "updatedAt"))
	}
	if f.has(ProductContent) {
		node = append(node, scalars("descriptionHtml", "templateSuffix"))
	}
	if f.has(ProductSEO) {
		node = append(node, obj("seo", scalars("title", "description")))
	}
	if f.has(ProductOptions) {
		node = append(node, obj("options", scalars("name", "position", "values")))
	}
	if f.variants {
		v := []sel{scalars("id")}
		if slices.Contains(f.variant, VariantCore) {
			v = append(v, scalars("title", "sku", "barcode", "position"), obj("selectedOptions", scalars("name", "value")))
		}
		if slices.Contains(f.variant, VariantPricing) {
			v = append(v, scalars("price", "compareAtPrice", "taxable"))
		}
		if slices.Contains(f.variant, VariantInventory) && slices.Contains(f.inventory, InventoryQuantity) {
			v = append(v, scalars("inventoryQuantity"))
		}
		node = append(node, conn("variants", productVariantsFirst, v...))
	}
	if f.has(ProductMedia) {
		node = append(node, conn("media", productMediaFirst,
			scalars("id", "alt", "mediaContentType"),
			on("MediaImage", obj("image", scalars("url", "width", "height")))))
	}
	if f.has(ProductMetafields) {
		node = append(node, conn("metafields", productMetafieldsFirst, scalars("namespace", "key", "value", "type")))
	}
	if f.has(ProductPublications) {
		node = append(node, conn("resourcePublications", productPublicationsFirst,
			scalars("isPublished"), obj("publication", scalars("name"))))
	}
	return newRootQuery("products", []string{"$query: String"}, []string{"query: $query"}, node...)
}

// ---- Flux's shapes (seed 000) -------------------------------------------

// ProductList is listProducts' answer.
type ProductList struct {
	Products []Product `json:"products"`
	PageInfo PageInfo  `json:"pageInfo"`
}

// Product is a product as listProducts returns it. Fields of groups that
// were not requested are null.
type Product struct {
	ID              ID               `json:"id"`
	Handle          string           `json:"handle"`
	Title           *string          `json:"title"`
	Status          *string          `json:"status"`
	Vendor          *string          `json:"vendor"`
	ProductType     *string          `json:"productType"`
	Tags            *[]string        `json:"tags"`
	CreatedAt       *string          `json:"createdAt"`
	UpdatedAt       *string          `json:"updatedAt"`
	DescriptionHTML *string          `json:"descriptionHtml"`
	TemplateSuffix  *string          `json:"templateSuffix"`
	SEO             *SEO             `json:"seo"`
	Options         *[]ProductOption `json:"options"`
	Variants        *[]Variant       `json:"variants"`
	Media           *[]Media         `json:"media"`
	Metafields      *[]Metafield     `json:"metafields"`
	Publications    *[]Publication   `json:"publications"`
}

// SEO is an object's search engine title and description.
type SEO struct {
	Title       *string `json:"title"`
	Description *string `json:"description"`
}

// ProductOption is one option of a product (Size, Color...).
type ProductOption struct {
	Name     string   `json:"name"`
	Position int32    `json:"position"`
	Values   []string `json:"values"`
}

// Variant is a product variant; fields of unrequested groups are null.
type Variant struct {
	ID                ID                `json:"id"`
	Title             *string           `json:"title"`
	SKU               *string           `json:"sku"`
	Barcode           *string           `json:"barcode"`
	Position          *int32            `json:"position"`
	SelectedOptions   *[]SelectedOption `json:"selectedOptions"`
	Price             *string           `json:"price"`
	CompareAtPrice    *string           `json:"compareAtPrice"`
	Taxable           *bool             `json:"taxable"`
	InventoryQuantity *int32            `json:"inventoryQuantity"`
}

// SelectedOption is a variant's value of one product option.
type SelectedOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Media is one media item of a product. ID and Image are set for images.
type Media struct {
	ID               *ID     `json:"id"`
	MediaContentType string  `json:"mediaContentType"`
	Alt              *string `json:"alt"`
	Image            *Image  `json:"image"`
}

// Image is an image's URL and size.
type Image struct {
	URL    string `json:"url"`
	Width  *int32 `json:"width"`
	Height *int32 `json:"height"`
}

// Metafield is one metafield of an object.
type Metafield struct {
	Namespace string `json:"namespace"`
	Key       string `json:"key"`
	Value     string `json:"value"`
	Type      string `json:"type"`
}

// Publication is whether an object is published on a sales channel.
type Publication struct {
	Name        string `json:"name"`
	IsPublished bool   `json:"isPublished"`
}

// ---- Shopify's shapes -----------------------------------------------------

type shopifyProduct struct {
	ID              string                                  `json:"id"`
	Handle          string                                  `json:"handle"`
	Title           *string                                 `json:"title"`
	Status          *string                                 `json:"status"`
	Vendor          *string                                 `json:"vendor"`
	ProductType     *string                                 `json:"productType"`
	Tags            *[]string                               `json:"tags"`
	CreatedAt       *string                                 `json:"createdAt"`
	UpdatedAt       *string                                 `json:"updatedAt"`
	DescriptionHTML *string                                 `json:"descriptionHtml"`
	TemplateSuffix  *string                                 `json:"templateSuffix"`
	SEO             *SEO                                    `json:"seo"`
	Options         *[]ProductOption                        `json:"options"`
	Variants        *connection[shopifyVariant]             `json:"variants"`
	Media           *connection[shopifyMedia]               `json:"media"`
	Metafields      *connection[Metafield]                  `json:"metafields"`
	Publications    *connection[shopifyResourcePublication] `json:"resourcePublications"`
}

type shopifyVariant struct {
	ID                string            `json:"id"`
	Title             *string           `json:"title"`
	SKU               *string           `json:"sku"`
	Barcode           *string           `json:"barcode"`
	Position          *int32            `json:"position"`
	SelectedOptions   *[]SelectedOption `json:"selectedOptions"`
	Price             *string           `json:"price"`
	CompareAtPrice    *string           `json:"compareAtPrice"`
	Taxable           *bool             `json:"taxable"`
	InventoryQuantity *int32            `json:"inventoryQuantity"`
}

type shopifyMedia struct {
	ID               *string `json:"id"`
	Alt              *string `json:"alt"`
	MediaContentType string  `json:"mediaContentType"`
	Image            *Image  `json:"image"`
}

type shopifyResourcePublication struct {
	IsPublished bool `json:"isPublished"`
	Publication struct {
		Name string `json:"name"`
	} `json:"publication"`
}

// ---- converters -----------------------------------------------------------

// productFromShopify converts a product node of Shopify's answer.
func productFromShopify(p shopifyProduct) Product {
	out := Product{
		ID: ID(p.ID), Handle: p.Handle, Title: p.Title, Status: p.Status, Vendor: p.Vendor,
		ProductType: p.ProductType, Tags: p.Tags, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		DescriptionHTML: p.DescriptionHTML, TemplateSuffix: p.TemplateSuffix, SEO: p.SEO, Options: p.Options,
	}
	if p.Variants != nil {
		out.Variants = convertAll(p.Variants.Nodes, variantFromShopify)
	}
	if p.Media != nil {
		out.Media = convertAll(p.Media.Nodes, mediaFromShopify)
	}
	if p.Metafields != nil {
		out.Metafields = convertAll(p.Metafields.Nodes, func(m Metafield) Metafield { return m })
	}
	if p.Publications != nil {
		out.Publications = convertAll(p.Publications.Nodes, publicationFromShopify)
	}
	return out
}

func variantFromShopify(v shopifyVariant) Variant {
	return Variant{
		ID: ID(v.ID), Title: v.Title, SKU: v.SKU, Barcode: v.Barcode, Position: v.Position,
		SelectedOptions: v.SelectedOptions, Price: v.Price, CompareAtPrice: v.CompareAtPrice,
		Taxable: v.Taxable, InventoryQuantity: v.InventoryQuantity,
	}
}

func mediaFromShopify(m shopifyMedia) Media {
	out := Media{MediaContentType: m.MediaContentType, Alt: m.Alt, Image: m.Image}
	if m.ID != nil {
		id := ID(*m.ID)
		out.ID = &id
	}
	return out
}

func publicationFromShopify(p shopifyResourcePublication) Publication {
	return Publication{Name: p.Publication.Name, IsPublished: p.IsPublished}
}

// convertAll converts a list; the result is never nil (an empty list means
// the group was read and has nothing).
func convertAll[S, T any](in []S, conv func(S) T) *[]T {
	out := make([]T, len(in))
	for i, x := range in {
		out[i] = conv(x)
	}
	return &out
}

// ListProducts is listProducts: one page of a store's products with the
// field groups of args.Config.
func (g *Group) ListProducts(ctx context.Context, args ListProductsArgs) (ProductList, error) {
	if err := authorize(ctx); err != nil {
		return ProductList{}, err
	}
	fields, err := args.Config.selection()
	if err != nil {
		return ProductList{}, err
	}
	items, pi, err := list(ctx, g, args.ListArgs,
		listing{op: OpListProducts, field: "products", query: productsQuery(fields)}, productFromShopify)
	if err != nil {
		return ProductList{}, err
	}
	return ProductList{Products: items, PageInfo: pi}, nil
}
