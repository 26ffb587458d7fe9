package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

// codedError is the user error shape most write payloads share.
type codedError struct {
	Field        *[]string
	Message      string
	Code         *string
	ElementKey   *string
	ElementIndex *int32
	Filename     *string
}

func cerr(field []string, msg, code string) *codedError {
	return &codedError{Field: &field, Message: msg, Code: &code}
}

func noErrors() []*codedError { return []*codedError{} }

func (o *owner) mfOwner() *owner { return o }

type mfOwner interface{ mfOwner() *owner }

var ownerTypes = map[string]string{
	"Product": "PRODUCT", "ProductVariant": "PRODUCTVARIANT", "Collection": "COLLECTION", "Page": "PAGE",
	"Blog": "BLOG", "Article": "ARTICLE", "DiscountNode": "DISCOUNT",
}

// validateMetafieldValue checks value against a metafield type, as Shopify does.
func validateMetafieldValue(typ, value string) string {
	switch {
	case typ == "number_integer":
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return "Value must be an integer."
		}
	case typ == "number_decimal":
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return "Value must be a decimal."
		}
	case typ == "boolean":
		if value != "true" && value != "false" {
			return "Value must be true or false."
		}
	case strings.HasPrefix(typ, "list.") || typ == "json" || typ == "rating" || typ == "money" || typ == "dimension" || typ == "weight" || typ == "volume":
		if !json.Valid([]byte(value)) {
			return "Value is invalid JSON."
		}
	case typ == "url":
		if u, err := url.Parse(value); err != nil || u.Scheme == "" {
			return "Value must be a valid URL."
		}
	}
	return ""
}

func (s *shopData) definitionType(ownerType, ns, key string) string {
	for _, d := range s.metafieldDefs {
		if d.OwnerType == ownerType && d.Namespace == ns && d.Key == key {
			return d.Type.Name
		}
	}
	return ""
}

// setMetafield creates or updates one metafield of an owner.
func (s *shopData) setMetafield(o *owner, ownerType, ns, key, typ, value string, at DateTime) *Metafield {
	for _, m := range o.mfs {
		if m.Namespace == ns && m.Key == key {
			m.Value, m.UpdatedAt = value, at
			if typ != "" {
				m.Type = typ
			}
			return m
		}
	}
	m := &Metafield{Namespace: ns, Key: key, Type: typ, Value: value, OwnerType: ownerType}
	m.base = s.newBase("Metafield", at, m)
	o.mfs = append(o.mfs, m)
	return m
}

type metafieldInput struct {
	ID        *graphql.ID
	Namespace *string
	Key       *string
	Type      *string
	Value     *string
}

// applyMetafieldInputs validates then sets metafields on an owner; errors name field[0].
func (s *shopData) applyMetafieldInputs(o *owner, ownerType string, in *[]metafieldInput, field string, at DateTime) []*codedError {
	if in == nil {
		return nil
	}
	for i, m := range *in {
		if m.Key == nil || m.Value == nil {
			return []*codedError{cerr([]string{field, strconv.Itoa(i), "key"}, "Key and value are required", "BLANK")}
		}
		ns := "$app"
		if m.Namespace != nil {
			ns = *m.Namespace
		}
		typ := strOr(m.Type)
		if typ == "" {
			typ = s.definitionType(ownerType, ns, *m.Key)
		}
		if typ == "" {
			for _, ex := range o.mfs {
				if ex.Namespace == ns && ex.Key == *m.Key {
					typ = ex.Type
				}
			}
		}
		if typ == "" {
			return []*codedError{cerr([]string{field, strconv.Itoa(i), "type"}, "Type can't be blank", "BLANK")}
		}
		if msg := validateMetafieldValue(typ, *m.Value); msg != "" {
			return []*codedError{cerr([]string{field, strconv.Itoa(i), "value"}, msg, "INVALID_VALUE")}
		}
	}
	for _, m := range *in {
		ns := "$app"
		if m.Namespace != nil {
			ns = *m.Namespace
		}
		typ := strOr(m.Type)
		if typ == "" {
			typ = s.definitionType(ownerType, ns, *m.Key)
		}
		s.setMetafield(o, ownerType, ns, *m.Key, typ, *m.Value, at)
	}
	return nil
}

// ---- metafieldsSet ---------------------------------------------------------------

type metafieldsSetPayload struct {
	Metafields *[]*Metafield
	UserErrors []*codedError
}

// MetafieldsSet sets up to 25 metafields atomically.
func (rootResolver) MetafieldsSet(ctx context.Context, a struct {
	Metafields []struct {
		OwnerId       graphql.ID
		Namespace     *string
		Key           string
		Type          *string
		Value         string
		CompareDigest *string
	}
}) *metafieldsSetPayload {
	st := stateOf(ctx)
	s := st.shop
	if len(a.Metafields) > 25 {
		return &metafieldsSetPayload{UserErrors: []*codedError{cerr([]string{"metafields"}, "Exceeded the maximum metafields input limit of 25.", "LESS_THAN_OR_EQUAL_TO")}}
	}
	type target struct {
		o         *owner
		obj       any
		ownerType string
		ns, typ   string
	}
	var targets []target
	for i, m := range a.Metafields {
		idx := int32(i)
		obj := lookup(s, m.OwnerId)
		mo, ok := obj.(mfOwner)
		kind, _, _ := parseGID(string(m.OwnerId))
		if !ok || ownerTypes[kind] == "" {
			e := cerr([]string{"metafields", strconv.Itoa(i), "ownerId"}, "Owner does not exist.", "INVALID")
			e.ElementIndex = &idx
			return &metafieldsSetPayload{UserErrors: []*codedError{e}}
		}
		ns := "$app"
		if m.Namespace != nil && *m.Namespace != "" {
			ns = *m.Namespace
		}
		typ := strOr(m.Type)
		if typ == "" {
			typ = s.definitionType(ownerTypes[kind], ns, m.Key)
		}
		if typ == "" {
			for _, ex := range mo.mfOwner().mfs {
				if ex.Namespace == ns && ex.Key == m.Key {
					typ = ex.Type
				}
			}
		}
		if typ == "" {
			e := cerr([]string{"metafields", strconv.Itoa(i), "type"}, "Type can't be blank", "BLANK")
			e.ElementIndex = &idx
			return &metafieldsSetPayload{UserErrors: []*codedError{e}}
		}
		if def := s.definitionType(ownerTypes[kind], ns, m.Key); def != "" && def != typ {
			e := cerr([]string{"metafields", strconv.Itoa(i), "type"}, fmt.Sprintf("Type must be %s (the definition's type).", def), "INVALID_TYPE")
			e.ElementIndex = &idx
			return &metafieldsSetPayload{UserErrors: []*codedError{e}}
		}
		if msg := validateMetafieldValue(typ, m.Value); msg != "" {
			e := cerr([]string{"metafields", strconv.Itoa(i), "value"}, msg, "INVALID_VALUE")
			e.ElementIndex = &idx
			return &metafieldsSetPayload{UserErrors: []*codedError{e}}
		}
		targets = append(targets, target{mo.mfOwner(), obj, ownerTypes[kind], ns, typ})
	}
	at := now()
	var out []*Metafield
	for i, m := range a.Metafields {
		t := targets[i]
		out = append(out, s.setMetafield(t.o, t.ownerType, t.ns, m.Key, t.typ, m.Value, at))
		if p, ok := t.obj.(*Product); ok {
			p.UpdatedAt = at
			st.emit("products/update", p)
		}
	}
	return &metafieldsSetPayload{Metafields: &out, UserErrors: noErrors()}
}

