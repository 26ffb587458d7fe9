package stores

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// RateLimitsPath is the route of the rate-limits endpoint.
const RateLimitsPath = "/api/rate-limits"

// probeQuery is the cheapest Admin API query (1 point): its answer's
// extensions.cost.throttleStatus is the store's budget now.
const probeQuery = "{ shop { id } }"

// Budget statuses of a store in GET /api/rate-limits.
const (
	BudgetOK           = "ok"            // observed just now
	BudgetNotConnected = "not_connected" // no Shopify token: install the app
	BudgetFailed       = "failed"        // Shopify did not answer (see error)
)

// RateLimits is GET /api/rate-limits: the Shopify cost budget of every store
// of the caller's group.
type RateLimits struct {
	Stores []StoreBudget `json:"stores"`
}

// StoreBudget is one store's Shopify cost budget as observed by a probe
// query made for this request. Figures are Shopify's points; RestoreRate is
// points per second. Available is as Shopify reported it (after the probe's
// own cost), Projected is it refilled at RestoreRate up to now; Reserved is
// what calls in flight in this process hold. The figures are null when the
// store could not be asked (Status and Error say why).
type StoreBudget struct {
	Shop           string   `json:"shop"`
	Classification string   `json:"classification"`
	Status         string   `json:"status"`
	Error          *string  `json:"error,omitempty"`
	Maximum        *float64 `json:"maximumAvailable"`
	Available      *float64 `json:"currentlyAvailable"`
	Projected      *float64 `json:"projectedAvailable"`
	RestoreRate    *float64 `json:"restoreRate"`
	ObservedAt     *string  `json:"observedAt"`
}

// Budgets probes every store of the caller's group, concurrently, and
// reports each one's budget. A store that cannot be asked is reported with
// its status, not as a failure of the whole answer. A tenant without a group
// has no stores.
func (g *Group) Budgets(ctx context.Context) (RateLimits, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeStoresRead); err != nil {
		return RateLimits{}, err
	}
	sg, err := g.storage.StoreGroup(ctx, caller.TenantID)
	if platform.KindOf(err) == platform.KindNotFound {
		return RateLimits{Stores: []StoreBudget{}}, nil
	}
	if err != nil {
		return RateLimits{}, fmt.Errorf("store group of tenant %s: %w", caller.TenantID, err)
	}
	ctx, cancel := withCallBudget(ctx)
	defer cancel()
	out := make([]StoreBudget, len(sg.Stores))
	var wg sync.WaitGroup
	for i, st := range sg.Stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = g.budget(ctx, caller.TenantID, st)
		}()
	}
	wg.Wait()
	return RateLimits{Stores: out}, nil
}

func (g *Group) budget(ctx context.Context, tenantID string, st config.Store) StoreBudget {
	b := StoreBudget{Shop: st.Domain, Classification: string(st.Classification)}
	fail := func(status string, err error) StoreBudget {
		b.Status = status
		msg := platform.PublicMessage(err)
		b.Error = &msg
		if platform.KindOf(err) == platform.KindInternal || platform.KindOf(err) == platform.KindUnavailable {
			platform.Log(ctx).Warn("rate-limits probe failed", "shop", st.Domain, "error", err.Error())
		}
		return b
	}
	c, err := g.connect(ctx, tenantID, st.Domain)
	if err != nil {
		status := BudgetFailed
		if platform.KindOf(err) == platform.KindUnavailable && isNotConnected(err) {
			status = BudgetNotConnected
		}
		return fail(status, err)
	}
	// One try: a store that does not answer now is reported as such, fast.
	resp, err := c.GraphQL(ctx, probeQuery, nil, &shopify.GraphQLOptions{Tries: 1, Cost: 1})
	if err != nil {
		return fail(BudgetFailed, shopifyFailure(c.Shop(), "the rate-limit probe", err))
	}
	snap, ok := g.throttle.Snapshot(c.Shop())
	if resp.Cost == nil || !ok {
		return fail(BudgetFailed, shopifyFailure(c.Shop(), "the rate-limit probe",
			fmt.Errorf("answer without extensions.cost")))
	}
	b.Status = BudgetOK
	b.Maximum, b.Available, b.Projected, b.RestoreRate = &snap.Maximum, &snap.Available, &snap.Projected, &snap.RestoreRate
	at := snap.ObservedAt.UTC().Format(time.RFC3339Nano)
	b.ObservedAt = &at
	return b
}

// notConnected marks the error client() returns for a store without a token.
type notConnected struct{ error }

func isNotConnected(err error) bool {
	var nc notConnected
	return errors.As(err, &nc)
}

// NewRateLimitsHandler is GET /api/rate-limits (scope stores:read) over g.
//
// Why a probe per request: in AWS this handler is its own function, so it
// cannot see the in-memory budgets of the graphql-stores instances, and
// persisting every observation to DynamoDB would add a write to every
// Shopify call. A `{ shop { id } }` query costs 1 point (Shopify refills
// 50-100 per second) and its answer carries the store's budget as Shopify
// sees it now, whoever spent it.
func NewRateLimitsHandler(log *slog.Logger, g *Group) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+RateLimitsPath, func(w http.ResponseWriter, r *http.Request) {
		ctx := auth.WithIdentity(r.Context(), auth.FromHTTPRequest(r))
		res, err := g.Budgets(ctx)
		if err != nil {
			platform.WriteError(ctx, w, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		platform.WriteJSON(ctx, w, http.StatusOK, res)
	})
	mux.HandleFunc(RateLimitsPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET")
		platform.WriteJSON(r.Context(), w, http.StatusMethodNotAllowed, platform.ErrorBody{Errors: []platform.ErrorEntry{{
			Message:    "method " + r.Method + " is not allowed; use GET",
			Extensions: platform.ErrorExtensions{Code: platform.KindValidation.Code(), StatusCode: http.StatusMethodNotAllowed},
		}}})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		platform.WriteError(r.Context(), w, platform.E(platform.KindNotFound, "not found"))
	})
	return platform.Edge(log, mux)
}
