package emulator

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

// seedShops builds the demo shops from opts.Seed. The same seed gives the same
// data, ids and timestamps on every start.
func seedShops(opts Options) []*shopData {
	return []*shopData{
		seedSource(SourceShop, "Demo Source", SourceToken, 7, opts.Seed, opts.SourceProducts, true),
		seedProduction(opts.Seed),
		seedSource(SecondShop, "Second Source", SecondToken, 9, opts.Seed+1, 24, false),
	}
}

var seedEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// seedEnd bounds generated timestamps, so edits made now are always newer.
var seedEnd = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

type gen struct {
	r *rand.Rand
	s *shopData
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) timeBetween(a, b time.Time) time.Time {
	d := b.Sub(a)
	if d <= 0 {
		return a
	}
	return a.Add(time.Duration(g.r.Int64N(int64(d/time.Second))) * time.Second)
}

func dt(t time.Time) DateTime { return DateTime(t.UTC().Format(time.RFC3339)) }

// stamps returns a created and an updated time within the seed window.
func (g *gen) stamps() (DateTime, DateTime) {
	c := g.timeBetween(seedEpoch, seedEnd.Add(-24*time.Hour))
	u := g.timeBetween(c, seedEnd)
	return dt(c), dt(u)
}

var (
	adjectives = []string{"Classic", "Modern", "Vintage", "Organic", "Premium", "Essential", "Everyday", "Urban", "Coastal", "Alpine", "Minimal", "Heritage", "Lightweight", "Rugged", "Soft", "Nordic", "Sunset", "Midnight"}
	materials  = []string{"Leather", "Cotton", "Linen", "Wool", "Canvas", "Denim", "Bamboo", "Ceramic", "Oak", "Steel", "Cashmere", "Suede"}
	typeNouns  = map[string][]string{
		"Accessories": {"Bag", "Tote", "Backpack", "Wallet", "Belt", "Cap", "Scarf"},
		"Apparel":     {"T-Shirt", "Hoodie", "Sweater", "Jacket", "Shirt", "Trousers"},
		"Home":        {"Mug", "Bowl", "Vase", "Candle", "Throw", "Planter"},
		"Footwear":    {"Sneakers", "Boots", "Sandals", "Loafers"},
	}
	productTypes = []string{"Accessories", "Apparel", "Home", "Footwear"}
	vendors      = []string{"Northwind Goods", "Acme Studio", "Fieldhouse", "Lumen & Co", "Harbor Supply"}
	colors       = []string{"Black", "White", "Navy", "Olive", "Sand", "Rust", "Grey"}
	tagPool      = []string{"new", "bestseller", "sale", "eco", "limited", "gift", "summer", "winter", "handmade", "bundle"}
)

func seedSource(domain, name, token string, shopNum, seed int64, nProducts int, rich bool) *shopData {
	s := newShopData(domain, name, token, shopNum)
	s.nextID = shopNum * 1_000_000_000_000
	s.createdAt = dt(seedEpoch.Add(-30 * 24 * time.Hour))
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), uint64(shopNum))), s: s}
	seedPublications(g)
	seedMetafieldDefinitions(g)
	taken := map[string]bool{}
	for i := 0; i < nProducts; i++ {
		seedProduct(g, i, taken)
	}
	seedCollections(g, rich)
	seedPages(g, rich)
	seedBlogs(g, rich)
	seedMenus(g)
	seedDiscounts(g, rich)
	seedMetaobjects(g, rich)
	seedGenericFiles(g, rich)
	seedThemes(g, rich)
	return s
}

// seedProduction is a near-empty store: what a new Shopify store has.
func seedProduction(seed int64) *shopData {
	s := newShopData(ProductionShop, "Demo Production", ProductionToken, 8)
	s.nextID = 8 * 1_000_000_000_000
	s.createdAt = dt(seedEpoch.Add(-10 * 24 * time.Hour))
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), 8)), s: s}
	seedPublications(g)
	c, u := g.stamps()
	p := &Page{Handle: "contact", Title: "Contact", Body: "<p>Get in touch.</p>", IsPublished: true}
	p.base = s.newBase("Page", c, p)
	p.UpdatedAt, p.PublishedAt = u, &c
	s.pages = append(s.pages, p)
	b := &Blog{shop: s, Handle: "news", Title: "News", CommentPolicy: "MODERATED", Tags: []string{}}
	b.base = s.newBase("Blog", c, b)
	s.blogs = append(s.blogs, b)
	seedMenus(g)
	seedThemes(g, false)
	return s
}

func seedPublications(g *gen) {
	for _, n := range []string{"Online Store", "Point of Sale", "Shop"} {
		p := &Publication{Name: n, SupportsFuturePublishing: n == "Online Store"}
		p.base = g.s.newBase("Publication", g.s.createdAt, p)
		g.s.publications = append(g.s.publications, p)
	}
}