// ---- productSet ------------------------------------------------------------------

type optionSetInput struct {
	ID       *graphql.ID
	Name     *string
	Position *int32
	Values   *[]struct {
		ID   *graphql.ID
		Name *string
	}
}

type variantSetInput struct {
	ID           *graphql.ID
	OptionValues []struct {
		ID         *graphql.ID
		Name       *string
		OptionId   *graphql.ID
		OptionName *string
	}
	Price          *Money
	CompareAtPrice *Money
	Sku            *string
	Barcode        *string
	Position       *int32
	Taxable        *bool
	Metafields     *[]metafieldInput
}

type fileSetInput struct {
	ID             *graphql.ID
	OriginalSource *string
	Alt            *string
	ContentType    *string
	Filename       *string
}

type seoInput struct{ Title, Description *string }

type productSetInput struct {
	ID              *graphql.ID
	Handle          *string
	Title           *string
	DescriptionHtml *string
	Vendor          *string
	ProductType     *string
	Status          *string
	Tags            *[]string
	TemplateSuffix  *string
	Seo             *seoInput
	ProductOptions  *[]optionSetInput
	Variants        *[]variantSetInput
	Metafields      *[]metafieldInput
	Files           *[]fileSetInput
}

type productSetPayload struct {
	Product    *Product
	UserErrors []*codedError
}

// ProductSet creates or replaces a product with its options, variants,
// metafields and files in one call (synchronously).
func (rootResolver) ProductSet(ctx context.Context, a struct {
	Input      productSetInput
	Identifier *struct {
		ID       *graphql.ID
		Handle   *string
		CustomId *string
	}
	Synchronous *bool
}) *productSetPayload {
	st := stateOf(ctx)
	s := st.shop
	in := a.Input
	fail := func(e *codedError) *productSetPayload { return &productSetPayload{UserErrors: []*codedError{e}} }
	var p *Product
	switch {
	case a.Identifier != nil && a.Identifier.ID != nil:
		if p, _ = lookup(s, *a.Identifier.ID).(*Product); p == nil {
			return fail(cerr([]string{"identifier", "id"}, "Product does not exist", "PRODUCT_DOES_NOT_EXIST"))
		}
	case a.Identifier != nil && a.Identifier.Handle != nil:
		for _, x := range s.products {
			if x.Handle == *a.Identifier.Handle {
				p = x
			}
		}
		if p == nil && in.Handle == nil {
			in.Handle = a.Identifier.Handle
		}
	case in.ID != nil:
		if p, _ = lookup(s, *in.ID).(*Product); p == nil {
			return fail(cerr([]string{"input", "id"}, "Product does not exist", "PRODUCT_DOES_NOT_EXIST"))
		}
	}
	if len(derefOpts(in.ProductOptions)) > 3 {
		return fail(cerr([]string{"input", "productOptions"}, "Options count is over the allowed limit.", "OPTIONS_OVER_LIMIT"))
	}
	if len(derefVariants(in.Variants)) > 2048 {
		return fail(cerr([]string{"input", "variants"}, "Variants count is over the allowed limit.", "VARIANTS_OVER_LIMIT"))
	}
	created := p == nil
	at := now()
	if created {
		if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
			return fail(cerr([]string{"input", "title"}, "Title can't be blank", "BLANK"))
		}
		if in.Handle != nil && s.productHandleTaken(*in.Handle, nil) {
			return fail(cerr([]string{"input", "handle"}, fmt.Sprintf("Handle '%s' already in use. Please provide a new handle.", *in.Handle), "HANDLE_NOT_UNIQUE"))
		}
		p = s.createProduct(*in.Title, at)
	}
	if errs := applyProductInput(s, p, productInput{Title: in.Title, Handle: in.Handle, DescriptionHtml: in.DescriptionHtml, Vendor: in.Vendor,
		ProductType: in.ProductType, Status: in.Status, Tags: in.Tags, TemplateSuffix: in.TemplateSuffix}); errs != nil {
		if created {
			s.deleteProduct(p)
		}
		e := errs[0]
		f := append([]string{"input"}, *e.Field...)
		return fail(cerr(f, e.Message, strOr(e.Code)))
	}
	if e := s.setProductOptionsAndVariants(p, in, at); e != nil {
		if created {
			s.deleteProduct(p)
		}
		return fail(e)
	}
	if errs := s.applyMetafieldInputs(&p.owner, "PRODUCT", in.Metafields, "metafields", at); errs != nil {
		return &productSetPayload{UserErrors: errs}
	}
	if in.Files != nil {
		var media []*MediaImage
		for _, f := range *in.Files {
			if f.ID != nil {
				if m, ok := lookup(s, *f.ID).(*MediaImage); ok {
					if f.Alt != nil {
						m.Alt = f.Alt
					}
					media = append(media, m)
					continue
				}
			}
			if f.OriginalSource == nil {
				continue
			}
			m := s.newMediaImage(*f.OriginalSource, f.Alt, strOr(f.Filename), at, "READY")
			m.productID = p.num
			media = append(media, m)
		}
		p.mediaList = media
	}
	if !created {
		p.UpdatedAt = at
	}
	if p.Status == "ACTIVE" && p.PublishedAt == nil {
		p.PublishedAt = &at
	}
	if created && len(p.pubs) == 0 {
		for i, pub := range s.publications {
			p.pubs = append(p.pubs, &ResourcePublication{pub: pub, IsPublished: i == 0 && p.Status == "ACTIVE", PublishDate: at})
		}
	}
	if created {
		st.emit("products/create", p)
	} else {
		st.emit("products/update", p)
	}
	return &productSetPayload{Product: p, UserErrors: noErrors()}
}

func derefOpts(p *[]optionSetInput) []optionSetInput {
	if p == nil {
		return nil
	}
	return *p
}

func derefVariants(p *[]variantSetInput) []variantSetInput {
	if p == nil {
		return nil
	}
	return *p
}

