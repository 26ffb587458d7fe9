package emulator

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	graphql "github.com/graph-gophers/graphql-go"
)

// reqState is what a GraphQL request's resolvers need: the shop, the server
// (for webhooks and bulk operations) and the request's base URL.
type reqState struct {
	srv        *Server
	shop       *shopData
	baseURL    string
	apiVersion string
	events     []webhookEvent
	bulkStarts []*BulkOperation
	after      []func() // run in the background once the request released the shop
	scopes     scopeSet // the token's scopes (nil: all)
}

type reqKey struct{}

func stateOf(ctx context.Context) *reqState { return ctx.Value(reqKey{}).(*reqState) }

func shopOf(ctx context.Context) *shopData { return stateOf(ctx).shop }

// rootResolver resolves QueryRoot and Mutation.
type rootResolver struct{}

// Shop returns the current shop.
func (rootResolver) Shop(ctx context.Context) *ShopR { return &ShopR{shopOf(ctx)} }

// parseGID splits gid://shopify/Kind/123 into its kind and number.
func parseGID(id string) (string, int64, bool) {
	rest, ok := strings.CutPrefix(id, "gid://shopify/")
	if !ok {
		return "", 0, false
	}
	kind, num, ok := strings.Cut(rest, "/")
	if !ok {
		return "", 0, false
	}
	if i := strings.IndexByte(num, '?'); i >= 0 {
		num = num[:i]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	return kind, n, err == nil
}

func lookup(s *shopData, id graphql.ID) any {
	kind, n, ok := parseGID(string(id))
	if !ok {
		return nil
	}
	if kind == "Shop" && n == s.shopNum {
		return &ShopR{s}
	}
	if kind == "DiscountCodeNode" || kind == "DiscountAutomaticNode" {
		return lookupDiscountView(s, kind, n)
	}
	obj := s.objects[n]
	if x, ok := obj.(interface{ ID() graphql.ID }); ok {
		if k, _, _ := parseGID(string(x.ID())); k == kind {
			return obj
		}
	}
	return nil
}

func lookupAs[T any](ctx context.Context, id graphql.ID) T {
	t, _ := lookup(shopOf(ctx), id).(T)
	return t
}

// Node returns any object by GID.
func (rootResolver) Node(ctx context.Context, a struct{ ID graphql.ID }) *nodeR {
	if v := lookup(shopOf(ctx), a.ID); v != nil {
		return &nodeR{v}
	}
	return nil
}

// Nodes returns objects by GID, null where not found.
func (rootResolver) Nodes(ctx context.Context, a struct{ Ids []graphql.ID }) ([]*nodeR, error) {
	if len(a.Ids) > MaxPageSize {
		return nil, fmt.Errorf("the maximum number of ids is %d", MaxPageSize)
	}
	out := make([]*nodeR, len(a.Ids))
	for i, id := range a.Ids {
		if v := lookup(shopOf(ctx), id); v != nil {
			out[i] = &nodeR{v}
		}
	}
	return out, nil
}

type idArg struct{ ID graphql.ID }

// Product returns a product by GID.
func (rootResolver) Product(ctx context.Context, a idArg) *Product {
	return lookupAs[*Product](ctx, a.ID)
}

// ProductByHandle returns a product by handle.
func (rootResolver) ProductByHandle(ctx context.Context, a struct{ Handle string }) *Product {
	for _, p := range shopOf(ctx).products {
		if p.Handle == a.Handle {
			return p
		}
	}
	return nil
}

// Products lists products.
func (rootResolver) Products(ctx context.Context, a pageArgs) (*Connection[*Product], error) {
	return paginate(ctx, shopOf(ctx).products, a, idOf[*Product], productSort, productFields)
}

// ProductsCount counts products matching the query (AT_LEAST when over limit).
func (rootResolver) ProductsCount(ctx context.Context, a struct {
	Query *string
	Limit *int32
}) *Count {
	q := parseSearch(strOr(a.Query))
	n := 0
	for _, p := range shopOf(ctx).products {
		if strOr(a.Query) == "" || q.match(func(f string) []string { return productFields(p, f) }) {
			n++
		}
	}
	if a.Limit != nil && *a.Limit >= 0 && n > int(*a.Limit) {
		return &Count{Count: *a.Limit, Precision: "AT_LEAST"}
	}
	return exactCount(n)
}

func strOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ProductVariant returns a variant by GID.
func (rootResolver) ProductVariant(ctx context.Context, a idArg) *ProductVariant {
	return lookupAs[*ProductVariant](ctx, a.ID)
}

// Collection returns a collection by GID.
func (rootResolver) Collection(ctx context.Context, a idArg) *Collection {
	return lookupAs[*Collection](ctx, a.ID)
}

// CollectionByHandle returns a collection by handle.
func (rootResolver) CollectionByHandle(ctx context.Context, a struct{ Handle string }) *Collection {
	for _, c := range shopOf(ctx).collections {
		if c.Handle == a.Handle {
			return c
		}
	}
	return nil
}

// Collections lists collections.
func (rootResolver) Collections(ctx context.Context, a pageArgs) (*Connection[*Collection], error) {
	return paginate(ctx, shopOf(ctx).collections, a, idOf[*Collection], collectionSort, collectionFields)
}

// Page returns a page by GID.
func (rootResolver) Page(ctx context.Context, a idArg) *Page { return lookupAs[*Page](ctx, a.ID) }

// Pages lists pages.
func (rootResolver) Pages(ctx context.Context, a pageArgs) (*Connection[*Page], error) {
	return paginate(ctx, shopOf(ctx).pages, a, idOf[*Page], pageSort, pageFields)
}

// Blog returns a blog by GID.
func (rootResolver) Blog(ctx context.Context, a idArg) *Blog { return lookupAs[*Blog](ctx, a.ID) }

// Blogs lists blogs.
func (rootResolver) Blogs(ctx context.Context, a pageArgs) (*Connection[*Blog], error) {
	return paginate(ctx, shopOf(ctx).blogs, a, idOf[*Blog], nil, blogFields)
}

// Article returns an article by GID.
func (rootResolver) Article(ctx context.Context, a idArg) *Article {
	return lookupAs[*Article](ctx, a.ID)
}

// Articles lists articles of every blog.
func (rootResolver) Articles(ctx context.Context, a pageArgs) (*Connection[*Article], error) {
	return paginate(ctx, shopOf(ctx).articles, a, idOf[*Article], articleSort, articleFields)
}

// Menu returns a menu by GID.
func (rootResolver) Menu(ctx context.Context, a idArg) *Menu { return lookupAs[*Menu](ctx, a.ID) }

// Menus lists menus.
func (rootResolver) Menus(ctx context.Context, a pageArgs) (*Connection[*Menu], error) {
	return paginate(ctx, shopOf(ctx).menus, a, idOf[*Menu], nil, menuFields)
}

// DiscountNode returns a discount by GID.
func (rootResolver) DiscountNode(ctx context.Context, a idArg) *DiscountNode {
	return lookupAs[*DiscountNode](ctx, a.ID)
}

// DiscountNodes lists discounts.
func (rootResolver) DiscountNodes(ctx context.Context, a pageArgs) (*Connection[*DiscountNode], error) {
	return paginate(ctx, shopOf(ctx).discounts, a, idOf[*DiscountNode], func(d *DiscountNode, k string) string {
		if k == "UPDATED_AT" {
			return string(d.UpdatedAt)
		}
		if k == "TITLE" {
			return strings.ToLower(d.Title)
		}
		return ""
	}, discountFieldsOf)
}

// MetaobjectDefinition returns a definition by GID.
func (rootResolver) MetaobjectDefinition(ctx context.Context, a idArg) *MetaobjectDefinition {
	return lookupAs[*MetaobjectDefinition](ctx, a.ID)
}

// MetaobjectDefinitionByType returns a definition by type.
func (rootResolver) MetaobjectDefinitionByType(ctx context.Context, a struct{ Type string }) *MetaobjectDefinition {
	for _, d := range shopOf(ctx).metaobjectDefs {
		if d.Type == a.Type {
			return d
		}
	}
	return nil
}

// MetaobjectDefinitions lists definitions.
func (rootResolver) MetaobjectDefinitions(ctx context.Context, a pageArgs) (*Connection[*MetaobjectDefinition], error) {
	return paginate(ctx, shopOf(ctx).metaobjectDefs, a, idOf[*MetaobjectDefinition], nil, nil)
}

// Metaobject returns an entry by GID.
func (rootResolver) Metaobject(ctx context.Context, a idArg) *Metaobject {
	return lookupAs[*Metaobject](ctx, a.ID)
}

// MetaobjectByHandle returns an entry by type and handle.
func (rootResolver) MetaobjectByHandle(ctx context.Context, a struct {
	Handle struct {
		Type   string
		Handle string
	}
}) *Metaobject {
	for _, m := range shopOf(ctx).metaobjects {
		if m.Type == a.Handle.Type && m.Handle == a.Handle.Handle {
			return m
		}
	}
	return nil
}

type metaobjectsArgs struct {
	Type    string
	First   *int32
	After   *string
	Last    *int32
	Before  *string
	Reverse *bool
	SortKey *string
	Query   *string
}

// Metaobjects lists the entries of one type.
func (rootResolver) Metaobjects(ctx context.Context, a metaobjectsArgs) (*Connection[*Metaobject], error) {
	var list []*Metaobject
	for _, m := range shopOf(ctx).metaobjects {
		if m.Type == a.Type {
			list = append(list, m)
		}
	}
	return paginate(ctx, list, pageArgs{a.First, a.After, a.Last, a.Before, a.Reverse, a.SortKey, a.Query}, idOf[*Metaobject], metaobjectSort, metaobjectFields)
}

// MetafieldDefinition returns a definition by GID.
func (rootResolver) MetafieldDefinition(ctx context.Context, a idArg) *MetafieldDefinition {
	return lookupAs[*MetafieldDefinition](ctx, a.ID)
}

type metafieldDefinitionsArgs struct {
	OwnerType string
	Namespace *string
	Key       *string
	First     *int32
	After     *string
	Last      *int32
	Before    *string
	Reverse   *bool
	SortKey   *string
	Query     *string
}

// MetafieldDefinitions lists the definitions of one owner type.
func (rootResolver) MetafieldDefinitions(ctx context.Context, a metafieldDefinitionsArgs) (*Connection[*MetafieldDefinition], error) {
	var list []*MetafieldDefinition
	for _, d := range shopOf(ctx).metafieldDefs {
		if d.OwnerType != a.OwnerType || (a.Namespace != nil && d.Namespace != *a.Namespace) || (a.Key != nil && d.Key != *a.Key) {
			continue
		}
		list = append(list, d)
	}
	return paginate(ctx, list, pageArgs{a.First, a.After, a.Last, a.Before, a.Reverse, a.SortKey, a.Query}, idOf[*MetafieldDefinition], metafieldDefinitionSort, metafieldDefinitionFields)
}

// Files lists the file library.
func (rootResolver) Files(ctx context.Context, a pageArgs) (*Connection[*fileR], error) {
	return paginate(ctx, shopOf(ctx).files, a, func(f *fileR) int64 { return f.fileBase().num }, fileSort, fileFields)
}

// Publications lists sales channels.
func (rootResolver) Publications(ctx context.Context, a pageArgs) (*Connection[*Publication], error) {
	return paginate(ctx, shopOf(ctx).publications, a, idOf[*Publication], nil, nil)
}

// Theme returns a theme by GID.
func (rootResolver) Theme(ctx context.Context, a idArg) *OnlineStoreTheme {
	return lookupAs[*OnlineStoreTheme](ctx, a.ID)
}

// Themes lists themes, optionally by role or name.
func (rootResolver) Themes(ctx context.Context, a struct {
	First   *int32
	After   *string
	Last    *int32
	Before  *string
	Reverse *bool
	Roles   *[]string
	Names   *[]string
}) (*Connection[*OnlineStoreTheme], error) {
	var list []*OnlineStoreTheme
	for _, t := range shopOf(ctx).themes {
		if a.Roles != nil && !contains(*a.Roles, t.Role) {
			continue
		}
		if a.Names != nil && !contains(*a.Names, t.Name) {
			continue
		}
		list = append(list, t)
	}
	return paginate(ctx, list, pageArgs{First: a.First, After: a.After, Last: a.Last, Before: a.Before, Reverse: a.Reverse}, idOf[*OnlineStoreTheme], nil, nil)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ---- mutations -------------------------------------------------------------------

func now() DateTime { return DateTime(time.Now().UTC().Format(time.RFC3339)) }

// ProductUserError is a product mutation's user error.
type ProductUserError struct {
	Field   *[]string
	Message string
	Code    *string
}

func productErr(field []string, msg, code string) []*ProductUserError {
	return []*ProductUserError{{Field: &field, Message: msg, Code: &code}}
}

type productInput struct {
	ID              *graphql.ID
	Title           *string
	Handle          *string
	DescriptionHtml *string
	Vendor          *string
	ProductType     *string
	Status          *string
	Tags            *[]string
	TemplateSuffix  *string
}

type productPayload struct {
	Product    *Product
	UserErrors []*ProductUserError
}

type productDeletePayload struct {
	DeletedProductId *graphql.ID
	UserErrors       []*ProductUserError
}

var handleInvalid = strings.NewReplacer(" ", "-", "'", "", "\"", "", "&", "and", "/", "-")

// handleize makes a handle as Shopify does: lower case, and every run of
// characters other than letters and digits becomes one '-'.
func handleize(s string) string {
	h := strings.ToLower(strings.TrimSpace(s))
	h = handleInvalid.Replace(h)
	h = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' {
			return r
		}
		return '-'
	}, h)
	for strings.Contains(h, "--") {
		h = strings.ReplaceAll(h, "--", "-")
	}
	return strings.Trim(h, "-")
}

