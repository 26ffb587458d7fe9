package emulator

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

// DiscountCombinesWith says which discount classes a discount combines with.
type DiscountCombinesWith struct {
	OrderDiscounts    bool
	ProductDiscounts  bool
	ShippingDiscounts bool
}

// CombinesWith returns the discount's combinations.
func (f *discountFields) CombinesWith() *DiscountCombinesWith { return &f.d.combines }

// discountCodeNode is a code discount seen as DiscountCodeNode.
type discountCodeNode struct{ d *DiscountNode }

func (n *discountCodeNode) ID() graphql.ID {
	return graphql.ID(fmt.Sprintf("gid://shopify/DiscountCodeNode/%d", n.d.num))
}
func (n *discountCodeNode) CodeDiscount() *discountR { return &discountR{n.d} }

// discountAutomaticNode is an automatic discount seen as DiscountAutomaticNode.
type discountAutomaticNode struct{ d *DiscountNode }

func (n *discountAutomaticNode) ID() graphql.ID {
	return graphql.ID(fmt.Sprintf("gid://shopify/DiscountAutomaticNode/%d", n.d.num))
}
func (n *discountAutomaticNode) AutomaticDiscount() *discountR { return &discountR{n.d} }

func (n *nodeR) ToDiscountCodeNode() (*discountCodeNode, bool) {
	return to[*discountCodeNode](n.v)
}
func (n *nodeR) ToDiscountAutomaticNode() (*discountAutomaticNode, bool) {
	return to[*discountAutomaticNode](n.v)
}

// lookupDiscountView resolves DiscountCodeNode/N and DiscountAutomaticNode/N
// (the same N as DiscountNode/N, as on Shopify).
func lookupDiscountView(s *shopData, kind string, n int64) any {
	d, ok := s.objects[n].(*DiscountNode)
	if !ok {
		return nil
	}
	automatic := strings.HasPrefix(d.Kind, "DiscountAutomatic")
	switch {
	case kind == "DiscountCodeNode" && !automatic:
		return &discountCodeNode{d}
	case kind == "DiscountAutomaticNode" && automatic:
		return &discountAutomaticNode{d}
	}
	return nil
}

type discountInput struct {
	Title             *string
	Code              *string
	StartsAt          *DateTime
	EndsAt            *DateTime
	CustomerSelection *struct{ All *bool }
	Context           *struct{ All *string }
	CustomerGets      *struct {
		Value *struct {
			Percentage     *float64
			DiscountAmount *struct {
				Amount            *Decimal
				AppliesOnEachItem *bool
			}
		}
		Items                    *struct{ All *bool }
		AppliesOnOneTimePurchase *bool
		AppliesOnSubscription    *bool
	}
	MinimumRequirement *struct {
		Quantity *struct{ GreaterThanOrEqualToQuantity *UnsignedInt64 }
		Subtotal *struct{ GreaterThanOrEqualToSubtotal *Decimal }
	}
	UsageLimit               *int32
	AppliesOncePerCustomer   *bool
	CombinesWith             *struct{ OrderDiscounts, ProductDiscounts, ShippingDiscounts *bool }
	RecurringCycleLimit      *int32
	AppliesOnOneTimePurchase *bool
	AppliesOnSubscription    *bool
}

type discountUserError struct {
	Field     *[]string
	Message   string
	Code      *string
	ExtraInfo *string
}

func derr(field []string, msg, code string) []*discountUserError {
	return []*discountUserError{{Field: &field, Message: msg, Code: &code}}
}

func (s *shopData) codeTaken(code string, except *DiscountNode) bool {
	for _, d := range s.discounts {
		if d == except {
			continue
		}
		for _, c := range d.codes {
			if strings.EqualFold(c.Code, code) {
				return true
			}
		}
	}
	return false
}

