package shopwrite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// ---- DISCOUNT ----

// Discount GIDs: captures map the DiscountNode form; the mutations take
// DiscountCodeNode / DiscountAutomaticNode, which share its number.
func discountGID(gid, resource string) string {
	if i := strings.LastIndex(gid, "/"); i >= 0 {
		return "gid://shopify/" + resource + gid[i:]
	}
	return gid
}

var discountKind = kind{
	check: func(c string, m map[string]any) error {
		d := obj(m, "discount")
		if d == nil {
			return platform.E(platform.KindValidation, "the body has no discount")
		}
		if code, ok := strings.CutPrefix(c, "code/"); ok {
			codes := arr(d, "codes")
			if len(codes) == 0 || !strings.EqualFold(str(asMap(codes[0]), "code"), code) {
				return platform.E(platform.KindValidation, fmt.Sprintf("the body's first code is not the canonical's (%s)", code))
			}
		}
		switch str(d, "__typename") {
		case "DiscountCodeBasic", "DiscountCodeFreeShipping":
			if !strings.HasPrefix(c, "code/") {
				return platform.E(platform.KindValidation, "a code discount's canonical is code/<CODE>")
			}
		case "DiscountAutomaticBasic":
			if !strings.HasPrefix(c, "automatic/") {
				return platform.E(platform.KindValidation, "an automatic discount's canonical is automatic/<title-slug>")
			}
		default:
			return platform.E(platform.KindValidation, fmt.Sprintf("Flux cannot write %q discounts (only DiscountCodeBasic, DiscountCodeFreeShipping and DiscountAutomaticBasic)", str(d, "__typename")))
		}
		return nil
	},
	find: func(ctx context.Context, w *Writer, c string) (string, error) {
		if code, ok := strings.CutPrefix(c, "code/"); ok {
			return w.findFirst(ctx, `query($q: String!) { discountNodes(first: 10, query: $q) { nodes { id discount {
  ... on DiscountCodeBasic { codes(first: 1) { nodes { code } } } ... on DiscountCodeFreeShipping { codes(first: 1) { nodes { code } } } } } } }`,
				map[string]any{"q": "code:" + code}, func(m map[string]any) bool {
					ns := asList(dig(m, "discount", "codes", "nodes"))
					return len(ns) > 0 && strings.EqualFold(str(ns[0], "code"), code)
				}, "discountNodes", "nodes")
		}
		slug := strings.TrimPrefix(c, "automatic/")
		return w.findFirst(ctx, `{ discountNodes(first: 250, query: "method:automatic") { nodes { id discount { ... on DiscountAutomaticBasic { title } } } } }`,
			nil, func(m map[string]any) bool { return mapping.Slug(digStr(m, "discount", "title")) == slug }, "discountNodes", "nodes")
	},
	write: writeDiscount,
	del: func(ctx context.Context, w *Writer, c, gid string) error {
		q, res := `mutation($id: ID!) { discountCodeDelete(id: $id) { deletedCodeDiscountId userErrors { field message } } }`, "DiscountCodeNode"
		if strings.HasPrefix(c, "automatic/") {
			q, res = `mutation($id: ID!) { discountAutomaticDelete(id: $id) { deletedAutomaticDiscountId userErrors { field message } } }`, "DiscountAutomaticNode"
		}
		_, err := w.call(ctx, q, map[string]any{"id": discountGID(gid, res)}, 0)
		return err
	},
}

// writeDiscount: one of the three basic discount mutations by the body's
// __typename, then the discount's metafields.
func writeDiscount(ctx context.Context, j *job) (string, error) {
	d := obj(j.body, "discount")
	typ := str(d, "__typename")
	in := map[string]any{}
	copyKeys(in, d, "title", "startsAt", "endsAt")
	if cw := obj(d, "combinesWith"); cw != nil {
		in["combinesWith"] = cw
	}
	in["context"] = map[string]any{"all": "ALL"}
	if typ != "DiscountAutomaticBasic" {
		copyKeys(in, d, "usageLimit", "appliesOncePerCustomer")
		in["code"] = str(asMap(arr(d, "codes")[0]), "code")
	}
	if typ != "DiscountCodeFreeShipping" {
		v := dig(d, "customerGets", "value")
		val := map[string]any{}
		switch digStr(v, "__typename") {
		case "DiscountPercentage":
			val["percentage"] = dig(v, "percentage")
		case "DiscountAmount":
			val["discountAmount"] = map[string]any{"amount": dig(v, "amount", "amount"), "appliesOnEachItem": dig(v, "appliesOnEachItem")}
		}
		in["customerGets"] = map[string]any{"value": val, "items": map[string]any{"all": true}}
	}
	mfs := j.metafieldInputs("/metafields", arr(j.body, "metafields"))

	var field, arg, inType, node, res string
	switch typ {
	case "DiscountCodeBasic":
		field, arg, inType, node, res = "discountCodeBasic", "basicCodeDiscount", "DiscountCodeBasicInput", "codeDiscountNode", "DiscountCodeNode"
	case "DiscountCodeFreeShipping":
		field, arg, inType, node, res = "discountCodeFreeShipping", "freeShippingCodeDiscount", "DiscountCodeFreeShippingInput", "codeDiscountNode", "DiscountCodeNode"
	default:
		field, arg, inType, node, res = "discountAutomaticBasic", "automaticBasicDiscount", "DiscountAutomaticBasicInput", "automaticDiscountNode", "DiscountAutomaticNode"
	}
	vars := map[string]any{"in": in}
	var q, root string
	if j.create {
		root = field + "Create"
		q = fmt.Sprintf(`mutation($in: %s!) { %s(%s: $in) { %s { id } userErrors { field message code } } }`, inType, root, arg, node)
	} else {
		root = field + "Update"
		vars["id"] = discountGID(j.gid, res)
		q = fmt.Sprintf(`mutation($id: ID!, $in: %s!) { %s(id: $id, %s: $in) { %s { id } userErrors { field message code } } }`, inType, root, arg, node)
	}
	data, err := j.send(ctx, q, vars)
	if err != nil {
		return "", err
	}
	gid, err := gidAt(data, root, node, "id")
	if err != nil {
		return "", err
	}
	gid = discountGID(gid, "DiscountNode")
	if err := j.setMetafields(ctx, gid, mfs); err != nil {
		return "", err
	}
	return gid, j.afterUpdate(ctx, gid, nil)
}

