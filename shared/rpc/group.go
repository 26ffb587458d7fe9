package rpc

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
)

// Operation is one operation of a group, on raw JSON arguments.
type Operation func(ctx context.Context, args json.RawMessage) (any, error)

// Op adapts a typed operation: arguments are decoded into A (malformed
// arguments are a validation error) and the caller is in ctx.
func Op[A any, R any](fn func(ctx context.Context, args A) (R, error)) Operation {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var args A
		if len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &args); err != nil {
				return nil, platform.Wrap(platform.KindValidation, "malformed arguments", err)
			}
		}
		return fn(ctx, args)
	}
}

// Group is a resolver group: a name and its operations. Its Handle is the
// Lambda handler of the group's function and the in-process handler alike.
type Group struct {
	Name string
	Ops  map[string]Operation
	Log  *slog.Logger
}

// Handle runs one request. It always answers with a Response; the error is
// only for requests that must be retried by the transport (none today).
func (g *Group) Handle(ctx context.Context, req Request) (Response, error) {
	base := g.Log
	if base == nil {
		base = slog.Default()
	}
	ctx = platform.WithRequestID(ctx, base, req.RequestID)
	ctx = auth.WithIdentity(ctx, req.Identity)
	op, ok := g.Ops[req.Operation]
	if req.Group != g.Name || !ok {
		return Response{Error: ErrorFrom(platform.E(platform.KindValidation,
			fmt.Sprintf("unknown operation %s.%s", req.Group, req.Operation)))}, nil
	}
	result, err := op(ctx, req.Arguments)
	if err != nil {
		// The group is an edge: log once here, send only the classified form.
		k := platform.KindOf(err)
		level := slog.LevelInfo
		if k == platform.KindInternal || k == platform.KindUnavailable {
			level = slog.LevelError
		}
		platform.Log(ctx).Log(ctx, level, "operation failed",
			"group", g.Name, "operation", req.Operation, "tenant", req.Identity.TenantID,
			"kind", k.String(), "error", err.Error())
		return Response{Error: ErrorFrom(err)}, nil
	}
	raw, err := json.Marshal(result)
	if err != nil {
		platform.Log(ctx).Error("encode result", "group", g.Name, "operation", req.Operation, "error", err)
		return Response{Error: ErrorFrom(err)}, nil
	}
	return Response{Result: raw}, nil
}