func seedProduct(g *gen, i int, taken map[string]bool) {
	s := g.s
	ptype := productTypes[g.r.IntN(len(productTypes))]
	title := fmt.Sprintf("%s %s %s", g.pick(adjectives), g.pick(materials), g.pick(typeNouns[ptype]))
	handle := handleize(title)
	if taken[handle] {
		for n := 2; ; n++ {
			if h := fmt.Sprintf("%s-%d", handle, n); !taken[h] {
				handle = h
				break
			}
		}
	}
	taken[handle] = true
	c, u := g.stamps()
	status := "ACTIVE"
	switch x := g.r.IntN(20); {
	case x == 0:
		status = "ARCHIVED"
	case x <= 2:
		status = "DRAFT"
	}
	p := &Product{shop: s, Handle: handle, Title: title, Status: status, Vendor: g.pick(vendors), ProductType: ptype, TracksInventory: true}
	p.base = s.newBase("Product", c, p)
	p.UpdatedAt = u
	p.Tags = []string{}
	for _, t := range tagPool {
		if g.r.IntN(5) == 0 {
			p.Tags = append(p.Tags, t)
		}
	}
	mat := strings.Fields(title)[1]
	p.DescriptionHtml = HTML(fmt.Sprintf("<p>The %s is made from %s by %s.</p><ul><li>Designed to last</li><li>Ships in 2 days</li></ul>", title, strings.ToLower(mat), p.Vendor))
	if g.r.IntN(8) == 0 {
		p.TemplateSuffix = strp("alternate")
	}
	if status == "ACTIVE" {
		pub := c
		p.PublishedAt = &pub
	}

	// Options and variants.
	var optNames []string
	var optValues [][]string
	switch ptype {
	case "Apparel":
		optNames = []string{"Size", "Color"}
		optValues = [][]string{[]string{"S", "M", "L", "XL"}[:2+g.r.IntN(3)], pickN(g, colors, 1+g.r.IntN(3))}
	case "Footwear":
		sizes := []string{"7", "8", "9", "10", "11"}
		start := g.r.IntN(2)
		optNames = []string{"Size"}
		optValues = [][]string{sizes[start : start+3+g.r.IntN(2)]}
	case "Accessories":
		optNames = []string{"Color"}
		optValues = [][]string{pickN(g, colors, 1+g.r.IntN(3))}
	default:
		if g.r.IntN(2) == 0 {
			optNames = []string{"Size"}
			optValues = [][]string{{"Small", "Large"}}
		} else {
			optNames = []string{"Title"}
			optValues = [][]string{{"Default Title"}}
		}
	}
	for oi, n := range optNames {
		o := &ProductOption{Name: n, Position: int32(oi + 1), Values: optValues[oi]}
		o.base = s.newBase("ProductOption", c, o)
		for _, v := range optValues[oi] {
			ov := &ProductOptionValue{Name: v, HasVariants: true}
			ov.base = s.newBase("ProductOptionValue", c, ov)
			o.OptionValues = append(o.OptionValues, ov)
		}
		p.optionList = append(p.optionList, o)
	}
	combos := [][]string{{}}
	for _, vals := range optValues {
		var next [][]string
		for _, cmb := range combos {
			for _, v := range vals {
				next = append(next, append(append([]string{}, cmb...), v))
			}
		}
		combos = next
	}
	basePrice := 9 + g.r.IntN(190)
	for vi, cmb := range combos {
		v := &ProductVariant{product: p, Title: strings.Join(cmb, " / "), Position: int32(vi + 1), Taxable: true}
		v.base = s.newBase("ProductVariant", c, v)
		v.UpdatedAt = u
		v.Price = Money(fmt.Sprintf("%d.%02d", basePrice+vi%3*5, []int{0, 50, 95, 99}[g.r.IntN(4)]))
		if g.r.IntN(4) == 0 {
			cp := Money(fmt.Sprintf("%d.00", basePrice+20))
			v.CompareAtPrice = &cp
		}
		v.Sku = strp(fmt.Sprintf("FLX-%04d-%02d", i+1, vi+1))
		v.Barcode = strp(fmt.Sprintf("0%011d", 400000000000+int64(i)*100+int64(vi)))
		v.inventory = int32(g.r.IntN(121))
		for oi, val := range cmb {
			v.SelectedOptions = append(v.SelectedOptions, &SelectedOption{Name: optNames[oi], Value: val})
		}
		if g.r.IntN(6) == 0 {
			mf := &Metafield{Namespace: "custom", Key: "fit_note", Value: "Runs " + g.pick([]string{"small", "true to size", "large"}), Type: "single_line_text_field", OwnerType: "PRODUCTVARIANT"}
			mf.base = s.newBase("Metafield", c, mf)
			mf.UpdatedAt = u
			v.mfs = append(v.mfs, mf)
		}
		p.variantList = append(p.variantList, v)
	}

	// Media (also in the file library).
	for mi := 0; mi < 1+g.r.IntN(4); mi++ {
		w, h := 2048, 2048
		if g.r.IntN(2) == 0 {
			w, h = 1600, 2000
		}
		fname := fmt.Sprintf("%s-%d.jpg", handle, mi+1)
		m := &MediaImage{Status: "READY", MimeType: strp("image/jpeg"), filename: fname, productID: p.num}
		m.base = s.newBase("MediaImage", c, m)
		alt := fmt.Sprintf("%s, view %d", title, mi+1)
		m.Alt = &alt
		imgID := graphql.ID(fmt.Sprintf("gid://shopify/ProductImage/%d", m.num))
		m.Image = &Image{ID: &imgID, Url: URL(fmt.Sprintf("https://cdn.shopify.com/s/files/1/0%03d/0001/files/%s?v=%d", s.shopNum, fname, seedEpoch.Unix()+int64(i))), AltText: &alt, Width: i32p(w), Height: i32p(h)}
		m.fileSize = 100000 + g.r.IntN(400000)
		p.mediaList = append(p.mediaList, m)
		f := &fileR{m}
		s.files = append(s.files, f)
		s.objects[m.num] = m
	}
	if len(p.mediaList) > 0 && len(p.variantList) > 1 {
		for _, v := range p.variantList {
			v.Image = p.mediaList[0].Image
		}
	}

	// Metafields.
	add := func(ns, key, typ, value string) {
		mf := &Metafield{Namespace: ns, Key: key, Value: value, Type: typ, OwnerType: "PRODUCT"}
		mf.base = s.newBase("Metafield", c, mf)
		mf.UpdatedAt = u
		p.mfs = append(p.mfs, mf)
	}
	add("custom", "material", "single_line_text_field", mat)
	if g.r.IntN(2) == 0 {
		add("custom", "care_guide", "multi_line_text_field", "Wash cold.\nDry flat.\nDo not bleach.")
	}
	add("custom", "featured", "boolean", fmt.Sprint(g.r.IntN(5) == 0))
	add("specs", "weight_grams", "number_integer", fmt.Sprint(100+g.r.IntN(1900)))
	if g.r.IntN(3) > 0 {
		add("reviews", "rating", "rating", fmt.Sprintf(`{"value":"%.1f","scale_min":"1.0","scale_max":"5.0"}`, 3+g.r.Float64()*2))
	}

	// Publications.
	for pi, pub := range s.publications {
		published := status == "ACTIVE" && (pi == 0 || g.r.IntN(2) == 0)
		p.pubs = append(p.pubs, &ResourcePublication{pub: pub, IsPublished: published, PublishDate: c})
	}
	s.products = append(s.products, p)
}

