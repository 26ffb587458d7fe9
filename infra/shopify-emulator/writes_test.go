package emulator

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestWriteMutations(t *testing.T) {
	e := newEnv(t, Options{})
	sh := e.srv.shop(ProductionShop)
	theme := sh.themes[0].gid()
	blog := sh.blogs[0].gid()
	tests := []struct {
		name   string
		query  string
		vars   map[string]any
		path   []any
		expect string
	}{
		{"productSet creates with options, variants, metafields, files", `mutation($in: ProductSetInput!) { productSet(input: $in) {
			product { handle status options { name values } variants(first: 10) { nodes { title sku price selectedOptions { name value } } }
			  metafields(first: 5) { nodes { namespace key value type } } media(first: 5) { nodes { alt } } }
			userErrors { field message code } } }`,
			map[string]any{"in": map[string]any{"title": "Deployed Tee", "handle": "deployed-tee", "status": "ACTIVE",
				"productOptions": []any{map[string]any{"name": "Size", "values": []any{map[string]any{"name": "S"}, map[string]any{"name": "M"}}}},
				"variants": []any{
					map[string]any{"optionValues": []any{map[string]any{"optionName": "Size", "name": "S"}}, "price": "20.00", "sku": "DT-S"},
					map[string]any{"optionValues": []any{map[string]any{"optionName": "Size", "name": "M"}}, "price": "21.00", "sku": "DT-M"}},
				"metafields": []any{map[string]any{"namespace": "custom", "key": "material", "type": "single_line_text_field", "value": "Cotton"}},
				"files":      []any{map[string]any{"originalSource": "https://cdn.example/tee.jpg", "alt": "Tee", "contentType": "IMAGE"}}}},
			[]any{"productSet", "product", "variants", "nodes", 1, "sku"}, "DT-M"},
		{"productSet upserts by handle", `mutation($in: ProductSetInput!, $id: ProductSetIdentifiers) { productSet(input: $in, identifier: $id) { product { handle title variants(first: 5) { nodes { title } } } userErrors { code } } }`,
			map[string]any{"id": map[string]any{"handle": "deployed-tee"}, "in": map[string]any{"title": "Deployed Tee v2"}},
			[]any{"productSet", "product", "title"}, "Deployed Tee v2"},
		{"productSet bad option value", `mutation($in: ProductSetInput!) { productSet(input: $in) { product { id } userErrors { field code } } }`,
			map[string]any{"in": map[string]any{"title": "Bad", "productOptions": []any{map[string]any{"name": "Size", "values": []any{map[string]any{"name": "S"}}}},
				"variants": []any{map[string]any{"optionValues": []any{map[string]any{"optionName": "Size", "name": "XL"}}}}}},
			[]any{"productSet", "userErrors", 0, "code"}, "INVALID_VARIANT"},
		{"metafieldsSet owner that cannot hold metafields", `mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { id } userErrors { field code elementIndex } } }`,
			map[string]any{"m": []any{map[string]any{"ownerId": "gid://shopify/Shop/8", "namespace": "x", "key": "y", "type": "number_integer", "value": "nope"}}},
			[]any{"metafieldsSet", "userErrors", 0, "code"}, "INVALID"},
		{"collectionCreate smart", `mutation { collectionCreate(input: {title: "Tees", ruleSet: {appliedDisjunctively: false, rules: [{column: TITLE, relation: CONTAINS, condition: "Tee"}]}}) {
			collection { handle ruleSet { rules { column relation condition } } productsCount { count } } userErrors { field message } } }`,
			nil, []any{"collectionCreate", "collection", "ruleSet", "rules", 0, "column"}, "TITLE"},
		{"metaobjectDefinitionCreate", `mutation { metaobjectDefinitionCreate(definition: {type: "designer", name: "Designer", displayNameKey: "name",
			fieldDefinitions: [{key: "name", name: "Name", type: "single_line_text_field", required: true}, {key: "years", type: "number_integer"}]}) {
			metaobjectDefinition { type fieldDefinitions { key type { name category } } } userErrors { code } } }`,
			nil, []any{"metaobjectDefinitionCreate", "metaobjectDefinition", "fieldDefinitions", 1, "type", "category"}, "NUMBER"},
		{"metaobjectUpsert creates", `mutation { metaobjectUpsert(handle: {type: "designer", handle: "ada"}, metaobject: {fields: [{key: "name", value: "Ada"}, {key: "years", value: "7"}]}) {
			metaobject { handle displayName fields { key value } } userErrors { code elementKey } } }`,
			nil, []any{"metaobjectUpsert", "metaobject", "displayName"}, "Ada"},
		{"metaobjectUpsert unknown field", `mutation { metaobjectUpsert(handle: {type: "designer", handle: "ada"}, metaobject: {fields: [{key: "nope", value: "x"}]}) {
			metaobject { handle } userErrors { code elementKey } } }`,
			nil, []any{"metaobjectUpsert", "userErrors", 0, "code"}, "UNDEFINED_OBJECT_FIELD"},
		{"metaobjectCreate missing required", `mutation { metaobjectCreate(metaobject: {type: "designer", fields: [{key: "years", value: "1"}]}) { metaobject { id } userErrors { code elementKey } } }`,
			nil, []any{"metaobjectCreate", "userErrors", 0, "code"}, "OBJECT_FIELD_REQUIRED"},
		{"metafieldDefinitionCreate", `mutation { metafieldDefinitionCreate(definition: {name: "Material", namespace: "custom", key: "material", type: "single_line_text_field", ownerType: PRODUCT, pin: true}) {
			createdDefinition { namespace key pinnedPosition type { category } } userErrors { code } } }`,
			nil, []any{"metafieldDefinitionCreate", "createdDefinition", "type", "category"}, "TEXT"},
		{"metafieldDefinitionCreate taken", `mutation { metafieldDefinitionCreate(definition: {name: "Material", namespace: "custom", key: "material", type: "single_line_text_field", ownerType: PRODUCT}) {
			createdDefinition { id } userErrors { code } } }`,
			nil, []any{"metafieldDefinitionCreate", "userErrors", 0, "code"}, "TAKEN"},
		{"articleCreate", `mutation($blog: ID) { articleCreate(article: {blogId: $blog, title: "Launch", body: "<p>Hi</p>", author: {name: "Ava"}, isPublished: true, tags: ["news"]}) {
			article { handle isPublished blog { handle } author { name } } userErrors { code } } }`,
			map[string]any{"blog": blog}, []any{"articleCreate", "article", "handle"}, "launch"},
		{"blogCreate", `mutation { blogCreate(blog: {title: "Journal", commentPolicy: CLOSED}) { blog { handle commentPolicy } userErrors { code } } }`,
			nil, []any{"blogCreate", "blog", "commentPolicy"}, "CLOSED"},
		{"menuCreate nested", `mutation { menuCreate(title: "Side", handle: "side", items: [{title: "Shop", type: HTTP, url: "/collections/all", items: [{title: "Tees", type: HTTP, url: "/collections/tees"}]}]) {
			menu { handle items { title items { title url } } } userErrors { code } } }`,
			nil, []any{"menuCreate", "menu", "items", 0, "items", 0, "url"}, "/collections/tees"},
		{"menuCreate taken", `mutation { menuCreate(title: "Main", handle: "main-menu", items: []) { menu { id } userErrors { code } } }`,
			nil, []any{"menuCreate", "userErrors", 0, "code"}, "TAKEN"},
		{"themeFilesUpsert", `mutation($t: ID!, $b: String!) { themeFilesUpsert(themeId: $t, files: [{filename: "snippets/new.liquid", body: {type: TEXT, value: "hi"}}, {filename: "assets/x.css", body: {type: BASE64, value: $b}}]) {
			upsertedThemeFiles { filename } userErrors { code filename } } }`,
			map[string]any{"t": theme, "b": base64.StdEncoding.EncodeToString([]byte("body{}"))}, []any{"themeFilesUpsert", "upsertedThemeFiles", 1, "filename"}, "assets/x.css"},
		{"themeFilesUpsert bad name", `mutation($t: ID!) { themeFilesUpsert(themeId: $t, files: [{filename: "../etc/passwd", body: {type: TEXT, value: "x"}}]) { upsertedThemeFiles { filename } userErrors { code filename } } }`,
			map[string]any{"t": theme}, []any{"themeFilesUpsert", "userErrors", 0, "code"}, "INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(time.Minute)
			d := e.gql(ProductionToken, tt.query, tt.vars).mustData(t)
			if got := str(d, tt.path...); got != tt.expect {
				t.Errorf("%v = %q, want %q\n%v", tt.path, got, tt.expect, d)
			}
		})
	}
	// The writes are visible to reads.
	d := e.gql(ProductionToken, `{ products(first: 5) { nodes { handle variants(first: 5) { nodes { sku } } } }
	  collections(first: 5) { nodes { handle productsCount { count } } }
	  theme: themes(first: 1) { nodes { files(filenames: ["assets/x.css"]) { nodes { body { ... on OnlineStoreThemeFileBodyText { content } } } } } } }`, nil).mustData(t)
	if str(d, "products", "nodes", 0, "handle") != "deployed-tee" || str(d, "collections", "nodes", 0, "handle") != "tees" ||
		get(d, "collections", "nodes", 0, "productsCount", "count") != 1.0 ||
		str(d, "theme", "nodes", 0, "files", "nodes", 0, "body", "content") != "body{}" {
		t.Errorf("reads after writes: %v", d)
	}
}

