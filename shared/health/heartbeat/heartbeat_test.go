package heartbeat

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/shared/platform"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestHeartbeat(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		path     string
		status   int
		contains string
	}{
		{"get", http.MethodGet, Path, http.StatusOK, `{"status":"ok"}`},
		{"head", http.MethodHead, Path, http.StatusOK, ""},
		{"unknown route", http.MethodGet, "/api/heartbeats", http.StatusNotFound, `"code":"NOT_FOUND"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			NewHandler(discard()).ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if !strings.Contains(rec.Body.String(), tt.contains) {
				t.Errorf("body %q does not contain %q", rec.Body, tt.contains)
			}
			if rec.Header().Get(platform.RequestIDHeader) == "" {
				t.Error("no X-Request-ID")
			}
		})
	}
}

func TestHeartbeatThroughAPIGateway(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "apigw-heartbeat-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	resp, err := platform.APIGatewayHandler(NewHandler(discard()))(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var body Body
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(resp.Body), &body) != nil || body.Status != "ok" {
		t.Fatalf("got %d %q", resp.StatusCode, resp.Body)
	}
	found := false
	for k, vs := range resp.MultiValueHeaders {
		if strings.EqualFold(k, platform.RequestIDHeader) && len(vs) == 1 && vs[0] == ev.RequestContext.RequestID {
			found = true
		}
	}
	if !found {
		t.Errorf("X-Request-ID is not the gateway's request id: %v", resp.MultiValueHeaders)
	}
}
