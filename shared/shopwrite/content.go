package shopwrite

import (
	"context"
	"fmt"
	"strings"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
)

// ---- COLLECTION ----

var collectionKind = kind{
	check: handleCheck(same),
	find: byID(`query($h: String!) { collectionByHandle(handle: $h) { id } }`,
		func(c string) map[string]any { return map[string]any{"h": c} }, "collectionByHandle"),
	write: writeCollection,
	del:   deleteBy(`mutation($id: ID!) { collectionDelete(input: {id: $id}) { deletedCollectionId userErrors { field message } } }`),
}

const (
	collectionCreateQ = `mutation($input: CollectionInput!) { collectionCreate(input: $input) { collection { id } userErrors { field message } } }`
	collectionUpdateQ = `mutation($input: CollectionInput!) { collectionUpdate(input: $input) { collection { id } userErrors { field message } } }`
)

// writeCollection: a smart collection's rule set, or a custom collection's
// products (re-pointed; on create in collectionCreate, on update made the
// body's by afterUpdate), then its metafields.
func writeCollection(ctx context.Context, j *job) (string, error) {
	b := j.body
	var members []string // an existing custom collection's products, when the body names them
	in := map[string]any{"handle": j.canonical}
	copyKeys(in, b, "title", "descriptionHtml", "sortOrder")
	in["templateSuffix"] = orEmpty(b, "templateSuffix")
	if seo := obj(b, "seo"); seo != nil {
		in["seo"] = map[string]any{"title": seo["title"], "description": seo["description"]}
	}
	if b["image"] != nil {
		j.warn("/image: not written: collection images are not copied")
	}
	if rs := obj(b, "ruleSet"); rs != nil {
		var rules []map[string]any
		for _, r := range arr(rs, "rules") {
			rm := asMap(r)
			rules = append(rules, map[string]any{"column": rm["column"], "relation": rm["relation"], "condition": rm["condition"]})
		}
		in["ruleSet"] = map[string]any{"appliedDisjunctively": rs["appliedDisjunctively"] == true, "rules": rules}
	} else if ps, ok := b["products"].([]any); ok {
		ids := []string{}
		blank := 0
		for i, p := range ps {
			if _, isRef := asRef(asMap(p)); !isRef && asMap(p)[capture.UnresolvedKey] == nil {
				blank++
				continue
			}
			if g, ok := j.refs.resolve(ptr("/products", i), p); ok {
				ids = append(ids, g)
			}
		}
		switch {
		case blank > 0:
			j.warn("/products: %d products not written: the body does not say which products they are", blank)
			if !j.create {
				ids = nil // the membership is left as it is
			}
		case j.create:
		default:
			members = ids
		}
		if j.create {
			in["products"] = ids
		}
	}
	mfs := j.metafieldInputs("/metafields", arr(b, "metafields"))
	q := collectionCreateQ
	if !j.create {
		q, in["id"] = collectionUpdateQ, j.gid
	}
	data, err := j.send(ctx, q, map[string]any{"input": in})
	if err != nil {
		return "", err
	}
	root := "collectionCreate"
	if !j.create {
		root = "collectionUpdate"
	}
	gid, err := gidAt(data, root, "collection", "id")
	if err != nil {
		return "", err
	}
	if err := j.setMetafields(ctx, gid, mfs); err != nil {
		return "", err
	}
	return gid, j.afterUpdate(ctx, gid, members)
}

// ---- PAGE ----

var pageKind = kind{
	check: handleCheck(same),
	find:  byHandle("pages"),
	write: func(ctx context.Context, j *job) (string, error) {
		in := map[string]any{"handle": j.canonical}
		copyKeys(in, j.body, "title", "body", "isPublished")
		in["templateSuffix"] = orEmpty(j.body, "templateSuffix")
		return j.simple(ctx, in, "page", "PageCreateInput", "PageUpdateInput")
	},
	del: deleteBy(`mutation($id: ID!) { pageDelete(id: $id) { deletedPageId userErrors { field message } } }`),
}

// simple is the create/update of the types whose mutations are
// <name>Create(<name>: <CreateInput>) / <name>Update(id, <name>: <UpdateInput>),
// then their metafields.
func (j *job) simple(ctx context.Context, in map[string]any, name, createInput, updateInput string) (string, error) {
	mfs := j.metafieldInputs("/metafields", arr(j.body, "metafields"))
	var q string
	vars := map[string]any{"in": in}
	root := name + "Create"
	if j.create {
		q = fmt.Sprintf(`mutation($in: %s!) { %sCreate(%s: $in) { %s { id } userErrors { field message code } } }`, createInput, name, name, name)
	} else {
		root = name + "Update"
		vars["id"] = j.gid
		q = fmt.Sprintf(`mutation($id: ID!, $in: %s!) { %sUpdate(id: $id, %s: $in) { %s { id } userErrors { field message code } } }`, updateInput, name, name, name)
	}
	data, err := j.send(ctx, q, vars)
	if err != nil {
		return "", err
	}
	gid, err := gidAt(data, root, name, "id")
	if err != nil {
		return "", err
	}
	if err := j.setMetafields(ctx, gid, mfs); err != nil {
		return "", err
	}
	return gid, j.afterUpdate(ctx, gid, nil)
}

// ---- BLOG ----

