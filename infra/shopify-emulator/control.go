package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// serveControl is the JSON control API under /_emulator/ (see README.md).
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request, path string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut {
		b, _ := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes))
		if len(strings.TrimSpace(string(b))) > 0 {
			if err := json.Unmarshal(b, &body); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body must be a JSON object: " + err.Error()})
				return
			}
		}
	}
	if body == nil {
		body = map[string]any{}
	}
	switch {
	case len(parts) == 1 && parts[0] == "shops" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.shopsInfo())
	case len(parts) == 1 && parts[0] == "reset" && r.Method == http.MethodPost:
		if shop, _ := body["shop"].(string); shop != "" {
			if !s.resetShop(normalizeShop(shop)) {
				writeJSON(w, http.StatusNotFound, map[string]any{"error": "unknown shop " + shop})
				return
			}
		} else {
			s.resetAll()
			s.faults.clear()
		}
		writeJSON(w, http.StatusOK, map[string]any{"reset": true})
	case len(parts) == 1 && parts[0] == "faults":
		s.controlFaults(w, r, body)
	case len(parts) == 1 && parts[0] == "throttle":
		s.controlThrottle(w, r, body)
	case len(parts) == 2 && parts[0] == "webhooks" && parts[1] == "deliveries":
		s.deliveries.mu.Lock()
		list := append([]Delivery{}, s.deliveries.list...)
		if r.Method == http.MethodDelete {
			s.deliveries.list = nil
		}
		s.deliveries.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
	case len(parts) == 3 && parts[0] == "bulk":
		s.serveBulkResult(w, parts[1], strings.TrimSuffix(parts[2], ".jsonl"))
	case len(parts) >= 2 && parts[0] == "shops":
		shop := s.shop(normalizeShop(parts[1]))
		if shop == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "unknown shop " + parts[1]})
			return
		}
		s.controlShop(w, r, shop, parts[2:], body)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no such control endpoint: " + r.Method + " /_emulator" + path})
	}
}

type shopInfo struct {
	Domain   string         `json:"domain"`
	Name     string         `json:"name"`
	Token    string         `json:"accessToken"`
	Counts   map[string]int `json:"counts"`
	Throttle ThrottleStatus `json:"throttleStatus"`
}

func (s *Server) shopsInfo() []shopInfo {
	var out []shopInfo
	for _, d := range s.shopDomains() {
		sh := s.shop(d)
		sh.mu.RLock()
		info := shopInfo{Domain: d, Name: sh.name, Token: sh.token, Throttle: s.bucket(d).status(), Counts: map[string]int{
			"products": len(sh.products), "collections": len(sh.collections), "pages": len(sh.pages), "blogs": len(sh.blogs),
			"articles": len(sh.articles), "menus": len(sh.menus), "discounts": len(sh.discounts), "metaobjectDefinitions": len(sh.metaobjectDefs),
			"metaobjects": len(sh.metaobjects), "metafieldDefinitions": len(sh.metafieldDefs), "files": len(sh.files), "themes": len(sh.themes),
			"webhookSubscriptions": len(sh.webhooks),
		}}
		sh.mu.RUnlock()
		out = append(out, info)
	}
	return out
}

func (s *Server) controlFaults(w http.ResponseWriter, r *http.Request, body map[string]any) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"faults": s.faults.list()})
	case http.MethodDelete:
		s.faults.clear()
		writeJSON(w, http.StatusOK, map[string]any{"faults": []Fault{}})
	case http.MethodPost:
		var f Fault
		b, _ := json.Marshal(body)
		if err := json.Unmarshal(b, &f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		f.Shop = normalizeShop(f.Shop)
		added, err := s.faults.add(f)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, added)
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use GET, POST or DELETE"})
	}
}

func num(body map[string]any, key string) float64 {
	if v, ok := body[key].(float64); ok {
		return v
	}
	return -1
}

func (s *Server) controlThrottle(w http.ResponseWriter, r *http.Request, body map[string]any) {
	shops := s.shopDomains()
	if shop, _ := body["shop"].(string); shop != "" {
		shops = []string{normalizeShop(shop)}
	} else if q := r.URL.Query().Get("shop"); q != "" {
		shops = []string{normalizeShop(q)}
	}
	out := map[string]ThrottleStatus{}
	for _, d := range shops {
		b := s.bucket(d)
		if b == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "unknown shop " + d})
			return
		}
		if r.Method == http.MethodPost {
			out[d] = b.set(num(body, "maximumAvailable"), num(body, "restoreRate"), num(body, "currentlyAvailable"))
		} else {
			out[d] = b.status()
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) serveBulkResult(w http.ResponseWriter, domain, id string) {
	sh := s.shop(normalizeShop(domain))
	n, err := strconv.ParseInt(id, 10, 64)
	if sh == nil || err != nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not found"})
		return
	}
	sh.mu.RLock()
	op, _ := sh.objects[n].(*BulkOperation)
	var data []byte
	done := false
	if op != nil {
		data, done = op.result, op.Status == "COMPLETED"
	}
	sh.mu.RUnlock()
	if !done {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not found"})
		return
	}
	w.Header().Set("Content-Type", "application/jsonl")
	_, _ = w.Write(data)
}