func pickN(g *gen, list []string, n int) []string {
	idx := g.r.Perm(len(list))[:n]
	out := make([]string, n)
	for i, j := range idx {
		out[i] = list[j]
	}
	return out
}

func seedMetafieldDefinitions(g *gen) {
	defs := []struct{ owner, ns, key, name, typ, cat string }{
		{"PRODUCT", "custom", "material", "Material", "single_line_text_field", "TEXT"},
		{"PRODUCT", "custom", "care_guide", "Care guide", "multi_line_text_field", "TEXT"},
		{"PRODUCT", "custom", "featured", "Featured", "boolean", "TRUE_FALSE"},
		{"PRODUCT", "specs", "weight_grams", "Weight (g)", "number_integer", "NUMBER"},
		{"PRODUCT", "reviews", "rating", "Rating", "rating", "MEASUREMENT"},
		{"PRODUCTVARIANT", "custom", "fit_note", "Fit note", "single_line_text_field", "TEXT"},
		{"COLLECTION", "custom", "banner_text", "Banner text", "single_line_text_field", "TEXT"},
		{"PAGE", "custom", "hero_title", "Hero title", "single_line_text_field", "TEXT"},
		{"ARTICLE", "custom", "reading_time", "Reading time (min)", "number_integer", "NUMBER"},
		{"BLOG", "custom", "tagline", "Tagline", "single_line_text_field", "TEXT"},
		{"DISCOUNT", "custom", "campaign", "Campaign", "single_line_text_field", "TEXT"},
	}
	for i, d := range defs {
		c, u := g.stamps()
		md := &MetafieldDefinition{shop: g.s, Name: d.name, Namespace: d.ns, Key: d.key, OwnerType: d.owner,
			Type: &MetafieldDefinitionType{Name: d.typ, Category: d.cat}, Validations: []*MetafieldDefinitionValidation{}}
		md.base = g.s.newBase("MetafieldDefinition", c, md)
		md.UpdatedAt = u
		if d.typ == "rating" {
			md.Validations = []*MetafieldDefinitionValidation{{Name: "scale_min", Value: strp("1.0"), Type: "float"}, {Name: "scale_max", Value: strp("5.0"), Type: "float"}}
		}
		if i < 3 {
			md.PinnedPosition = i32p(i + 1)
		}
		md.Description = strp(d.name + " of the " + strings.ToLower(d.owner))
		g.s.metafieldDefs = append(g.s.metafieldDefs, md)
	}
}