func uniqueHandle(taken func(string) bool, h string) string {
	if !taken(h) {
		return h
	}
	for i := 1; ; i++ {
		c := fmt.Sprintf("%s-%d", h, i)
		if !taken(c) {
			return c
		}
	}
}

func (s *shopData) productHandleTaken(h string, except *Product) bool {
	for _, p := range s.products {
		if p.Handle == h && p != except {
			return true
		}
	}
	return false
}

func applyProductInput(s *shopData, p *Product, in productInput) []*ProductUserError {
	if in.Title != nil {
		if strings.TrimSpace(*in.Title) == "" {
			return productErr([]string{"title"}, "Title can't be blank", "BLANK")
		}
		if len(*in.Title) > 255 {
			return productErr([]string{"title"}, "Title is too long (maximum is 255 characters)", "TOO_LONG")
		}
	}
	if in.Handle != nil && *in.Handle != "" && s.productHandleTaken(*in.Handle, p) {
		return productErr([]string{"handle"}, fmt.Sprintf("Handle '%s' already in use. Please provide a new handle.", *in.Handle), "TAKEN")
	}
	if in.Title != nil {
		p.Title = *in.Title
	}
	if in.Handle != nil && *in.Handle != "" {
		p.Handle = *in.Handle
	}
	if in.DescriptionHtml != nil {
		p.DescriptionHtml = HTML(*in.DescriptionHtml)
	}
	if in.Vendor != nil {
		p.Vendor = *in.Vendor
	}
	if in.ProductType != nil {
		p.ProductType = *in.ProductType
	}
	if in.Status != nil {
		p.Status = *in.Status
	}
	if in.Tags != nil {
		p.Tags = normalizeTags(*in.Tags)
	}
	if in.TemplateSuffix != nil {
		p.TemplateSuffix = optStr(*in.TemplateSuffix)
	}
	return nil
}

