package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/stores"
)

// The shopify section: issue 3's "store reads with 8 concurrent callers —
// points consumed per second as a ratio of the emulator's restore rate
// (target ≥ 0.9) and THROTTLED errors seen by callers (target 0)".
//
// Each row starts a fresh Shopify emulator (infra/shopify-emulator) in
// process on a loopback httptest server, with Shopify's Standard bucket
// (2000 points, restoring 100/s). A full listProducts page requests about
// 920 points per Shopify request (3 products with every field group: the
// stores group sizes each request to stay under Shopify's 1000-point query
// limit), so a bucket much smaller than 1000 would throttle every request
// forever, as Shopify would; 2000/100 is both the real plan and large enough.
// Because each request needs ~920 points available but is charged only its
// actual cost (~110), the 2000-point starting bucket is spent within the
// first tens of milliseconds and the run reaches steady state at once.
//
// The callers share one shopify.Throttle, as the concurrent requests of one
// warm graphql-stores Lambda do. The emulator's answers are recorded by a
// wrapper around its handler (nothing in the emulator is changed): time,
// THROTTLED or not, extensions.cost.

// Shopify's Standard plan, the emulator's default bucket.
const (
	benchBucket      = emulator.DefaultMaximumAvailable
	benchRestoreRate = emulator.DefaultRestoreRate
)

type shopifyBenchConfig struct {
	callers  int
	duration time.Duration // of each row, warm-up included
}

// shopifyMode is how the callers reach Shopify.
type shopifyMode int

const (
	// modeGroup: (*stores.Group).ListProducts, Flux's store reads as the
	// graphql-stores function runs them (pacing on, Tries as configured).
	modeGroup shopifyMode = iota
	// modeNaive: the same Shopify requests (query text and variables as the
	// group sent them) through a shopify.Client with DisablePacing, the same
	// Tries and the same shared Throttle (which then only observes).
	modeNaive
)

// capturedQuery is the group's first Shopify request of a run: replayed by
// modeNaive so that both rows send the same query.
type capturedQuery struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables"`
}

// answer is one GraphQL answer of the emulator.
type answer struct {
	at        time.Time // when the answer was written
	status    int
	throttled bool
	otherErr  bool          // errors[] other than THROTTLED, or a non-200
	cost      *shopify.Cost // extensions.cost, if any
}

// recorder wraps the emulator's handler and records every GraphQL answer.
type recorder struct {
	h     http.Handler
	mu    sync.Mutex
	ans   []answer
	first []byte // the first GraphQL request's body
}

type teeWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf.Write(p)
	return w.ResponseWriter.Write(p)
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/graphql.json") {
		rec.h.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bench: reading the request", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	tw := &teeWriter{ResponseWriter: w}
	rec.h.ServeHTTP(tw, r)
	a := answer{at: time.Now(), status: tw.status}
	var resp struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
		Extensions struct {
			Cost *shopify.Cost `json:"cost"`
		} `json:"extensions"`
	}
	if json.Unmarshal(tw.buf.Bytes(), &resp) != nil || a.status != http.StatusOK {
		a.otherErr = true
	}
	for _, e := range resp.Errors {
		if e.Extensions.Code == "THROTTLED" {
			a.throttled = true
		} else {
			a.otherErr = true
		}
	}
	a.cost = resp.Extensions.Cost
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.first == nil {
		rec.first = body
	}
	rec.ans = append(rec.ans, a)
}

