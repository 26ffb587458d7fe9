package stores

import "context"

// discountCodesFirst is how many redeem codes a code discount shows.
const discountCodesFirst = 10

// ListDiscountsArgs are listDiscounts' arguments.
type ListDiscountsArgs struct {
	ListArgs
	// IncludeMetafields reads each discount's first 25 metafields.
	IncludeMetafields bool `json:"includeMetafields"`
}

// DiscountList is listDiscounts' answer.
type DiscountList struct {
	Discounts []Discount `json:"discounts"`
	PageInfo  PageInfo   `json:"pageInfo"`
}

// Discount is a discount (Shopify's DiscountNode and its discount).
// DiscountType is the Shopify type of the discount (DiscountCodeBasic,
// DiscountAutomaticBasic, DiscountCodeFreeShipping...); Codes is null for
// automatic discounts.
type Discount struct {
	ID                     ID           `json:"id"`
	DiscountType           string       `json:"discountType"`
	Title                  string       `json:"title"`
	Summary                string       `json:"summary"`
	Status                 string       `json:"status"`
	StartsAt               string       `json:"startsAt"`
	EndsAt                 *string      `json:"endsAt"`
	UsageLimit             *int32       `json:"usageLimit"`
	AppliesOncePerCustomer *bool        `json:"appliesOncePerCustomer"`
	AsyncUsageCount        int32        `json:"asyncUsageCount"`
	Codes                  *[]string    `json:"codes"`
	UpdatedAt              string       `json:"updatedAt"`
	Metafields             *[]Metafield `json:"metafields"`
}

type shopifyDiscountNode struct {
	ID       string `json:"id"`
	Discount struct {
		Typename               string  `json:"__typename"`
		Title                  string  `json:"title"`
		Summary                string  `json:"summary"`
		Status                 string  `json:"status"`
		StartsAt               string  `json:"startsAt"`
		EndsAt                 *string `json:"endsAt"`
		UsageLimit             *int32  `json:"usageLimit"`
		AppliesOncePerCustomer *bool   `json:"appliesOncePerCustomer"`
		AsyncUsageCount        int32   `json:"asyncUsageCount"`
		UpdatedAt              string  `json:"updatedAt"`
		Codes                  *connection[struct {
			Code string `json:"code"`
		}] `json:"codes"`
	} `json:"discount"`
	Metafields *connection[Metafield] `json:"metafields"`
}

// discountsQuery reads the discount types Flux handles; any other type
// comes with its id and type only.
func discountsQuery(includeMetafields bool) rootQuery {
	common := scalars("title", "summary", "status", "startsAt", "endsAt", "asyncUsageCount", "updatedAt")
	code := []sel{common, scalars("usageLimit", "appliesOncePerCustomer"), conn("codes", discountCodesFirst, scalars("code"))}
	return newRootQuery("discountNodes", []string{"$query: String"}, []string{"query: $query"},
		scalars("id"),
		obj("discount", scalars("__typename"),
			on("DiscountCodeBasic", code...),
			on("DiscountCodeFreeShipping", code...),
			on("DiscountAutomaticBasic", common)),
		metafieldsSel(includeMetafields))
}

func discountFromShopify(n shopifyDiscountNode) Discount {
	d := n.Discount
	out := Discount{
		ID: ID(n.ID), DiscountType: d.Typename, Title: d.Title, Summary: d.Summary, Status: d.Status,
		StartsAt: d.StartsAt, EndsAt: d.EndsAt, UsageLimit: d.UsageLimit,
		AppliesOncePerCustomer: d.AppliesOncePerCustomer, AsyncUsageCount: d.AsyncUsageCount,
		UpdatedAt: d.UpdatedAt, Metafields: metafieldsFromShopify(n.Metafields),
	}
	if d.Codes != nil {
		codes := make([]string, len(d.Codes.Nodes))
		for i, c := range d.Codes.Nodes {
			codes[i] = c.Code
		}
		out.Codes = &codes
	}
	return out
}

// ListDiscounts is listDiscounts.
func (g *Group) ListDiscounts(ctx context.Context, args ListDiscountsArgs) (DiscountList, error) {
	if err := authorize(ctx); err != nil {
		return DiscountList{}, err
	}
	items, pi, err := list(ctx, g, args.ListArgs, listing{op: OpListDiscounts, field: "discountNodes",
		query: discountsQuery(args.IncludeMetafields)}, discountFromShopify)
	if err != nil {
		return DiscountList{}, err
	}
	return DiscountList{Discounts: items, PageInfo: pi}, nil
}