func normalizeTags(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		for _, part := range strings.Split(t, ",") {
			if part = strings.TrimSpace(part); part != "" && !contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}

// ProductCreate creates a product with a default variant.
func (rootResolver) ProductCreate(ctx context.Context, a struct{ Product *productInput }) *productPayload {
	st := stateOf(ctx)
	s := st.shop
	in := productInput{}
	if a.Product != nil {
		in = *a.Product
	}
	if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
		return &productPayload{UserErrors: productErr([]string{"title"}, "Title can't be blank", "BLANK")}
	}
	p := s.createProduct(*in.Title, now())
	if errs := applyProductInput(s, p, in); errs != nil {
		s.deleteProduct(p)
		return &productPayload{UserErrors: errs}
	}
	st.emit("products/create", p)
	return &productPayload{Product: p, UserErrors: []*ProductUserError{}}
}

// ProductUpdate updates a product's fields (product: on current versions, input: on older ones).
func (rootResolver) ProductUpdate(ctx context.Context, a struct{ Product, Input *productInput }) *productPayload {
	st := stateOf(ctx)
	in := a.Product
	if in == nil {
		in = a.Input
	}
	if in == nil || in.ID == nil {
		return &productPayload{UserErrors: productErr([]string{"id"}, "Product id is required", "BLANK")}
	}
	p, _ := lookup(st.shop, *in.ID).(*Product)
	if p == nil {
		return &productPayload{UserErrors: productErr([]string{"id"}, "Product does not exist", "NOT_FOUND")}
	}
	if errs := applyProductInput(st.shop, p, *in); errs != nil {
		return &productPayload{UserErrors: errs}
	}
	p.UpdatedAt = now()
	st.emit("products/update", p)
	return &productPayload{Product: p, UserErrors: []*ProductUserError{}}
}

