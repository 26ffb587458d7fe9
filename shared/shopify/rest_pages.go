package shopify

import (
	"net/url"
	"strings"
)

// Content types of a REST body, as seed 003's DataType.
const (
	DataTypeJSON       = "application/json"
	DataTypeGraphQL    = "application/graphql"
	DataTypeURLEncoded = "application/x-www-form-urlencoded"
)

// PageInfo is a REST list's cursor pagination, read from the Link header:
// each page is the Query to pass (with the same Path) for it; nil when there
// is none.
type PageInfo struct {
	Next, Previous url.Values
}

// PageInfo reads the Link header (`<https://…?page_info=…&limit=50>;
// rel="next", <…>; rel="previous"`). Only the query of each link is kept:
// the path and host are the ones the client already calls.
func (r *RESTResponse) PageInfo() PageInfo {
	var p PageInfo
	for _, link := range strings.Split(r.Header.Get("Link"), ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		u, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">"))
		if err != nil {
			continue
		}
		for _, param := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if k != "rel" {
				continue
			}
			switch strings.Trim(v, `"`) {
			case "next":
				p.Next = u.Query()
			case "previous":
				p.Previous = u.Query()
			}
		}
	}
	return p
}