// ---- definitions ----

func mustCanonical(m map[string]any) capture.Canonical {
	b, err := json.Marshal(m)
	if err != nil {
		return capture.Canonical{}
	}
	c, _ := capture.Parse(b)
	return c
}

var metaobjectDefinitionKind = kind{
	check: func(c string, m map[string]any) error {
		if t := str(m, "type"); t != "" && t != c {
			return platform.E(platform.KindValidation, fmt.Sprintf("the body's type %q is not the canonical's (%q)", t, c))
		}
		return nil
	},
	find: byID(`query($t: String!) { metaobjectDefinitionByType(type: $t) { id } }`,
		func(c string) map[string]any { return map[string]any{"t": c} }, "metaobjectDefinitionByType"),
	write: updatable(func(ctx context.Context, j *job, _ map[string]any) (string, error) {
		b := j.body
		in := map[string]any{"type": j.canonical}
		copyKeys(in, b, "name", "description", "displayNameKey")
		var fds []map[string]any
		for _, f := range arr(b, "fieldDefinitions") {
			fm := asMap(f)
			fd := map[string]any{"key": fm["key"], "name": fm["name"], "description": fm["description"],
				"type": digStr(fm, "type", "name"), "required": fm["required"] == true, "validations": validations(arr(fm, "validations"))}
			fds = append(fds, fd)
		}
		in["fieldDefinitions"] = fds
		data, err := j.send(ctx, `mutation($in: MetaobjectDefinitionCreateInput!) { metaobjectDefinitionCreate(definition: $in) { metaobjectDefinition { id } userErrors { field message code } } }`,
			map[string]any{"in": in})
		if err != nil {
			return "", err
		}
		return gidAt(data, "metaobjectDefinitionCreate", "metaobjectDefinition", "id")
	}, updateMetaobjectDefinition),
	del: func(context.Context, *Writer, string, string) error {
		return platform.E(platform.KindValidation, "Flux does not delete metaobject definitions (every entry of the type would go with it)")
	},
}

func validations(vs []any) []map[string]any {
	out := []map[string]any{}
	for _, v := range vs {
		vm := asMap(v)
		out = append(out, map[string]any{"name": vm["name"], "value": vm["value"]})
	}
	return out
}

var metafieldDefinitionKind = kind{
	check: func(c string, m map[string]any) error {
		want := str(m, "ownerType") + "." + str(m, "namespace") + "." + str(m, "key")
		if want != c {
			return platform.E(platform.KindValidation, fmt.Sprintf("the body's OWNER.namespace.key %q is not the canonical's (%q)", want, c))
		}
		return nil
	},
	find: func(ctx context.Context, w *Writer, c string) (string, error) {
		p := strings.SplitN(c, ".", 3)
		return w.findFirst(ctx, `query($o: MetafieldOwnerType!, $n: String, $k: String) { metafieldDefinitions(ownerType: $o, namespace: $n, key: $k, first: 5) { nodes { id namespace key } } }`,
			map[string]any{"o": p[0], "n": p[1], "k": p[2]},
			func(m map[string]any) bool { return str(m, "namespace") == p[1] && str(m, "key") == p[2] }, "metafieldDefinitions", "nodes")
	},
	write: updatable(func(ctx context.Context, j *job, _ map[string]any) (string, error) {
		b := j.body
		in := map[string]any{"type": digStr(b, "type", "name"), "validations": validations(arr(b, "validations")), "pin": b["pinnedPosition"] != nil}
		copyKeys(in, b, "name", "namespace", "key", "ownerType", "description")
		data, err := j.send(ctx, `mutation($in: MetafieldDefinitionInput!) { metafieldDefinitionCreate(definition: $in) { createdDefinition { id } userErrors { field message code } } }`,
			map[string]any{"in": in})
		if err != nil {
			return "", err
		}
		return gidAt(data, "metafieldDefinitionCreate", "createdDefinition", "id")
	}, updateMetafieldDefinition),
	del: func(context.Context, *Writer, string, string) error {
		return platform.E(platform.KindValidation, "Flux does not delete metafield definitions")
	},
}