// ProductDelete deletes a product.
func (rootResolver) ProductDelete(ctx context.Context, a struct{ Input struct{ ID graphql.ID } }) *productDeletePayload {
	st := stateOf(ctx)
	p, _ := lookup(st.shop, a.Input.ID).(*Product)
	if p == nil {
		return &productDeletePayload{UserErrors: productErr([]string{"id"}, "Product does not exist", "NOT_FOUND")}
	}
	st.shop.deleteProduct(p)
	st.emit("products/delete", p)
	id := p.ID()
	return &productDeletePayload{DeletedProductId: &id, UserErrors: []*ProductUserError{}}
}

// PageUserError is a page mutation's user error.
type PageUserError struct {
	Field   *[]string
	Message string
	Code    *string
}

func pageErr(field []string, msg, code string) []*PageUserError {
	return []*PageUserError{{Field: &field, Message: msg, Code: &code}}
}

type pageInput struct {
	Title          *string
	Handle         *string
	Body           *HTML
	IsPublished    *bool
	TemplateSuffix *string
}

type pagePayload struct {
	Page       *Page
	UserErrors []*PageUserError
}

type pageDeletePayload struct {
	DeletedPageId *graphql.ID
	UserErrors    []*PageUserError
}

func (s *shopData) pageHandleTaken(h string, except *Page) bool {
	for _, p := range s.pages {
		if p.Handle == h && p != except {
			return true
		}
	}
	return false
}

