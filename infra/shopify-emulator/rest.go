package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The REST Admin API (legacy on Shopify) is emulated for the shop and
// products only, with its request-based leaky bucket: 40 requests, leaking 2
// per second (Standard plan), X-Shopify-Shop-Api-Call-Limit on every answer
// and 429 with Retry-After when full.
const (
	RESTBucketSize = 40
	RESTLeakRate   = 2.0
)

type restBucket struct {
	mu   sync.Mutex
	used float64
	last time.Time
}

// take counts one request; it returns the calls in the bucket after it and
// whether it was admitted.
func (b *restBucket) take(now time.Time) (int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		b.used = math.Max(0, b.used-now.Sub(b.last).Seconds()*RESTLeakRate)
	}
	b.last = now
	if b.used+1 > RESTBucketSize {
		return int(math.Ceil(b.used)), false
	}
	b.used++
	return int(math.Ceil(b.used)), true
}

func (s *Server) restBucketFor(shop string) *restBucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.restBuckets == nil {
		s.restBuckets = map[string]*restBucket{}
	}
	b := s.restBuckets[shop]
	if b == nil {
		b = &restBucket{}
		s.restBuckets[shop] = b
	}
	return b
}

// serveREST answers /admin/api/<version>/<resource>.json.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, shop *shopData, version, endpoint string) {
	used, ok := s.restBucketFor(shop.domain).take(s.opts.Clock())
	w.Header().Set("X-Shopify-Shop-Api-Call-Limit", fmt.Sprintf("%d/%d", used, RESTBucketSize))
	if !ok {
		w.Header().Set("Retry-After", "2.0")
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})
		return
	}
	path := strings.TrimSuffix(endpoint, ".json")
	parts := strings.Split(path, "/")
	switch {
	case path == "shop" && r.Method == http.MethodGet:
		sr := &ShopR{shop}
		writeJSON(w, http.StatusOK, map[string]any{"shop": map[string]any{"id": shop.shopNum, "name": shop.name, "email": sr.Email(),
			"domain": shop.domain, "myshopify_domain": shop.domain, "currency": "USD", "iana_timezone": sr.IanaTimezone(),
			"plan_name": "basic", "plan_display_name": "Basic", "created_at": shop.createdAt, "updated_at": shop.createdAt}})
	case path == "products" && r.Method == http.MethodGet:
		s.restListProducts(w, r, shop, version)
	case path == "products/count" && r.Method == http.MethodGet:
		shop.mu.RLock()
		n := len(filterRESTProducts(shop, r.URL.Query()))
		shop.mu.RUnlock()
		writeJSON(w, http.StatusOK, map[string]any{"count": n})
	case path == "products" && r.Method == http.MethodPost:
		s.restWriteProduct(w, r, shop, nil)
	case len(parts) == 2 && parts[0] == "products":
		id, err := strconv.ParseInt(parts[1], 10, 64)
		shop.mu.RLock()
		p, _ := shop.objects[id].(*Product)
		shop.mu.RUnlock()
		if err != nil || p == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
			return
		}
		switch r.Method {
		case http.MethodGet:
			shop.mu.RLock()
			body := map[string]any{"product": productWebhookPayload(p)}
			shop.mu.RUnlock()
			writeJSON(w, http.StatusOK, body)
		case http.MethodPut:
			s.restWriteProduct(w, r, shop, p)
		case http.MethodDelete:
			shop.mu.Lock()
			shop.deleteProduct(p)
			ev, okEv := buildEvent(shop, "products/delete", p)
			shop.mu.Unlock()
			if okEv {
				s.enqueue(func(ctx context.Context) { s.deliver(ctx, []webhookEvent{ev}) })
			}
			writeJSON(w, http.StatusOK, map[string]any{})
		default:
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"errors": "Method Not Allowed"})
		}
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
	}
}