// controlShop handles /_emulator/shops/<shop>/...
func (s *Server) controlShop(w http.ResponseWriter, r *http.Request, sh *shopData, rest []string, body map[string]any) {
	switch {
	case len(rest) == 1 && rest[0] == "hash" && r.Method == http.MethodGet:
		h, err := s.CatalogHash(r.Context(), sh.domain)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"shop": sh.domain, "sha256": h})
	case len(rest) == 1 && rest[0] == "webhooks" && r.Method == http.MethodPost:
		topic, _ := body["topic"].(string)
		cb, _ := body["callbackUrl"].(string)
		topic = strings.ToUpper(strings.ReplaceAll(topic, "/", "_"))
		if topic == "" || cb == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "topic and callbackUrl are required"})
			return
		}
		version, _ := body["apiVersion"].(string)
		if version == "" {
			version = s.opts.Versions[len(s.opts.Versions)-3]
		}
		sh.mu.Lock()
		ws := sh.addWebhook(topic, cb, version)
		id := string(ws.ID())
		sh.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "topic": topic, "callbackUrl": cb, "apiVersion": version})
	case len(rest) == 1 && rest[0] == "uninstall" && r.Method == http.MethodPost:
		s.uninstall(w, sh)
	case len(rest) == 2 && rest[0] == "webhooks" && rest[1] == "trigger" && r.Method == http.MethodPost:
		s.triggerWebhook(w, sh, body)
	case len(rest) == 1 && rest[0] == "objects" && r.Method == http.MethodPost:
		typ, _ := body["type"].(string)
		fields, _ := body["fields"].(map[string]any)
		s.edit(w, sh, "create", typ, 0, fields)
	case len(rest) == 3 && rest[0] == "objects":
		n, err := strconv.ParseInt(rest[2], 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "bad id " + rest[2]})
			return
		}
		fields, _ := body["fields"].(map[string]any)
		switch r.Method {
		case http.MethodPatch, http.MethodPost, http.MethodPut:
			s.edit(w, sh, "update", rest[1], n, fields)
		case http.MethodDelete:
			s.edit(w, sh, "delete", rest[1], n, nil)
		default:
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use PATCH or DELETE"})
		}
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no such control endpoint"})
	}
}

// triggerWebhook sends a signed delivery of any topic (compliance topics such
// as customers/redact, app/uninstalled, shop/update...) with the given payload:
// to callbackUrl when given, else to the shop's subscribers of the topic.
func (s *Server) triggerWebhook(w http.ResponseWriter, sh *shopData, body map[string]any) {
	topic, _ := body["topic"].(string)
	topic = strings.ToLower(strings.TrimSpace(topic))
	if !strings.Contains(topic, "/") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "topic must look like customers/redact"})
		return
	}
	payload, ok := body["payload"].(map[string]any)
	if !ok {
		payload = map[string]any{}
	}
	raw, _ := json.Marshal(payload)
	ev := webhookEvent{shop: sh.domain, topic: topic, payload: raw, triggered: time.Now().UTC()}
	version, _ := body["apiVersion"].(string)
	if version == "" {
		version = s.opts.Versions[len(s.opts.Versions)-3]
	}
	if cb, _ := body["callbackUrl"].(string); cb != "" {
		if u, err := url.Parse(cb); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "callbackUrl must be an http(s) URL"})
			return
		}
		ev.targets = []*WebhookSubscription{{Topic: strings.ToUpper(strings.ReplaceAll(topic, "/", "_")), CallbackUrl: URL(cb), version: version, base: base{kind: "WebhookSubscription"}}}
	} else {
		sh.mu.RLock()
		enum := strings.ToUpper(strings.ReplaceAll(topic, "/", "_"))
		for _, sub := range sh.webhooks {
			if sub.Topic == enum {
				ev.targets = append(ev.targets, sub)
			}
		}
		sh.mu.RUnlock()
	}
	if len(ev.targets) == 0 {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no subscriber for " + topic + " and no callbackUrl"})
		return
	}
	n := len(ev.targets)
	s.enqueue(func(ctx context.Context) { s.deliver(ctx, []webhookEvent{ev}) })
	writeJSON(w, http.StatusOK, map[string]any{"topic": topic, "deliveries": n})
}