func TestStagedUploadAndFileCreate(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.gql(ProductionToken, `mutation { stagedUploadsCreate(input: [{resource: FILE, filename: "guide.pdf", mimeType: "application/pdf", httpMethod: POST}]) {
	  stagedTargets { url resourceUrl parameters { name value } } userErrors { message } } }`, nil).mustData(t)
	target := get(d, "stagedUploadsCreate", "stagedTargets", 0)
	// Upload as Shopify's docs do: the parameters as form fields, then the file.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	params, _ := get(target, "parameters").([]any)
	for _, p := range params {
		_ = mw.WriteField(str(p, "name"), str(p, "value"))
	}
	fw, _ := mw.CreateFormFile("file", "guide.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4 emulator"))
	mw.Close()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", str(target, "url"), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %v", resp, err)
	}
	resp.Body.Close()
	d = e.gql(ProductionToken, `mutation($src: String!) { fileCreate(files: [{originalSource: $src, alt: "Guide", contentType: FILE}]) {
	  files { id fileStatus alt ... on GenericFile { url mimeType originalFileSize } } userErrors { code message } } }`,
		map[string]any{"src": str(target, "resourceUrl")}).mustData(t)
	f := get(d, "fileCreate", "files", 0)
	if str(f, "mimeType") != "application/pdf" || get(f, "originalFileSize") != float64(len("%PDF-1.4 emulator")) || str(f, "alt") != "Guide" {
		t.Fatalf("fileCreate: %v", d)
	}
	got, err := http.Get(str(f, "url"))
	if err != nil || got.StatusCode != 200 {
		t.Fatalf("file url: %v %v", got, err)
	}
	got.Body.Close()
	// An image goes UPLOADED → READY after the request.
	d = e.gql(ProductionToken, `mutation { fileCreate(files: [{originalSource: "https://cdn.example/banner.png"}]) { files { id fileStatus ... on MediaImage { image { url } } } userErrors { code } } }`, nil).mustData(t)
	img := get(d, "fileCreate", "files", 0)
	if str(img, "fileStatus") != "UPLOADED" {
		t.Errorf("new image status %q, want UPLOADED", str(img, "fileStatus"))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		d = e.gql(ProductionToken, `query($id: ID!) { node(id: $id) { ... on MediaImage { fileStatus } } }`, map[string]any{"id": str(img, "id")}).mustData(t)
		if str(d, "node", "fileStatus") == "READY" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("image never READY: %v", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// fileCreate from an emulator upload URL that was never uploaded is refused.
	d = e.gql(ProductionToken, `mutation($src: String!) { fileCreate(files: [{originalSource: $src}]) { files { id } userErrors { code } } }`,
		map[string]any{"src": strings.Replace(str(target, "resourceUrl"), "guide.pdf", "missing.pdf", 1)}).mustData(t)
	if str(d, "fileCreate", "userErrors", 0, "code") != "INVALID" {
		t.Errorf("missing upload: %v", d)
	}
}

func TestPublishUnpublish(t *testing.T) {
	e := newEnv(t, Options{})
	sh := e.srv.shop(SourceShop)
	var p *Product
	for _, x := range sh.products {
		if x.Status == "ACTIVE" {
			p = x
			break
		}
	}
	pos := sh.publications[1].gid()
	q := `mutation($id: ID!, $pub: ID!) { %s(id: $id, input: [{publicationId: $pub}]) {
	  publishable { publishedOnPublication(publicationId: $pub) ... on Product { id } } userErrors { field message } } }`
	d := e.gql(SourceToken, strings.Replace(q, "%s", "publishableUnpublish", 1), map[string]any{"id": p.gid(), "pub": pos}).mustData(t)
	if get(d, "publishableUnpublish", "publishable", "publishedOnPublication") != false || str(d, "publishableUnpublish", "publishable", "id") != p.gid() {
		t.Fatalf("unpublish: %v", d)
	}
	d = e.gql(SourceToken, strings.Replace(q, "%s", "publishablePublish", 1), map[string]any{"id": p.gid(), "pub": pos}).mustData(t)
	if get(d, "publishablePublish", "publishable", "publishedOnPublication") != true {
		t.Fatalf("publish: %v", d)
	}
	d = e.gql(SourceToken, strings.Replace(q, "%s", "publishablePublish", 1), map[string]any{"id": p.gid(), "pub": "gid://shopify/Publication/1"}).mustData(t)
	if str(d, "publishablePublish", "userErrors", 0, "message") != "Publication does not exist" {
		t.Errorf("unknown publication: %v", d)
	}
}

func TestThemeFileBodies(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.gql(SourceToken, `{ themes(first: 1, roles: [MAIN]) { nodes { role files(filenames: ["assets/pixel.png", "layout/*"]) { nodes { filename contentType size checksumMd5
	  body { __typename ... on OnlineStoreThemeFileBodyText { content } ... on OnlineStoreThemeFileBodyBase64 { contentBase64 } } } } } } }`, nil).mustData(t)
	files, _ := get(d, "themes", "nodes", 0, "files", "nodes").([]any)
	if len(files) != 2 {
		t.Fatalf("files: %v", d)
	}
	for _, f := range files {
		switch str(f, "filename") {
		case "assets/pixel.png":
			b, err := base64.StdEncoding.DecodeString(str(f, "body", "contentBase64"))
			if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) || str(f, "body", "__typename") != "OnlineStoreThemeFileBodyBase64" || get(f, "size") != float64(len(b)) {
				t.Errorf("png: %v", f)
			}
		case "layout/theme.liquid":
			if !strings.Contains(str(f, "body", "content"), "content_for_header") {
				t.Errorf("liquid: %v", f)
			}
		}
	}
}

