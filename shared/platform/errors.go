// Package platform holds what every function shares: typed configuration,
// the AWS configuration, logging, HTTP helpers and the error kinds.
package platform

import (
	"errors"
	"net/http"
)

// Kind classifies an error for clients. It is the only thing about an error
// that crosses the API boundary besides a safe message.
type Kind int

const (
	KindInternal        Kind = iota // anything unclassified: never shows its text
	KindUnauthenticated             // no or bad credentials
	KindForbidden                   // credentials lack the scope or tenant
	KindNotFound                    // the thing does not exist for this caller
	KindValidation                  // the input is malformed or out of bounds
	KindConflict                    // a condition (version, uniqueness, state) failed
	KindRateLimited                 // too many requests
	KindUnavailable                 // a dependency is down
)

// kindInfo is the one place a kind is mapped to its HTTP status and GraphQL code.
var kindInfo = map[Kind]struct {
	status int
	code   string
	name   string
}{
	KindInternal:        {http.StatusInternalServerError, "INTERNAL_ERROR", "internal"},
	KindUnauthenticated: {http.StatusUnauthorized, "UNAUTHENTICATED", "unauthenticated"},
	KindForbidden:       {http.StatusForbidden, "FORBIDDEN", "forbidden"},
	KindNotFound:        {http.StatusNotFound, "NOT_FOUND", "not_found"},
	KindValidation:      {http.StatusUnprocessableEntity, "VALIDATION_ERROR", "validation"},
	KindConflict:        {http.StatusConflict, "CONFLICT", "conflict"},
	KindRateLimited:     {http.StatusTooManyRequests, "RATE_LIMITED", "rate_limited"},
	KindUnavailable:     {http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "unavailable"},
}

// HTTPStatus is the HTTP status a kind is answered with.
func (k Kind) HTTPStatus() int { return kindInfo[k].status }

// Code is the GraphQL extensions.code of a kind.
func (k Kind) Code() string { return kindInfo[k].code }

func (k Kind) String() string { return kindInfo[k].name }

// KindFromCode is the inverse of Code; unknown codes are internal.
func KindFromCode(code string) Kind {
	for k, info := range kindInfo {
		if info.code == code {
			return k
		}
	}
	return KindInternal
}

// Error is an error with a kind and a message that is safe to show a client.
// Err, when set, is the cause: logged, never sent.
type Error struct {
	Kind    Kind
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// E builds a classified error with a client-safe message.
func E(kind Kind, msg string) *Error { return &Error{Kind: kind, Message: msg} }

// Wrap classifies cause with a client-safe message.
func Wrap(kind Kind, msg string, cause error) *Error {
	return &Error{Kind: kind, Message: msg, Err: cause}
}

// KindOf finds the kind of the outermost classified error in err's chain.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// PublicMessage is what a client may read about err: the classified message,
// or a generic text for anything internal.
func PublicMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal {
		return e.Message
	}
	return "internal error"
}