func (s *shopData) setProductOptionsAndVariants(p *Product, in productSetInput, at DateTime) *codedError {
	opts := derefOpts(in.ProductOptions)
	vars := derefVariants(in.Variants)
	if in.ProductOptions == nil && in.Variants == nil {
		return nil
	}
	if len(opts) == 0 && len(vars) > 0 {
		// Derive options from the variants' option values, in order.
		seen := map[string]int{}
		for _, v := range vars {
			for _, ov := range v.OptionValues {
				name := strOr(ov.OptionName)
				if _, ok := seen[name]; !ok {
					seen[name] = len(opts)
					opts = append(opts, optionSetInput{Name: &name, Values: &[]struct {
						ID   *graphql.ID
						Name *string
					}{}})
				}
				o := opts[seen[name]]
				vals := *o.Values
				found := false
				for _, x := range vals {
					found = found || strOr(x.Name) == strOr(ov.Name)
				}
				if !found {
					n := strOr(ov.Name)
					*o.Values = append(vals, struct {
						ID   *graphql.ID
						Name *string
					}{Name: &n})
				}
			}
		}
	}
	if len(opts) > 0 {
		var list []*ProductOption
		for i, o := range opts {
			if o.Name == nil || *o.Name == "" {
				return cerr([]string{"input", "productOptions", strconv.Itoa(i), "name"}, "Option name can't be blank", "BLANK")
			}
			po := &ProductOption{Name: *o.Name, Position: int32(i + 1)}
			po.base = s.newBase("ProductOption", at, po)
			if o.Values != nil {
				for _, v := range *o.Values {
					ov := &ProductOptionValue{Name: strOr(v.Name)}
					ov.base = s.newBase("ProductOptionValue", at, ov)
					po.Values = append(po.Values, ov.Name)
					po.OptionValues = append(po.OptionValues, ov)
				}
			}
			list = append(list, po)
		}
		p.optionList = list
	}
	if in.Variants == nil {
		return nil
	}
	existing := map[int64]*ProductVariant{}
	for _, v := range p.variantList {
		existing[v.num] = v
	}
	var out []*ProductVariant
	titles := map[string]bool{}
	for i, vin := range vars {
		var v *ProductVariant
		if vin.ID != nil {
			_, n, _ := parseGID(string(*vin.ID))
			v = existing[n]
			if v == nil {
				return cerr([]string{"input", "variants", strconv.Itoa(i), "id"}, "Product variant does not exist", "PRODUCT_VARIANT_DOES_NOT_EXIST")
			}
		} else {
			v = &ProductVariant{product: p, Taxable: true, Price: "0.00"}
			v.base = s.newBase("ProductVariant", at, v)
		}
		v.SelectedOptions = nil
		var names []string
		for _, ov := range vin.OptionValues {
			name, val := strOr(ov.OptionName), strOr(ov.Name)
			ok := false
			for _, o := range p.optionList {
				if o.Name == name && contains(o.Values, val) {
					ok = true
				}
			}
			if !ok {
				return cerr([]string{"input", "variants", strconv.Itoa(i), "optionValues"}, fmt.Sprintf("Option value '%s' for option '%s' is not defined in productOptions.", val, name), "INVALID_VARIANT")
			}
			v.SelectedOptions = append(v.SelectedOptions, &SelectedOption{Name: name, Value: val})
			names = append(names, val)
		}
		v.Title = strings.Join(names, " / ")
		if titles[v.Title] {
			return cerr([]string{"input", "variants", strconv.Itoa(i)}, fmt.Sprintf("The variant '%s' already exists.", v.Title), "VARIANT_ALREADY_EXISTS")
		}
		titles[v.Title] = true
		if vin.Price != nil {
			v.Price = *vin.Price
		}
		if vin.CompareAtPrice != nil {
			v.CompareAtPrice = vin.CompareAtPrice
		}
		if vin.Sku != nil {
			v.Sku = vin.Sku
		}
		if vin.Barcode != nil {
			v.Barcode = vin.Barcode
		}
		if vin.Taxable != nil {
			v.Taxable = *vin.Taxable
		}
		v.Position = int32(i + 1)
		v.UpdatedAt = at
		if errs := s.applyMetafieldInputs(&v.owner, "PRODUCTVARIANT", vin.Metafields, "metafields", at); errs != nil {
			return errs[0]
		}
		out = append(out, v)
	}
	for _, v := range p.variantList {
		keep := false
		for _, o := range out {
			keep = keep || o == v
		}
		if !keep {
			delete(s.objects, v.num)
		}
	}
	p.variantList = out
	return nil
}

func (s *shopData) newMediaImage(src string, alt *string, filename string, at DateTime, status string) *MediaImage {
	if filename == "" {
		if u, err := url.Parse(src); err == nil {
			filename = path.Base(u.Path)
		}
	}
	m := &MediaImage{Status: status, MimeType: strp(mimeFor(filename)), filename: filename}
	m.base = s.newBase("MediaImage", at, m)
	m.Alt = alt
	if m.Alt == nil {
		m.Alt = strp("")
	}
	m.Image = &Image{Url: URL(src), AltText: m.Alt, Width: i32p(2048), Height: i32p(2048)}
	s.files = append(s.files, &fileR{m})
	s.objects[m.num] = m
	return m
}

func mimeFor(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".pdf":
		return "application/pdf"
	case ".csv":
		return "text/csv"
	case ".txt":
		return "text/plain"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}

// ---- collections -----------------------------------------------------------------

type collectionInput struct {
	ID              *graphql.ID
	Title           *string
	Handle          *string
	DescriptionHtml *string
	SortOrder       *string
	TemplateSuffix  *string
	RuleSet         *struct {
		AppliedDisjunctively bool
		Rules                *[]struct {
			Column    string
			Relation  string
			Condition string
		}
	}
	Products   *[]graphql.ID
	Metafields *[]metafieldInput
	Seo        *seoInput
}

type collectionPayload struct {
	Collection *Collection
	UserErrors []*UserError
}

func (s *shopData) collectionHandleTaken(h string, except *Collection) bool {
	for _, c := range s.collections {
		if c.Handle == h && c != except {
			return true
		}
	}
	return false
}

func (s *shopData) applyCollectionInput(c *Collection, in collectionInput, at DateTime) []*UserError {
	if in.Title != nil && strings.TrimSpace(*in.Title) == "" {
		return userErr([]string{"title"}, "Title can't be blank")
	}
	if in.Handle != nil && *in.Handle != "" && s.collectionHandleTaken(*in.Handle, c) {
		return userErr([]string{"handle"}, "Handle has already been taken")
	}
	setStr(&c.Title, in.Title)
	if in.Handle != nil && *in.Handle != "" {
		c.Handle = *in.Handle
	}
	if in.DescriptionHtml != nil {
		c.DescriptionHtml = HTML(*in.DescriptionHtml)
	}
	setStr(&c.SortOrder, in.SortOrder)
	if in.TemplateSuffix != nil {
		c.TemplateSuffix = optStr(*in.TemplateSuffix)
	}
	if in.RuleSet != nil {
		rs := &CollectionRuleSet{AppliedDisjunctively: in.RuleSet.AppliedDisjunctively}
		if in.RuleSet.Rules != nil {
			for _, r := range *in.RuleSet.Rules {
				rs.Rules = append(rs.Rules, &CollectionRule{Column: r.Column, Relation: r.Relation, Condition: r.Condition})
			}
		}
		c.RuleSet = rs
	}
	if errs := s.applyMetafieldInputs(&c.owner, "COLLECTION", in.Metafields, "metafields", at); errs != nil {
		return userErr(*errs[0].Field, errs[0].Message)
	}
	return nil
}