// applyDiscountInput validates and applies in; arg names the input argument
// in error fields. create requires what Shopify requires on creation.
func (s *shopData) applyDiscountInput(d *DiscountNode, in discountInput, arg string, create bool, at DateTime) []*discountUserError {
	code := strings.HasPrefix(d.Kind, "DiscountCode")
	if create || in.Title != nil {
		if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
			return derr([]string{arg, "title"}, "Title can't be blank", "BLANK")
		}
	}
	if create && in.StartsAt == nil {
		return derr([]string{arg, "startsAt"}, "Starts at can't be blank", "BLANK")
	}
	if code && (create || in.Code != nil) {
		if in.Code == nil || strings.TrimSpace(*in.Code) == "" {
			return derr([]string{arg, "code"}, "Code can't be blank", "BLANK")
		}
		if len(*in.Code) > 255 {
			return derr([]string{arg, "code"}, "Code is too long (maximum is 255 characters)", "TOO_LONG")
		}
		if s.codeTaken(*in.Code, d) {
			return derr([]string{arg, "code"}, "Code must be unique. Please try a different code.", "TAKEN")
		}
	}
	if d.Kind != "DiscountCodeFreeShipping" && (create || in.CustomerGets != nil) {
		if in.CustomerGets == nil || in.CustomerGets.Value == nil || (in.CustomerGets.Value.Percentage == nil && in.CustomerGets.Value.DiscountAmount == nil) {
			return derr([]string{arg, "customerGets", "value"}, "Value can't be blank", "BLANK")
		}
		v := in.CustomerGets.Value
		if v.Percentage != nil && v.DiscountAmount != nil {
			return derr([]string{arg, "customerGets", "value"}, "Only one of percentage or discountAmount can be specified", "TOO_MANY_ARGUMENTS")
		}
		if v.Percentage != nil && (*v.Percentage <= 0 || *v.Percentage > 1) {
			return derr([]string{arg, "customerGets", "value", "percentage"}, "Value must be between 0.0 and 1.0", "VALUE_OUTSIDE_RANGE")
		}
		if v.DiscountAmount != nil {
			amt, err := strconv.ParseFloat(string(ptrOr(v.DiscountAmount.Amount, "")), 64)
			if err != nil || amt <= 0 {
				return derr([]string{arg, "customerGets", "value", "discountAmount", "amount"}, "Value must be greater than 0", "GREATER_THAN")
			}
		}
	}
	if in.StartsAt != nil && in.EndsAt != nil && string(*in.EndsAt) <= string(*in.StartsAt) {
		return derr([]string{arg, "endsAt"}, "Ends at needs to be after starts_at", "INVALID")
	}
	if in.UsageLimit != nil && *in.UsageLimit <= 0 {
		return derr([]string{arg, "usageLimit"}, "Usage limit must be greater than 0", "GREATER_THAN")
	}
	setStr(&d.Title, in.Title)
	if in.StartsAt != nil {
		d.StartsAt = *in.StartsAt
	}
	if in.EndsAt != nil {
		d.EndsAt = in.EndsAt
	}
	if in.UsageLimit != nil {
		d.UsageLimit = in.UsageLimit
	}
	if in.AppliesOncePerCustomer != nil {
		d.AppliesOncePerCustomer = *in.AppliesOncePerCustomer
	}
	if in.CombinesWith != nil {
		c := in.CombinesWith
		d.combines = DiscountCombinesWith{OrderDiscounts: ptrOr(c.OrderDiscounts, false), ProductDiscounts: ptrOr(c.ProductDiscounts, false), ShippingDiscounts: ptrOr(c.ShippingDiscounts, false)}
	}
	if in.CustomerGets != nil && in.CustomerGets.Value != nil {
		v := in.CustomerGets.Value
		if v.Percentage != nil {
			d.Percentage, d.Amount = *v.Percentage*100, ""
		} else if v.DiscountAmount != nil {
			d.Percentage, d.Amount = 0, string(ptrOr(v.DiscountAmount.Amount, "0"))
		}
	}
	if code && in.Code != nil {
		if len(d.codes) == 0 {
			rc := &DiscountRedeemCode{Code: *in.Code}
			rc.base = s.newBase("DiscountRedeemCode", at, rc)
			d.codes = []*DiscountRedeemCode{rc}
		} else {
			d.codes[0].Code = *in.Code
		}
	}
	d.Status = discountStatus(d, at)
	return nil
}

func ptrOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func discountStatus(d *DiscountNode, at DateTime) string {
	switch {
	case string(d.StartsAt) > string(at):
		return "SCHEDULED"
	case d.EndsAt != nil && string(*d.EndsAt) <= string(at):
		return "EXPIRED"
	}
	return "ACTIVE"
}

type discountCodePayload struct {
	CodeDiscountNode *discountCodeNode
	UserErrors       []*discountUserError
}

type discountAutomaticPayload struct {
	AutomaticDiscountNode *discountAutomaticNode
	UserErrors            []*discountUserError
}

func (st *reqState) createDiscount(kind, arg string, in discountInput) (*DiscountNode, []*discountUserError) {
	s := st.shop
	at := now()
	d := &DiscountNode{Kind: kind, combines: DiscountCombinesWith{}}
	if errs := s.applyDiscountInput(d, in, arg, true, at); errs != nil {
		return nil, errs
	}
	d.base = s.newBase("DiscountNode", at, d)
	s.discounts = append(s.discounts, d)
	st.emit("discounts/create", d)
	return d, nil
}

func (st *reqState) updateDiscount(id graphql.ID, kind, arg string, in discountInput) (*DiscountNode, []*discountUserError) {
	s := st.shop
	_, n, _ := parseGID(string(id))
	d, _ := s.objects[n].(*DiscountNode)
	if d == nil || d.Kind != kind {
		return nil, derr([]string{"id"}, "Discount does not exist", "INVALID")
	}
	at := now()
	if errs := s.applyDiscountInput(d, in, arg, false, at); errs != nil {
		return nil, errs
	}
	d.UpdatedAt = at
	st.emit("discounts/update", d)
	return d, nil
}