var blogKind = kind{
	check: handleCheck(same),
	find:  byHandle("blogs"),
	write: func(ctx context.Context, j *job) (string, error) {
		in := map[string]any{"handle": j.canonical}
		copyKeys(in, j.body, "title", "commentPolicy")
		in["templateSuffix"] = orEmpty(j.body, "templateSuffix")
		if len(arr(j.body, "tags")) > 0 {
			j.warn("/tags: not written: a blog's tags come from its articles")
		}
		return j.simple(ctx, in, "blog", "BlogCreateInput", "BlogUpdateInput")
	},
	del: deleteBy(`mutation($id: ID!) { blogDelete(id: $id) { deletedBlogId userErrors { field message } } }`),
}

// ---- ARTICLE ----

var articleKind = kind{
	check: func(c string, m map[string]any) error {
		blog, handle, _ := strings.Cut(c, "/")
		if err := handleCheck(func(string) string { return handle })(c, m); err != nil {
			return err
		}
		if h := digStr(m, "blog", "handle"); h != "" && h != blog {
			return handleCheck(func(string) string { return blog })(c, obj(m, "blog"))
		}
		return nil
	},
	extra: func(c string, _ map[string]any) []refKey {
		blog, _, _ := strings.Cut(c, "/")
		return []refKey{{mapping.Blog, blog}}
	},
	find: func(ctx context.Context, w *Writer, c string) (string, error) {
		blog, handle, _ := strings.Cut(c, "/")
		return w.findFirst(ctx, `query($q: String!) { articles(first: 50, query: $q) { nodes { id handle blog { handle } } } }`,
			map[string]any{"q": "handle:" + handle}, func(m map[string]any) bool {
				return str(m, "handle") == handle && digStr(m, "blog", "handle") == blog
			}, "articles", "nodes")
	},
	write: writeArticle,
	del:   deleteBy(`mutation($id: ID!) { articleDelete(id: $id) { deletedArticleId userErrors { field message } } }`),
}

// writeArticle: the article in its blog (the target's blog of the
// canonical's blog handle: a reference like any other).
func writeArticle(ctx context.Context, j *job) (string, error) {
	blog, handle, _ := strings.Cut(j.canonical, "/")
	b := j.body
	in := map[string]any{"handle": handle}
	copyKeys(in, b, "title", "body", "summary", "tags", "isPublished")
	in["templateSuffix"] = orEmpty(b, "templateSuffix")
	if a := obj(b, "author"); a != nil {
		in["author"] = map[string]any{"name": a["name"]}
	} else if j.create {
		in["author"] = map[string]any{"name": ""}
	}
	if im := obj(b, "image"); im != nil {
		u, err := j.w.fileURL(ctx, str(im, "url"))
		if err != nil {
			return "", fmt.Errorf("image: %w", err)
		}
		in["image"] = map[string]any{"url": u, "altText": im["altText"]}
	}
	if g, ok := j.refs.need("/blog", refKey{mapping.Blog, blog}); ok {
		in["blogId"] = g
	}
	return j.simple(ctx, in, "article", "ArticleCreateInput", "ArticleUpdateInput")
}

// ---- MENU ----

var menuKind = kind{
	check: handleCheck(same),
	find: func(ctx context.Context, w *Writer, c string) (string, error) {
		return w.findFirst(ctx, `{ menus(first: 250) { nodes { id handle } } }`, nil,
			func(m map[string]any) bool { return str(m, "handle") == c }, "menus", "nodes")
	},
	write: func(ctx context.Context, j *job) (string, error) {
		items := j.menuItems("/items", arr(j.body, "items"))
		vars := map[string]any{"title": str(j.body, "title"), "handle": j.canonical, "items": items}
		if j.create {
			data, err := j.send(ctx, `mutation($title: String!, $handle: String!, $items: [MenuItemCreateInput!]!) {
  menuCreate(title: $title, handle: $handle, items: $items) { menu { id } userErrors { field message code } } }`, vars)
			if err != nil {
				return "", err
			}
			return gidAt(data, "menuCreate", "menu", "id")
		}
		vars["id"] = j.gid
		data, err := j.send(ctx, `mutation($id: ID!, $title: String!, $handle: String, $items: [MenuItemUpdateInput!]!) {
  menuUpdate(id: $id, title: $title, handle: $handle, items: $items) { menu { id } userErrors { field message code } } }`, vars)
		if err != nil {
			return "", err
		}
		return gidAt(data, "menuUpdate", "menu", "id")
	},
	del: deleteBy(`mutation($id: ID!) { menuDelete(id: $id) { deletedMenuId userErrors { field message } } }`),
}

// menuItems are the body's items, each resource re-pointed (an item whose
// resource is deferred keeps its title, type and URL).
func (j *job) menuItems(p string, items []any) []map[string]any {
	out := []map[string]any{}
	for i, e := range items {
		m := asMap(e)
		it := map[string]any{"title": m["title"], "type": m["type"], "tags": m["tags"]}
		if it["tags"] == nil {
			it["tags"] = []any{}
		}
		if m["url"] != nil {
			it["url"] = m["url"]
		}
		if r := m["resourceId"]; r != nil {
			if g, ok := j.refs.resolve(ptr(p, i, "resourceId"), r); ok {
				it["resourceId"] = g
			}
		}
		it["items"] = j.menuItems(ptr(p, i, "items"), arr(m, "items"))
		out = append(out, it)
	}
	return out
}
