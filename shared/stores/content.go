package stores

import (
	"context"
)

// Nested page size of an object's metafields when includeMetafields is set.
const objectMetafieldsFirst = 25

// ---- collections ------------------------------------------------------------

// ListCollectionsArgs are listCollections' arguments.
type ListCollectionsArgs struct {
	ListArgs
	// IncludeMetafields reads each collection's first 25 metafields.
	IncludeMetafields bool `json:"includeMetafields"`
}

// CollectionList is listCollections' answer.
type CollectionList struct {
	Collections []Collection `json:"collections"`
	PageInfo    PageInfo     `json:"pageInfo"`
}

// Collection is a collection as listCollections returns it. Metafields is
// null unless includeMetafields was set; RuleSet is null for a manual
// (custom) collection.
type Collection struct {
	ID              ID           `json:"id"`
	Handle          string       `json:"handle"`
	Title           string       `json:"title"`
	DescriptionHTML string       `json:"descriptionHtml"`
	SortOrder       string       `json:"sortOrder"`
	TemplateSuffix  *string      `json:"templateSuffix"`
	UpdatedAt       string       `json:"updatedAt"`
	SEO             *SEO         `json:"seo"`
	RuleSet         *RuleSet     `json:"ruleSet"`
	Metafields      *[]Metafield `json:"metafields"`
}

// RuleSet is a smart collection's rules.
type RuleSet struct {
	AppliedDisjunctively bool             `json:"appliedDisjunctively"`
	Rules                []CollectionRule `json:"rules"`
}

// CollectionRule is one rule of a smart collection.
type CollectionRule struct {
	Column    string `json:"column"`
	Relation  string `json:"relation"`
	Condition string `json:"condition"`
}

type shopifyCollection struct {
	ID              string                 `json:"id"`
	Handle          string                 `json:"handle"`
	Title           string                 `json:"title"`
	DescriptionHTML string                 `json:"descriptionHtml"`
	SortOrder       string                 `json:"sortOrder"`
	TemplateSuffix  *string                `json:"templateSuffix"`
	UpdatedAt       string                 `json:"updatedAt"`
	SEO             *SEO                   `json:"seo"`
	RuleSet         *RuleSet               `json:"ruleSet"`
	Metafields      *connection[Metafield] `json:"metafields"`
}

func metafieldsSel(include bool) sel {
	if !include {
		return sel{}
	}
	return conn("metafields", objectMetafieldsFirst, scalars("namespace", "key", "value", "type"))
}

func metafieldsFromShopify(c *connection[Metafield]) *[]Metafield {
	if c == nil {
		return nil
	}
	return convertAll(c.Nodes, func(m Metafield) Metafield { return m })
}

func collectionsQuery(includeMetafields bool) rootQuery {
	return newRootQuery("collections", []string{"$query: String"}, []string{"query: $query"},
		scalars("id", "handle", "title", "descriptionHtml", "sortOrder", "templateSuffix", "updatedAt"),
		obj("seo", scalars("title", "description")),
		obj("ruleSet", scalars("appliedDisjunctively"), obj("rules", scalars("column", "relation", "condition"))),
		metafieldsSel(includeMetafields))
}

func collectionFromShopify(c shopifyCollection) Collection {
	out := Collection{
		ID: ID(c.ID), Handle: c.Handle, Title: c.Title, DescriptionHTML: c.DescriptionHTML,
		SortOrder: c.SortOrder, TemplateSuffix: c.TemplateSuffix, UpdatedAt: c.UpdatedAt, SEO: c.SEO,
		RuleSet: c.RuleSet, Metafields: metafieldsFromShopify(c.Metafields),
	}
	if out.RuleSet != nil && out.RuleSet.Rules == nil {
		out.RuleSet.Rules = []CollectionRule{}
	}
	return out
}

// ListCollections is listCollections.
func (g *Group) ListCollections(ctx context.Context, args ListCollectionsArgs) (CollectionList, error) {
	if err := authorize(ctx); err != nil {
		return CollectionList{}, err
	}
	items, pi, err := list(ctx, g, args.ListArgs, listing{op: OpListCollections, field: "collections",
		query: collectionsQuery(args.IncludeMetafields)}, collectionFromShopify)
	if err != nil {
		return CollectionList{}, err
	}
	return CollectionList{Collections: items, PageInfo: pi}, nil
}

// ---- pages ------------------------------------------------------------------

// PageList is listPages' answer.
type PageList struct {
	Pages    []Page   `json:"pages"`
	PageInfo PageInfo `json:"pageInfo"`
}

