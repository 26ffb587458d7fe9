package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/shopify"
)

// Tests against the Shopify emulator served in-process.

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

type env struct {
	url    string
	reader *Reader
	// costs seen: query -> (estimate, requested)
	mu    sync.Mutex
	costs map[string][2]float64
}

func newEnv(t *testing.T, shop, token string) *env {
	t.Helper()
	srv, err := emulator.New(t.Context(), emulator.Options{
		Versions: []string{shopify.DefaultAPIVersion}, Logger: discard,
		MaximumAvailable: 1e7, RestoreRate: 1e7,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	c, err := shopify.New(shopify.Session{Shop: shop, AccessToken: token}, shopify.Config{
		BaseURL: func(string) string { return hs.URL }, Tries: 3,
		RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond, Throttle: shopify.NewThrottle(nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{url: hs.URL, costs: map[string][2]float64{}}
	e.reader = &Reader{Client: c, onCost: func(q string, est int, req float64) {
		e.mu.Lock()
		e.costs[q] = [2]float64{float64(est), req}
		e.mu.Unlock()
	}}
	return e
}

func sourceEnv(t *testing.T) *env { return newEnv(t, emulator.SourceShop, emulator.SourceToken) }

// control calls the emulator's control API and decodes its answer into out.
func (e *env) control(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+"/_emulator/"+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s /_emulator/%s: %d %s", method, path, resp.StatusCode, rb)
	}
	if out != nil {
		if err := json.Unmarshal(rb, out); err != nil {
			t.Fatalf("control answer %s: %v", rb, err)
		}
	}
}

// listAll reads every page of type t.
func listAll(t *testing.T, r *Reader, typ mapping.ObjectType, since time.Time) Page {
	t.Helper()
	var all Page
	cursor := ""
	for i := 0; ; i++ {
		if i > 2000 {
			t.Fatalf("%s: too many pages", typ)
		}
		p, err := r.List(t.Context(), typ, since, cursor)
		if err != nil {
			t.Fatalf("List %s page %d: %v", typ, i, err)
		}
		all.Objects = append(all.Objects, p.Objects...)
		all.Invalid = append(all.Invalid, p.Invalid...)
		if p.Next == "" {
			return all
		}
		if p.Next == cursor {
			t.Fatalf("%s: cursor did not move", typ)
		}
		cursor = p.Next
	}
}

func idsAll(t *testing.T, r *Reader, typ mapping.ObjectType) []string {
	t.Helper()
	var all []string
	cursor := ""
	for i := 0; ; i++ {
		if i > 2000 {
			t.Fatalf("%s: too many pages", typ)
		}
		ids, next, err := r.IDs(t.Context(), typ, cursor)
		if err != nil {
			t.Fatalf("IDs %s: %v", typ, err)
		}
		all = append(all, ids...)
		if next == "" {
			return all
		}
		cursor = next
	}
}

// anyResolver resolves nothing: every GID becomes $unresolved.
type anyResolver struct{}

func (anyResolver) CanonicalOf(context.Context, mapping.ObjectType, string) (string, error) {
	return "", nil
}

// normalized is the canonical JSON of o's Raw.
func normalized(t *testing.T, o Object) string {
	t.Helper()
	c, _, err := capture.Normalizer{Resolver: anyResolver{}}.Normalize(context.Background(), o.Type, o.Raw)
	if err != nil {
		t.Fatalf("normalize %s %s: %v\n%s", o.Type, o.GID, err, o.Raw)
	}
	return string(capture.Encode(c))
}

func rawMap(t *testing.T, o Object) map[string]any {
	t.Helper()
	var m map[string]any
	if err := decodeJSON(o.Raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) checkCosts(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for q, c := range e.costs {
		if c[1] > maxCost {
			t.Errorf("requested cost %v > %d: %s", c[1], maxCost, q)
		}
		if c[0] != c[1] {
			t.Errorf("estimated cost %v, Shopify computed %v: %s", c[0], c[1], q)
		}
	}
}
