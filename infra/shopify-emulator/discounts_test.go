package emulator

import (
	"strconv"
	"testing"
)

func TestDiscountWrites(t *testing.T) {
	e := newEnv(t, Options{})
	const create = `mutation($d: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $d) {
	  codeDiscountNode { id codeDiscount { __typename ... on DiscountCodeBasic { title status codes(first: 1) { nodes { code } } combinesWith { productDiscounts }
	    customerGets { value { ... on DiscountPercentage { percentage } } } } } }
	  userErrors { field message code } } }`
	valid := map[string]any{"title": "Launch 15", "code": "LAUNCH15", "startsAt": "2026-01-01T00:00:00Z",
		"customerSelection": map[string]any{"all": true}, "combinesWith": map[string]any{"productDiscounts": true},
		"customerGets": map[string]any{"value": map[string]any{"percentage": 0.15}, "items": map[string]any{"all": true}}}
	d := e.gql(SourceToken, create, map[string]any{"d": valid}).mustData(t)
	node := get(d, "discountCodeBasicCreate", "codeDiscountNode")
	if str(node, "codeDiscount", "codes", "nodes", 0, "code") != "LAUNCH15" || get(node, "codeDiscount", "customerGets", "value", "percentage") != 0.15 ||
		get(node, "codeDiscount", "combinesWith", "productDiscounts") != true || str(node, "codeDiscount", "status") != "ACTIVE" {
		t.Fatalf("created: %v", d)
	}
	// The same discount is a DiscountNode and a DiscountCodeNode with one number.
	id := str(node, "id")
	_, n, _ := parseGID(id)
	d = e.gql(SourceToken, `query($a: ID!, $b: ID!) { a: node(id: $a) { id ... on DiscountCodeNode { codeDiscount { ... on DiscountCodeBasic { title } } } } b: discountNode(id: $b) { id } }`,
		map[string]any{"a": id, "b": "gid://shopify/DiscountNode/" + strconv.FormatInt(n, 10)}).mustData(t)
	if str(d, "a", "codeDiscount", "title") != "Launch 15" || str(d, "b", "id") == "" {
		t.Errorf("lookups: %v", d)
	}
	errCases := []struct {
		name  string
		patch map[string]any
		code  string
	}{
		{"taken code", map[string]any{"code": "WELCOME10"}, "TAKEN"},
		{"blank title", map[string]any{"title": ""}, "BLANK"},
		{"percentage over 1", map[string]any{"code": "X1", "customerGets": map[string]any{"value": map[string]any{"percentage": 15.0}}}, "VALUE_OUTSIDE_RANGE"},
		{"no value", map[string]any{"code": "X2", "customerGets": map[string]any{"items": map[string]any{"all": true}}}, "BLANK"},
		{"ends before start", map[string]any{"code": "X3", "endsAt": "2025-01-01T00:00:00Z"}, "INVALID"},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			in := map[string]any{}
			for k, v := range valid {
				in[k] = v
			}
			for k, v := range c.patch {
				in[k] = v
			}
			d := e.gql(SourceToken, create, map[string]any{"d": in}).mustData(t)
			if got := str(d, "discountCodeBasicCreate", "userErrors", 0, "code"); got != c.code {
				t.Errorf("code %q, want %q: %v", got, c.code, d)
			}
		})
	}
	// Automatic discounts, update and delete.
	d = e.gql(SourceToken, `mutation { discountAutomaticBasicCreate(automaticBasicDiscount: {title: "Auto 5", startsAt: "2026-01-01T00:00:00Z",
	  customerGets: {value: {discountAmount: {amount: "5.00", appliesOnEachItem: false}}, items: {all: true}}}) {
	  automaticDiscountNode { id automaticDiscount { ... on DiscountAutomaticBasic { title customerGets { value { ... on DiscountAmount { amount { amount } } } } } } }
	  userErrors { code } } }`, nil).mustData(t)
	auto := str(d, "discountAutomaticBasicCreate", "automaticDiscountNode", "id")
	if str(d, "discountAutomaticBasicCreate", "automaticDiscountNode", "automaticDiscount", "customerGets", "value", "amount", "amount") != "5.00" {
		t.Fatalf("automatic: %v", d)
	}
	d = e.gql(SourceToken, `mutation($id: ID!) { discountCodeBasicUpdate(id: $id, basicCodeDiscount: {title: "Launch 20", customerGets: {value: {percentage: 0.2}}}) {
	  codeDiscountNode { codeDiscount { ... on DiscountCodeBasic { title codes(first: 1) { nodes { code } } } } } userErrors { code } } }`,
		map[string]any{"id": id}).mustData(t)
	if str(d, "discountCodeBasicUpdate", "codeDiscountNode", "codeDiscount", "title") != "Launch 20" ||
		str(d, "discountCodeBasicUpdate", "codeDiscountNode", "codeDiscount", "codes", "nodes", 0, "code") != "LAUNCH15" {
		t.Errorf("update: %v", d)
	}
	d = e.gql(SourceToken, `mutation($a: ID!, $c: ID!) { x: discountAutomaticDelete(id: $a) { deletedAutomaticDiscountId userErrors { code } }
	  y: discountCodeDelete(id: $a) { deletedCodeDiscountId userErrors { code } } z: discountCodeDelete(id: $c) { deletedCodeDiscountId } }`,
		map[string]any{"a": auto, "c": id}).mustData(t)
	if str(d, "x", "deletedAutomaticDiscountId") != auto || str(d, "y", "userErrors", 0, "code") != "INVALID" || str(d, "z", "deletedCodeDiscountId") != id {
		t.Errorf("deletes: %v", d)
	}
}
