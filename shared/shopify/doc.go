// Package shopify is Flux's own client for Shopify's Admin API, with the
// semantics of Shopify's app libraries (seed 003): a pinned API version,
// sessions and access scopes, GraphQL and REST calls with `tries` for
// throttling and server errors, cost-aware pacing from
// extensions.cost.throttleStatus, bulk operations and webhook verification.
//
// Access tokens never appear in errors, logs or String() output.
package shopify
