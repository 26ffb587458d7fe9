package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
)

// bulkServer answers bulkOperationRunQuery, then polls (RUNNING until
// pollsBeforeDone, then finalStatus) and serves the JSONL at /results.jsonl.
type bulkServer struct {
	t               *testing.T
	runBody         string
	pollsBeforeDone int
	finalStatus     string
	jsonl           string
	resultsStatus   int

	mu        sync.Mutex
	polls     int
	runQuery  string
	resultHdr http.Header
	url       string
}

func (s *bulkServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/results.jsonl" {
		s.mu.Lock()
		s.resultHdr = r.Header.Clone()
		s.mu.Unlock()
		if s.resultsStatus != 0 {
			w.WriteHeader(s.resultsStatus)
			return
		}
		w.Header().Set("Content-Type", "application/jsonl")
		fmt.Fprint(w, s.jsonl)
		return
	}
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad", 400)
		return
	}
	cost := `"extensions":{"cost":{"requestedQueryCost":1,"actualQueryCost":1,"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":1999,"restoreRate":100.0}}}`
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.Contains(req.Query, "bulkOperationRunQuery"):
		s.mu.Lock()
		s.runQuery, _ = req.Variables["query"].(string)
		s.mu.Unlock()
		fmt.Fprint(w, s.runBody)
	case strings.Contains(req.Query, "node(id: $id)"):
		if req.Variables["id"] != "gid://shopify/BulkOperation/720918" {
			s.t.Errorf("polled %v", req.Variables["id"])
		}
		s.mu.Lock()
		s.polls++
		status, url := "RUNNING", "null"
		if s.polls > s.pollsBeforeDone {
			status = s.finalStatus
			if status == BulkCompleted && s.jsonl != "" {
				url = `"` + s.url + `/results.jsonl"`
			}
		}
		s.mu.Unlock()
		errorCode := "null"
		if status == BulkFailed {
			errorCode = `"INTERNAL_SERVER_ERROR"`
		}
		fmt.Fprintf(w, `{"data":{"node":{"id":"gid://shopify/BulkOperation/720918","status":%q,"errorCode":%s,"objectCount":"5","rootObjectCount":"2","fileSize":"612","url":%s,"partialDataUrl":null}},%s}`,
			status, errorCode, url, cost)
	default:
		http.Error(w, "unexpected query", 400)
	}
}

func TestRunBulkQuery(t *testing.T) {
	const bulkQuery = `{ products { edges { node { id handle title variants { edges { node { id title sku } } } } } } }`
	tests := []struct {
		name      string
		srv       *bulkServer
		wantLines int
		wantKind  *platform.Kind
		wantUE    bool
	}{
		{"completed", &bulkServer{pollsBeforeDone: 2, finalStatus: BulkCompleted}, 5, nil, false},
		{"completed without objects", &bulkServer{finalStatus: BulkCompleted, jsonl: "-"}, 0, nil, false},
		{"failed", &bulkServer{pollsBeforeDone: 1, finalStatus: BulkFailed}, 0, kindp(platform.KindUnavailable), false},
		{"result download fails", &bulkServer{finalStatus: BulkCompleted, resultsStatus: 403}, 0, kindp(platform.KindUnavailable), false},
		{"userErrors on start", &bulkServer{runBody: `{"data":{"bulkOperationRunQuery":{"bulkOperation":null,"userErrors":[{"field":["query"],"message":"A bulk query operation for this app and shop is already in progress: gid://shopify/BulkOperation/1.","code":"OPERATION_IN_PROGRESS"}]}}}`}, 0, kindp(platform.KindValidation), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.srv
			s.t = t
			if s.runBody == "" {
				s.runBody = string(testdata(t, "bulk_run_response.json"))
			}
			switch s.jsonl {
			case "":
				s.jsonl = string(testdata(t, "bulk_result.jsonl"))
			case "-":
				s.jsonl = ""
			}
			c := newTestClient(t, s, Config{})
			s.url = c.baseURL
			var lines []BulkLine
			op, err := c.RunBulkQuery(context.Background(), bulkQuery, func(l BulkLine) error {
				lines = append(lines, l)
				return nil
			}, &BulkOptions{PollInterval: time.Millisecond, MaxPollInterval: 4 * time.Millisecond})
			if tt.wantKind != nil {
				if platform.KindOf(err) != *tt.wantKind {
					t.Fatalf("err = %v, want kind %v", err, *tt.wantKind)
				}
				if errors.Is(err, ErrTokenRejected) {
					t.Errorf("%v blames the token", err)
				}
				var ue *UserErrors
				if errors.As(err, &ue) != tt.wantUE {
					t.Errorf("UserErrors in chain: %v, want %v", !tt.wantUE, tt.wantUE)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.runQuery != bulkQuery {
				t.Errorf("bulk query sent %q", s.runQuery)
			}
			if op.Status != BulkCompleted || op.ObjectCount != "5" {
				t.Errorf("operation %+v", op)
			}
			if len(lines) != tt.wantLines {
				t.Fatalf("%d lines, want %d", len(lines), tt.wantLines)
			}
			if tt.wantLines == 0 {
				return
			}
			var parents []string
			for _, l := range lines {
				parents = append(parents, l.ParentID)
			}
			want := []string{"", "gid://shopify/Product/1921569226808", "gid://shopify/Product/1921569226808", "", "gid://shopify/Product/1921569259576"}
			if diff := cmp.Diff(want, parents); diff != "" {
				t.Errorf("parents (-want +got):\n%s", diff)
			}
			var v struct{ SKU string }
			if err := json.Unmarshal(lines[1].Raw, &v); err != nil || v.SKU != "CLJ-S" {
				t.Errorf("line 2 %s", lines[1].Raw)
			}
			if s.resultHdr.Get("X-Shopify-Access-Token") != "" {
				t.Error("the access token was sent to the result URL")
			}
		})
	}
}

func TestRunBulkQueryStopsOnCallbackError(t *testing.T) {
	s := &bulkServer{t: t, runBody: string(testdata(t, "bulk_run_response.json")), finalStatus: BulkCompleted, jsonl: string(testdata(t, "bulk_result.jsonl"))}
	c := newTestClient(t, s, Config{})
	s.url = c.baseURL
	stop := errors.New("enough")
	n := 0
	_, err := c.RunBulkQuery(context.Background(), "{ products { edges { node { id } } } }", func(BulkLine) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	}, &BulkOptions{PollInterval: time.Millisecond})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("err = %v after %d lines", err, n)
	}
}