func seedCollections(g *gen, rich bool) {
	s := g.s
	addMF := func(c *Collection, text string) {
		mf := &Metafield{Namespace: "custom", Key: "banner_text", Value: text, Type: "single_line_text_field", OwnerType: "COLLECTION"}
		mf.base = s.newBase("Metafield", c.CreatedAt, mf)
		c.mfs = append(c.mfs, mf)
	}
	newColl := func(handle, title string) *Collection {
		cr, up := g.stamps()
		c := &Collection{shop: s, Handle: handle, Title: title, SortOrder: "BEST_SELLING",
			DescriptionHtml: HTML("<p>" + title + " from our catalog.</p>")}
		c.base = s.newBase("Collection", cr, c)
		c.UpdatedAt = up
		for pi, pub := range s.publications {
			c.pubs = append(c.pubs, &ResourcePublication{pub: pub, IsPublished: pi == 0, PublishDate: cr})
		}
		s.collections = append(s.collections, c)
		return c
	}
	for _, t := range productTypes {
		c := newColl(handleize(t), t)
		c.RuleSet = &CollectionRuleSet{Rules: []*CollectionRule{{Column: "TYPE", Relation: "EQUALS", Condition: t}}}
		addMF(c, "Shop "+strings.ToLower(t))
	}
	for _, t := range []string{"sale", "eco", "bestseller"} {
		c := newColl(t+"-picks", strings.ToUpper(t[:1])+t[1:]+" picks")
		c.RuleSet = &CollectionRuleSet{Rules: []*CollectionRule{{Column: "TAG", Relation: "EQUALS", Condition: t}}}
		c.SortOrder = "CREATED_DESC"
	}
	manual := []string{"Frontpage", "New Arrivals", "Gift Guide", "Staff Picks", "Holiday Edit", "Under 50"}
	if rich {
		for _, m := range materials {
			manual = append(manual, m+" Collection")
		}
	}
	for _, title := range manual {
		c := newColl(handleize(title), title)
		c.SortOrder = "MANUAL"
		n := 5 + g.r.IntN(30)
		if n > len(s.products) {
			n = len(s.products)
		}
		for _, idx := range g.r.Perm(len(s.products))[:n] {
			c.productIDs = append(c.productIDs, s.products[idx].num)
		}
		if g.r.IntN(3) == 0 {
			c.TemplateSuffix = strp("landing")
		}
	}
}

func seedPages(g *gen, rich bool) {
	titles := []string{"About Us", "Contact", "FAQ", "Shipping Policy", "Returns", "Sustainability", "Size Guide", "Careers", "Press", "Wholesale", "Store Locator", "Our Story", "Care Instructions", "Gift Cards", "Accessibility", "Warranty"}
	if !rich {
		titles = titles[:4]
	}
	for i, t := range titles {
		c, u := g.stamps()
		p := &Page{Handle: handleize(t), Title: t, IsPublished: i%7 != 6,
			Body: HTML(fmt.Sprintf("<h2>%s</h2><p>%s</p>", t, lorem(g, 3)))}
		p.base = g.s.newBase("Page", c, p)
		p.UpdatedAt = u
		if p.IsPublished {
			p.PublishedAt = &c
		}
		if i%5 == 0 {
			p.TemplateSuffix = strp("contact")
		}
		mf := &Metafield{Namespace: "custom", Key: "hero_title", Value: t + " at " + g.s.name, Type: "single_line_text_field", OwnerType: "PAGE"}
		mf.base = g.s.newBase("Metafield", c, mf)
		p.mfs = append(p.mfs, mf)
		g.s.pages = append(g.s.pages, p)
	}
}

var loremWords = strings.Fields("we design goods that last made with care from responsible materials in small batches for everyday use and timeless style our makers work with natural fibres recycled metals and sustainably sourced wood")

