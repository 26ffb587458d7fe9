package shopify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/flux-platform/flux/shared/platform"
)

// ErrTokenRejected is in the chain of every error caused by Shopify refusing
// the access token (401, or 403 on the whole request): the store must be
// reconnected or its token refreshed. Health checks test for it with errors.Is.
var ErrTokenRejected = errors.New("shopify rejected the access token")

// maxBodySnippet bounds the part of a failed response kept for logs.
const maxBodySnippet = 512

// HTTPResponseError is a non-2xx answer from Shopify. BodySnippet (the first
// bytes of the body) is for logs and debugging; it is not in Error() and is
// never sent to a Flux client.
type HTTPResponseError struct {
	Shop        string
	Method      string
	Path        string // without the query string
	Status      int
	RetryAfter  string // the Retry-After header, if any
	BodySnippet string
}

func (e *HTTPResponseError) Error() string {
	return fmt.Sprintf("shopify %s %s on %s: HTTP %d", e.Method, e.Path, e.Shop, e.Status)
}

// Is makes a 401/403 match ErrTokenRejected.
func (e *HTTPResponseError) Is(target error) bool {
	return target == ErrTokenRejected && (e.Status == 401 || e.Status == 403)
}

// GraphQLErrorEntry is one entry of a GraphQL response's errors[].
type GraphQLErrorEntry struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// Code is extensions.code ("THROTTLED", "ACCESS_DENIED", ...), or "".
func (e GraphQLErrorEntry) Code() string {
	c, _ := e.Extensions["code"].(string)
	return c
}

// GraphqlQueryError is a GraphQL answer with errors[] (other than THROTTLED,
// which is retried). Data may still hold a partial result.
type GraphqlQueryError struct {
	Shop   string
	Errors []GraphQLErrorEntry
}

func (e *GraphqlQueryError) Error() string {
	msgs := make([]string, 0, len(e.Errors))
	for _, x := range e.Errors {
		m := x.Message
		if c := x.Code(); c != "" {
			m += " (" + c + ")"
		}
		msgs = append(msgs, m)
	}
	return fmt.Sprintf("shopify GraphQL errors on %s: %s", e.Shop, strings.Join(msgs, "; "))
}

// HasCode reports whether any error has this extensions.code.
func (e *GraphqlQueryError) HasCode(code string) bool {
	for _, x := range e.Errors {
		if x.Code() == code {
			return true
		}
	}
	return false
}

// UserError is one entry of a mutation payload's userErrors: the merchant-
// facing validation failures Shopify reports with HTTP 200.
type UserError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code,omitempty"`
}

// UserErrors are the userErrors of one mutation payload.
type UserErrors struct {
	Shop     string
	Mutation string // the root field whose payload carried them
	Errors   []UserError
}

func (e *UserErrors) Error() string {
	parts := make([]string, 0, len(e.Errors))
	for _, u := range e.Errors {
		p := u.Message
		if len(u.Field) > 0 {
			p = strings.Join(u.Field, ".") + ": " + p
		}
		if u.Code != "" {
			p += " (" + u.Code + ")"
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("%s on %s: %s", e.Mutation, e.Shop, strings.Join(parts, "; "))
}

// classify turns a final failure into a platform error whose message names
// the store and holds nothing internal; the cause stays in the chain for logs
// and errors.As.
func classify(shop string, err error) error {
	var pe *platform.Error
	if errors.As(err, &pe) {
		return err
	}
	var ue *UserErrors
	if errors.As(err, &ue) {
		// userErrors are Shopify's merchant-facing text about the input.
		return platform.Wrap(platform.KindValidation, "Shopify rejected the change on "+shop+": "+ue.Error(), err)
	}
	var he *HTTPResponseError
	if errors.As(err, &he) {
		switch {
		case he.Status == 401 || he.Status == 403:
			return platform.Wrap(platform.KindForbidden,
				"Shopify rejected Flux's access token for "+shop+"; the store must be reconnected", err)
		case he.Status == 429:
			return platform.Wrap(platform.KindRateLimited, "Shopify is rate limiting requests to "+shop+"; try again later", err)
		case he.Status == 402 || he.Status == 423:
			return platform.Wrap(platform.KindUnavailable, "the Shopify store "+shop+" is frozen or locked", err)
		case he.Status == 404:
			return platform.Wrap(platform.KindNotFound, "not found on the Shopify store "+shop, err)
		case he.Status == 422:
			return platform.Wrap(platform.KindValidation, "Shopify rejected the request for "+shop, err)
		case he.Status >= 500:
			return platform.Wrap(platform.KindUnavailable, "Shopify store "+shop+" is unavailable; try again later", err)
		}
		return platform.Wrap(platform.KindInternal, "Shopify request failed", err)
	}
	var ge *GraphqlQueryError
	if errors.As(err, &ge) {
		switch {
		case ge.HasCode("THROTTLED"):
			return platform.Wrap(platform.KindRateLimited, "Shopify is throttling requests to "+shop+"; try again later", err)
		case ge.HasCode("ACCESS_DENIED"):
			return platform.Wrap(platform.KindForbidden, "Flux's access to "+shop+" does not cover this data; the store must grant the missing scope", err)
		case ge.HasCode("INTERNAL_SERVER_ERROR"):
			return platform.Wrap(platform.KindUnavailable, "Shopify store "+shop+" is unavailable; try again later", err)
		}
		return platform.Wrap(platform.KindInternal, "Shopify query failed", err)
	}
	// Anything else reaching here is a transport failure: Shopify unreachable.
	return platform.Wrap(platform.KindUnavailable, "Shopify store "+shop+" is unreachable; try again later", err)
}
