package emulator

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// rootScopes is the access scope each root field needs (write_x implies read_x).
// Fields not listed need none. The demo shops' development tokens hold every
// scope; tokens issued by OAuth hold the scopes that were requested.
var rootScopes = map[string]string{
	"product": "read_products", "productByHandle": "read_products", "products": "read_products", "productsCount": "read_products",
	"productVariant": "read_products", "collection": "read_products", "collectionByHandle": "read_products", "collections": "read_products",
	"publications": "read_publications",
	"page":         "read_online_store_pages", "pages": "read_online_store_pages",
	"blog": "read_content", "blogs": "read_content", "article": "read_content", "articles": "read_content",
	"menu": "read_online_store_navigation", "menus": "read_online_store_navigation",
	"discountNode": "read_discounts", "discountNodes": "read_discounts",
	"metaobjectDefinition": "read_metaobject_definitions", "metaobjectDefinitionByType": "read_metaobject_definitions", "metaobjectDefinitions": "read_metaobject_definitions",
	"metaobject": "read_metaobjects", "metaobjectByHandle": "read_metaobjects", "metaobjects": "read_metaobjects",
	"files": "read_files", "theme": "read_themes", "themes": "read_themes",

	"productCreate": "write_products", "productUpdate": "write_products", "productDelete": "write_products", "productSet": "write_products",
	"collectionCreate": "write_products", "collectionUpdate": "write_products", "collectionDelete": "write_products",
	"pageCreate": "write_online_store_pages", "pageUpdate": "write_online_store_pages", "pageDelete": "write_online_store_pages",
	"articleCreate": "write_content", "articleUpdate": "write_content", "articleDelete": "write_content",
	"blogCreate": "write_content", "blogUpdate": "write_content", "blogDelete": "write_content",
	"menuCreate": "write_online_store_navigation", "menuUpdate": "write_online_store_navigation", "menuDelete": "write_online_store_navigation",
	"discountCodeBasicCreate": "write_discounts", "discountCodeBasicUpdate": "write_discounts", "discountCodeFreeShippingCreate": "write_discounts",
	"discountCodeFreeShippingUpdate": "write_discounts", "discountAutomaticBasicCreate": "write_discounts", "discountAutomaticBasicUpdate": "write_discounts",
	"discountCodeDelete": "write_discounts", "discountAutomaticDelete": "write_discounts",
	"metaobjectCreate": "write_metaobjects", "metaobjectUpdate": "write_metaobjects", "metaobjectUpsert": "write_metaobjects", "metaobjectDelete": "write_metaobjects",
	"metaobjectDefinitionCreate": "write_metaobject_definitions", "metaobjectDefinitionUpdate": "write_metaobject_definitions",
	"collectionAddProductsV2": "write_products", "collectionRemoveProducts": "write_products",
	"themeFilesUpsert": "write_themes", "themeFilesDelete": "write_themes",
	"stagedUploadsCreate": "write_files", "fileCreate": "write_files", "fileUpdate": "write_files", "fileDelete": "write_files",
}

// scopeSet is a token's granted scopes; nil means all.
type scopeSet map[string]bool

func parseScopes(s string) scopeSet {
	out := scopeSet{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out[p] = true
		}
	}
	return out
}

// has reports whether the set grants need; write_x implies read_x, and
// read_content/write_content cover the online store pages scopes.
func (s scopeSet) has(need string) bool {
	if s == nil || need == "" || s[need] {
		return true
	}
	if rest, ok := strings.CutPrefix(need, "read_"); ok && s["write_"+rest] {
		return true
	}
	if strings.HasSuffix(need, "_online_store_pages") {
		return s.has(strings.Replace(need, "online_store_pages", "content", 1))
	}
	return false
}

// tokenScopes returns the scopes of a valid token for shop (nil: all).
func (s *Server) tokenScopes(tok string) scopeSet {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if t, ok := s.tokens[tok]; ok {
		return parseScopes(t.scope)
	}
	return nil
}

type deniedField struct {
	alias, name, need string
	pos               *ast.Position
}

func deniedRootFields(op *ast.OperationDefinition, granted scopeSet) []deniedField {
	if op == nil || granted == nil {
		return nil
	}
	var out []deniedField
	for _, tf := range collectFields(op.SelectionSet, "") {
		need := rootScopes[tf.field.Name]
		if !granted.has(need) {
			out = append(out, deniedField{tf.field.Alias, tf.field.Name, need, tf.field.Position})
		}
	}
	return out
}

func accessDeniedErrors(denied []deniedField) []any {
	var out []any
	for _, d := range denied {
		e := map[string]any{
			"message": fmt.Sprintf("Access denied for %s field. Required access: `%s` access scope.", d.name, d.need),
			"path":    []string{d.alias},
			"extensions": map[string]any{
				"code":           "ACCESS_DENIED",
				"documentation":  "https://shopify.dev/api/usage/access-scopes",
				"requiredAccess": fmt.Sprintf("`%s` access scope.", d.need),
			},
		}
		if d.pos != nil {
			e["locations"] = []map[string]int{{"line": d.pos.Line, "column": d.pos.Column}}
		}
		out = append(out, e)
	}
	return out
}

// nullDenied sets the denied root fields to null in data.
func nullDenied(data json.RawMessage, denied []deniedField) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || m == nil {
		m = map[string]json.RawMessage{}
	}
	for _, d := range denied {
		m[d.alias] = json.RawMessage("null")
	}
	b, _ := json.Marshal(m)
	return b
}