func filterRESTProducts(shop *shopData, q url.Values) []*Product {
	var out []*Product
	for _, p := range shop.products {
		if v := q.Get("updated_at_min"); v != "" && string(p.UpdatedAt) < v {
			continue
		}
		if v := q.Get("updated_at_max"); v != "" && string(p.UpdatedAt) > v {
			continue
		}
		if v := q.Get("handle"); v != "" && !contains(strings.Split(v, ","), p.Handle) {
			continue
		}
		if v := q.Get("status"); v != "" && !contains(strings.Split(strings.ToUpper(v), ","), p.Status) {
			continue
		}
		if v := q.Get("since_id"); v != "" {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && p.num <= n {
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

type restPageInfo struct {
	LastID    int64      `json:"last_id"`
	Direction string     `json:"direction"`
	Filters   url.Values `json:"filters"`
}

// restListProducts pages with page_info cursors and Link headers, as Shopify's
// REST API does since 2019-07.
func (s *Server) restListProducts(w http.ResponseWriter, r *http.Request, shop *shopData, version string) {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"limit": "Invalid limit: must be between 1 and 250"}})
			return
		}
		limit = n
	}
	filters := url.Values{}
	dir := "next"
	var after int64
	if pi := q.Get("page_info"); pi != "" {
		var p restPageInfo
		b, err := base64.RawURLEncoding.DecodeString(pi)
		if err != nil || json.Unmarshal(b, &p) != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"page_info": "Invalid value."}})
			return
		}
		filters, dir, after = p.Filters, p.Direction, p.LastID
	} else {
		for k, v := range q {
			if k != "limit" && k != "fields" {
				filters[k] = v
			}
		}
	}
	shop.mu.RLock()
	all := filterRESTProducts(shop, filters)
	lo, hi := 0, len(all)
	if after != 0 {
		if dir == "next" {
			for lo < len(all) && all[lo].num <= after {
				lo++
			}
		} else {
			for hi > 0 && all[hi-1].num >= after {
				hi--
			}
		}
	}
	if dir == "next" && hi-lo > limit {
		hi = lo + limit
	} else if dir == "previous" && hi-lo > limit {
		lo = hi - limit
	}
	page := all[lo:hi]
	fields := q.Get("fields")
	list := make([]map[string]any, 0, len(page))
	for _, p := range page {
		full := productWebhookPayload(p)
		if fields != "" {
			sub := map[string]any{}
			for _, f := range strings.Split(fields, ",") {
				if v, ok := full[strings.TrimSpace(f)]; ok {
					sub[strings.TrimSpace(f)] = v
				}
			}
			full = sub
		}
		list = append(list, full)
	}
	shop.mu.RUnlock()
	link := func(last int64, d string) string {
		b, _ := json.Marshal(restPageInfo{LastID: last, Direction: d, Filters: filters})
		u := url.Values{"limit": {strconv.Itoa(limit)}, "page_info": {base64.RawURLEncoding.EncodeToString(b)}}
		if fields != "" {
			u.Set("fields", fields)
		}
		return fmt.Sprintf("<%s%s?%s>; rel=\"%s\"", baseURL(r), r.URL.Path, u.Encode(), d)
	}
	var links []string
	if lo > 0 && len(page) > 0 {
		links = append(links, link(page[0].num, "previous"))
	}
	if hi < len(all) && len(page) > 0 {
		links = append(links, link(page[len(page)-1].num, "next"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, map[string]any{"products": list})
}

// restWriteProduct creates (p nil) or updates a product from {"product": {...}}.
func (s *Server) restWriteProduct(w http.ResponseWriter, r *http.Request, shop *shopData, p *Product) {
	var body struct {
		Product map[string]any `json:"product"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes))
	if err := json.Unmarshal(raw, &body); err != nil || body.Product == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"product": "Required parameter missing or invalid"}})
		return
	}
	f := body.Product
	in := productInput{Title: fstr(f, "title"), Handle: fstr(f, "handle"), DescriptionHtml: fstr(f, "body_html"), Vendor: fstr(f, "vendor"),
		ProductType: fstr(f, "product_type"), Tags: fstrings(f, "tags"), TemplateSuffix: fstr(f, "template_suffix")}
	if st := fstr(f, "status"); st != nil {
		up := strings.ToUpper(*st)
		in.Status = &up
	}
	shop.mu.Lock()
	created := p == nil
	at := now()
	if created {
		if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
			shop.mu.Unlock()
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": map[string]any{"title": []string{"can't be blank"}}})
			return
		}
		p = shop.createProduct(*in.Title, at)
	}
	if errs := applyProductInput(shop, p, in); errs != nil {
		if created {
			shop.deleteProduct(p)
		}
		shop.mu.Unlock()
		field := (*errs[0].Field)[0]
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": map[string]any{field: []string{errs[0].Message}}})
		return
	}
	if !created {
		p.UpdatedAt = at
	}
	topic := "products/update"
	status := http.StatusOK
	if created {
		topic, status = "products/create", http.StatusCreated
	}
	out := map[string]any{"product": productWebhookPayload(p)}
	ev, okEv := buildEvent(shop, topic, p)
	shop.mu.Unlock()
	if okEv {
		s.enqueue(func(ctx context.Context) { s.deliver(ctx, []webhookEvent{ev}) })
	}
	writeJSON(w, status, out)
}
