package dev

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzGateway sends arbitrary methods, paths, headers and bodies through the
// gateway: every answer has a status, an X-Request-ID and, when it is an
// error the gateway made, a JSON body.
func FuzzGateway(f *testing.F) {
	f.Add("GET", "/items/1", "allow", []byte(nil))
	f.Add("POST", "/items", "allow", []byte(`{"a":1}`))
	f.Add("GET", "/files/a/b/../c", "", []byte(nil))
	f.Add("PUT", "/items/%zz", "deny", []byte{0xff})
	f.Add("GET", "//items//1", "object", []byte(nil))
	f.Add("DELETE", "/public?x=%", "boom", []byte("x"))
	g := newTestGateway(f)
	g.timeouts["EchoFunction"] = 100 * time.Millisecond // ?do=sleep
	f.Fuzz(func(t *testing.T, method, target, authz string, body []byte) {
		req, err := http.NewRequest(method, "http://local"+target, bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Authorization", authz)
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		if rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Header().Get("X-Request-ID") == "" {
			t.Fatal("no X-Request-ID")
		}
		if rec.Header().Get("X-Amzn-Errortype") != "" && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("gateway error body is not JSON: %q", rec.Body.String())
		}
	})
}

// FuzzMatch: matching never panics, and a match's parameters are exactly
// the route's parameter names.
func FuzzMatch(f *testing.F) {
	var routes []Route
	for _, p := range []string{"/", "/items", "/items/{id}", "/items/special", "/a/{x}/b/{y}", "/files/{proxy+}"} {
		segs, err := pathSegments(p)
		if err != nil {
			f.Fatal(err)
		}
		routes = append(routes, Route{Method: "ANY", Path: p, segments: segs})
	}
	for _, s := range []string{"/", "/items/1", "/a/1/b/2", "/files/x/y", "//", "/items/%2F", ""} {
		f.Add("GET", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		r, params, _ := Match(routes, method, path)
		if r == nil {
			return
		}
		n := strings.Count(r.Path, "{")
		if len(params) != n {
			t.Fatalf("%s matched %s with params %v", path, r.Path, params)
		}
	})
}
