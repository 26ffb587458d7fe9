// Package heartbeat answers GET /api/heartbeat: liveness with no
// dependencies. It is apart from package health so the rest-heartbeat
// binary links no AWS service client.
package heartbeat

import (
	"log/slog"
	"net/http"

	"github.com/flux-platform/flux/shared/platform"
)

// Path is the route served.
const Path = "/api/heartbeat"

// Body is the answer: {"status":"ok"}.
type Body struct {
	Status string `json:"status"`
}

// NewHandler is the handler of the rest-heartbeat function, behind
// platform.Edge (request id, panic safety).
func NewHandler(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		platform.WriteJSON(r.Context(), w, http.StatusOK, Body{Status: "ok"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		platform.WriteError(r.Context(), w, platform.E(platform.KindNotFound, "not found"))
	})
	return platform.Edge(log, mux)
}