// CollectionCreate creates a custom or smart collection.
func (rootResolver) CollectionCreate(ctx context.Context, a struct{ Input collectionInput }) *collectionPayload {
	st := stateOf(ctx)
	s := st.shop
	if a.Input.Title == nil || strings.TrimSpace(*a.Input.Title) == "" {
		return &collectionPayload{UserErrors: userErr([]string{"title"}, "Title can't be blank")}
	}
	if a.Input.Products != nil && a.Input.RuleSet != nil {
		return &collectionPayload{UserErrors: userErr([]string{"products"}, "Can't add products to a smart collection")}
	}
	at := now()
	c := &Collection{shop: s, SortOrder: "BEST_SELLING"}
	c.base = s.newBase("Collection", at, c)
	c.Title = *a.Input.Title
	c.Handle = uniqueHandle(func(h string) bool { return s.collectionHandleTaken(h, c) }, handleize(c.Title))
	if errs := s.applyCollectionInput(c, a.Input, at); errs != nil {
		delete(s.objects, c.num)
		return &collectionPayload{UserErrors: errs}
	}
	if a.Input.Products != nil {
		for _, id := range *a.Input.Products {
			if p, ok := lookup(s, id).(*Product); ok {
				c.productIDs = append(c.productIDs, p.num)
			}
		}
	}
	for i, pub := range s.publications {
		c.pubs = append(c.pubs, &ResourcePublication{pub: pub, IsPublished: i == 0, PublishDate: at})
	}
	s.collections = append(s.collections, c)
	st.emit("collections/create", c)
	return &collectionPayload{Collection: c, UserErrors: []*UserError{}}
}

// CollectionUpdate updates a collection.
func (rootResolver) CollectionUpdate(ctx context.Context, a struct{ Input collectionInput }) *collectionPayload {
	st := stateOf(ctx)
	if a.Input.ID == nil {
		return &collectionPayload{UserErrors: userErr([]string{"id"}, "Collection id is required")}
	}
	c, _ := lookup(st.shop, *a.Input.ID).(*Collection)
	if c == nil {
		return &collectionPayload{UserErrors: userErr([]string{"id"}, "Collection does not exist")}
	}
	at := now()
	if errs := st.shop.applyCollectionInput(c, a.Input, at); errs != nil {
		return &collectionPayload{UserErrors: errs}
	}
	c.UpdatedAt = at
	st.emit("collections/update", c)
	return &collectionPayload{Collection: c, UserErrors: []*UserError{}}
}

type collectionDeletePayload struct {
	DeletedCollectionId *graphql.ID
	UserErrors          []*UserError
}

// CollectionDelete deletes a collection.
func (rootResolver) CollectionDelete(ctx context.Context, a struct{ Input struct{ ID graphql.ID } }) *collectionDeletePayload {
	st := stateOf(ctx)
	c, _ := lookup(st.shop, a.Input.ID).(*Collection)
	if c == nil {
		return &collectionDeletePayload{UserErrors: userErr([]string{"id"}, "Collection does not exist")}
	}
	st.shop.collections = removeFrom(st.shop.collections, c)
	delete(st.shop.objects, c.num)
	st.emit("collections/delete", c)
	id := c.ID()
	return &collectionDeletePayload{DeletedCollectionId: &id, UserErrors: []*UserError{}}
}

// ---- metaobjects -----------------------------------------------------------------

type metaobjectFieldInput struct {
	Key   string
	Value string
}

type metaobjectPayload struct {
	Metaobject *Metaobject
	UserErrors []*codedError
}

func (s *shopData) definitionFor(typ string) *MetaobjectDefinition {
	for _, d := range s.metaobjectDefs {
		if d.Type == typ {
			return d
		}
	}
	return nil
}

// applyMetaobjectFields validates then sets fields; create checks required ones.
func applyMetaobjectFields(d *MetaobjectDefinition, m *Metaobject, fields *[]metaobjectFieldInput, create bool) []*codedError {
	var in []metaobjectFieldInput
	if fields != nil {
		in = *fields
	}
	for i, f := range in {
		var fd *MetaobjectFieldDefinition
		for _, x := range d.FieldDefinitions {
			if x.Key == f.Key {
				fd = x
			}
		}
		if fd == nil {
			e := cerr([]string{"metaobject", "fields", strconv.Itoa(i)}, fmt.Sprintf("Field definition %q does not exist", f.Key), "UNDEFINED_OBJECT_FIELD")
			e.ElementKey = strp(f.Key)
			return []*codedError{e}
		}
		if msg := validateMetafieldValue(fd.Type.Name, f.Value); msg != "" {
			e := cerr([]string{"metaobject", "fields", strconv.Itoa(i)}, msg, "INVALID_VALUE")
			e.ElementKey = strp(f.Key)
			return []*codedError{e}
		}
	}
	if create {
		for _, fd := range d.FieldDefinitions {
			if !fd.Required {
				continue
			}
			found := false
			for _, f := range in {
				found = found || (f.Key == fd.Key && f.Value != "")
			}
			if !found {
				e := cerr([]string{"metaobject", "fields"}, fmt.Sprintf("%s can't be blank", fd.Key), "OBJECT_FIELD_REQUIRED")
				e.ElementKey = strp(fd.Key)
				return []*codedError{e}
			}
		}
	}
	for _, f := range in {
		v := f.Value
		if ex := m.Field(struct{ Key string }{f.Key}); ex != nil {
			ex.Value = &v
			continue
		}
		typ := "single_line_text_field"
		for _, fd := range d.FieldDefinitions {
			if fd.Key == f.Key {
				typ = fd.Type.Name
			}
		}
		m.Fields = append(m.Fields, &MetaobjectField{Key: f.Key, Value: &v, Type: typ})
	}
	return nil
}

func (s *shopData) metaobjectHandleTaken(typ, h string, except *Metaobject) bool {
	for _, m := range s.metaobjects {
		if m.Type == typ && m.Handle == h && m != except {
			return true
		}
	}
	return false
}

func (st *reqState) createMetaobject(typ string, handle *string, fields *[]metaobjectFieldInput) *metaobjectPayload {
	s := st.shop
	d := s.definitionFor(typ)
	if d == nil {
		return &metaobjectPayload{UserErrors: []*codedError{cerr([]string{"metaobject", "type"}, fmt.Sprintf("No metaobject definition exists for type %q", typ), "UNDEFINED_OBJECT_TYPE")}}
	}
	at := now()
	m := &Metaobject{shop: s, Type: typ}
	if errs := applyMetaobjectFields(d, m, fields, true); errs != nil {
		return &metaobjectPayload{UserErrors: errs}
	}
	h := ""
	if handle != nil && *handle != "" {
		h = *handle
		if s.metaobjectHandleTaken(typ, h, nil) {
			return &metaobjectPayload{UserErrors: []*codedError{cerr([]string{"metaobject", "handle"}, "Handle has already been taken", "TAKEN")}}
		}
	} else {
		base := handleize(typ)
		m.Handle = base
		if dn := m.DisplayName(); dn != "" && dn != base {
			base = handleize(dn)
		}
		h = uniqueHandle(func(x string) bool { return s.metaobjectHandleTaken(typ, x, nil) }, base)
	}
	m.Handle = h
	m.base = s.newBase("Metaobject", at, m)
	s.metaobjects = append(s.metaobjects, m)
	st.emit("metaobjects/create", m)
	return &metaobjectPayload{Metaobject: m, UserErrors: noErrors()}
}