func fstr(f map[string]any, k string) *string {
	v, ok := f[k]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		s = fmt.Sprint(v)
	}
	return &s
}

func fbool(f map[string]any, k string) *bool {
	if v, ok := f[k].(bool); ok {
		return &v
	}
	return nil
}

func fstrings(f map[string]any, k string) *[]string {
	switch v := f[k].(type) {
	case []any:
		out := []string{}
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return &out
	case string:
		out := normalizeTags([]string{v})
		return &out
	}
	return nil
}

// topics maps the object kinds whose edits fire webhooks to their topic prefix.
// Shopify sends none for pages, blogs, articles, menus or files.
var topics = map[string]string{
	"Product": "products", "Collection": "collections", "Metaobject": "metaobjects",
	"DiscountNode": "discounts", "MetafieldDefinition": "metafield_definitions", "OnlineStoreTheme": "themes",
}

// edit changes the shop as a merchant would in the admin: it bumps updatedAt
// and fires the matching webhooks.
func (s *Server) edit(w http.ResponseWriter, sh *shopData, action, kind string, id int64, f map[string]any) {
	if f == nil {
		f = map[string]any{}
	}
	sh.mu.Lock()
	obj, status, msg := applyEdit(sh, action, kind, id, f)
	if status == http.StatusOK && msg != "" {
		action = msg // e.g. a theme's role set to MAIN publishes it
	}
	var events []webhookEvent
	var gid string
	if obj != nil {
		gid = gidOf(obj)
		k, _, _ := parseGID(gid)
		if prefix, ok := topics[k]; ok {
			if ev, ok := buildEvent(sh, prefix+"/"+action, obj); ok {
				events = append(events, ev)
			}
		}
	}
	sh.mu.Unlock()
	if status != http.StatusOK {
		writeJSON(w, status, map[string]any{"error": msg})
		return
	}
	if len(events) > 0 {
		s.enqueue(func(ctx context.Context) { s.deliver(ctx, events) })
	}
	writeJSON(w, http.StatusOK, map[string]any{"action": action, "id": gid})
}

func gidOf(obj any) string {
	switch o := obj.(type) {
	case interface{ gid() string }:
		return o.gid()
	}
	return ""
}