func applyPageInput(s *shopData, p *Page, in pageInput) []*PageUserError {
	if in.Title != nil && strings.TrimSpace(*in.Title) == "" {
		return pageErr([]string{"page", "title"}, "Title can't be blank", "BLANK")
	}
	if in.Handle != nil && *in.Handle != "" && s.pageHandleTaken(*in.Handle, p) {
		return pageErr([]string{"page", "handle"}, "Handle has already been taken", "TAKEN")
	}
	if in.Title != nil {
		p.Title = *in.Title
	}
	if in.Handle != nil && *in.Handle != "" {
		p.Handle = *in.Handle
	}
	if in.Body != nil {
		p.Body = *in.Body
	}
	if in.IsPublished != nil {
		p.IsPublished = *in.IsPublished
		if p.IsPublished && p.PublishedAt == nil {
			t := now()
			p.PublishedAt = &t
		}
		if !p.IsPublished {
			p.PublishedAt = nil
		}
	}
	if in.TemplateSuffix != nil {
		p.TemplateSuffix = optStr(*in.TemplateSuffix)
	}
	return nil
}

type pageCreateInput struct {
	Title          string
	Handle         *string
	Body           *HTML
	IsPublished    *bool
	TemplateSuffix *string
}

// PageCreate creates a page.
func (rootResolver) PageCreate(ctx context.Context, args struct{ Page pageCreateInput }) *pagePayload {
	s := shopOf(ctx)
	a := struct{ Page pageInput }{pageInput{Title: &args.Page.Title, Handle: args.Page.Handle, Body: args.Page.Body, IsPublished: args.Page.IsPublished, TemplateSuffix: args.Page.TemplateSuffix}}
	if a.Page.Title == nil || strings.TrimSpace(*a.Page.Title) == "" {
		return &pagePayload{UserErrors: pageErr([]string{"page", "title"}, "Title can't be blank", "BLANK")}
	}
	if a.Page.Handle != nil && *a.Page.Handle != "" && s.pageHandleTaken(*a.Page.Handle, nil) {
		return &pagePayload{UserErrors: pageErr([]string{"page", "handle"}, "Handle has already been taken", "TAKEN")}
	}
	p := s.createPage(*a.Page.Title, now())
	_ = applyPageInput(s, p, a.Page)
	return &pagePayload{Page: p, UserErrors: []*PageUserError{}}
}

