package emulator

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

// Mutations that complete a deploy's round trip: metafieldsDelete, a
// custom collection's membership (collectionAddProductsV2,
// collectionRemoveProducts, asynchronous jobs in Shopify) and updates of
// metaobject and metafield definitions.

// ---- jobs --------------------------------------------------------------------------

// Job is an asynchronous job. The emulator finishes its jobs before the
// mutation answers, so every job it returns is done.
type Job struct{ id string }

// ID is the job's GID.
func (j *Job) ID() graphql.ID { return graphql.ID(j.id) }

// Done is always true (the work was done synchronously).
func (j *Job) Done() bool { return true }

// Query is the query root, to read the job's result as Shopify allows.
func (j *Job) Query() *rootResolver { return &rootResolver{} }

func newJob() *Job { return &Job{id: "gid://shopify/Job/" + newUUID()} }

// Job reads a job by id: any well-formed job GID is a finished job.
func (rootResolver) Job(a struct{ ID graphql.ID }) *Job {
	if rest, ok := strings.CutPrefix(string(a.ID), "gid://shopify/Job/"); !ok || rest == "" {
		return nil
	}
	return &Job{id: string(a.ID)}
}

// ---- metafieldsDelete ----------------------------------------------------------------

// MetafieldIdentifier names one metafield: owner, namespace and key.
type MetafieldIdentifier struct {
	OwnerId   graphql.ID
	Namespace string
	Key       string
}

type metafieldsDeletePayload struct {
	DeletedMetafields *[]*MetafieldIdentifier
	UserErrors        []*UserError
}

// metafieldOwnerScopes is the write scope a metafield's owner needs
// (Shopify: deleting a metafield needs the access mutating its owner does).
var metafieldOwnerScopes = map[string]string{
	"Product": "write_products", "ProductVariant": "write_products", "Collection": "write_products",
	"Page": "write_online_store_pages", "Blog": "write_content", "Article": "write_content",
	"DiscountNode": "write_discounts",
}

// accessDenied is a top-level ACCESS_DENIED error of a root field.
type accessDenied struct{ field, need string }

func (e accessDenied) Error() string {
	return fmt.Sprintf("Access denied for %s field. Required access: `%s` access scope.", e.field, e.need)
}

// Extensions are Shopify's for an access error.
func (e accessDenied) Extensions() map[string]any {
	return map[string]any{"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes",
		"requiredAccess": fmt.Sprintf("`%s` access scope.", e.need)}
}

// MetafieldsDelete deletes metafields by owner, namespace and key. A
// metafield that does not exist (or whose owner does not) is null in
// deletedMetafields, and the mutation still succeeds. The token needs the
// write scope of every owner's type; without it nothing is deleted.
func (rootResolver) MetafieldsDelete(ctx context.Context, a struct{ Metafields []MetafieldIdentifier }) (*metafieldsDeletePayload, error) {
	st := stateOf(ctx)
	s := st.shop
	if len(a.Metafields) == 0 {
		return &metafieldsDeletePayload{UserErrors: userErr([]string{"metafields"}, "At least one metafield identifier must be specified.")}, nil
	}
	for _, m := range a.Metafields {
		kind, _, _ := parseGID(string(m.OwnerId))
		if need := metafieldOwnerScopes[kind]; need != "" && !st.scopes.has(need) {
			return nil, accessDenied{"metafieldsDelete", need}
		}
	}
	at := now()
	out := make([]*MetafieldIdentifier, len(a.Metafields))
	for i, m := range a.Metafields {
		kind, _, _ := parseGID(string(m.OwnerId))
		obj := lookup(s, m.OwnerId)
		mo, ok := obj.(mfOwner)
		if !ok || ownerTypes[kind] == "" {
			continue
		}
		o := mo.mfOwner()
		idx := slices.IndexFunc(o.mfs, func(x *Metafield) bool { return x.Namespace == m.Namespace && x.Key == m.Key })
		if idx < 0 {
			continue
		}
		delete(s.objects, o.mfs[idx].num)
		o.mfs = slices.Delete(o.mfs, idx, idx+1)
		id := m
		out[i] = &id
		if p, ok := obj.(*Product); ok {
			p.UpdatedAt = at
			st.emit("products/update", p)
		}
	}
	return &metafieldsDeletePayload{DeletedMetafields: &out, UserErrors: []*UserError{}}, nil
}