func codePayload(d *DiscountNode, errs []*discountUserError) *discountCodePayload {
	if errs != nil {
		return &discountCodePayload{UserErrors: errs}
	}
	return &discountCodePayload{CodeDiscountNode: &discountCodeNode{d}, UserErrors: []*discountUserError{}}
}

func automaticPayload(d *DiscountNode, errs []*discountUserError) *discountAutomaticPayload {
	if errs != nil {
		return &discountAutomaticPayload{UserErrors: errs}
	}
	return &discountAutomaticPayload{AutomaticDiscountNode: &discountAutomaticNode{d}, UserErrors: []*discountUserError{}}
}

// DiscountCodeBasicCreate creates an amount-off code discount.
func (rootResolver) DiscountCodeBasicCreate(ctx context.Context, a struct{ BasicCodeDiscount discountInput }) *discountCodePayload {
	return codePayload(stateOf(ctx).createDiscount("DiscountCodeBasic", "basicCodeDiscount", a.BasicCodeDiscount))
}

// DiscountCodeBasicUpdate updates an amount-off code discount.
func (rootResolver) DiscountCodeBasicUpdate(ctx context.Context, a struct {
	ID                graphql.ID
	BasicCodeDiscount discountInput
}) *discountCodePayload {
	return codePayload(stateOf(ctx).updateDiscount(a.ID, "DiscountCodeBasic", "basicCodeDiscount", a.BasicCodeDiscount))
}

// DiscountCodeFreeShippingCreate creates a free-shipping code discount.
func (rootResolver) DiscountCodeFreeShippingCreate(ctx context.Context, a struct{ FreeShippingCodeDiscount discountInput }) *discountCodePayload {
	return codePayload(stateOf(ctx).createDiscount("DiscountCodeFreeShipping", "freeShippingCodeDiscount", a.FreeShippingCodeDiscount))
}

// DiscountCodeFreeShippingUpdate updates a free-shipping code discount.
func (rootResolver) DiscountCodeFreeShippingUpdate(ctx context.Context, a struct {
	ID                       graphql.ID
	FreeShippingCodeDiscount discountInput
}) *discountCodePayload {
	return codePayload(stateOf(ctx).updateDiscount(a.ID, "DiscountCodeFreeShipping", "freeShippingCodeDiscount", a.FreeShippingCodeDiscount))
}

// DiscountAutomaticBasicCreate creates an automatic amount-off discount.
func (rootResolver) DiscountAutomaticBasicCreate(ctx context.Context, a struct{ AutomaticBasicDiscount discountInput }) *discountAutomaticPayload {
	return automaticPayload(stateOf(ctx).createDiscount("DiscountAutomaticBasic", "automaticBasicDiscount", a.AutomaticBasicDiscount))
}

// DiscountAutomaticBasicUpdate updates an automatic amount-off discount.
func (rootResolver) DiscountAutomaticBasicUpdate(ctx context.Context, a struct {
	ID                     graphql.ID
	AutomaticBasicDiscount discountInput
}) *discountAutomaticPayload {
	return automaticPayload(stateOf(ctx).updateDiscount(a.ID, "DiscountAutomaticBasic", "automaticBasicDiscount", a.AutomaticBasicDiscount))
}

type discountCodeDeletePayload struct {
	DeletedCodeDiscountId *graphql.ID
	UserErrors            []*discountUserError
}

type discountAutomaticDeletePayload struct {
	DeletedAutomaticDiscountId *graphql.ID
	UserErrors                 []*discountUserError
}

func (st *reqState) deleteDiscount(id graphql.ID, automatic bool) (*graphql.ID, []*discountUserError) {
	_, n, _ := parseGID(string(id))
	d, _ := st.shop.objects[n].(*DiscountNode)
	if d == nil || strings.HasPrefix(d.Kind, "DiscountAutomatic") != automatic {
		return nil, derr([]string{"id"}, "Discount does not exist", "INVALID")
	}
	st.shop.discounts = removeFrom(st.shop.discounts, d)
	delete(st.shop.objects, n)
	st.emit("discounts/delete", d)
	return &id, []*discountUserError{}
}

// DiscountCodeDelete deletes a code discount.
func (rootResolver) DiscountCodeDelete(ctx context.Context, a idArg) *discountCodeDeletePayload {
	id, errs := stateOf(ctx).deleteDiscount(a.ID, false)
	return &discountCodeDeletePayload{DeletedCodeDiscountId: id, UserErrors: errs}
}

// DiscountAutomaticDelete deletes an automatic discount.
func (rootResolver) DiscountAutomaticDelete(ctx context.Context, a idArg) *discountAutomaticDeletePayload {
	id, errs := stateOf(ctx).deleteDiscount(a.ID, true)
	return &discountAutomaticDeletePayload{DeletedAutomaticDiscountId: id, UserErrors: errs}
}