func (rec *recorder) answers() []answer {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := append([]answer(nil), rec.ans...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// callerStats is what the callers saw (the whole run, warm-up included; a
// call cut short by the end of the run is not counted).
type callerStats struct {
	calls, products int
	throttledErrs   int // a THROTTLED that reached the caller (after its tries)
	deadlineErrs    int // the call's time ran out (the group's call budget) waiting for budget or retrying
	otherErrs       int
	firstOther      error
}

func (s *callerStats) add(o callerStats) {
	s.calls += o.calls
	s.products += o.products
	s.throttledErrs += o.throttledErrs
	s.deadlineErrs += o.deadlineErrs
	s.otherErrs += o.otherErrs
	if s.firstOther == nil {
		s.firstOther = o.firstOther
	}
}

func (s *callerStats) fail(err error) {
	var qe *shopify.GraphqlQueryError
	switch {
	case errors.As(err, &qe) && qe.HasCode("THROTTLED"):
		s.throttledErrs++
	case errors.Is(err, context.DeadlineExceeded):
		s.deadlineErrs++
	default:
		s.otherErrs++
		if s.firstOther == nil {
			s.firstOther = err
		}
	}
}

// rowResult is one row of the section.
type rowResult struct {
	callers callerStats
	answers []answer

	// The steady-state window: from the first answer that left the bucket
	// below the requested cost of a query (from then on every call waits for
	// restored points) to the last answer before the end of the run.
	steady        bool
	window        time.Duration
	windowAnswers int
	points        float64 // Σ actualQueryCost of the window's answers after its first
	drift         float64 // the bucket's level at the window's end minus at its start
	throttledSent int     // THROTTLED answers of the whole run
	otherSent     int
	// mean requested and actual cost of the run's charged answers
	requested, actual float64
}

func (r rowResult) pointsPerSec() float64 {
	if r.window <= 0 {
		return 0
	}
	return r.points / r.window.Seconds()
}

func (r rowResult) answersPerSec() float64 {
	if r.window <= 0 {
		return 0
	}
	return float64(r.windowAnswers) / r.window.Seconds()
}

// analyse computes the figures from the emulator's answers up to end; the
// bucket starts full (maximum points) at start.
//
// The bucket's level is modelled from the answers (full at start, restoring
// at rate up to maximum, less each answer's actualQueryCost when it is
// answered) rather than read from the answers' throttleStatus: the emulator
// takes a query's requested cost when it starts it and refunds the
// difference when it answers, so a throttleStatus also lacks the requested
// cost of every query still in flight, which says nothing about how much
// has really been consumed.
func analyse(all []answer, start, end time.Time, maximum, rate float64) rowResult {
	var r rowResult
	var ans []answer
	for _, a := range all {
		if !a.at.After(end) {
			ans = append(ans, a)
		}
	}
	r.answers = ans
	charged := 0
	level := make([]float64, len(ans))
	l, prev := maximum, start
	k := -1
	for i, a := range ans {
		switch {
		case a.throttled:
			r.throttledSent++
		case a.otherErr:
			r.otherSent++
		}
		l = math.Min(maximum, l+rate*a.at.Sub(prev).Seconds())
		prev = a.at
		if c := a.cost; !a.throttled && c != nil && c.ActualQueryCost != nil {
			charged++
			r.requested += c.RequestedQueryCost
			r.actual += *c.ActualQueryCost
			l -= *c.ActualQueryCost
		}
		level[i] = l
		if k < 0 && a.cost != nil && l < a.cost.RequestedQueryCost {
			k = i
		}
	}
	if charged > 0 {
		r.requested /= float64(charged)
		r.actual /= float64(charged)
	}
	if k < 0 || k == len(ans)-1 {
		return r
	}
	r.steady = true
	m := len(ans) - 1
	r.window = ans[m].at.Sub(ans[k].at)
	r.drift = level[m] - level[k]
	for _, a := range ans[k+1 : m+1] {
		r.windowAnswers++
		if !a.throttled && a.cost != nil && a.cost.ActualQueryCost != nil {
			r.points += *a.cost.ActualQueryCost
		}
	}
	return r
}

// benchStorage is the bench tenant's store group: the emulator's source shop.
type benchStorage struct{}

const benchTenant = "bench-tenant"

func (benchStorage) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	if tenantID != benchTenant {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
	}
	return config.StoreGroup{Name: "bench", Stores: []config.Store{{Domain: emulator.SourceShop, Classification: config.Source}}}, nil
}

type benchTokens struct{}

func (benchTokens) AccessToken(_ context.Context, tenantID, shop string) (string, error) {
	if tenantID == benchTenant && shop == emulator.SourceShop {
		return emulator.SourceToken, nil
	}
	return "", platform.E(platform.KindNotFound, "no token")
}

var quiet = slog.New(slog.DiscardHandler)

// runShopifyRow starts an emulator, runs cfg.callers callers in mode for
// cfg.duration and returns what they and the emulator saw. modeNaive replays
// q (from a modeGroup row).
func runShopifyRow(parent context.Context, cfg shopifyBenchConfig, mode shopifyMode, q *capturedQuery) (rowResult, *capturedQuery, error) {
	ctx, cancelEmu := context.WithCancel(parent)
	defer cancelEmu()
	emu, err := emulator.New(ctx, emulator.Options{
		MaximumAvailable: benchBucket, RestoreRate: benchRestoreRate,
		Versions: []string{shopify.DefaultAPIVersion}, Logger: quiet,
	})
	if err != nil {
		return rowResult{}, nil, err
	}
	defer emu.Close()
	emuStart := time.Now() // the buckets are full from here on
	rec := &recorder{h: emu}
	hs := httptest.NewServer(rec)
	defer hs.Close()

	throttle := shopify.NewThrottle(nil) // one per process: shared by every caller
	// The callers' requests carry a logger that discards: the group logs a
	// warning for every page it could not fill, the client its failures.
	runCtx, stop := context.WithCancel(platform.WithRequestID(ctx, quiet, "bench"))
	defer stop()

	var call func(ctx context.Context, cursor *string) (n int, next *string, err error)
	switch mode {
	case modeGroup:
		g := stores.NewGroup(benchStorage{}, benchTokens{}, stores.Config{BaseURL: hs.URL}, throttle)
		runCtx = auth.WithIdentity(runCtx, auth.Identity{
			TenantID: benchTenant, Principal: "bench", PrincipalType: auth.PrincipalAPIKey,
			Scopes: []auth.Scope{auth.ScopeStoresRead},
		})
		call = func(ctx context.Context, cursor *string) (int, *string, error) {
			// listProducts with its defaults: every field group, limit 50.
			res, err := g.ListProducts(ctx, stores.ListProductsArgs{ListArgs: stores.ListArgs{Shop: emulator.SourceShop, Cursor: cursor}})
			if err != nil {
				return 0, cursor, err
			}
			if !res.PageInfo.HasNextPage {
				return len(res.Products), nil, nil
			}
			return len(res.Products), res.PageInfo.Cursor, nil
		}
	case modeNaive:
		if q == nil || q.Query == "" {
			return rowResult{}, nil, errors.New("no captured listProducts query to replay")
		}
		c, err := shopify.New(shopify.Session{ID: shopify.OfflineSessionID(emulator.SourceShop), Shop: emulator.SourceShop, AccessToken: emulator.SourceToken},
			shopify.Config{
				BaseURL: func(string) string { return hs.URL }, Tries: stores.DefaultTries, Throttle: throttle,
				DisablePacing: true, UserAgent: "flux-stores",
			})
		if err != nil {
			return rowResult{}, nil, err
		}
		call = func(ctx context.Context, cursor *string) (int, *string, error) {
			vars := map[string]any{}
			for k, v := range q.Variables {
				vars[k] = v
			}
			delete(vars, "after")
			if cursor != nil {
				vars["after"] = *cursor
			}
			resp, err := c.GraphQL(ctx, q.Query, vars, nil)
			if err != nil {
				return 0, cursor, err
			}
			var data struct {
				Products struct {
					Nodes    []json.RawMessage `json:"nodes"`
					PageInfo struct {
						HasNextPage bool    `json:"hasNextPage"`
						EndCursor   *string `json:"endCursor"`
					} `json:"pageInfo"`
				} `json:"products"`
			}
			if err := resp.Decode(&data); err != nil {
				return 0, cursor, err
			}
			if !data.Products.PageInfo.HasNextPage {
				return len(data.Products.Nodes), nil, nil
			}
			return len(data.Products.Nodes), data.Products.PageInfo.EndCursor, nil
		}
	}

	start := time.Now()
	end := start.Add(cfg.duration)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total callerStats
	for range cfg.callers {
		wg.Go(func() {
			var s callerStats
			var cursor *string
			for runCtx.Err() == nil {
				n, next, err := call(runCtx, cursor)
				if runCtx.Err() != nil {
					break // cut by the end of the run: after the window
				}
				s.calls++
				if err != nil {
					s.fail(err) // and try the same page again, as a sync would
					continue
				}
				s.products += n
				cursor = next
			}
			mu.Lock()
			total.add(s)
			mu.Unlock()
		})
	}
	select {
	case <-time.After(time.Until(end)):
	case <-parent.Done():
	}
	stop()
	wg.Wait()
	if err := parent.Err(); err != nil {
		return rowResult{}, nil, err
	}

	r := analyse(rec.answers(), emuStart, end, benchBucket, benchRestoreRate)
	r.callers = total
	var captured *capturedQuery
	if mode == modeGroup {
		rec.mu.Lock()
		first := rec.first
		rec.mu.Unlock()
		if first != nil {
			captured = &capturedQuery{}
			if err := json.Unmarshal(first, captured); err != nil {
				return r, nil, fmt.Errorf("the group's first request: %w", err)
			}
		}
	}
	return r, captured, nil
}

// benchShopify is the section: the paced group, then the same requests
// without pacing.
func benchShopify(out io.Writer, cfg shopifyBenchConfig) error {
	fmt.Fprintf(out, "== Shopify store reads: %d concurrent listProducts callers sharing one Throttle, %s per row, against the in-process emulator (bucket %d points, restore %d points/s)\n",
		cfg.callers, cfg.duration, benchBucket, benchRestoreRate)
	ctx := context.Background()
	paced, q, err := runShopifyRow(ctx, cfg, modeGroup, nil)
	if err != nil {
		return fmt.Errorf("paced row: %w", err)
	}
	naive, _, err := runShopifyRow(ctx, cfg, modeNaive, q)
	if err != nil {
		return fmt.Errorf("pacing-disabled row: %w", err)
	}

	w := table(out)
	fmt.Fprintln(w, "callers\tsteady window\tShopify answers/s\tpoints/s\t÷ restore rate\tbucket drift\tTHROTTLED answers\tcalls\tproducts\tTHROTTLED errors\tdeadline errors\tother errors\t")
	rows := []struct {
		name string
		r    rowResult
	}{{"stores group, paced", paced}, {"pacing disabled (baseline)", naive}}
	for _, row := range rows {
		r := row.r
		win, aps, pps, rr, drift := "none", "n/a", "n/a", "n/a", "n/a"
		if r.steady {
			win = r.window.Round(10 * time.Millisecond).String()
			aps = fmt.Sprintf("%.2f", r.answersPerSec())
			pps = fmt.Sprintf("%.1f", r.pointsPerSec())
			rr = ratio(r.pointsPerSec(), benchRestoreRate)
			drift = fmt.Sprintf("%+.0f", r.drift)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", row.name, win, aps, pps, rr, drift,
			r.throttledSent, r.callers.calls, r.callers.products, r.callers.throttledErrs, r.callers.deadlineErrs, r.callers.otherErrs)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if q != nil {
		fmt.Fprintf(out, "   listProducts with its defaults (every field group, limit 50): Shopify requests of %v products, requested %.0f points, actual %.0f on average; Tries %d\n",
			q.Variables["first"], paced.requested, paced.actual, stores.DefaultTries)
	}
	fmt.Fprintf(out, "   paced: %s of the restore rate (target ≥ 0.9); %d THROTTLED errors to callers (target 0), %d THROTTLED answers from the emulator\n",
		ratio(paced.pointsPerSec(), benchRestoreRate), paced.callers.throttledErrs, paced.throttledSent)
	fmt.Fprintf(out, "   pacing disabled: %s of the restore rate; %d THROTTLED errors to callers, %d THROTTLED answers; paced ÷ pacing disabled points/s: %s\n",
		ratio(naive.pointsPerSec(), benchRestoreRate), naive.callers.throttledErrs, naive.throttledSent,
		ratio(paced.pointsPerSec(), naive.pointsPerSec()))
	fmt.Fprintln(out, "   (points/s: Σ actualQueryCost of the emulator's answers in the window ÷ its length; it equals the restore rate less the")
	fmt.Fprintln(out, "   bucket drift ÷ the window, so a short window shows the bucket's level going up or down; deadline errors: the group's")
	fmt.Fprintln(out, "   8 s budget per call ran out while the call waited its turn for points)")
	for _, row := range rows {
		if row.r.callers.firstOther != nil {
			fmt.Fprintf(out, "   %s: first other error: %v\n", row.name, row.r.callers.firstOther)
		}
		if !row.r.steady {
			fmt.Fprintf(out, "   %s: the bucket never ran down (no steady state): lengthen -shopify-duration\n", row.name)
		}
	}
	fmt.Fprintln(out)
	return nil
}