func TestMoreWrites(t *testing.T) {
	e := newEnv(t, Options{})
	sh := e.srv.shop(SourceShop)
	file := sh.files[len(sh.files)-1] // a banner image
	generic := sh.files[len(sh.files)-7]
	tests := []struct {
		name   string
		query  string
		vars   map[string]any
		path   []any
		expect string
	}{
		{"fileUpdate alt", `mutation($id: ID!) { fileUpdate(files: [{id: $id, alt: "New alt"}]) { files { alt } userErrors { code } } }`,
			map[string]any{"id": string(file.ID())}, []any{"fileUpdate", "files", 0, "alt"}, "New alt"},
		{"fileUpdate unknown", `mutation { fileUpdate(files: [{id: "gid://shopify/MediaImage/1", alt: "x"}]) { files { alt } userErrors { code } } }`,
			nil, []any{"fileUpdate", "userErrors", 0, "code"}, "FILE_DOES_NOT_EXIST"},
		{"fileDelete", `mutation($id: ID!) { fileDelete(fileIds: [$id]) { deletedFileIds userErrors { code } } }`,
			map[string]any{"id": string(generic.ID())}, []any{"fileDelete", "deletedFileIds", 0}, string(generic.ID())},
		{"free shipping code", `mutation { discountCodeFreeShippingCreate(freeShippingCodeDiscount: {title: "Ship free", code: "SHIPFREE", startsAt: "2026-01-01T00:00:00Z", customerSelection: {all: true}}) {
			codeDiscountNode { codeDiscount { __typename ... on DiscountCodeFreeShipping { title summary } } } userErrors { code } } }`,
			nil, []any{"discountCodeFreeShippingCreate", "codeDiscountNode", "codeDiscount", "__typename"}, "DiscountCodeFreeShipping"},
		{"collectionUpdate", `mutation($id: ID!) { collectionUpdate(input: {id: $id, title: "Renamed", templateSuffix: "landing"}) { collection { title templateSuffix } userErrors { message } } }`,
			map[string]any{"id": sh.collections[0].gid()}, []any{"collectionUpdate", "collection", "templateSuffix"}, "landing"},
		{"collectionDelete", `mutation($id: ID!) { collectionDelete(input: {id: $id}) { deletedCollectionId userErrors { message } } }`,
			map[string]any{"id": sh.collections[1].gid()}, []any{"collectionDelete", "deletedCollectionId"}, sh.collections[1].gid()},
		{"metaobjectUpdate", `mutation($id: ID!) { metaobjectUpdate(id: $id, metaobject: {fields: [{key: "bio", value: "New bio"}]}) { metaobject { field(key: "bio") { value } } userErrors { code } } }`,
			map[string]any{"id": sh.metaobjects[9].gid()}, []any{"metaobjectUpdate", "metaobject", "field", "value"}, "New bio"},
		{"metaobjectDelete", `mutation($id: ID!) { metaobjectDelete(id: $id) { deletedId userErrors { code } } }`,
			map[string]any{"id": sh.metaobjects[10].gid()}, []any{"metaobjectDelete", "deletedId"}, sh.metaobjects[10].gid()},
		{"metafieldsSet on a product", `mutation($id: ID!) { metafieldsSet(metafields: [{ownerId: $id, namespace: "specs", key: "weight_grams", value: "250"}]) { metafields { type value } userErrors { code } } }`,
			map[string]any{"id": sh.products[2].gid()}, []any{"metafieldsSet", "metafields", 0, "type"}, "number_integer"},
		{"metafieldsSet invalid integer", `mutation($id: ID!) { metafieldsSet(metafields: [{ownerId: $id, namespace: "specs", key: "weight_grams", value: "heavy"}]) { metafields { id } userErrors { code } } }`,
			map[string]any{"id": sh.products[2].gid()}, []any{"metafieldsSet", "userErrors", 0, "code"}, "INVALID_VALUE"},
		{"metafieldsSet wrong type for definition", `mutation($id: ID!) { metafieldsSet(metafields: [{ownerId: $id, namespace: "specs", key: "weight_grams", type: "single_line_text_field", value: "x"}]) { userErrors { code } } }`,
			map[string]any{"id": sh.products[2].gid()}, []any{"metafieldsSet", "userErrors", 0, "code"}, "INVALID_TYPE"},
		{"menuDelete default", `mutation($id: ID!) { menuDelete(id: $id) { deletedMenuId userErrors { code } } }`,
			map[string]any{"id": sh.menus[0].gid()}, []any{"menuDelete", "userErrors", 0, "code"}, "UNABLE_TO_DELETE_DEFAULT_MENU"},
		{"blogUpdate taken handle", `mutation($id: ID!) { blogUpdate(id: $id, blog: {handle: "news"}) { blog { id } userErrors { code } } }`,
			map[string]any{"id": sh.blogs[1].gid()}, []any{"blogUpdate", "userErrors", 0, "code"}, "TAKEN"},
		{"articleUpdate", `mutation($id: ID!) { articleUpdate(id: $id, article: {title: "Edited", isPublished: false}) { article { title isPublished publishedAt } userErrors { code } } }`,
			map[string]any{"id": sh.articles[0].gid()}, []any{"articleUpdate", "article", "title"}, "Edited"},
		{"themeFilesDelete required file", `mutation($t: ID!) { themeFilesDelete(themeId: $t, files: ["layout/theme.liquid", "assets/base.css"]) { deletedThemeFiles { filename } userErrors { code filename } } }`,
			map[string]any{"t": sh.themes[0].gid()}, []any{"themeFilesDelete", "deletedThemeFiles", 0, "filename"}, "assets/base.css"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.gql(SourceToken, tt.query, tt.vars).mustData(t)
			if got := str(d, tt.path...); got != tt.expect {
				t.Errorf("%v = %q, want %q\n%v", tt.path, got, tt.expect, d)
			}
		})
	}
}