// ---- a custom collection's products ---------------------------------------------------

type collectionAddProductsV2Payload struct {
	Job        *Job
	UserErrors []*codedError
}

type collectionRemoveProductsPayload struct {
	Job        *Job
	UserErrors []*UserError
}

// CollectionAddProductsV2 adds products to a custom collection, in the
// order given, after the ones it has (a product it has already is left
// where it is). Shopify runs it as a job: the emulator finishes the job
// before answering and returns it done. Product ids are not checked (the
// job skips what is not a product of the shop).
func (rootResolver) CollectionAddProductsV2(ctx context.Context, a struct {
	ID         graphql.ID
	ProductIds []graphql.ID
}) *collectionAddProductsV2Payload {
	st := stateOf(ctx)
	c, _ := lookup(st.shop, a.ID).(*Collection)
	if c == nil {
		return &collectionAddProductsV2Payload{UserErrors: []*codedError{cerr([]string{"id"}, "Collection doesn't exist.", "COLLECTION_DOES_NOT_EXIST")}}
	}
	if c.RuleSet != nil {
		return &collectionAddProductsV2Payload{UserErrors: []*codedError{cerr([]string{"id"}, "Can't manually add products to a smart collection.", "CANT_ADD_TO_SMART_COLLECTION")}}
	}
	for _, id := range a.ProductIds {
		if p, ok := lookup(st.shop, id).(*Product); ok && !slices.Contains(c.productIDs, p.num) {
			c.productIDs = append(c.productIDs, p.num)
		}
	}
	c.UpdatedAt = now()
	st.emit("collections/update", c)
	return &collectionAddProductsV2Payload{Job: newJob(), UserErrors: noErrors()}
}

// CollectionRemoveProducts removes products from a custom collection (as
// a job, done at once). Like Shopify it does not check that the products
// exist or belong to the collection.
func (rootResolver) CollectionRemoveProducts(ctx context.Context, a struct {
	ID         graphql.ID
	ProductIds []graphql.ID
}) *collectionRemoveProductsPayload {
	st := stateOf(ctx)
	c, _ := lookup(st.shop, a.ID).(*Collection)
	if c == nil {
		return &collectionRemoveProductsPayload{UserErrors: userErr([]string{"id"}, "Collection does not exist")}
	}
	if c.RuleSet != nil {
		return &collectionRemoveProductsPayload{UserErrors: userErr([]string{"id"}, "Can't manually remove products from a smart collection")}
	}
	for _, id := range a.ProductIds {
		if _, n, ok := parseGID(string(id)); ok {
			c.productIDs = slices.DeleteFunc(c.productIDs, func(x int64) bool { return x == n })
		}
	}
	c.UpdatedAt = now()
	st.emit("collections/update", c)
	return &collectionRemoveProductsPayload{Job: newJob(), UserErrors: []*UserError{}}
}

// ---- definition updates -------------------------------------------------------------

type validationInput struct{ Name, Value string }

func definitionValidations(in []validationInput) []*MetafieldDefinitionValidation {
	out := []*MetafieldDefinitionValidation{}
	for _, v := range in {
		val := v.Value
		out = append(out, &MetafieldDefinitionValidation{Name: v.Name, Value: &val, Type: "string"})
	}
	return out
}

type fieldDefinitionCreate struct {
	Key         string
	Name        *string
	Description *string
	Type        string
	Required    *bool
	Validations *[]validationInput
}

type fieldDefinitionUpdate struct {
	Key         string
	Name        *string
	Description *string
	Required    *bool
	Validations *[]validationInput
}

type metaobjectDefinitionUpdatePayload struct {
	MetaobjectDefinition *MetaobjectDefinition
	UserErrors           []*codedError
}

