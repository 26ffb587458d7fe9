package auth

import (
	"net/http"

	"github.com/flux-platform/flux/shared/platform"
)

// FromHTTPRequest is the caller of a request that came through API Gateway
// (or the local stack) after the authorizer: the authorizer's context is the
// only source of identity. Without one the identity is zero and every
// Require fails with UNAUTHENTICATED.
func FromHTTPRequest(r *http.Request) Identity {
	gw, ok := platform.GatewayContext(r)
	if !ok || gw.Authorizer == nil {
		return Identity{}
	}
	return FromContext(gw.Authorizer)
}