// PageUpdate updates a page.
func (rootResolver) PageUpdate(ctx context.Context, a struct {
	ID   graphql.ID
	Page pageInput
}) *pagePayload {
	s := shopOf(ctx)
	p, _ := lookup(s, a.ID).(*Page)
	if p == nil {
		return &pagePayload{UserErrors: pageErr([]string{"id"}, "Page does not exist", "NOT_FOUND")}
	}
	if errs := applyPageInput(s, p, a.Page); errs != nil {
		return &pagePayload{UserErrors: errs}
	}
	p.UpdatedAt = now()
	return &pagePayload{Page: p, UserErrors: []*PageUserError{}}
}

// PageDelete deletes a page.
func (rootResolver) PageDelete(ctx context.Context, a idArg) *pageDeletePayload {
	s := shopOf(ctx)
	p, _ := lookup(s, a.ID).(*Page)
	if p == nil {
		return &pageDeletePayload{UserErrors: pageErr([]string{"id"}, "Page does not exist", "NOT_FOUND")}
	}
	s.pages = removeFrom(s.pages, p)
	delete(s.objects, p.num)
	id := p.ID()
	return &pageDeletePayload{DeletedPageId: &id, UserErrors: []*PageUserError{}}
}

func (s *shopData) createProduct(title string, at DateTime) *Product {
	p := &Product{shop: s, Title: title, Status: "ACTIVE", Tags: []string{}, TracksInventory: true}
	p.base = s.newBase("Product", at, p)
	p.Handle = uniqueHandle(func(h string) bool { return s.productHandleTaken(h, p) }, handleize(title))
	opt := &ProductOption{Name: "Title", Position: 1, Values: []string{"Default Title"}}
	opt.base = s.newBase("ProductOption", at, opt)
	ov := &ProductOptionValue{Name: "Default Title", HasVariants: true}
	ov.base = s.newBase("ProductOptionValue", at, ov)
	opt.OptionValues = []*ProductOptionValue{ov}
	p.optionList = []*ProductOption{opt}
	v := &ProductVariant{product: p, Title: "Default Title", Price: "0.00", Position: 1, Taxable: true,
		SelectedOptions: []*SelectedOption{{Name: "Title", Value: "Default Title"}}}
	v.base = s.newBase("ProductVariant", at, v)
	p.variantList = []*ProductVariant{v}
	s.products = append(s.products, p)
	return p
}

func (s *shopData) deleteProduct(p *Product) {
	s.products = removeFrom(s.products, p)
	delete(s.objects, p.num)
	for _, v := range p.variantList {
		delete(s.objects, v.num)
	}
	for _, c := range s.collections {
		c.productIDs = removeFrom(c.productIDs, p.num)
	}
}

func (s *shopData) createPage(title string, at DateTime) *Page {
	p := &Page{Title: title, Body: "", IsPublished: true}
	p.base = s.newBase("Page", at, p)
	p.PublishedAt = &at
	p.Handle = uniqueHandle(func(h string) bool { return s.pageHandleTaken(h, p) }, handleize(title))
	s.pages = append(s.pages, p)
	return p
}
