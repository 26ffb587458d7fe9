package dev

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
)

// The events the local gateway builds have the shape of API Gateway's: the
// payloads recorded in the functions' testdata (REST API, payload 1.0) are
// replayed as HTTP requests through a gateway built from the real
// template.yaml, and what the functions receive is compared with them, up to
// the values that differ between any two requests (ids, times, host, ip).

func readEvent(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// captureGateway serves the real template with an authorizer that allows
// everything and functions that record what they receive.
func captureGateway(t *testing.T) (*Gateway, *events.APIGatewayProxyRequest, *events.APIGatewayCustomAuthorizerRequestTypeRequest) {
	t.Helper()
	tpl := loadTestTemplate(t, "../../template.yaml")
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	apis, err := tpl.APIs()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := BuildRoutes(fns, apis)
	if err != nil {
		t.Fatal(err)
	}
	var gotProxy events.APIGatewayProxyRequest
	var gotAuth events.APIGatewayCustomAuthorizerRequestTypeRequest
	api := APIHandler(func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		gotProxy = ev
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "{}"}, nil
	})
	authz := AuthorizerHandler(func(_ context.Context, ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		gotAuth = ev
		return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "p", PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Statement: []events.IAMPolicyStatement{{Effect: "Allow", Action: []string{"execute-api:Invoke"}, Resource: []string{"*"}}},
		}}, nil
	})
	g := NewGateway(GatewayConfig{
		Routes: routes, APIs: apis, Stages: map[string]string{"Api": "prod"}, Functions: fns, Log: quietLog(),
		Handler: func(_ context.Context, id string) (Handler, error) {
			if id == "AuthorizerFunction" {
				return authz, nil
			}
			return api, nil
		},
	})
	return g, &gotProxy, &gotAuth
}

// replay sends the HTTP request an event describes.
func replay(t *testing.T, g *Gateway, method, path string, headers map[string][]string, body string) {
	t.Helper()
	req := httptest.NewRequest(method, "http://"+headers["Host"][0]+path, bytes.NewBufferString(body))
	req.RemoteAddr = headers["X-Forwarded-For"][0] + ":51234"
	for k, vs := range headers {
		if k == "Host" || k == "X-Forwarded-For" || k == "X-Forwarded-Port" || k == "X-Forwarded-Proto" {
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("replayed %s %s: %d %s", method, path, rec.Code, rec.Body)
	}
}

func normalizeHeaders(h map[string]string, mv map[string][]string) {
	for _, k := range []string{"X-Forwarded-Port", "X-Forwarded-Proto"} {
		h[k] = "normalized"
		mv[k] = []string{"normalized"}
	}
}

func TestProxyEventMatchesAPIGateway(t *testing.T) {
	var want events.APIGatewayProxyRequest
	readEvent(t, "../../shared/health/heartbeat/testdata/apigw-heartbeat-request.json", &want)
	g, got, _ := captureGateway(t)
	replay(t, g, want.HTTPMethod, want.Path, want.MultiValueHeaders, want.Body)

	for _, ev := range []*events.APIGatewayProxyRequest{&want, got} {
		normalizeHeaders(ev.Headers, ev.MultiValueHeaders)
		rc := &ev.RequestContext
		rc.RequestID, rc.ExtendedRequestID, rc.RequestTime, rc.RequestTimeEpoch = "id", "id", "time", 0
		rc.APIID, rc.ResourceID = "api", "resource"
	}
	// Local is plain HTTP on a local port.
	got.Headers["Host"], got.MultiValueHeaders["Host"] = want.Headers["Host"], want.MultiValueHeaders["Host"]
	got.RequestContext.DomainName, got.RequestContext.DomainPrefix = want.RequestContext.DomainName, want.RequestContext.DomainPrefix
	if d := cmp.Diff(want, *got); d != "" {
		t.Errorf("local proxy event differs from API Gateway's (-aws +local):\n%s", d)
	}
}

func TestAuthorizerEventMatchesAPIGateway(t *testing.T) {
	var want events.APIGatewayCustomAuthorizerRequestTypeRequest
	readEvent(t, "../../shared/auth/testdata/request-bearer-key.json", &want)
	g, _, got := captureGateway(t)
	replay(t, g, want.HTTPMethod, want.Path, want.MultiValueHeaders, `{"query":"{ __typename }"}`)

	for _, ev := range []*events.APIGatewayCustomAuthorizerRequestTypeRequest{&want, got} {
		normalizeHeaders(ev.Headers, ev.MultiValueHeaders)
		ev.MethodArn = "arn"
		rc := &ev.RequestContext
		rc.RequestID, rc.APIID, rc.ResourceID = "id", "api", "resource"
	}
	got.Headers["Host"], got.MultiValueHeaders["Host"] = want.Headers["Host"], want.MultiValueHeaders["Host"]
	if d := cmp.Diff(want, *got); d != "" {
		t.Errorf("local authorizer event differs from API Gateway's (-aws +local):\n%s", d)
	}
}