func (st *reqState) updateMetaobject(m *Metaobject, handle *string, fields *[]metaobjectFieldInput) *metaobjectPayload {
	d := m.Definition()
	if d == nil {
		return &metaobjectPayload{UserErrors: []*codedError{cerr([]string{"id"}, "Metaobject definition not found", "UNDEFINED_OBJECT_TYPE")}}
	}
	if handle != nil && *handle != "" && *handle != m.Handle && st.shop.metaobjectHandleTaken(m.Type, *handle, m) {
		return &metaobjectPayload{UserErrors: []*codedError{cerr([]string{"metaobject", "handle"}, "Handle has already been taken", "TAKEN")}}
	}
	if errs := applyMetaobjectFields(d, m, fields, false); errs != nil {
		return &metaobjectPayload{UserErrors: errs}
	}
	if handle != nil && *handle != "" {
		m.Handle = *handle
	}
	m.UpdatedAt = now()
	st.emit("metaobjects/update", m)
	return &metaobjectPayload{Metaobject: m, UserErrors: noErrors()}
}

// MetaobjectCreate creates an entry.
func (rootResolver) MetaobjectCreate(ctx context.Context, a struct {
	Metaobject struct {
		Type   string
		Handle *string
		Fields *[]metaobjectFieldInput
	}
}) *metaobjectPayload {
	return stateOf(ctx).createMetaobject(a.Metaobject.Type, a.Metaobject.Handle, a.Metaobject.Fields)
}

type metaobjectUpdateInput struct {
	Handle *string
	Fields *[]metaobjectFieldInput
}

// MetaobjectUpdate updates an entry.
func (rootResolver) MetaobjectUpdate(ctx context.Context, a struct {
	ID         graphql.ID
	Metaobject metaobjectUpdateInput
}) *metaobjectPayload {
	st := stateOf(ctx)
	m, _ := lookup(st.shop, a.ID).(*Metaobject)
	if m == nil {
		return &metaobjectPayload{UserErrors: []*codedError{cerr([]string{"id"}, "Record not found", "RECORD_NOT_FOUND")}}
	}
	return st.updateMetaobject(m, a.Metaobject.Handle, a.Metaobject.Fields)
}

// MetaobjectUpsert creates or updates the entry of a type with a handle.
func (rootResolver) MetaobjectUpsert(ctx context.Context, a struct {
	Handle struct {
		Type   string
		Handle string
	}
	Metaobject metaobjectUpdateInput
}) *metaobjectPayload {
	st := stateOf(ctx)
	for _, m := range st.shop.metaobjects {
		if m.Type == a.Handle.Type && m.Handle == a.Handle.Handle {
			return st.updateMetaobject(m, a.Metaobject.Handle, a.Metaobject.Fields)
		}
	}
	h := a.Handle.Handle
	if a.Metaobject.Handle != nil && *a.Metaobject.Handle != "" {
		h = *a.Metaobject.Handle
	}
	return st.createMetaobject(a.Handle.Type, &h, a.Metaobject.Fields)
}

type metaobjectDeletePayload struct {
	DeletedId  *graphql.ID
	UserErrors []*codedError
}

// MetaobjectDelete deletes an entry.
func (rootResolver) MetaobjectDelete(ctx context.Context, a idArg) *metaobjectDeletePayload {
	st := stateOf(ctx)
	m, _ := lookup(st.shop, a.ID).(*Metaobject)
	if m == nil {
		return &metaobjectDeletePayload{UserErrors: []*codedError{cerr([]string{"id"}, "Record not found", "RECORD_NOT_FOUND")}}
	}
	st.shop.metaobjects = removeFrom(st.shop.metaobjects, m)
	delete(st.shop.objects, m.num)
	st.emit("metaobjects/delete", m)
	id := m.ID()
	return &metaobjectDeletePayload{DeletedId: &id, UserErrors: noErrors()}
}

var typeCategories = map[string]string{
	"single_line_text_field": "TEXT", "multi_line_text_field": "TEXT", "rich_text_field": "TEXT",
	"number_integer": "NUMBER", "number_decimal": "NUMBER", "boolean": "TRUE_FALSE", "date": "DATE_TIME", "date_time": "DATE_TIME",
	"url": "URL", "json": "JSON", "color": "COLOR", "rating": "MEASUREMENT", "money": "MEASUREMENT", "dimension": "MEASUREMENT", "weight": "MEASUREMENT", "volume": "MEASUREMENT",
}

func defType(name string) *MetafieldDefinitionType {
	base := strings.TrimPrefix(name, "list.")
	cat := typeCategories[base]
	if cat == "" {
		cat = "REFERENCE"
		if !strings.HasSuffix(base, "_reference") {
			cat = "TEXT"
		}
	}
	return &MetafieldDefinitionType{Name: name, Category: cat}
}

type metaobjectDefinitionPayload struct {
	MetaobjectDefinition *MetaobjectDefinition
	UserErrors           []*codedError
}

// MetaobjectDefinitionCreate creates a metaobject type.
func (rootResolver) MetaobjectDefinitionCreate(ctx context.Context, a struct {
	Definition struct {
		Type             string
		Name             *string
		Description      *string
		DisplayNameKey   *string
		FieldDefinitions []struct {
			Key         string
			Name        *string
			Description *string
			Type        string
			Required    *bool
			Validations *[]struct{ Name, Value string }
		}
	}
}) *metaobjectDefinitionPayload {
	s := shopOf(ctx)
	in := a.Definition
	if s.definitionFor(in.Type) != nil {
		return &metaobjectDefinitionPayload{UserErrors: []*codedError{cerr([]string{"definition", "type"}, "Type has already been taken", "TAKEN")}}
	}
	d := &MetaobjectDefinition{shop: s, Type: in.Type, Name: in.Type, Description: in.Description, DisplayNameKey: in.DisplayNameKey}
	setStr(&d.Name, in.Name)
	for _, f := range in.FieldDefinitions {
		fd := &MetaobjectFieldDefinition{Key: f.Key, Name: f.Name, Description: f.Description,
			Required: f.Required != nil && *f.Required, Type: defType(f.Type)}
		if f.Validations != nil {
			for _, v := range *f.Validations {
				val := v.Value
				fd.validations = append(fd.validations, &MetafieldDefinitionValidation{Name: v.Name, Value: &val, Type: "string"})
			}
		}
		d.FieldDefinitions = append(d.FieldDefinitions, fd)
	}
	d.base = s.newBase("MetaobjectDefinition", now(), d)
	s.metaobjectDefs = append(s.metaobjectDefs, d)
	return &metaobjectDefinitionPayload{MetaobjectDefinition: d, UserErrors: noErrors()}
}

type metafieldDefinitionPayload struct {
	CreatedDefinition *MetafieldDefinition
	UserErrors        []*codedError
}

