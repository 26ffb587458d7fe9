package dev

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
)

// Handler is what a function's builder returns: one of APIHandler,
// AuthorizerHandler, SQSHandler, ScheduleHandler or GroupHandler, the same handler value its
// functions/<name>/main.go passes to lambda.Start.
type Handler interface{ handlerKind() string }

// APIHandler is a REST API (payload 1.0) proxy integration.
type APIHandler func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// AuthorizerHandler is a REQUEST-type Lambda authorizer.
type AuthorizerHandler func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)

// SQSHandler is an SQS event-source consumer.
type SQSHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// ScheduleHandler is a scheduled function (EventBridge Scheduler). The
// local stack does not run schedules; tests invoke it through
// Stack.Handler.
type ScheduleHandler func(context.Context, any) error

// GroupHandler is a GraphQL resolver group, invoked by the gateway function.
type GroupHandler struct{ rpc.Handler }

func (APIHandler) handlerKind() string        { return "api" }
func (AuthorizerHandler) handlerKind() string { return "authorizer" }
func (SQSHandler) handlerKind() string        { return "sqs" }
func (GroupHandler) handlerKind() string      { return "group" }
func (ScheduleHandler) handlerKind() string   { return "schedule" }

// Deps is what a builder gets: what the function's main.go would have in
// Lambda (the aws.Config and its environment), plus access to the other
// functions of the stack for in-process invocation.
type Deps struct {
	LogicalID string
	AWS       aws.Config
	// Env is the function's environment: Globals, the function's own
	// variables (with !Ref/!GetAtt resolved to local values), then the
	// stack's overrides.
	Env    *platform.Env
	EnvMap map[string]string
	Log    *slog.Logger
	stack  *functions
}

// Group builds (once) the function named by logicalID, which must be a
// resolver group, for an rpc.InProcess transport. The gateway's builder
// reads the function name from its env (GROUP_FUNCTION_CONFIG: the !Ref of
// the group's function, i.e. its logical id locally) and calls this.
func (d Deps) Group(ctx context.Context, logicalID string) (rpc.Handler, error) {
	h, err := d.stack.get(ctx, logicalID)
	if err != nil {
		return nil, err
	}
	g, ok := h.(GroupHandler)
	if !ok {
		return nil, fmt.Errorf("function %s is a %s function, not a resolver group", logicalID, h.handlerKind())
	}
	return g.Handler, nil
}

// InProcess builds the rpc.InProcess transport for groups named by env
// variables: group name -> variable holding the group function's name
// (e.g. {"config": "GROUP_FUNCTION_CONFIG"}), the same map the Lambda
// transport is built from in AWS.
func (d Deps) InProcess(ctx context.Context, groupEnv map[string]string) (rpc.InProcess, error) {
	t := rpc.InProcess{}
	for group, envName := range groupEnv {
		fn := d.EnvMap[envName]
		if fn == "" {
			return nil, fmt.Errorf("%s: %s is not set", d.LogicalID, envName)
		}
		h, err := d.Group(ctx, fn)
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", group, err)
		}
		t[group] = h
	}
	return t, nil
}

// Builder builds a function's handler once, at stack start (a cold start).
type Builder func(ctx context.Context, d Deps) (Handler, error)

// Registry maps a template function's logical id to its builder.
type Registry map[string]Builder

// functions builds and caches the stack's function handlers.
type functions struct {
	registry Registry
	defs     map[string]Function
	env      map[string]map[string]string
	aws      aws.Config
	log      *slog.Logger

	mu       sync.Mutex
	handlers map[string]Handler
	building map[string]bool
}

func (f *functions) get(ctx context.Context, id string) (Handler, error) {
	f.mu.Lock()
	if h, ok := f.handlers[id]; ok {
		f.mu.Unlock()
		return h, nil
	}
	if f.building[id] {
		f.mu.Unlock()
		return nil, fmt.Errorf("function %s depends on itself", id)
	}
	f.building[id] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.building, id)
		f.mu.Unlock()
	}()

	if _, ok := f.defs[id]; !ok {
		return nil, fmt.Errorf("function %s is not in the template", id)
	}
	b, ok := f.registry[id]
	if !ok {
		return nil, fmt.Errorf("function %s is in the template but has no local builder: register it in infra/dev/functions.go", id)
	}
	env := f.env[id]
	h, err := b(ctx, Deps{
		LogicalID: id,
		AWS:       f.aws,
		Env:       platform.EnvFrom(env),
		EnvMap:    env,
		Log:       f.log.With("function", id),
		stack:     f,
	})
	if err != nil {
		return nil, fmt.Errorf("build function %s: %w", id, err)
	}
	if h == nil {
		return nil, fmt.Errorf("build function %s: nil handler", id)
	}
	f.mu.Lock()
	f.handlers[id] = h
	f.mu.Unlock()
	return h, nil
}

// CheckRegistry fails, naming them, when functions of the template have no
// builder in the registry.
func CheckRegistry(fns []Function, registry Registry) error {
	var missing []string
	for _, f := range fns {
		if _, ok := registry[f.LogicalID]; !ok {
			missing = append(missing, f.LogicalID)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return fmt.Errorf("template.yaml has functions without a local builder: %s (register them in infra/dev/functions.go)", strings.Join(missing, ", "))
	}
	return nil
}

// buildAll builds every function of the template, so that a configuration
// problem fails the start, not the first request.
func (f *functions) buildAll(ctx context.Context) error {
	ids := make([]string, 0, len(f.defs))
	for id := range f.defs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if _, err := f.get(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// FunctionEnv resolves a function's environment: Globals and its own
// variables with intrinsics evaluated against the local resources, then
// extra (for every function) and override (for this one) on top.
func FunctionEnv(r *Resolver, fn Function, extra, override map[string]string) (map[string]string, error) {
	env := map[string]string{}
	keys := make([]string, 0, len(fn.Env))
	for k := range fn.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := r.Resolve(fn.Env[k])
		if err != nil {
			return nil, fmt.Errorf("function %s env %s: %w", fn.LogicalID, k, err)
		}
		if _, drop := v.(noValue); drop {
			continue
		}
		s, err := scalarString(v)
		if err != nil {
			return nil, fmt.Errorf("function %s env %s: %w", fn.LogicalID, k, err)
		}
		env[k] = s
	}
	for k, v := range extra {
		env[k] = v
	}
	for k, v := range override {
		env[k] = v
	}
	return env, nil
}