func TestBulkCancelAndLimits(t *testing.T) {
	e := newEnv(t, Options{})
	// Operations run in the background one after another: a quick burst starts
	// some and may be refused OPERATION_IN_PROGRESS beyond the limit.
	run := `mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { bulkOperation { id status } userErrors { code } } }`
	var ids []string
	for i := 0; i < MaxConcurrentBulkQueries+1; i++ {
		d := e.gql(SecondToken, run, nil).mustData(t)
		if id := str(d, "bulkOperationRunQuery", "bulkOperation", "id"); id != "" {
			ids = append(ids, id)
		} else if str(d, "bulkOperationRunQuery", "userErrors", 0, "code") != "OPERATION_IN_PROGRESS" {
			t.Errorf("run %d: %v", i, d)
		}
	}
	if len(ids) == 0 {
		t.Fatal("no bulk operation started")
	}
	d := e.gql(SecondToken, `mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { message } } }`, map[string]any{"id": ids[len(ids)-1]}).mustData(t)
	status := str(d, "bulkOperationCancel", "bulkOperation", "status")
	if status != "CANCELED" && status != "COMPLETED" {
		t.Errorf("cancel: %v", d)
	}
}

func TestBulkMutation(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.gql(ProductionToken, `mutation { stagedUploadsCreate(input: [{resource: BULK_MUTATION_VARIABLES, filename: "bulk_op_vars", mimeType: "text/jsonl", httpMethod: POST}]) {
	  stagedTargets { url parameters { name value } } userErrors { message } } }`, nil).mustData(t)
	target := get(d, "stagedUploadsCreate", "stagedTargets", 0)
	var key string
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range get(target, "parameters").([]any) {
		_ = mw.WriteField(str(p, "name"), str(p, "value"))
		if str(p, "name") == "key" {
			key = str(p, "value")
		}
	}
	fw, _ := mw.CreateFormFile("file", "bulk_op_vars")
	for i := 0; i < 3; i++ {
		fmt.Fprintf(fw, "{\"product\":{\"title\":\"Bulk %d\"}}\n", i)
	}
	fmt.Fprintln(fw, `{"product":{"title":""}}`)
	mw.Close()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", str(target, "url"), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %v", resp, err)
	}
	resp.Body.Close()
	mut := `mutation call($product: ProductCreateInput) { productCreate(product: $product) { product { handle } userErrors { field message } } }`
	d = e.gql(ProductionToken, `mutation($m: String!, $p: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $p) { bulkOperation { id status type } userErrors { code message } } }`,
		map[string]any{"m": mut, "p": key}).mustData(t)
	id := str(d, "bulkOperationRunMutation", "bulkOperation", "id")
	if id == "" {
		t.Fatalf("run: %v", d)
	}
	var op map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		op = e.gql(ProductionToken, `query($id: ID!) { node(id: $id) { ... on BulkOperation { status objectCount url } } }`, map[string]any{"id": id}).mustData(t)
		if str(op, "node", "status") == "COMPLETED" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if str(op, "node", "status") != "COMPLETED" || str(op, "node", "objectCount") != "4" {
		t.Fatalf("operation: %v", op)
	}
	res, err := http.Get(str(op, "node", "url"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], `"handle":"bulk-0"`) || !strings.Contains(lines[0], `"__lineNumber":0`) || !strings.Contains(lines[3], "Title can't be blank") {
		t.Errorf("result: %s", raw)
	}
	if n := len(e.srv.shop(ProductionShop).products); n != 3 {
		t.Errorf("%d products created, want 3", n)
	}
	d = e.gql(ProductionToken, `mutation($m: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: "nope/bulk_op_vars") { bulkOperation { id } userErrors { code } } }`,
		map[string]any{"m": mut}).mustData(t)
	if str(d, "bulkOperationRunMutation", "userErrors", 0, "code") != "NO_SUCH_FILE" {
		t.Errorf("missing file: %v", d)
	}
}
