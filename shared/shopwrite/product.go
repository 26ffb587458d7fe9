package shopwrite

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/flux-platform/flux/shared/mapping"
)

var productKind = kind{
	check: handleCheck(same),
	extra: func(_ string, m map[string]any) []refKey {
		var out []refKey
		for _, e := range arr(m, "media") {
			if n := libraryFile(digStr(e, "image", "url")); n != "" {
				out = append(out, refKey{mapping.File, n})
			}
		}
		return out
	},
	find: byID(`query($h: String!) { productByHandle(handle: $h) { id } }`,
		func(c string) map[string]any { return map[string]any{"h": c} }, "productByHandle"),
	write: writeProduct,
	del:   deleteBy(`mutation($id: ID!) { productDelete(input: {id: $id}) { deletedProductId userErrors { field message } } }`),
}

const productSetQ = `mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier, synchronous: true) { product { id } userErrors { field message code } } }`

const productCurrentQ = `query($id: ID!) { product(id: $id) {
  variants(first: 200) { nodes { id selectedOptions { name value } } }
  media(first: 200) { nodes { id ... on MediaImage { image { url } } } } } }`

// writeProduct is one productSet: the product's fields, options, variants
// (matched to the target's by their option values, so their GIDs stay),
// metafields and media (the target's own media reused by file name, a
// library file by its mapping, else created from its URL).
func writeProduct(ctx context.Context, j *job) (string, error) {
	b := j.body
	in := map[string]any{"handle": j.canonical}
	copyKeys(in, b, "title", "descriptionHtml", "vendor", "productType", "status", "tags")
	in["templateSuffix"] = orEmpty(b, "templateSuffix")
	if seo := obj(b, "seo"); seo != nil {
		in["seo"] = map[string]any{"title": seo["title"], "description": seo["description"]}
	}
	for _, k := range []string{"category", "isGiftCard", "requiresSellingPlan"} {
		if v, ok := b[k]; ok && v != nil && v != false {
			j.warn("/%s: not written: productSet does not set it here", k)
		}
	}

	var curVariants map[string]string
	curMedia := map[string]string{}
	if !j.create {
		data, err := j.w.query(ctx, productCurrentQ, map[string]any{"id": j.gid})
		if err != nil {
			return "", fmt.Errorf("read current product: %w", err)
		}
		curVariants = map[string]string{}
		for _, v := range asList(dig(data, "product", "variants", "nodes")) {
			curVariants[optionKey(arr(v, "selectedOptions"), "value")] = str(v, "id")
		}
		for _, m := range asList(dig(data, "product", "media", "nodes")) {
			if u := digStr(m, "image", "url"); u != "" {
				curMedia[fileName(u)] = str(m, "id")
			}
		}
	}

	if opts := arr(b, "options"); opts != nil {
		var list []map[string]any
		for _, o := range opts {
			om, _ := o.(map[string]any)
			var vals []map[string]any
			for _, v := range arr(om, "optionValues") {
				vals = append(vals, map[string]any{"name": str(asMap(v), "name")})
			}
			list = append(list, map[string]any{"name": str(om, "name"), "position": om["position"], "values": vals})
		}
		in["productOptions"] = list
	}
	if vs := arr(b, "variants"); vs != nil {
		var list []map[string]any
		for i, v := range vs {
			vm := asMap(v)
			var ovs []map[string]any
			for _, so := range arr(vm, "selectedOptions") {
				ovs = append(ovs, map[string]any{"optionName": str(asMap(so), "name"), "name": str(asMap(so), "value")})
			}
			in := map[string]any{"optionValues": ovs}
			copyKeys(in, vm, "price", "barcode", "position", "taxable")
			if vm["compareAtPrice"] != nil {
				in["compareAtPrice"] = vm["compareAtPrice"]
			}
			sku := str(vm, "sku")
			if sku == "" {
				sku = digStr(vm, "inventoryItem", "sku")
			}
			if sku != "" {
				in["sku"] = sku
			}
			if id, ok := curVariants[optionKey(arr(vm, "selectedOptions"), "value")]; ok {
				in["id"] = id
			}
			if mfs := j.metafieldInputs(ptr("/variants", i, "metafields"), arr(vm, "metafields")); mfs != nil {
				in["metafields"] = mfs
			}
			list = append(list, in)
		}
		in["variants"] = list
	}
	if mfs := j.metafieldInputs("/metafields", arr(b, "metafields")); mfs != nil {
		in["metafields"] = mfs
	}
	if media := arr(b, "media"); media != nil {
		files := []map[string]any{}
		for i, e := range media {
			m := asMap(e)
			if t := str(m, "mediaContentType"); t != "" && t != "IMAGE" {
				j.warn("/media/%d: not written: %s media are not copied", i, t)
				continue
			}
			u := digStr(m, "image", "url")
			f := map[string]any{"alt": m["alt"], "contentType": "IMAGE"}
			if id, ok := curMedia[fileName(u)]; ok && u != "" {
				f["id"] = id
			} else if n := libraryFile(u); n != "" && j.refs.gids[refKey{mapping.File, n}] != "" {
				f["id"] = j.refs.gids[refKey{mapping.File, n}]
			} else if u != "" {
				src, err := j.w.fileURL(ctx, u)
				if err != nil {
					return "", fmt.Errorf("media %d: %w", i, err)
				}
				f["originalSource"] = src
			} else {
				continue
			}
			files = append(files, f)
		}
		in["files"] = files
	}
	ident := map[string]any{"handle": j.canonical}
	if !j.create {
		ident = map[string]any{"id": j.gid}
	}
	data, err := j.send(ctx, productSetQ, map[string]any{"input": in, "identifier": ident})
	if err != nil {
		return "", err
	}
	gid, err := gidAt(data, "productSet", "product", "id")
	if err != nil {
		return "", err
	}
	return gid, j.afterUpdate(ctx, gid, nil)
}

// optionKey identifies a variant by its option values.
func optionKey(sel []any, valueKey string) string {
	parts := make([]string, 0, len(sel))
	for _, s := range sel {
		m := asMap(s)
		parts = append(parts, str(m, "name")+"="+str(m, valueKey))
	}
	sort.Strings(parts)
	return strings.Join(parts, "\x00")
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []map[string]any {
	a, _ := v.([]any)
	out := make([]map[string]any, 0, len(a))
	for _, e := range a {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
