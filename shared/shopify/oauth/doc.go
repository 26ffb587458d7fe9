// Package oauth connects a merchant's store to Flux: shop-domain validation,
// the `hmac` of Shopify's redirects, one-time expiring `state` nonces, the
// authorize URL, and the token endpoint (authorization code, token exchange
// for embedded-app session tokens, refresh of expiring offline tokens).
//
// Secrets (the app's client secret, access and refresh tokens) never appear
// in errors or logs.
package oauth