// Page is an online store page. BodyHTML is Shopify's Page.body.
type Page struct {
	ID             ID      `json:"id"`
	Handle         string  `json:"handle"`
	Title          string  `json:"title"`
	BodyHTML       string  `json:"bodyHtml"`
	IsPublished    bool    `json:"isPublished"`
	PublishedAt    *string `json:"publishedAt"`
	TemplateSuffix *string `json:"templateSuffix"`
	UpdatedAt      string  `json:"updatedAt"`
}

type shopifyPage struct {
	ID             string  `json:"id"`
	Handle         string  `json:"handle"`
	Title          string  `json:"title"`
	Body           string  `json:"body"`
	IsPublished    bool    `json:"isPublished"`
	PublishedAt    *string `json:"publishedAt"`
	TemplateSuffix *string `json:"templateSuffix"`
	UpdatedAt      string  `json:"updatedAt"`
}

var pagesQuery = newRootQuery("pages", []string{"$query: String"}, []string{"query: $query"},
	scalars("id", "handle", "title", "body", "isPublished", "publishedAt", "templateSuffix", "updatedAt"))

func pageFromShopify(p shopifyPage) Page {
	return Page{
		ID: ID(p.ID), Handle: p.Handle, Title: p.Title, BodyHTML: p.Body, IsPublished: p.IsPublished,
		PublishedAt: p.PublishedAt, TemplateSuffix: p.TemplateSuffix, UpdatedAt: p.UpdatedAt,
	}
}

// ListPages is listPages.
func (g *Group) ListPages(ctx context.Context, args ListArgs) (PageList, error) {
	if err := authorize(ctx); err != nil {
		return PageList{}, err
	}
	items, pi, err := list(ctx, g, args, listing{op: OpListPages, field: "pages", query: pagesQuery}, pageFromShopify)
	if err != nil {
		return PageList{}, err
	}
	return PageList{Pages: items, PageInfo: pi}, nil
}

// ---- blogs ------------------------------------------------------------------

// BlogList is listBlogs' answer.
type BlogList struct {
	Blogs    []Blog   `json:"blogs"`
	PageInfo PageInfo `json:"pageInfo"`
}

// Blog is an online store blog.
type Blog struct {
	ID             ID       `json:"id"`
	Handle         string   `json:"handle"`
	Title          string   `json:"title"`
	CommentPolicy  string   `json:"commentPolicy"`
	TemplateSuffix *string  `json:"templateSuffix"`
	Tags           []string `json:"tags"`
	UpdatedAt      string   `json:"updatedAt"`
}

type shopifyBlog = Blog

var blogsQuery = newRootQuery("blogs", []string{"$query: String"}, []string{"query: $query"},
	scalars("id", "handle", "title", "commentPolicy", "templateSuffix", "tags", "updatedAt"))

func blogFromShopify(b shopifyBlog) Blog {
	if b.Tags == nil {
		b.Tags = []string{}
	}
	return b
}

// ListBlogs is listBlogs.
func (g *Group) ListBlogs(ctx context.Context, args ListArgs) (BlogList, error) {
	if err := authorize(ctx); err != nil {
		return BlogList{}, err
	}
	items, pi, err := list(ctx, g, args, listing{op: OpListBlogs, field: "blogs", query: blogsQuery}, blogFromShopify)
	if err != nil {
		return BlogList{}, err
	}
	return BlogList{Blogs: items, PageInfo: pi}, nil
}

// ---- articles ---------------------------------------------------------------

// ListArticlesArgs are listArticles' arguments.
type ListArticlesArgs struct {
	ListArgs
	// BlogID limits the list to one blog (gid://shopify/Blog/123).
	BlogID *string `json:"blogId,omitempty"`
}

// ArticleList is listArticles' answer.
type ArticleList struct {
	Articles []Article `json:"articles"`
	PageInfo PageInfo  `json:"pageInfo"`
}

// Article is a blog article. BodyHTML is Shopify's Article.body.
type Article struct {
	ID             ID       `json:"id"`
	Handle         string   `json:"handle"`
	Title          string   `json:"title"`
	BodyHTML       string   `json:"bodyHtml"`
	Summary        *string  `json:"summary"`
	Tags           []string `json:"tags"`
	Author         *string  `json:"author"`
	BlogID         ID       `json:"blogId"`
	BlogHandle     string   `json:"blogHandle"`
	IsPublished    bool     `json:"isPublished"`
	PublishedAt    *string  `json:"publishedAt"`
	TemplateSuffix *string  `json:"templateSuffix"`
	UpdatedAt      string   `json:"updatedAt"`
}

