package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var nextLink = regexp.MustCompile(`<([^>]+)>; rel="next"`)

func TestRESTProducts(t *testing.T) {
	e := newEnv(t, Options{})
	h := map[string]string{"X-Shopify-Access-Token": SourceToken, "Content-Type": "application/json"}
	// Walk every product by Link headers.
	seen := map[float64]bool{}
	path := "/admin/api/" + testVersion + "/products.json?limit=250&fields=id,title"
	pages := 0
	for path != "" {
		resp, body := e.do(http.MethodGet, path, h, nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-Shopify-Shop-Api-Call-Limit") == "" {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		var out struct{ Products []map[string]any }
		_ = json.Unmarshal(body, &out)
		for _, p := range out.Products {
			if seen[p["id"].(float64)] || len(p) != 2 {
				t.Fatalf("duplicate or unfiltered product %v", p)
			}
			seen[p["id"].(float64)] = true
		}
		pages++
		path = ""
		if m := nextLink.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			path = strings.TrimPrefix(m[1], e.http.URL)
		}
	}
	if len(seen) != 520 || pages != 3 {
		t.Errorf("%d products in %d pages", len(seen), pages)
	}
	p := e.srv.shop(SourceShop).products[0]
	resp, body := e.do(http.MethodPut, fmt.Sprintf("/admin/api/%s/products/%d.json", testVersion, p.num), h, []byte(`{"product":{"title":"Via REST","tags":"a, b"}}`))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"title":"Via REST"`) || !strings.Contains(string(body), `"tags":"a, b"`) {
		t.Errorf("PUT: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(http.MethodPut, fmt.Sprintf("/admin/api/%s/products/%d.json", testVersion, p.num), h, []byte(`{"product":{"title":""}}`))
	if resp.StatusCode != 422 || !strings.Contains(string(body), `"title":["Title can't be blank"]`) {
		t.Errorf("PUT blank: %d %s", resp.StatusCode, body)
	}
	resp, _ = e.do(http.MethodGet, "/admin/api/"+testVersion+"/products/1.json", h, nil)
	if resp.StatusCode != 404 {
		t.Errorf("missing product: %d", resp.StatusCode)
	}
	resp, body = e.do(http.MethodPost, "/admin/api/"+testVersion+"/products.json", h, []byte(`{"product":{"title":"REST new","status":"draft"}}`))
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"status":"draft"`) {
		t.Errorf("POST: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(http.MethodGet, "/admin/api/"+testVersion+"/products/count.json", h, nil)
	if resp.StatusCode != 200 || string(body) != "{\"count\":521}\n" {
		t.Errorf("count: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(http.MethodGet, "/admin/api/"+testVersion+"/shop.json", h, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"myshopify_domain":"demo-source.myshopify.com"`) {
		t.Errorf("shop: %d %s", resp.StatusCode, body)
	}
}

func TestRESTBucket(t *testing.T) {
	e := newEnv(t, Options{})
	h := map[string]string{"X-Shopify-Access-Token": SecondToken}
	var last *http.Response
	for i := 0; i < RESTBucketSize+1; i++ {
		last, _ = e.do(http.MethodGet, "/admin/api/"+testVersion+"/shop.json", h, nil)
		if i == RESTBucketSize-1 && last.Header.Get("X-Shopify-Shop-Api-Call-Limit") != "40/40" {
			t.Errorf("call limit after 40: %q", last.Header.Get("X-Shopify-Shop-Api-Call-Limit"))
		}
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") != "2.0" {
		t.Fatalf("41st call: %d %v", last.StatusCode, last.Header)
	}
	e.clock.Advance(time.Second) // leaks 2
	if r, _ := e.do(http.MethodGet, "/admin/api/"+testVersion+"/shop.json", h, nil); r.StatusCode != 200 {
		t.Errorf("after leaking: %d", r.StatusCode)
	}
}
