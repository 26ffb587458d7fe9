package emulator

import (
	"context"
	"strconv"

	graphql "github.com/graph-gophers/graphql-go"
)

// PublishedOnPublication reports whether the object is published on a channel.
func (p *published) PublishedOnPublication(a struct{ PublicationId graphql.ID }) bool {
	for _, r := range p.pubs {
		if r.pub.ID() == a.PublicationId {
			return r.IsPublished
		}
	}
	return false
}

// publishableR resolves the Publishable interface (Product or Collection).
type publishableR struct{ v any }

func (r *publishableR) pub() *published {
	switch o := r.v.(type) {
	case *Product:
		return &o.published
	case *Collection:
		return &o.published
	}
	return &published{}
}

func (r *publishableR) PublishedOnPublication(a struct{ PublicationId graphql.ID }) bool {
	return r.pub().PublishedOnPublication(a)
}

func (r *publishableR) ResourcePublications(ctx context.Context, a resourcePubArgs) (*Connection[*ResourcePublication], error) {
	return r.pub().ResourcePublications(ctx, a)
}

func (r *publishableR) ToProduct() (*Product, bool)       { return to[*Product](r.v) }
func (r *publishableR) ToCollection() (*Collection, bool) { return to[*Collection](r.v) }

type publishablePayload struct {
	Publishable *publishableR
	UserErrors  []*UserError
}

type publicationInput struct {
	PublicationId *graphql.ID
	PublishDate   *DateTime
}

func (st *reqState) setPublished(id graphql.ID, in []publicationInput, publish bool) *publishablePayload {
	s := st.shop
	obj := lookup(s, id)
	var pubs *published
	switch o := obj.(type) {
	case *Product:
		pubs = &o.published
	case *Collection:
		pubs = &o.published
	default:
		return &publishablePayload{UserErrors: userErr([]string{"id"}, "Resource does not exist")}
	}
	at := now()
	for i, p := range in {
		if p.PublicationId == nil {
			return &publishablePayload{UserErrors: userErr([]string{"input", itoaInt(i), "publicationId"}, "Publication id can't be blank")}
		}
		pub, _ := lookup(s, *p.PublicationId).(*Publication)
		if pub == nil {
			return &publishablePayload{UserErrors: userErr([]string{"input", itoaInt(i), "publicationId"}, "Publication does not exist")}
		}
		var rp *ResourcePublication
		for _, r := range pubs.pubs {
			if r.pub == pub {
				rp = r
			}
		}
		if rp == nil {
			rp = &ResourcePublication{pub: pub}
			pubs.pubs = append(pubs.pubs, rp)
		}
		rp.IsPublished = publish
		rp.PublishDate = at
		if p.PublishDate != nil {
			rp.PublishDate = *p.PublishDate
		}
	}
	switch o := obj.(type) {
	case *Product:
		o.UpdatedAt = at
		if publish && o.PublishedAt == nil && o.Status == "ACTIVE" {
			o.PublishedAt = &at
		}
		st.emit("products/update", o)
	case *Collection:
		o.UpdatedAt = at
		st.emit("collections/update", o)
	}
	return &publishablePayload{Publishable: &publishableR{obj}, UserErrors: []*UserError{}}
}

func itoaInt(i int) string { return strconv.Itoa(i) }

// PublishablePublish publishes a product or collection on channels.
func (rootResolver) PublishablePublish(ctx context.Context, a struct {
	ID    graphql.ID
	Input []publicationInput
}) *publishablePayload {
	return stateOf(ctx).setPublished(a.ID, a.Input, true)
}

// PublishableUnpublish unpublishes a product or collection from channels.
func (rootResolver) PublishableUnpublish(ctx context.Context, a struct {
	ID    graphql.ID
	Input []publicationInput
}) *publishablePayload {
	return stateOf(ctx).setPublished(a.ID, a.Input, false)
}