type shopifyArticle struct {
	ID      string   `json:"id"`
	Handle  string   `json:"handle"`
	Title   string   `json:"title"`
	Body    string   `json:"body"`
	Summary *string  `json:"summary"`
	Tags    []string `json:"tags"`
	Author  *struct {
		Name string `json:"name"`
	} `json:"author"`
	Blog struct {
		ID     string `json:"id"`
		Handle string `json:"handle"`
	} `json:"blog"`
	IsPublished    bool    `json:"isPublished"`
	PublishedAt    *string `json:"publishedAt"`
	TemplateSuffix *string `json:"templateSuffix"`
	UpdatedAt      string  `json:"updatedAt"`
}

var articlesQuery = newRootQuery("articles", []string{"$query: String"}, []string{"query: $query"},
	scalars("id", "handle", "title", "body", "summary", "tags", "isPublished", "publishedAt", "templateSuffix", "updatedAt"),
	obj("author", scalars("name")), obj("blog", scalars("id", "handle")))

func articleFromShopify(a shopifyArticle) Article {
	out := Article{
		ID: ID(a.ID), Handle: a.Handle, Title: a.Title, BodyHTML: a.Body, Summary: a.Summary, Tags: a.Tags,
		BlogID: ID(a.Blog.ID), BlogHandle: a.Blog.Handle, IsPublished: a.IsPublished,
		PublishedAt: a.PublishedAt, TemplateSuffix: a.TemplateSuffix, UpdatedAt: a.UpdatedAt,
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if a.Author != nil {
		name := a.Author.Name
		out.Author = &name
	}
	return out
}

// ListArticles is listArticles: every blog's articles, or one blog's.
func (g *Group) ListArticles(ctx context.Context, args ListArticlesArgs) (ArticleList, error) {
	if err := authorize(ctx); err != nil {
		return ArticleList{}, err
	}
	search := ""
	if args.BlogID != nil && *args.BlogID != "" {
		n, err := legacyID(*args.BlogID, "Blog", "blogId")
		if err != nil {
			return ArticleList{}, err
		}
		search = "blog_id:" + n
	}
	items, pi, err := list(ctx, g, args.ListArgs,
		listing{op: OpListArticles, field: "articles", query: articlesQuery, search: search}, articleFromShopify)
	if err != nil {
		return ArticleList{}, err
	}
	return ArticleList{Articles: items, PageInfo: pi}, nil
}

// ---- menus ------------------------------------------------------------------

// MenuList is listMenus' answer.
type MenuList struct {
	Menus    []Menu   `json:"menus"`
	PageInfo PageInfo `json:"pageInfo"`
}

// Menu is a navigation menu with its items (Shopify nests them three deep).
type Menu struct {
	ID     ID         `json:"id"`
	Handle string     `json:"handle"`
	Title  string     `json:"title"`
	Items  []MenuItem `json:"items"`
}

// MenuItem is one menu entry. ResourceID is the linked object's GID, for
// items that link to one (a product, a collection, a page...).
type MenuItem struct {
	Title      string     `json:"title"`
	Type       string     `json:"type"`
	URL        *string    `json:"url"`
	ResourceID *ID        `json:"resourceId"`
	Items      []MenuItem `json:"items"`
}

type shopifyMenu = Menu

func menuItemSel(depth int) sel {
	fields := []sel{scalars("title", "type", "url", "resourceId")}
	if depth > 1 {
		fields = append(fields, menuItemSel(depth-1))
	}
	return obj("items", fields...)
}

var menusQuery = newRootQuery("menus", nil, nil, scalars("id", "handle", "title"), menuItemSel(3))

func menuFromShopify(m shopifyMenu) Menu {
	m.Items = menuItemsFromShopify(m.Items)
	return m
}

func menuItemsFromShopify(items []MenuItem) []MenuItem {
	out := make([]MenuItem, len(items))
	for i, it := range items {
		it.Items = menuItemsFromShopify(it.Items)
		out[i] = it
	}
	return out
}

// ListMenus is listMenus. Shopify cannot search menus by update time, so
// there is no updatedSince.
func (g *Group) ListMenus(ctx context.Context, args PageArgs) (MenuList, error) {
	if err := authorize(ctx); err != nil {
		return MenuList{}, err
	}
	items, pi, err := list(ctx, g, args.list(),
		listing{op: OpListMenus, field: "menus", query: menusQuery}, menuFromShopify)
	if err != nil {
		return MenuList{}, err
	}
	return MenuList{Menus: items, PageInfo: pi}, nil
}