func TestRunBulkQueryLongLines(t *testing.T) {
	long := `{"id":"gid://shopify/Product/1","descriptionHtml":"` + strings.Repeat("x", 200<<10) + `"}` + "\n"
	s := &bulkServer{t: t, runBody: string(testdata(t, "bulk_run_response.json")), finalStatus: BulkCompleted, jsonl: long}
	c := newTestClient(t, s, Config{})
	s.url = c.baseURL
	n := 0
	if _, err := c.RunBulkQuery(context.Background(), "{ products { edges { node { id } } } }", func(BulkLine) error { n++; return nil }, &BulkOptions{PollInterval: time.Millisecond}); err != nil || n != 1 {
		t.Fatalf("a 200 KiB line: %v, %d lines", err, n)
	}
	_, err := c.RunBulkQuery(context.Background(), "{ products { edges { node { id } } } }", func(BulkLine) error { return nil }, &BulkOptions{PollInterval: time.Millisecond, MaxLineBytes: 1 << 10})
	if platform.KindOf(err) != platform.KindUnavailable {
		t.Errorf("a line over MaxLineBytes: %v", err)
	}
}

// The pieces a resuming caller uses: start, one poll at a time, stream.
func TestBulkPieces(t *testing.T) {
	s := &bulkServer{t: t, runBody: string(testdata(t, "bulk_run_response.json")), pollsBeforeDone: 1,
		finalStatus: BulkCompleted, jsonl: string(testdata(t, "bulk_result.jsonl"))}
	c := newTestClient(t, s, Config{})
	s.url = c.baseURL
	ctx := context.Background()
	op, err := c.StartBulkQuery(ctx, "{ products { edges { node { id } } } }", &BulkOptions{GroupObjects: true})
	if err != nil {
		t.Fatal(err)
	}
	if op.ID != "gid://shopify/BulkOperation/720918" || s.polls != 0 {
		t.Fatalf("started %+v after %d polls", op, s.polls)
	}
	var statuses []string
	for range 2 {
		st, err := c.BulkOperationState(ctx, op.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, st.Status)
		op = st
	}
	if diff := cmp.Diff([]string{BulkRunning, BulkCompleted}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	n := 0
	if err := c.StreamBulkResult(ctx, op.URL, 0, func(BulkLine) error { n++; return nil }); err != nil || n != 5 {
		t.Errorf("stream: %v, %d lines", err, n)
	}
}

func TestBulkOperationStateUnknown(t *testing.T) {
	srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{"node":null},"extensions":{"cost":{"requestedQueryCost":1,"actualQueryCost":1,"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":1999,"restoreRate":100.0}}}}`)
	}), Config{})
	_, err := srv.BulkOperationState(context.Background(), "gid://shopify/BulkOperation/1", nil)
	if platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("err = %v, want NotFound", err)
	}
}