// ---- METAOBJECT ----

var metaobjectKind = kind{
	check: func(c string, m map[string]any) error {
		t, h, _ := strings.Cut(c, "/")
		if (str(m, "type") != "" && str(m, "type") != t) || (str(m, "handle") != "" && str(m, "handle") != h) {
			return platform.E(platform.KindValidation, fmt.Sprintf("the body's type/handle is not the canonical's (%q)", c))
		}
		return nil
	},
	find: func(ctx context.Context, w *Writer, c string) (string, error) {
		t, h, _ := strings.Cut(c, "/")
		data, err := w.query(ctx, `query($h: MetaobjectHandleInput!) { metaobjectByHandle(handle: $h) { id } }`,
			map[string]any{"h": map[string]any{"type": t, "handle": h}})
		if err != nil {
			return "", err
		}
		return digStr(data, "metaobjectByHandle", "id"), nil
	},
	// metaobjectUpsert by type and handle: a retried create updates.
	write: func(ctx context.Context, j *job) (string, error) {
		t, h, _ := strings.Cut(j.canonical, "/")
		fields := []map[string]any{}
		for i, f := range arr(j.body, "fields") {
			fm := asMap(f)
			if fm["value"] == nil {
				continue
			}
			if v, ok := j.refs.value(ptr("/fields", i, "value"), fm["value"]); ok {
				fields = append(fields, map[string]any{"key": fm["key"], "value": v})
			}
		}
		if s := digStr(j.body, "capabilities", "publishable", "status"); s != "" && s != "ACTIVE" {
			j.warn("/capabilities/publishable/status: not written: %s is not set by metaobjectUpsert", s)
		}
		data, err := j.send(ctx, `mutation($h: MetaobjectHandleInput!, $m: MetaobjectUpsertInput!) { metaobjectUpsert(handle: $h, metaobject: $m) { metaobject { id } userErrors { field message code } } }`,
			map[string]any{"h": map[string]any{"type": t, "handle": h}, "m": map[string]any{"handle": h, "fields": fields}})
		if err != nil {
			return "", err
		}
		return gidAt(data, "metaobjectUpsert", "metaobject", "id")
	},
	del: deleteBy(`mutation($id: ID!) { metaobjectDelete(id: $id) { deletedId userErrors { field message } } }`),
}

// ---- FILE ----

var fileKind = kind{
	find: func(ctx context.Context, w *Writer, c string) (string, error) {
		return w.findFirst(ctx, `query($q: String!) { files(first: 10, query: $q) { nodes { id ... on MediaImage { image { url } } ... on GenericFile { url } } } }`,
			map[string]any{"q": "filename:" + c}, func(m map[string]any) bool {
				u := str(m, "url")
				if u == "" {
					u = digStr(m, "image", "url")
				}
				return fileName(u) == c
			}, "files", "nodes")
	},
	write: func(ctx context.Context, j *job) (string, error) {
		b := j.body
		if !j.create {
			data, err := j.send(ctx, `mutation($f: [FileUpdateInput!]!) { fileUpdate(files: $f) { files { id } userErrors { field message code } } }`,
				map[string]any{"f": []map[string]any{{"id": j.gid, "alt": str(b, "alt")}}})
			if err != nil {
				return "", err
			}
			return firstFile(data, "fileUpdate")
		}
		u := digStr(b, "originalSource", "url")
		if u == "" {
			u = str(b, "url")
		}
		if u == "" {
			u = digStr(b, "image", "url")
		}
		if u == "" {
			return "", platform.E(platform.KindValidation, "the file's body has no URL to create it from")
		}
		src, err := j.w.fileURL(ctx, u)
		if err != nil {
			return "", err
		}
		ct := "FILE"
		if str(b, "__typename") == "MediaImage" {
			ct = "IMAGE"
		}
		data, err := j.send(ctx, `mutation($f: [FileCreateInput!]!) { fileCreate(files: $f) { files { id } userErrors { field message code } } }`,
			map[string]any{"f": []map[string]any{{"originalSource": src, "alt": str(b, "alt"), "contentType": ct, "filename": j.canonical}}})
		if err != nil {
			return "", err
		}
		return firstFile(data, "fileCreate")
	},
	del: func(ctx context.Context, w *Writer, _, gid string) error {
		_, err := w.call(ctx, `mutation($ids: [ID!]!) { fileDelete(fileIds: $ids) { deletedFileIds userErrors { field message } } }`,
			map[string]any{"ids": []string{gid}}, 0)
		return err
	},
}

func firstFile(data map[string]any, root string) (string, error) {
	fs := asList(dig(data, root, "files"))
	if len(fs) == 0 || str(fs[0], "id") == "" {
		return "", platform.E(platform.KindInternal, "Shopify's answer has no "+root+".files")
	}
	return str(fs[0], "id"), nil
}
