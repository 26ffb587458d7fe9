package dev

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Route is one method + path template of the API, served by a function.
type Route struct {
	API        string
	Method     string // upper case, or ANY
	Path       string // the template's path: /api/items/{id}, /files/{proxy+}
	Function   string // logical id
	Authorizer string // name of the API authorizer to run, "" for none
	segments   []string
}

// BuildRoutes derives the routes of every Api event of the template's
// functions, with the authorizer each one uses: the event's Auth.Authorizer,
// else its API's DefaultAuthorizer; NONE means none.
func BuildRoutes(fns []Function, apis map[string]*API) ([]Route, error) {
	var routes []Route
	seen := map[string]string{}
	for _, f := range fns {
		for _, e := range f.APIEvents {
			apiID := e.API
			if apiID == "" {
				apiID = ImplicitAPI
			}
			api, ok := apis[apiID]
			if !ok {
				return nil, fmt.Errorf("function %s event %s: unknown API %s", f.LogicalID, e.Name, apiID)
			}
			az := api.DefaultAuthorizer
			if e.Authorizer != "" {
				az = e.Authorizer
			}
			if az == "NONE" {
				az = ""
			}
			if az == "AWS_IAM" {
				return nil, fmt.Errorf("function %s event %s: AWS_IAM authorization is not emulated locally", f.LogicalID, e.Name)
			}
			if az != "" {
				def, ok := api.Authorizers[az]
				if !ok {
					return nil, fmt.Errorf("function %s event %s: authorizer %s is not defined on API %s", f.LogicalID, e.Name, az, apiID)
				}
				if def.PayloadType != "REQUEST" {
					return nil, fmt.Errorf("api %s authorizer %s: only REQUEST (FunctionPayloadType) authorizers are emulated locally", apiID, az)
				}
			}
			path := "/" + strings.Trim(e.Path, "/")
			segs, err := pathSegments(path)
			if err != nil {
				return nil, fmt.Errorf("function %s event %s: %w", f.LogicalID, e.Name, err)
			}
			key := e.Method + " " + normalizedTemplate(segs)
			if other, dup := seen[key]; dup {
				return nil, fmt.Errorf("route %s %s is declared twice (%s and %s)", e.Method, path, other, f.LogicalID)
			}
			seen[key] = f.LogicalID
			routes = append(routes, Route{
				API: apiID, Method: e.Method, Path: path, Function: f.LogicalID,
				Authorizer: az, segments: segs,
			})
		}
	}
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].Path != routes[j].Path {
			return routes[i].Path < routes[j].Path
		}
		return routes[i].Method < routes[j].Method
	})
	return routes, nil
}

func pathSegments(path string) ([]string, error) {
	if path == "/" {
		return nil, nil
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("path %q has an empty segment", path)
		}
		if strings.HasPrefix(s, "{") {
			if !strings.HasSuffix(s, "}") || len(s) < 3 {
				return nil, fmt.Errorf("path %q: bad parameter %q", path, s)
			}
			if strings.HasSuffix(s, "+}") && i != len(segs)-1 {
				return nil, fmt.Errorf("path %q: greedy parameter %q must be last", path, s)
			}
		}
	}
	return segs, nil
}

// normalizedTemplate makes /a/{x} and /a/{y} the same route.
func normalizedTemplate(segs []string) string {
	out := make([]string, len(segs))
	for i, s := range segs {
		switch {
		case strings.HasSuffix(s, "+}"):
			out[i] = "{+}"
		case strings.HasPrefix(s, "{"):
			out[i] = "{}"
		default:
			out[i] = s
		}
	}
	return "/" + strings.Join(out, "/")
}

// Match finds the route of method and path as API Gateway does: the most
// specific resource wins (literal segments over {param} over {proxy+}), then
// the exact method over ANY. pathFound reports whether some route has the
// path (with another method).
func Match(routes []Route, method, path string) (r *Route, params map[string]string, pathFound bool) {
	reqSegs := splitRequestPath(path)
	var best *Route
	var bestScore []int
	var bestParams map[string]string
	for i := range routes {
		rt := &routes[i]
		score, p, ok := matchSegments(rt.segments, reqSegs)
		if !ok {
			continue
		}
		pathFound = true
		if rt.Method != method && rt.Method != "ANY" {
			continue
		}
		methodScore := 0
		if rt.Method == method {
			methodScore = 1
		}
		score = append(score, methodScore)
		if best == nil || lexGreater(score, bestScore) {
			best, bestScore, bestParams = rt, score, p
		}
	}
	return best, bestParams, pathFound
}

func splitRequestPath(path string) []string {
	p := strings.Trim(path, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// matchSegments scores a match: per segment 3 literal, 2 param, 1 greedy.
func matchSegments(tmpl, req []string) ([]int, map[string]string, bool) {
	var score []int
	params := map[string]string{}
	for i, t := range tmpl {
		if strings.HasSuffix(t, "+}") {
			if i >= len(req) {
				return nil, nil, false
			}
			name := t[1 : len(t)-2]
			params[name] = unescape(strings.Join(req[i:], "/"))
			return append(score, 1), params, true
		}
		if i >= len(req) {
			return nil, nil, false
		}
		if strings.HasPrefix(t, "{") {
			if req[i] == "" {
				return nil, nil, false
			}
			params[t[1:len(t)-1]] = unescape(req[i])
			score = append(score, 2)
			continue
		}
		if t != unescape(req[i]) {
			return nil, nil, false
		}
		score = append(score, 3)
	}
	if len(req) != len(tmpl) {
		return nil, nil, false
	}
	return score, params, true
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

func lexGreater(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return len(a) > len(b)
}