// MetaobjectDefinitionUpdate changes a metaobject definition's name,
// description, display name key and field definitions (create, update —
// name, description, required, validations; a field's key and type cannot
// change — and delete, which drops the field's values from every entry).
// resetFieldOrder puts the fields submitted first, then the others
// alphabetized; otherwise new fields are appended. All or nothing.
func (rootResolver) MetaobjectDefinitionUpdate(ctx context.Context, a struct {
	ID         graphql.ID
	Definition struct {
		Name             *string
		Description      *string
		DisplayNameKey   *string
		FieldDefinitions *[]struct {
			Create *fieldDefinitionCreate
			Update *fieldDefinitionUpdate
			Delete *struct{ Key string }
		}
		ResetFieldOrder *bool
	}
}) *metaobjectDefinitionUpdatePayload {
	s := shopOf(ctx)
	fail := func(field []string, msg, code string, i int) *metaobjectDefinitionUpdatePayload {
		e := cerr(field, msg, code)
		if i >= 0 {
			n := int32(i)
			e.ElementIndex = &n
		}
		return &metaobjectDefinitionUpdatePayload{UserErrors: []*codedError{e}}
	}
	d, _ := lookup(s, a.ID).(*MetaobjectDefinition)
	if d == nil {
		return fail([]string{"id"}, "No metaobject definition exists for this id.", "NOT_FOUND", -1)
	}
	in := a.Definition
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		return fail([]string{"definition", "name"}, "Name can't be blank", "BLANK", -1)
	}
	// Work on a copy of the field list: nothing changes unless all is valid.
	fields := make([]*MetaobjectFieldDefinition, 0, len(d.FieldDefinitions))
	for _, f := range d.FieldDefinitions {
		c := *f
		fields = append(fields, &c)
	}
	find := func(key string) int {
		return slices.IndexFunc(fields, func(f *MetaobjectFieldDefinition) bool { return f.Key == key })
	}
	var submitted, deleted []string
	seen := map[string]bool{}
	var ops []struct {
		Create *fieldDefinitionCreate
		Update *fieldDefinitionUpdate
		Delete *struct{ Key string }
	}
	if in.FieldDefinitions != nil {
		ops = *in.FieldDefinitions
	}
	for i, op := range ops {
		path := []string{"definition", "fieldDefinitions", strconv.Itoa(i)}
		n := 0
		for _, set := range []bool{op.Create != nil, op.Update != nil, op.Delete != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return fail(path, "Exactly one of create, update or delete is required.", "INVALID", i)
		}
		var key string
		switch {
		case op.Create != nil:
			key = op.Create.Key
		case op.Update != nil:
			key = op.Update.Key
		default:
			key = op.Delete.Key
		}
		if seen[key] {
			return fail(append(path, "key"), "Field definition key "+key+" is given more than once.", "DUPLICATE_FIELD_INPUT", i)
		}
		seen[key] = true
		switch {
		case op.Create != nil:
			c := op.Create
			if find(c.Key) >= 0 {
				return fail(append(path, "create", "key"), "Field definition key "+c.Key+" is already taken.", "OBJECT_FIELD_TAKEN", i)
			}
			if len(c.Key) < 2 || len(c.Key) > 64 {
				return fail(append(path, "create", "key"), "Key must be 2-64 characters long.", "INVALID", i)
			}
			fd := &MetaobjectFieldDefinition{Key: c.Key, Name: c.Name, Description: c.Description, Required: c.Required != nil && *c.Required, Type: defType(c.Type)}
			if c.Validations != nil {
				fd.validations = definitionValidations(*c.Validations)
			}
			fields = append(fields, fd)
			submitted = append(submitted, c.Key)
		case op.Update != nil:
			u := op.Update
			j := find(u.Key)
			if j < 0 {
				return fail(append(path, "update", "key"), "No field definition exists for key "+u.Key+".", "UNDEFINED_OBJECT_FIELD", i)
			}
			f := fields[j]
			if u.Name != nil {
				f.Name = u.Name
			}
			if u.Description != nil {
				f.Description = u.Description
			}
			if u.Required != nil {
				f.Required = *u.Required
			}
			if u.Validations != nil {
				f.validations = definitionValidations(*u.Validations)
			}
			submitted = append(submitted, u.Key)
		default:
			j := find(op.Delete.Key)
			if j < 0 {
				return fail(append(path, "delete", "key"), "No field definition exists for key "+op.Delete.Key+".", "UNDEFINED_OBJECT_FIELD", i)
			}
			fields = slices.Delete(fields, j, j+1)
			deleted = append(deleted, op.Delete.Key)
		}
	}
	displayKey := d.DisplayNameKey
	if in.DisplayNameKey != nil {
		displayKey = in.DisplayNameKey
		if *in.DisplayNameKey == "" {
			displayKey = nil
		}
	}
	if displayKey != nil && find(*displayKey) < 0 {
		return fail([]string{"definition", "displayNameKey"}, "Display name key must be the key of a field definition.", "INVALID", -1)
	}
	if in.ResetFieldOrder != nil && *in.ResetFieldOrder {
		rank := map[string]int{}
		for i, k := range submitted {
			rank[k] = i
		}
		slices.SortStableFunc(fields, func(x, y *MetaobjectFieldDefinition) int {
			rx, okx := rank[x.Key]
			ry, oky := rank[y.Key]
			switch {
			case okx && oky:
				return rx - ry
			case okx:
				return -1
			case oky:
				return 1
			}
			return strings.Compare(x.Key, y.Key)
		})
	}
	setStr(&d.Name, in.Name)
	if in.Description != nil {
		d.Description = in.Description
	}
	d.DisplayNameKey = displayKey
	d.FieldDefinitions = fields
	if len(deleted) > 0 {
		for _, m := range d.entries() {
			m.Fields = slices.DeleteFunc(m.Fields, func(f *MetaobjectField) bool { return slices.Contains(deleted, f.Key) })
		}
	}
	d.UpdatedAt = now()
	return &metaobjectDefinitionUpdatePayload{MetaobjectDefinition: d, UserErrors: noErrors()}
}