// MetafieldDefinitionCreate creates a metafield definition.
func (rootResolver) MetafieldDefinitionCreate(ctx context.Context, a struct {
	Definition struct {
		Name        string
		Namespace   *string
		Key         string
		Type        string
		OwnerType   string
		Description *string
		Pin         *bool
		Validations *[]struct{ Name, Value string }
	}
}) *metafieldDefinitionPayload {
	st := stateOf(ctx)
	s := st.shop
	in := a.Definition
	ns := "$app"
	if in.Namespace != nil && *in.Namespace != "" {
		ns = *in.Namespace
	}
	if len(in.Key) < 2 {
		return &metafieldDefinitionPayload{UserErrors: []*codedError{cerr([]string{"definition", "key"}, "Key is too short (minimum is 2 characters)", "TOO_SHORT")}}
	}
	if s.definitionType(in.OwnerType, ns, in.Key) != "" {
		return &metafieldDefinitionPayload{UserErrors: []*codedError{cerr([]string{"definition", "key"}, "Key is in use for "+strings.ToLower(in.OwnerType)+" metafields on the '"+ns+"' namespace.", "TAKEN")}}
	}
	d := &MetafieldDefinition{shop: s, Name: in.Name, Namespace: ns, Key: in.Key, OwnerType: in.OwnerType, Description: in.Description,
		Type: defType(in.Type), Validations: []*MetafieldDefinitionValidation{}}
	if in.Validations != nil {
		for _, v := range *in.Validations {
			val := v.Value
			d.Validations = append(d.Validations, &MetafieldDefinitionValidation{Name: v.Name, Value: &val, Type: "string"})
		}
	}
	if in.Pin != nil && *in.Pin {
		max := int32(0)
		for _, x := range s.metafieldDefs {
			if x.OwnerType == d.OwnerType && x.PinnedPosition != nil && *x.PinnedPosition > max {
				max = *x.PinnedPosition
			}
		}
		n := max + 1
		d.PinnedPosition = &n
	}
	d.base = s.newBase("MetafieldDefinition", now(), d)
	s.metafieldDefs = append(s.metafieldDefs, d)
	st.emit("metafield_definitions/create", d)
	return &metafieldDefinitionPayload{CreatedDefinition: d, UserErrors: noErrors()}
}

// ---- blogs and articles ----------------------------------------------------------

type articleInput struct {
	BlogId         *graphql.ID
	Title          *string
	Handle         *string
	Body           *HTML
	Summary        *HTML
	Tags           *[]string
	Author         *struct{ Name *string }
	IsPublished    *bool
	PublishDate    *DateTime
	TemplateSuffix *string
	Image          *struct{ Url, AltText *string }
	Metafields     *[]metafieldInput
}

type articlePayload struct {
	Article    *Article
	UserErrors []*codedError
}

func (s *shopData) articleHandleTaken(b *Blog, h string, except *Article) bool {
	for _, a := range s.articles {
		if a.blog == b && a.Handle == h && a != except {
			return true
		}
	}
	return false
}

func (s *shopData) applyArticleInput(a *Article, in articleInput, at DateTime) []*codedError {
	if in.Title != nil && strings.TrimSpace(*in.Title) == "" {
		return []*codedError{cerr([]string{"article", "title"}, "Title can't be blank", "BLANK")}
	}
	if in.BlogId != nil {
		b, _ := lookup(s, *in.BlogId).(*Blog)
		if b == nil {
			return []*codedError{cerr([]string{"article", "blogId"}, "Blog does not exist", "NOT_FOUND")}
		}
		a.blog = b
	}
	if in.Handle != nil && *in.Handle != "" && s.articleHandleTaken(a.blog, *in.Handle, a) {
		return []*codedError{cerr([]string{"article", "handle"}, "Handle has already been taken", "TAKEN")}
	}
	setStr(&a.Title, in.Title)
	if in.Handle != nil && *in.Handle != "" {
		a.Handle = *in.Handle
	}
	if in.Body != nil {
		a.Body = *in.Body
	}
	if in.Summary != nil {
		a.Summary = in.Summary
	}
	if in.Tags != nil {
		a.Tags = normalizeTags(*in.Tags)
	}
	if in.Author != nil && in.Author.Name != nil {
		a.Author = &ArticleAuthor{Name: *in.Author.Name}
	}
	if in.TemplateSuffix != nil {
		a.TemplateSuffix = optStr(*in.TemplateSuffix)
	}
	if in.Image != nil && in.Image.Url != nil {
		a.Image = &Image{Url: URL(*in.Image.Url), AltText: in.Image.AltText}
	}
	if in.IsPublished != nil {
		a.IsPublished = *in.IsPublished
	}
	if in.PublishDate != nil {
		a.PublishedAt = in.PublishDate
		a.IsPublished = true
	} else if a.IsPublished && a.PublishedAt == nil {
		a.PublishedAt = &at
	}
	if !a.IsPublished {
		a.PublishedAt = nil
	}
	if errs := s.applyMetafieldInputs(&a.owner, "ARTICLE", in.Metafields, "metafields", at); errs != nil {
		return errs
	}
	return nil
}

// ArticleCreate creates an article in a blog.
func (rootResolver) ArticleCreate(ctx context.Context, a struct {
	Article struct {
		BlogId         *graphql.ID
		Title          string
		Handle         *string
		Body           *HTML
		Summary        *HTML
		Tags           *[]string
		Author         struct{ Name *string }
		IsPublished    *bool
		PublishDate    *DateTime
		TemplateSuffix *string
		Image          *struct{ Url, AltText *string }
		Metafields     *[]metafieldInput
	}
}) *articlePayload {
	s := shopOf(ctx)
	in := a.Article
	if in.BlogId == nil {
		return &articlePayload{UserErrors: []*codedError{cerr([]string{"article", "blogId"}, "Must specify a blog", "BLANK")}}
	}
	if strings.TrimSpace(in.Title) == "" {
		return &articlePayload{UserErrors: []*codedError{cerr([]string{"article", "title"}, "Title can't be blank", "BLANK")}}
	}
	at := now()
	art := &Article{Tags: []string{}}
	b, _ := lookup(s, *in.BlogId).(*Blog)
	if b == nil {
		return &articlePayload{UserErrors: []*codedError{cerr([]string{"article", "blogId"}, "Blog does not exist", "NOT_FOUND")}}
	}
	art.blog = b
	if in.Handle == nil || *in.Handle == "" {
		h := uniqueHandle(func(h string) bool { return s.articleHandleTaken(b, h, nil) }, handleize(in.Title))
		in.Handle = &h
	}
	ai := articleInput{BlogId: in.BlogId, Title: &in.Title, Handle: in.Handle, Body: in.Body, Summary: in.Summary, Tags: in.Tags,
		Author: &in.Author, IsPublished: in.IsPublished, PublishDate: in.PublishDate, TemplateSuffix: in.TemplateSuffix, Image: in.Image, Metafields: in.Metafields}
	if errs := s.applyArticleInput(art, ai, at); errs != nil {
		return &articlePayload{UserErrors: errs}
	}
	art.base = s.newBase("Article", at, art)
	s.articles = append(s.articles, art)
	return &articlePayload{Article: art, UserErrors: noErrors()}
}

// ArticleUpdate updates an article.
func (rootResolver) ArticleUpdate(ctx context.Context, a struct {
	ID      graphql.ID
	Article articleInput
}) *articlePayload {
	s := shopOf(ctx)
	art, _ := lookup(s, a.ID).(*Article)
	if art == nil {
		return &articlePayload{UserErrors: []*codedError{cerr([]string{"id"}, "Article does not exist", "NOT_FOUND")}}
	}
	at := now()
	if errs := s.applyArticleInput(art, a.Article, at); errs != nil {
		return &articlePayload{UserErrors: errs}
	}
	art.UpdatedAt = at
	return &articlePayload{Article: art, UserErrors: noErrors()}
}

