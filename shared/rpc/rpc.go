// Package rpc is the contract between the GraphQL gateway and the resolver
// group functions: request {group, operation, identity, arguments} → response
// {result} or a typed error. In AWS the transport is lambda:InvokeFunction;
// locally and in tests it is an in-process call to the same handler.
package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
)

// Request is what the gateway sends a group.
type Request struct {
	Group     string          `json:"group"`
	Operation string          `json:"operation"`
	Identity  auth.Identity   `json:"identity"`
	RequestID string          `json:"requestId,omitempty"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
}

// Response is what a group answers: a result or an error, never both.
type Response struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Error is a typed, client-safe error: Code is a platform kind's code.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Transport delivers a request to its group.
type Transport interface {
	Call(ctx context.Context, req Request) (Response, error)
}

// Call invokes group.operation for the caller in ctx with args and decodes the
// result into R. Group errors come back classified; transport failures are
// internal.
func Call[R any](ctx context.Context, t Transport, group, operation string, args any) (R, error) {
	var zero R
	raw, err := json.Marshal(args)
	if err != nil {
		return zero, fmt.Errorf("encode %s.%s arguments: %w", group, operation, err)
	}
	resp, err := t.Call(ctx, Request{
		Group:     group,
		Operation: operation,
		Identity:  auth.IdentityFrom(ctx),
		RequestID: platform.RequestID(ctx),
		Arguments: raw,
	})
	if err != nil {
		return zero, fmt.Errorf("call %s.%s: %w", group, operation, err)
	}
	if resp.Error != nil {
		return zero, platform.E(platform.KindFromCode(resp.Error.Code), resp.Error.Message)
	}
	var out R
	if err := json.Unmarshal(resp.Result, &out); err != nil {
		return zero, fmt.Errorf("decode %s.%s result: %w", group, operation, err)
	}
	return out, nil
}

// ErrorFrom turns a group-side error into the wire form.
func ErrorFrom(err error) *Error {
	k := platform.KindOf(err)
	return &Error{Code: k.Code(), Message: platform.PublicMessage(err)}
}

// ErrUnknownGroup is returned by a transport that has no route for a group.
var ErrUnknownGroup = errors.New("unknown resolver group")
