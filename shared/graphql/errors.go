package graphql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	graphqlgo "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"

	"github.com/flux-platform/flux/shared/platform"
)

// Error rules of the gateway (the contract; docs/graphql.md repeats them):
//
//   - A whole-request failure is answered with its HTTP status and
//     {"data":null,"errors":[{"message","extensions":{"code","statusCode"}}]},
//     where extensions.statusCode always equals the HTTP status:
//     no identity → 401 UNAUTHENTICATED; wrong method → 405 VALIDATION_ERROR;
//     body over the cap → 413 VALIDATION_ERROR; a content type other than JSON
//     or application/graphql → 415 VALIDATION_ERROR; malformed JSON, empty
//     query, syntax or schema-validation errors, limits exceeded → 422
//     VALIDATION_ERROR; unknown path → 404 NOT_FOUND; the request's deadline
//     passing before execution ends → 503 SERVICE_UNAVAILABLE.
//   - Once the request is valid and executes, the answer is HTTP 200 with
//     data, and errors[] holds one entry per failed field: message, path, and
//     extensions {code, statusCode, path}. The field is null; the other fields
//     keep their data. This holds even when every field failed for the same
//     reason (say FORBIDDEN): the HTTP status says the request was executed,
//     each error says why its field has no data.
//   - No internal text reaches the client: a field error carries the group's
//     classified message; anything unclassified (transport failure, panic,
//     an executor error) becomes INTERNAL_ERROR "internal error" and is logged.

// errorEntry is one entry of errors[]: the seed 001 format, with the GraphQL
// spec's locations and path (path also in extensions, as in seed 001).
type errorEntry struct {
	Message    string                   `json:"message"`
	Locations  []gqlerrors.Location     `json:"locations,omitempty"`
	Path       []any                    `json:"path,omitempty"`
	Extensions platform.ErrorExtensions `json:"extensions"`
}

// response is the body of every /api/graphql answer. Data is always present:
// null for whole-request failures.
type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []errorEntry    `json:"errors,omitempty"`
}

var nullData = json.RawMessage("null")

// requestError is a whole-request failure: its HTTP status, kind and entries.
type requestError struct {
	status  int
	kind    platform.Kind
	entries []errorEntry
}

func (e *requestError) Error() string {
	if len(e.entries) == 0 {
		return e.kind.Code()
	}
	return e.entries[0].Message
}

// reject is a whole-request failure with one message.
func reject(status int, kind platform.Kind, msg string) *requestError {
	return &requestError{status: status, kind: kind, entries: []errorEntry{{
		Message:    msg,
		Extensions: platform.ErrorExtensions{Code: kind.Code(), StatusCode: status},
	}}}
}

// invalid is a 422 VALIDATION_ERROR.
func invalid(msg string) *requestError {
	return reject(platform.KindValidation.HTTPStatus(), platform.KindValidation, msg)
}

// fromQueryErrors is a whole-request validation failure reported by the
// executor (syntax, schema validation, unknown operation): these messages
// describe the client's document and are safe to show.
func fromQueryErrors(errs []*gqlerrors.QueryError) *requestError {
	status := platform.KindValidation.HTTPStatus()
	re := &requestError{status: status, kind: platform.KindValidation}
	for _, qe := range errs {
		re.entries = append(re.entries, errorEntry{
			Message:    qe.Message,
			Locations:  qe.Locations,
			Extensions: platform.ErrorExtensions{Code: platform.KindValidation.Code(), StatusCode: status},
		})
	}
	if len(re.entries) == 0 {
		return invalid("invalid request")
	}
	return re
}

func writeRequestError(ctx context.Context, w http.ResponseWriter, e *requestError) {
	level := slog.LevelInfo
	if e.status >= 500 {
		level = slog.LevelError
	}
	platform.Log(ctx).Log(ctx, level, "graphql request rejected",
		"status", e.status, "code", e.kind.Code(), "error", e.Error())
	platform.WriteJSON(ctx, w, e.status, response{Data: nullData, Errors: e.entries})
}

// fieldError is what a root resolver returns when its group call failed: a
// kind and a client-safe message. graphql-go puts it in QueryError.ResolverError.
type fieldError struct {
	kind platform.Kind
	msg  string
}

func (e *fieldError) Error() string { return e.msg }

// Extensions is read by graphql-go for its own error format; the gateway
// formats errors itself, but keeps the two in agreement.
func (e *fieldError) Extensions() map[string]any {
	return map[string]any{"code": e.kind.Code(), "statusCode": e.kind.HTTPStatus()}
}

// fieldFailure classifies a failed group call for one field and logs it once:
// the group already logged its own failures, so only what the group never saw
// (a transport failure, a result that does not decode) is logged in detail.
func fieldFailure(ctx context.Context, field string, err error) error {
	var pe *platform.Error
	classified := errors.As(err, &pe) && pe.Err == nil
	k := platform.KindOf(err)
	if !classified {
		platform.Log(ctx).Error("resolver group call failed", "field", field, "error", err.Error())
	} else {
		platform.Log(ctx).Debug("field failed", "field", field, "code", k.Code())
	}
	return &fieldError{kind: k, msg: platform.PublicMessage(err)}
}

// errResolverPanic marks the error graphql-go makes of a recovered panic.
var errResolverPanic = errors.New("resolver panic")

// panicHandler turns a recovered panic into an internal error; its value is
// never shown (panicLogger logged it with the stack).
type panicHandler struct{}

func (panicHandler) MakePanicError(context.Context, any) *gqlerrors.QueryError {
	return &gqlerrors.QueryError{Err: errResolverPanic, Message: "internal error"}
}

// panicLogger logs a recovered panic through the request's logger.
type panicLogger struct{}

func (panicLogger) LogPanic(ctx context.Context, value any) {
	platform.Log(ctx).Error("graphql resolver panic", "panic", fmt.Sprint(value), "stack", string(debug.Stack()))
}

// fieldEntries formats the executor's errors of an executed request. It
// reports whether one of them makes the whole request invalid (the executor's
// selection cap, which the gateway's own limits should have caught first).
func fieldEntries(ctx context.Context, errs []*gqlerrors.QueryError) ([]errorEntry, *requestError) {
	var out []errorEntry
	for _, qe := range errs {
		if errors.Is(qe, graphqlgo.ErrTooManySelections) {
			return nil, invalid("the query selects too many fields")
		}
		var fe *fieldError
		kind, msg := platform.KindInternal, "internal error"
		switch {
		case errors.As(qe.ResolverError, &fe):
			kind, msg = fe.kind, fe.msg
		case errors.Is(qe, errResolverPanic):
			// Logged by panicLogger.
		case qe.Path == nil:
			// Without a path, the executor could not use an argument value
			// (checkQuery validated the variables, so this is a disagreement
			// between the two validators). The other fields ran, so the
			// request keeps its data; the text is about the client's input.
			kind, msg = platform.KindValidation, "invalid argument: "+qe.Message
		default:
			// An executor failure: a null for a non-null field, an enum
			// value the schema does not know. Never shown.
			platform.Log(ctx).Error("graphql execution error", "path", qe.Path, "error", qe.Error())
		}
		out = append(out, errorEntry{
			Message: msg,
			Path:    qe.Path,
			Extensions: platform.ErrorExtensions{
				Code: kind.Code(), StatusCode: kind.HTTPStatus(), Path: qe.Path,
			},
		})
	}
	return out, nil
}