type articleDeletePayload struct {
	DeletedArticleId *graphql.ID
	UserErrors       []*codedError
}

// ArticleDelete deletes an article.
func (rootResolver) ArticleDelete(ctx context.Context, a idArg) *articleDeletePayload {
	s := shopOf(ctx)
	art, _ := lookup(s, a.ID).(*Article)
	if art == nil {
		return &articleDeletePayload{UserErrors: []*codedError{cerr([]string{"id"}, "Article does not exist", "NOT_FOUND")}}
	}
	s.articles = removeFrom(s.articles, art)
	delete(s.objects, art.num)
	id := art.ID()
	return &articleDeletePayload{DeletedArticleId: &id, UserErrors: noErrors()}
}

type blogInput struct {
	Title          *string
	Handle         *string
	CommentPolicy  *string
	TemplateSuffix *string
	Metafields     *[]metafieldInput
}

type blogPayload struct {
	Blog       *Blog
	UserErrors []*codedError
}

func (s *shopData) blogHandleTaken(h string, except *Blog) bool {
	for _, b := range s.blogs {
		if b.Handle == h && b != except {
			return true
		}
	}
	return false
}

func (s *shopData) applyBlogInput(b *Blog, in blogInput, at DateTime) []*codedError {
	if in.Title != nil && strings.TrimSpace(*in.Title) == "" {
		return []*codedError{cerr([]string{"blog", "title"}, "Title can't be blank", "BLANK")}
	}
	if in.Handle != nil && *in.Handle != "" && s.blogHandleTaken(*in.Handle, b) {
		return []*codedError{cerr([]string{"blog", "handle"}, "Handle has already been taken", "TAKEN")}
	}
	setStr(&b.Title, in.Title)
	if in.Handle != nil && *in.Handle != "" {
		b.Handle = *in.Handle
	}
	setStr(&b.CommentPolicy, in.CommentPolicy)
	if in.TemplateSuffix != nil {
		b.TemplateSuffix = optStr(*in.TemplateSuffix)
	}
	return s.applyMetafieldInputs(&b.owner, "BLOG", in.Metafields, "metafields", at)
}

// BlogCreate creates a blog.
func (rootResolver) BlogCreate(ctx context.Context, a struct {
	Blog struct {
		Title          string
		Handle         *string
		CommentPolicy  *string
		TemplateSuffix *string
		Metafields     *[]metafieldInput
	}
}) *blogPayload {
	s := shopOf(ctx)
	in := a.Blog
	if strings.TrimSpace(in.Title) == "" {
		return &blogPayload{UserErrors: []*codedError{cerr([]string{"blog", "title"}, "Title can't be blank", "BLANK")}}
	}
	at := now()
	b := &Blog{shop: s, CommentPolicy: "MODERATED", Tags: []string{}}
	if in.Handle == nil || *in.Handle == "" {
		h := uniqueHandle(func(h string) bool { return s.blogHandleTaken(h, nil) }, handleize(in.Title))
		in.Handle = &h
	}
	if errs := s.applyBlogInput(b, blogInput{Title: &in.Title, Handle: in.Handle, CommentPolicy: in.CommentPolicy, TemplateSuffix: in.TemplateSuffix, Metafields: in.Metafields}, at); errs != nil {
		return &blogPayload{UserErrors: errs}
	}
	b.base = s.newBase("Blog", at, b)
	s.blogs = append(s.blogs, b)
	return &blogPayload{Blog: b, UserErrors: noErrors()}
}

// BlogUpdate updates a blog.
func (rootResolver) BlogUpdate(ctx context.Context, a struct {
	ID   graphql.ID
	Blog blogInput
}) *blogPayload {
	s := shopOf(ctx)
	b, _ := lookup(s, a.ID).(*Blog)
	if b == nil {
		return &blogPayload{UserErrors: []*codedError{cerr([]string{"id"}, "Blog does not exist", "NOT_FOUND")}}
	}
	at := now()
	if errs := s.applyBlogInput(b, a.Blog, at); errs != nil {
		return &blogPayload{UserErrors: errs}
	}
	b.UpdatedAt = at
	return &blogPayload{Blog: b, UserErrors: noErrors()}
}

type blogDeletePayload struct {
	DeletedBlogId *graphql.ID
	UserErrors    []*codedError
}

// BlogDelete deletes a blog and its articles.
func (rootResolver) BlogDelete(ctx context.Context, a idArg) *blogDeletePayload {
	s := shopOf(ctx)
	b, _ := lookup(s, a.ID).(*Blog)
	if b == nil {
		return &blogDeletePayload{UserErrors: []*codedError{cerr([]string{"id"}, "Blog does not exist", "NOT_FOUND")}}
	}
	for _, art := range b.articleList() {
		s.articles = removeFrom(s.articles, art)
		delete(s.objects, art.num)
	}
	s.blogs = removeFrom(s.blogs, b)
	delete(s.objects, b.num)
	id := b.ID()
	return &blogDeletePayload{DeletedBlogId: &id, UserErrors: noErrors()}
}

// ---- menus -----------------------------------------------------------------------

type menuItemInput struct {
	ID         *graphql.ID
	Title      string
	Type       string
	Url        *string
	ResourceId *graphql.ID
	Tags       *[]string
	Items      *[]menuItemInput
}

type menuPayload struct {
	Menu       *Menu
	UserErrors []*codedError
}

func (s *shopData) buildMenuItems(in []menuItemInput, depth int) ([]*MenuItem, *codedError) {
	if depth > 3 {
		return nil, cerr([]string{"items"}, "Menu items can be nested at most 3 levels deep", "INVALID")
	}
	out := []*MenuItem{}
	for _, it := range in {
		if strings.TrimSpace(it.Title) == "" {
			return nil, cerr([]string{"items", "title"}, "Title can't be blank", "BLANK")
		}
		var id graphql.ID
		if it.ID != nil {
			id = *it.ID
		} else {
			s.nextID++
			id = graphql.ID(fmt.Sprintf("gid://shopify/MenuItem/%d", s.nextID))
		}
		mi := &MenuItem{ID: id, Title: it.Title, Type: it.Type, ResourceId: it.ResourceId, Tags: []string{}}
		if it.Url != nil {
			u := URL(*it.Url)
			mi.Url = &u
		}
		if it.Tags != nil {
			mi.Tags = *it.Tags
		}
		var children []menuItemInput
		if it.Items != nil {
			children = *it.Items
		}
		kids, err := s.buildMenuItems(children, depth+1)
		if err != nil {
			return nil, err
		}
		mi.Items = kids
		out = append(out, mi)
	}
	return out, nil
}

func (s *shopData) menuHandleTaken(h string, except *Menu) bool {
	for _, m := range s.menus {
		if m.Handle == h && m != except {
			return true
		}
	}
	return false
}