func applyEdit(sh *shopData, action, kind string, id int64, f map[string]any) (any, int, string) {
	t := now()
	if action == "create" {
		title := fstr(f, "title")
		switch kind {
		case "Product":
			if title == nil || *title == "" {
				return nil, http.StatusBadRequest, "fields.title is required"
			}
			p := sh.createProduct(*title, t)
			if errs := applyProductInput(sh, p, productInputFrom(f)); errs != nil {
				sh.deleteProduct(p)
				return nil, http.StatusBadRequest, errs[0].Message
			}
			return p, http.StatusOK, ""
		case "Page":
			if title == nil || *title == "" {
				return nil, http.StatusBadRequest, "fields.title is required"
			}
			p := sh.createPage(*title, t)
			if errs := applyPageInput(sh, p, pageInputFrom(f)); errs != nil {
				return nil, http.StatusBadRequest, errs[0].Message
			}
			return p, http.StatusOK, ""
		case "Collection":
			if title == nil || *title == "" {
				return nil, http.StatusBadRequest, "fields.title is required"
			}
			c := &Collection{shop: sh, Title: *title, SortOrder: "MANUAL"}
			c.base = sh.newBase("Collection", t, c)
			c.Handle = handleize(*title)
			applyCollection(c, f)
			sh.collections = append(sh.collections, c)
			return c, http.StatusOK, ""
		case "Metaobject":
			typ := fstr(f, "type")
			handle := fstr(f, "handle")
			if typ == nil || handle == nil {
				return nil, http.StatusBadRequest, "fields.type and fields.handle are required"
			}
			m := &Metaobject{shop: sh, Type: *typ, Handle: *handle}
			if m.Definition() == nil {
				return nil, http.StatusBadRequest, "no metaobject definition of type " + *typ
			}
			m.base = sh.newBase("Metaobject", t, m)
			applyMetaobject(m, f)
			sh.metaobjects = append(sh.metaobjects, m)
			return m, http.StatusOK, ""
		}
		return nil, http.StatusBadRequest, "create supports Product, Page, Collection and Metaobject"
	}
	obj := sh.objects[id]
	if fr, ok := obj.(*fileR); ok {
		obj = fr.v
	}
	if obj == nil || !strings.HasPrefix(gidOf(obj), "gid://shopify/"+kind+"/") {
		return nil, http.StatusNotFound, fmt.Sprintf("no %s %d in %s", kind, id, sh.domain)
	}
	if action == "delete" {
		switch o := obj.(type) {
		case *Product:
			sh.deleteProduct(o)
		case *Page:
			sh.pages = removeFrom(sh.pages, o)
		case *Collection:
			sh.collections = removeFrom(sh.collections, o)
		case *Article:
			sh.articles = removeFrom(sh.articles, o)
		case *Metaobject:
			sh.metaobjects = removeFrom(sh.metaobjects, o)
		case *DiscountNode:
			sh.discounts = removeFrom(sh.discounts, o)
		case *Menu:
			sh.menus = removeFrom(sh.menus, o)
		case *MetafieldDefinition:
			sh.metafieldDefs = removeFrom(sh.metafieldDefs, o)
		case *OnlineStoreTheme:
			if o.Role == "MAIN" {
				return nil, http.StatusBadRequest, "the live theme can't be deleted"
			}
			sh.themes = removeFrom(sh.themes, o)
		case *MediaImage, *GenericFile:
			for _, fr := range sh.files {
				if fr.v == obj {
					sh.files = removeFrom(sh.files, fr)
					break
				}
			}
		default:
			return nil, http.StatusBadRequest, "delete is not supported for " + kind
		}
		delete(sh.objects, id)
		return obj, http.StatusOK, ""
	}
	switch o := obj.(type) {
	case *Product:
		if errs := applyProductInput(sh, o, productInputFrom(f)); errs != nil {
			return nil, http.StatusBadRequest, errs[0].Message
		}
		o.UpdatedAt = t
	case *Page:
		if errs := applyPageInput(sh, o, pageInputFrom(f)); errs != nil {
			return nil, http.StatusBadRequest, errs[0].Message
		}
		o.UpdatedAt = t
	case *Collection:
		applyCollection(o, f)
		o.UpdatedAt = t
	case *Blog:
		setStr(&o.Title, fstr(f, "title"))
		setStr(&o.Handle, fstr(f, "handle"))
		o.UpdatedAt = t
	case *Article:
		setStr(&o.Title, fstr(f, "title"))
		setStr(&o.Handle, fstr(f, "handle"))
		if b := fstr(f, "body"); b != nil {
			o.Body = HTML(*b)
		}
		if tags := fstrings(f, "tags"); tags != nil {
			o.Tags = normalizeTags(*tags)
		}
		o.UpdatedAt = t
	case *Metaobject:
		setStr(&o.Handle, fstr(f, "handle"))
		applyMetaobject(o, f)
		o.UpdatedAt = t
	case *DiscountNode:
		setStr(&o.Title, fstr(f, "title"))
		setStr(&o.Status, fstr(f, "status"))
		o.UpdatedAt = t
	case *Menu:
		setStr(&o.Title, fstr(f, "title"))
		setStr(&o.Handle, fstr(f, "handle"))
		o.UpdatedAt = t
	case *MetafieldDefinition:
		setStr(&o.Name, fstr(f, "name"))
		if d := fstr(f, "description"); d != nil {
			o.Description = d
		}
		o.UpdatedAt = t
	case *MediaImage:
		if a := fstr(f, "alt"); a != nil {
			o.Alt = a
		}
		o.UpdatedAt = t
	case *GenericFile:
		if a := fstr(f, "alt"); a != nil {
			o.Alt = a
		}
		o.UpdatedAt = t
	case *OnlineStoreTheme:
		if role := fstr(f, "role"); role != nil && *role == "MAIN" && o.Role != "MAIN" {
			sh.publishTheme(o, t)
			return o, http.StatusOK, "publish"
		}
		setStr(&o.Name, fstr(f, "name"))
		if files, ok := f["files"].(map[string]any); ok {
			for name, content := range files {
				o.setFile(name, fmt.Sprint(content), t)
			}
		}
		o.UpdatedAt = t
	default:
		return nil, http.StatusBadRequest, "update is not supported for " + kind
	}
	return obj, http.StatusOK, ""
}