type metafieldDefinitionUpdatePayload struct {
	UpdatedDefinition *MetafieldDefinition
	UserErrors        []*codedError
	ValidationJob     *Job
}

// MetafieldDefinitionUpdate changes a metafield definition found by owner
// type, namespace and key (which, with its type, identify it and cannot
// change): name, description, validations (a validation job, done at
// once) and pinning.
func (rootResolver) MetafieldDefinitionUpdate(ctx context.Context, a struct {
	Definition struct {
		Name        *string
		Namespace   *string
		Key         string
		OwnerType   string
		Description *string
		Pin         *bool
		Validations *[]validationInput
	}
}) *metafieldDefinitionUpdatePayload {
	st := stateOf(ctx)
	s := st.shop
	in := a.Definition
	ns := "$app"
	if in.Namespace != nil && *in.Namespace != "" {
		ns = *in.Namespace
	}
	i := slices.IndexFunc(s.metafieldDefs, func(d *MetafieldDefinition) bool {
		return d.OwnerType == in.OwnerType && d.Namespace == ns && d.Key == in.Key
	})
	if i < 0 {
		return &metafieldDefinitionUpdatePayload{UserErrors: []*codedError{cerr([]string{"definition"}, "Definition not found.", "NOT_FOUND")}}
	}
	d := s.metafieldDefs[i]
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		return &metafieldDefinitionUpdatePayload{UserErrors: []*codedError{cerr([]string{"definition", "name"}, "Name can't be blank", "BLANK")}}
	}
	setStr(&d.Name, in.Name)
	if in.Description != nil {
		d.Description = in.Description
	}
	var job *Job
	if in.Validations != nil {
		d.Validations = definitionValidations(*in.Validations)
		job = newJob()
	}
	if in.Pin != nil {
		switch {
		case *in.Pin && d.PinnedPosition == nil:
			top := int32(0)
			for _, x := range s.metafieldDefs {
				if x.OwnerType == d.OwnerType && x.PinnedPosition != nil && *x.PinnedPosition > top {
					top = *x.PinnedPosition
				}
			}
			n := top + 1
			d.PinnedPosition = &n
		case !*in.Pin && d.PinnedPosition != nil:
			old := *d.PinnedPosition
			d.PinnedPosition = nil
			for _, x := range s.metafieldDefs {
				if x.OwnerType == d.OwnerType && x.PinnedPosition != nil && *x.PinnedPosition > old {
					n := *x.PinnedPosition - 1
					x.PinnedPosition = &n
				}
			}
		}
	}
	d.UpdatedAt = now()
	st.emit("metafield_definitions/update", d)
	return &metafieldDefinitionUpdatePayload{UpdatedDefinition: d, UserErrors: noErrors(), ValidationJob: job}
}