// MenuCreate creates a menu.
func (rootResolver) MenuCreate(ctx context.Context, a struct {
	Title  string
	Handle string
	Items  []menuItemInput
}) *menuPayload {
	s := shopOf(ctx)
	if strings.TrimSpace(a.Title) == "" {
		return &menuPayload{UserErrors: []*codedError{cerr([]string{"title"}, "Title can't be blank", "BLANK")}}
	}
	if s.menuHandleTaken(a.Handle, nil) {
		return &menuPayload{UserErrors: []*codedError{cerr([]string{"handle"}, "Handle has already been taken", "TAKEN")}}
	}
	items, e := s.buildMenuItems(a.Items, 1)
	if e != nil {
		return &menuPayload{UserErrors: []*codedError{e}}
	}
	m := &Menu{Handle: a.Handle, Title: a.Title, Items: items}
	m.base = s.newBase("Menu", now(), m)
	s.menus = append(s.menus, m)
	return &menuPayload{Menu: m, UserErrors: noErrors()}
}

// MenuUpdate replaces a menu's title, handle and items.
func (rootResolver) MenuUpdate(ctx context.Context, a struct {
	ID     graphql.ID
	Title  string
	Handle *string
	Items  []menuItemInput
}) *menuPayload {
	s := shopOf(ctx)
	m, _ := lookup(s, a.ID).(*Menu)
	if m == nil {
		return &menuPayload{UserErrors: []*codedError{cerr([]string{"id"}, "Menu does not exist", "MENU_DOES_NOT_EXIST")}}
	}
	if a.Handle != nil && *a.Handle != m.Handle {
		if m.IsDefault {
			return &menuPayload{UserErrors: []*codedError{cerr([]string{"handle"}, "Default menu handles can't be changed", "INVALID")}}
		}
		if s.menuHandleTaken(*a.Handle, m) {
			return &menuPayload{UserErrors: []*codedError{cerr([]string{"handle"}, "Handle has already been taken", "TAKEN")}}
		}
	}
	items, e := s.buildMenuItems(a.Items, 1)
	if e != nil {
		return &menuPayload{UserErrors: []*codedError{e}}
	}
	m.Title, m.Items = a.Title, items
	if a.Handle != nil {
		m.Handle = *a.Handle
	}
	m.UpdatedAt = now()
	return &menuPayload{Menu: m, UserErrors: noErrors()}
}

type menuDeletePayload struct {
	DeletedMenuId *graphql.ID
	UserErrors    []*codedError
}

// MenuDelete deletes a menu (not a default one).
func (rootResolver) MenuDelete(ctx context.Context, a idArg) *menuDeletePayload {
	s := shopOf(ctx)
	m, _ := lookup(s, a.ID).(*Menu)
	if m == nil {
		return &menuDeletePayload{UserErrors: []*codedError{cerr([]string{"id"}, "Menu does not exist", "MENU_DOES_NOT_EXIST")}}
	}
	if m.IsDefault {
		return &menuDeletePayload{UserErrors: []*codedError{cerr([]string{"id"}, "Default menus can't be deleted", "UNABLE_TO_DELETE_DEFAULT_MENU")}}
	}
	s.menus = removeFrom(s.menus, m)
	delete(s.objects, m.num)
	id := m.ID()
	return &menuDeletePayload{DeletedMenuId: &id, UserErrors: noErrors()}
}

// ---- theme files -----------------------------------------------------------------

type themeFileResult struct{ Filename string }

type themeFilesPayload struct {
	UpsertedThemeFiles *[]*themeFileResult
	DeletedThemeFiles  *[]*themeFileResult
	UserErrors         []*codedError
}

// ThemeFilesUpsert creates or replaces up to 50 theme files.
func (rootResolver) ThemeFilesUpsert(ctx context.Context, a struct {
	ThemeId graphql.ID
	Files   []struct {
		Filename string
		Body     struct{ Type, Value string }
	}
}) *themeFilesPayload {
	st := stateOf(ctx)
	t, _ := lookup(st.shop, a.ThemeId).(*OnlineStoreTheme)
	if t == nil {
		return &themeFilesPayload{UserErrors: []*codedError{cerr([]string{"themeId"}, "Theme does not exist", "NOT_FOUND")}}
	}
	if len(a.Files) > 50 {
		return &themeFilesPayload{UserErrors: []*codedError{cerr([]string{"files"}, "Too many files (at most 50 per request)", "LESS_THAN_OR_EQUAL_TO")}}
	}
	at := now()
	var out []*themeFileResult
	for i, f := range a.Files {
		content := f.Body.Value
		switch f.Body.Type {
		case "BASE64":
			b, err := base64.StdEncoding.DecodeString(f.Body.Value)
			if err != nil {
				e := cerr([]string{"files", strconv.Itoa(i), "body", "value"}, "Body is not valid base64", "INVALID")
				e.Filename = strp(f.Filename)
				return &themeFilesPayload{UserErrors: []*codedError{e}}
			}
			content = string(b)
		case "URL":
			if u, err := url.Parse(f.Body.Value); err != nil || u.Scheme == "" {
				e := cerr([]string{"files", strconv.Itoa(i), "body", "value"}, "Body URL is invalid", "INVALID")
				e.Filename = strp(f.Filename)
				return &themeFilesPayload{UserErrors: []*codedError{e}}
			}
		}
		if !validThemeFilename(f.Filename) {
			e := cerr([]string{"files", strconv.Itoa(i), "filename"}, "Filename is invalid", "INVALID")
			e.Filename = strp(f.Filename)
			return &themeFilesPayload{UserErrors: []*codedError{e}}
		}
		t.setFile(f.Filename, content, at)
		out = append(out, &themeFileResult{f.Filename})
	}
	t.UpdatedAt = at
	return &themeFilesPayload{UpsertedThemeFiles: &out, UserErrors: noErrors()}
}

var themeDirs = []string{"assets/", "blocks/", "config/", "layout/", "locales/", "sections/", "snippets/", "templates/"}

func validThemeFilename(name string) bool {
	for _, d := range themeDirs {
		if strings.HasPrefix(name, d) && len(name) > len(d) && !strings.Contains(name, "..") {
			return true
		}
	}
	return false
}

// ThemeFilesDelete deletes theme files (layout/theme.liquid and
// config/settings_schema.json are required and cannot be deleted).
func (rootResolver) ThemeFilesDelete(ctx context.Context, a struct {
	ThemeId graphql.ID
	Files   []string
}) *themeFilesPayload {
	st := stateOf(ctx)
	t, _ := lookup(st.shop, a.ThemeId).(*OnlineStoreTheme)
	if t == nil {
		return &themeFilesPayload{UserErrors: []*codedError{cerr([]string{"themeId"}, "Theme does not exist", "NOT_FOUND")}}
	}
	var out []*themeFileResult
	var errs []*codedError
	for _, name := range a.Files {
		if name == "layout/theme.liquid" || name == "config/settings_schema.json" {
			e := cerr([]string{"files"}, "This file is required and can't be deleted", "INVALID")
			e.Filename = strp(name)
			errs = append(errs, e)
			continue
		}
		kept := t.files[:0]
		found := false
		for _, f := range t.files {
			if f.Filename == name {
				found = true
				continue
			}
			kept = append(kept, f)
		}
		t.files = kept
		if !found {
			e := cerr([]string{"files"}, "File not found", "NOT_FOUND")
			e.Filename = strp(name)
			errs = append(errs, e)
			continue
		}
		out = append(out, &themeFileResult{name})
	}
	if errs == nil {
		errs = noErrors()
	}
	return &themeFilesPayload{DeletedThemeFiles: &out, UserErrors: errs}
}