func lorem(g *gen, sentences int) string {
	var b strings.Builder
	for i := 0; i < sentences; i++ {
		n := 6 + g.r.IntN(8)
		for j := 0; j < n; j++ {
			w := loremWords[g.r.IntN(len(loremWords))]
			if j == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
			if j < n-1 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(". ")
	}
	return strings.TrimSpace(b.String())
}

func seedBlogs(g *gen, rich bool) {
	s := g.s
	blogs := []string{"News", "Journal", "Guides"}
	nArticles := 42
	if !rich {
		blogs, nArticles = blogs[:1], 5
	}
	for _, t := range blogs {
		c, u := g.stamps()
		b := &Blog{shop: s, Handle: handleize(t), Title: t, CommentPolicy: "MODERATED", Tags: []string{}}
		b.base = s.newBase("Blog", c, b)
		b.UpdatedAt = u
		s.blogs = append(s.blogs, b)
	}
	topics := []string{"How to Care for %s", "Inside the %s Workshop", "Why We Love %s", "A Guide to %s", "The Story of %s", "%s: Five Ways to Style It"}
	taken := map[string]bool{}
	for i := 0; i < nArticles; i++ {
		b := s.blogs[i%len(s.blogs)]
		title := fmt.Sprintf(g.pick(topics), g.pick(materials))
		h := handleize(title)
		for n := 2; taken[b.Handle+"/"+h]; n++ {
			h = fmt.Sprintf("%s-%d", handleize(title), n)
		}
		taken[b.Handle+"/"+h] = true
		c, u := g.stamps()
		a := &Article{blog: b, Handle: h, Title: title, Body: HTML("<p>" + lorem(g, 5) + "</p>"),
			Author: &ArticleAuthor{Name: g.pick([]string{"Ava Stone", "Noah Reed", "Mia Park", "Leo Grant"})}, IsPublished: i%9 != 8}
		a.base = s.newBase("Article", c, a)
		a.UpdatedAt = u
		sum := HTML("<p>" + lorem(g, 1) + "</p>")
		a.Summary = &sum
		a.Tags = pickN(g, tagPool, 1+g.r.IntN(3))
		if a.IsPublished {
			a.PublishedAt = &c
		}
		if i%4 == 0 {
			alt := title
			a.Image = &Image{Url: URL(fmt.Sprintf("https://cdn.shopify.com/s/files/1/0%03d/0001/articles/%s.jpg", s.shopNum, h)), AltText: &alt, Width: i32p(1600), Height: i32p(900)}
		}
		mf := &Metafield{Namespace: "custom", Key: "reading_time", Value: fmt.Sprint(2 + g.r.IntN(10)), Type: "number_integer", OwnerType: "ARTICLE"}
		mf.base = s.newBase("Metafield", c, mf)
		a.mfs = append(a.mfs, mf)
		s.articles = append(s.articles, a)
	}
}

func seedMenus(g *gen) {
	s := g.s
	item := func(title, typ, url string, resource *graphql.ID, children ...*MenuItem) *MenuItem {
		s.nextID++
		it := &MenuItem{ID: graphql.ID(fmt.Sprintf("gid://shopify/MenuItem/%d", s.nextID)), Title: title, Type: typ, ResourceId: resource, Tags: []string{}, Items: children}
		if url != "" {
			u := URL(url)
			it.Url = &u
		}
		if it.Items == nil {
			it.Items = []*MenuItem{}
		}
		return it
	}
	var shopItems []*MenuItem
	for i, c := range s.collections {
		if i >= 4 {
			break
		}
		id := c.ID()
		shopItems = append(shopItems, item(c.Title, "COLLECTION", "/collections/"+c.Handle, &id))
	}
	var aboutItems []*MenuItem
	for i, p := range s.pages {
		if i >= 3 {
			break
		}
		id := p.ID()
		aboutItems = append(aboutItems, item(p.Title, "PAGE", "/pages/"+p.Handle, &id))
	}
	main := []*MenuItem{item("Home", "FRONTPAGE", "/", nil), item("Catalog", "CATALOG", "/collections/all", nil, shopItems...)}
	if len(aboutItems) > 0 {
		main = append(main, item("About", "HTTP", "/pages/"+s.pages[0].Handle, nil, aboutItems...))
	}
	if len(s.blogs) > 0 {
		id := s.blogs[0].ID()
		main = append(main, item(s.blogs[0].Title, "BLOG", "/blogs/"+s.blogs[0].Handle, &id))
	}
	footer := []*MenuItem{item("Search", "SEARCH", "/search", nil)}
	for _, p := range s.pages {
		if len(footer) >= 5 {
			break
		}
		id := p.ID()
		footer = append(footer, item(p.Title, "PAGE", "/pages/"+p.Handle, &id))
	}
	for _, m := range []struct {
		handle, title string
		items         []*MenuItem
	}{{"main-menu", "Main menu", main}, {"footer", "Footer menu", footer}} {
		c, u := g.stamps()
		menu := &Menu{Handle: m.handle, Title: m.title, IsDefault: true, Items: m.items}
		menu.base = s.newBase("Menu", c, menu)
		menu.UpdatedAt = u
		s.menus = append(s.menus, menu)
	}
	if len(s.products) > 100 {
		var items []*MenuItem
		for _, c := range s.collections[4:] {
			id := c.ID()
			items = append(items, item(c.Title, "COLLECTION", "/collections/"+c.Handle, &id))
		}
		c, u := g.stamps()
		menu := &Menu{Handle: "sidebar-menu", Title: "Sidebar", Items: []*MenuItem{item("Collections", "COLLECTIONS", "/collections", nil, items...)}}
		menu.base = s.newBase("Menu", c, menu)
		menu.UpdatedAt = u
		s.menus = append(s.menus, menu)
	}
}

func seedDiscounts(g *gen, rich bool) {
	s := g.s
	specs := []struct {
		kind, title, code string
		pct               float64
		amount            string
	}{
		{"DiscountCodeBasic", "Welcome 10%", "WELCOME10", 10, ""},
		{"DiscountCodeBasic", "Summer Sale", "SUMMER20", 20, ""},
		{"DiscountCodeFreeShipping", "Free Shipping", "FREESHIP", 0, ""},
		{"DiscountAutomaticBasic", "Spend 100 save 15", "", 0, "15.00"},
		{"DiscountCodeBasic", "VIP 25", "VIP25", 25, ""},
		{"DiscountAutomaticBasic", "Winter 5% off", "", 5, ""},
		{"DiscountCodeBasic", "Ten off", "TENOFF", 0, "10.00"},
		{"DiscountCodeFreeShipping", "Holiday shipping", "HOLIDAYSHIP", 0, ""},
		{"DiscountCodeBasic", "Newsletter 15", "NEWS15", 15, ""},
		{"DiscountCodeBasic", "Black Friday", "BF30", 30, ""},
		{"DiscountAutomaticBasic", "Bundle 10", "", 10, ""},
		{"DiscountCodeBasic", "Staff 40", "STAFF40", 40, ""},
	}
	if !rich {
		specs = specs[:3]
	}
	for i, sp := range specs {
		c, u := g.stamps()
		d := &DiscountNode{Kind: sp.kind, Title: sp.title, Status: []string{"ACTIVE", "ACTIVE", "EXPIRED", "SCHEDULED"}[i%4], StartsAt: c,
			Percentage: sp.pct, Amount: sp.amount, AppliesOncePerCustomer: i%2 == 0, AsyncUsageCount: int32(g.r.IntN(500))}
		d.base = s.newBase("DiscountNode", c, d)
		d.UpdatedAt = u
		if d.Status == "EXPIRED" {
			e := u
			d.EndsAt = &e
		}
		if sp.code != "" {
			rc := &DiscountRedeemCode{Code: sp.code, AsyncUsageCount: d.AsyncUsageCount}
			rc.base = s.newBase("DiscountRedeemCode", c, rc)
			d.codes = []*DiscountRedeemCode{rc}
			d.UsageLimit = i32p(100 * (1 + i%3))
		}
		mf := &Metafield{Namespace: "custom", Key: "campaign", Value: g.pick([]string{"spring", "summer", "always-on", "holiday"}), Type: "single_line_text_field", OwnerType: "DISCOUNT"}
		mf.base = s.newBase("Metafield", c, mf)
		d.mfs = append(d.mfs, mf)
		s.discounts = append(s.discounts, d)
	}
}

func seedMetaobjects(g *gen, rich bool) {
	s := g.s
	fd := func(key, name, typ, cat string, req bool) *MetaobjectFieldDefinition {
		return &MetaobjectFieldDefinition{Key: key, Name: strp(name), Required: req, Type: &MetafieldDefinitionType{Name: typ, Category: cat}}
	}
	defs := []*MetaobjectDefinition{
		{Type: "lookbook", Name: "Lookbook", DisplayNameKey: strp("title"), FieldDefinitions: []*MetaobjectFieldDefinition{
			fd("title", "Title", "single_line_text_field", "TEXT", true), fd("description", "Description", "multi_line_text_field", "TEXT", false),
			fd("hero_image", "Hero image", "file_reference", "REFERENCE", false), fd("products", "Products", "list.product_reference", "REFERENCE", false)}},
		{Type: "designer", Name: "Designer", DisplayNameKey: strp("name"), FieldDefinitions: []*MetaobjectFieldDefinition{
			fd("name", "Name", "single_line_text_field", "TEXT", true), fd("bio", "Bio", "multi_line_text_field", "TEXT", false), fd("website", "Website", "url", "URL", false)}},
		{Type: "store_location", Name: "Store location", DisplayNameKey: strp("name"), FieldDefinitions: []*MetaobjectFieldDefinition{
			fd("name", "Name", "single_line_text_field", "TEXT", true), fd("address", "Address", "multi_line_text_field", "TEXT", true), fd("opening_hours", "Opening hours", "multi_line_text_field", "TEXT", false)}},
	}
	counts := []int{8, 10, 6}
	if !rich {
		defs, counts = defs[1:2], []int{3}
	}
	for di, d := range defs {
		c, _ := g.stamps()
		d.shop = s
		d.Description = strp(d.Name + " entries")
		d.base = s.newBase("MetaobjectDefinition", c, d)
		s.metaobjectDefs = append(s.metaobjectDefs, d)
		for i := 0; i < counts[di]; i++ {
			c, u := g.stamps()
			var fields []*MetaobjectField
			var handle string
			switch d.Type {
			case "lookbook":
				title := fmt.Sprintf("%s %s Lookbook", g.pick(adjectives), []string{"Spring", "Summer", "Autumn", "Winter"}[i%4])
				handle = fmt.Sprintf("%s-%d", handleize(title), i+1)
				var refs []string
				for _, idx := range g.r.Perm(len(s.products))[:3] {
					refs = append(refs, fmt.Sprintf("%q", s.products[idx].gid()))
				}
				var hero *string
				if len(s.files) > 0 {
					hero = strp(string(s.files[g.r.IntN(len(s.files))].ID()))
				}
				fields = []*MetaobjectField{{Key: "title", Value: &title, Type: "single_line_text_field"}, {Key: "description", Value: strp(lorem(g, 2)), Type: "multi_line_text_field"},
					{Key: "hero_image", Value: hero, Type: "file_reference"}, {Key: "products", Value: strp("[" + strings.Join(refs, ",") + "]"), Type: "list.product_reference"}}
			case "designer":
				name := g.pick([]string{"Ada", "Bo", "Cleo", "Dev", "Eli", "Faye", "Gus", "Hana"}) + " " + g.pick([]string{"Lind", "Moreau", "Okafor", "Silva", "Tanaka", "Weber"})
				handle = fmt.Sprintf("%s-%d", handleize(name), i+1)
				fields = []*MetaobjectField{{Key: "name", Value: &name, Type: "single_line_text_field"}, {Key: "bio", Value: strp(lorem(g, 2)), Type: "multi_line_text_field"},
					{Key: "website", Value: strp("https://example.com/" + handle), Type: "url"}}
			default:
				city := []string{"Berlin", "Lisbon", "Austin", "Osaka", "Toronto", "Melbourne"}[i%6]
				handle = handleize(city)
				fields = []*MetaobjectField{{Key: "name", Value: strp(g.s.name + " " + city), Type: "single_line_text_field"}, {Key: "address", Value: strp(fmt.Sprintf("%d Main Street\n%s", 1+g.r.IntN(200), city)), Type: "multi_line_text_field"},
					{Key: "opening_hours", Value: strp("Mon-Fri 10-18\nSat 10-16"), Type: "multi_line_text_field"}}
			}
			m := &Metaobject{shop: s, Handle: handle, Type: d.Type, Fields: fields}
			m.base = s.newBase("Metaobject", c, m)
			m.UpdatedAt = u
			s.metaobjects = append(s.metaobjects, m)
		}
	}
}

func seedGenericFiles(g *gen, rich bool) {
	s := g.s
	names := []string{"size-guide.pdf", "care-instructions.pdf", "wholesale-price-list.csv", "lookbook-2024.pdf", "press-kit.zip", "returns-form.pdf"}
	if !rich {
		names = names[:2]
	}
	mimes := map[string]string{"pdf": "application/pdf", "csv": "text/csv", "zip": "application/zip"}
	for _, n := range names {
		c, u := g.stamps()
		ext := n[strings.LastIndex(n, ".")+1:]
		url := URL(fmt.Sprintf("https://cdn.shopify.com/s/files/1/0%03d/0001/files/%s?v=%d", s.shopNum, n, seedEpoch.Unix()))
		f := &GenericFile{Url: &url, MimeType: strp(mimes[ext]), OriginalFileSize: i32p(10000 + g.r.IntN(900000)), filename: n}
		f.base = s.newBase("GenericFile", c, f)
		f.UpdatedAt = u
		s.files = append(s.files, &fileR{f})
	}
	banners := 6
	if !rich {
		banners = 1
	}
	for i := 0; i < banners; i++ {
		c, u := g.stamps()
		n := fmt.Sprintf("banner-%d.jpg", i+1)
		m := &MediaImage{Status: "READY", MimeType: strp("image/jpeg"), filename: n, fileSize: 200000 + g.r.IntN(100000)}
		m.base = s.newBase("MediaImage", c, m)
		m.UpdatedAt = u
		alt := fmt.Sprintf("Homepage banner %d", i+1)
		m.Alt = &alt
		m.Image = &Image{Url: URL(fmt.Sprintf("https://cdn.shopify.com/s/files/1/0%03d/0001/files/%s?v=%d", s.shopNum, n, seedEpoch.Unix())), AltText: &alt, Width: i32p(2400), Height: i32p(1200)}
		s.files = append(s.files, &fileR{m})
	}
}

var themeFiles = []struct{ name, ctype, body string }{
	{"layout/theme.liquid", "text/x-liquid", "<!doctype html>\n<html lang=\"{{ request.locale.iso_code }}\">\n<head>{{ content_for_header }}</head>\n<body>{% sections 'header-group' %}{{ content_for_layout }}{% sections 'footer-group' %}</body>\n</html>\n"},
	{"templates/index.json", "application/json", "{\"sections\":{\"banner\":{\"type\":\"image-banner\",\"settings\":{}}},\"order\":[\"banner\"]}\n"},
	{"templates/product.json", "application/json", "{\"sections\":{\"main\":{\"type\":\"main-product\",\"settings\":{}}},\"order\":[\"main\"]}\n"},
	{"templates/product.alternate.json", "application/json", "{\"sections\":{\"main\":{\"type\":\"main-product\",\"settings\":{\"media_size\":\"large\"}}},\"order\":[\"main\"]}\n"},
	{"templates/collection.json", "application/json", "{\"sections\":{\"main\":{\"type\":\"main-collection-product-grid\",\"settings\":{}}},\"order\":[\"main\"]}\n"},
	{"templates/collection.landing.json", "application/json", "{\"sections\":{\"main\":{\"type\":\"main-collection-banner\",\"settings\":{}}},\"order\":[\"main\"]}\n"},
	{"templates/page.json", "application/json", "{\"sections\":{\"main\":{\"type\":\"main-page\",\"settings\":{}}},\"order\":[\"main\"]}\n"},
	{"templates/page.contact.json", "application/json", "{\"sections\":{\"form\":{\"type\":\"contact-form\",\"settings\":{}}},\"order\":[\"form\"]}\n"},
	{"sections/header.liquid", "text/x-liquid", "<header>{{ shop.name }}{% render 'menu', menu: section.settings.menu %}</header>\n{% schema %}{\"name\":\"Header\",\"settings\":[{\"type\":\"link_list\",\"id\":\"menu\",\"default\":\"main-menu\"}]}{% endschema %}\n"},
	{"sections/footer.liquid", "text/x-liquid", "<footer>&copy; {{ 'now' | date: '%Y' }} {{ shop.name }}</footer>\n"},
	{"sections/main-product.liquid", "text/x-liquid", "<h1>{{ product.title }}</h1>{% render 'price', product: product %}{{ product.description }}\n"},
	{"snippets/price.liquid", "text/x-liquid", "<span class=\"price\">{{ product.price | money }}</span>\n"},
	{"config/settings_schema.json", "application/json", "[{\"name\":\"theme_info\",\"theme_name\":\"Dawn\",\"theme_version\":\"15.0.0\"}]\n"},
	{"config/settings_data.json", "application/json", "{\"current\":{\"colors_accent_1\":\"#121212\"}}\n"},
	{"locales/en.default.json", "application/json", "{\"general\":{\"search\":{\"search\":\"Search\"}}}\n"},
	{"assets/base.css", "text/css", ":root{--font-body-family:Assistant,sans-serif}\nbody{margin:0}\n"},
	{"assets/global.js", "application/javascript", "class MenuDrawer extends HTMLElement{}\ncustomElements.define('menu-drawer',MenuDrawer);\n"},
	// A 1x1 PNG: binary files come back as OnlineStoreThemeFileBodyBase64.
	{"assets/pixel.png", "image/png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"},
}

func seedThemes(g *gen, rich bool) {
	s := g.s
	specs := []struct{ name, role string }{{"Dawn", "MAIN"}, {"Dawn - development copy", "UNPUBLISHED"}}
	if !rich {
		specs = specs[:1]
	}
	for ti, sp := range specs {
		c, u := g.stamps()
		t := &OnlineStoreTheme{Name: sp.name, Role: sp.role, ThemeStoreId: i32p(887)}
		t.base = s.newBase("OnlineStoreTheme", c, t)
		t.UpdatedAt = u
		for fi, f := range themeFiles {
			body := f.body
			if ti > 0 && strings.HasSuffix(f.name, ".css") {
				body += "/* dev tweak */\n"
			}
			t.files = append(t.files, &OnlineStoreThemeFile{seq: int64(fi + 1), Filename: f.name, content: body, ContentType: f.ctype, CreatedAt: c, UpdatedAt: u})
		}
		s.themes = append(s.themes, t)
	}
}