func (t *OnlineStoreTheme) setFile(name, content string, at DateTime) {
	for _, f := range t.files {
		if f.Filename == name {
			f.content, f.UpdatedAt = content, at
			return
		}
	}
	ct := "text/plain"
	switch {
	case strings.HasSuffix(name, ".liquid"):
		ct = "text/x-liquid"
	case strings.HasSuffix(name, ".json"):
		ct = "application/json"
	case strings.HasSuffix(name, ".css"):
		ct = "text/css"
	case strings.HasSuffix(name, ".js"):
		ct = "application/javascript"
	}
	t.files = append(t.files, &OnlineStoreThemeFile{seq: int64(len(t.files) + 1), Filename: name, content: content, ContentType: ct, CreatedAt: at, UpdatedAt: at})
}

func setStr(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func productInputFrom(f map[string]any) productInput {
	return productInput{Title: fstr(f, "title"), Handle: fstr(f, "handle"), DescriptionHtml: fstr(f, "descriptionHtml"),
		Vendor: fstr(f, "vendor"), ProductType: fstr(f, "productType"), Status: fstr(f, "status"), Tags: fstrings(f, "tags"),
		TemplateSuffix: fstr(f, "templateSuffix")}
}

func pageInputFrom(f map[string]any) pageInput {
	in := pageInput{Title: fstr(f, "title"), Handle: fstr(f, "handle"), IsPublished: fbool(f, "isPublished"), TemplateSuffix: fstr(f, "templateSuffix")}
	if b := fstr(f, "body"); b != nil {
		h := HTML(*b)
		in.Body = &h
	}
	return in
}

func applyCollection(c *Collection, f map[string]any) {
	setStr(&c.Title, fstr(f, "title"))
	setStr(&c.Handle, fstr(f, "handle"))
	if d := fstr(f, "descriptionHtml"); d != nil {
		c.DescriptionHtml = HTML(*d)
	}
	if ts := fstr(f, "templateSuffix"); ts != nil {
		c.TemplateSuffix = optStr(*ts)
	}
}

func applyMetaobject(m *Metaobject, f map[string]any) {
	fields, _ := f["fields"].(map[string]any)
	d := m.Definition()
	for k, v := range fields {
		val := fmt.Sprint(v)
		if existing := m.Field(struct{ Key string }{k}); existing != nil {
			existing.Value = &val
			continue
		}
		typ := "single_line_text_field"
		if d != nil {
			for _, fd := range d.FieldDefinitions {
				if fd.Key == k {
					typ = fd.Type.Name
				}
			}
		}
		m.Fields = append(m.Fields, &MetaobjectField{Key: k, Value: &val, Type: typ})
	}
}

// catalogQuery reads everything Flux syncs; its result's hash identifies a catalog.
const catalogQuery = `{
  products { edges { node { id handle title status vendor productType tags descriptionHtml templateSuffix updatedAt createdAt
    options { name values }
    variants { edges { node { id title sku price inventoryQuantity selectedOptions { name value } } } }
    media { edges { node { alt mediaContentType ... on MediaImage { id image { url width height } } } } }
    metafields { edges { node { namespace key value type } } }
    resourcePublications(onlyPublished: false) { edges { node { isPublished publication { name } } } } } } }
  collections { edges { node { id handle title descriptionHtml sortOrder templateSuffix updatedAt } } }
  pages { edges { node { id handle title body isPublished updatedAt } } }
  blogs { edges { node { id handle title articles { edges { node { id handle title body tags updatedAt } } } } } }
  menus { edges { node { id handle title items { title url items { title url } } } } }
  discountNodes { edges { node { id discount { ... on DiscountCodeBasic { title status } ... on DiscountAutomaticBasic { title status } ... on DiscountCodeFreeShipping { title status } } } } }
  metaobjectDefinitions { edges { node { id type name metaobjects { edges { node { id handle fields { key value type } updatedAt } } } } } }
  files { edges { node { id alt updatedAt } } }
  themes { edges { node { id name role files { edges { node { filename checksumMd5 } } } } } }
}`

// CatalogHash returns the SHA-256 of the shop's catalog as the Admin API
// returns it (stable for a given seed).
func (s *Server) CatalogHash(ctx context.Context, domain string) (string, error) {
	sh := s.shop(domain)
	if sh == nil {
		return "", fmt.Errorf("unknown shop %s", domain)
	}
	sh.mu.RLock()
	ctx = context.WithValue(context.WithValue(ctx, reqKey{}, &reqState{srv: s, shop: sh}), bulkKey{}, true)
	resp := s.schema.Exec(ctx, catalogQuery, "", nil)
	sh.mu.RUnlock()
	if len(resp.Errors) > 0 {
		return "", resp.Errors[0]
	}
	sum := sha256.Sum256(resp.Data)
	return hex.EncodeToString(sum[:]), nil
}
