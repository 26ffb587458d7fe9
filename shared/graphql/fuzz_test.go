package graphql

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-platform/flux/shared/platform"
)

// FuzzGraphQLRequest drives arbitrary bodies and content types through the
// API Gateway adapter, request parsing, the limits, validation and execution.
// Whatever comes in, the answer is a well-formed response in the API's
// format, never a 500 and never a panic.
func FuzzGraphQLRequest(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "requests", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		ct := "application/json"
		if strings.HasSuffix(name, ".graphql") {
			ct = "application/graphql"
		}
		f.Add(b, ct)
	}
	for _, seed := range []struct{ body, ct string }{
		{"", ""},
		{"null", "application/json"},
		{`{"query":null,"variables":null,"operationName":null}`, "application/json"},
		{`{"query":"{ __typename }"}`, "application/json; charset=utf-8"},
		{`{"query":"query($n: String!) { config { storeGroup { name } } }","variables":{"n":null}}`, "application/json"},
		{`{"query":"{ config { ...F } } fragment F on Config { ...F }"}`, "application/json"},
		{`{"query":"{ config { storeGroup { name @include(if: true) } } }"}`, ""},
		{"{ config { storeGroup { name } } }", "application/graphql"},
		{"\xff\xfe{}", "application/graphql"},
		{`{"query":"{ __type(name: \"Query\") { fields { type { ofType { ofType { name } } } } } }"}`, "application/json"},
		{`{"query":"mutation { createApiKey(input: {name: \"x\", scopes: \"config:read\"}) { secret } }"}`, "application/json"},
	} {
		f.Add([]byte(seed.body), seed.ct)
	}

	e := newTestEnv(f)
	id := admin(tenantAcme)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		ev := event(t, http.MethodPost, PathGraphQL, id, "", body)
		if contentType != "" {
			ev.Headers["Content-Type"] = contentType
			ev.MultiValueHeaders["Content-Type"] = []string{contentType}
		}
		resp, err := e.handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		switch resp.StatusCode {
		case http.StatusOK, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("status %d for %q (%s): %s", resp.StatusCode, body, contentType, resp.Body)
		}
		if http.Header(resp.MultiValueHeaders).Get(platform.RequestIDHeader) == "" {
			t.Fatal("no X-Request-ID")
		}
		var out struct {
			Data   *json.RawMessage `json:"data"`
			Errors []struct {
				Message    string `json:"message"`
				Extensions struct {
					Code       string `json:"code"`
					StatusCode int    `json:"statusCode"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			t.Fatalf("body is not JSON: %v: %s", err, resp.Body)
		}
		if !strings.Contains(resp.Body, `"data":`) {
			t.Fatalf("no data member: %s", resp.Body)
		}
		if resp.StatusCode != http.StatusOK && len(out.Errors) == 0 {
			t.Fatalf("status %d without errors: %s", resp.StatusCode, resp.Body)
		}
		for _, e := range out.Errors {
			if e.Message == "" || e.Extensions.Code == "" || e.Extensions.Code == "INTERNAL_ERROR" {
				t.Fatalf("bad error entry in %s", resp.Body)
			}
			if resp.StatusCode != http.StatusOK && e.Extensions.StatusCode != resp.StatusCode {
				t.Fatalf("statusCode %d in a %d answer", e.Extensions.StatusCode, resp.StatusCode)
			}
		}
	})
}
