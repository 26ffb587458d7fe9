package graphql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	gqlast "github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/flux-platform/flux/shared/platform"
)

// gqlRequest is one GraphQL request: the GraphQL-over-HTTP POST body.
type gqlRequest struct {
	Query         string
	OperationName string
	Variables     map[string]any
}

// readBody reads at most max bytes of the body; more is a 413.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, *requestError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, reject(http.StatusRequestEntityTooLarge, platform.KindValidation,
				fmt.Sprintf("request body exceeds the limit of %d bytes", max))
		}
		return nil, invalid("request body could not be read")
	}
	return body, nil
}

// parseRequest reads a POST body: application/json (the default when no
// content type is given) or application/graphql (the body is the query).
func parseRequest(contentType string, body []byte) (gqlRequest, *requestError) {
	mediaType := "application/json"
	if strings.TrimSpace(contentType) != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return gqlRequest{}, reject(http.StatusUnsupportedMediaType, platform.KindValidation,
				"Content-Type must be application/json or application/graphql")
		}
		mediaType = mt
	}
	switch mediaType {
	case "application/json":
		return parseJSONRequest(body)
	case "application/graphql":
		if !utf8.Valid(body) {
			return gqlRequest{}, invalid("query must be UTF-8 text")
		}
		return gqlRequest{Query: string(body)}, nil
	default:
		return gqlRequest{}, reject(http.StatusUnsupportedMediaType, platform.KindValidation,
			"Content-Type must be application/json or application/graphql")
	}
}

func parseJSONRequest(body []byte) (gqlRequest, *requestError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return gqlRequest{}, invalid("request body is empty; send {\"query\": \"...\"}")
	}
	if trimmed[0] == '[' {
		return gqlRequest{}, invalid("batched requests are not supported; send one request object")
	}
	if !json.Valid(trimmed) {
		return gqlRequest{}, invalid("request body is not valid JSON")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil || fields == nil {
		return gqlRequest{}, invalid("request body must be a JSON object")
	}
	var req gqlRequest
	if raw, ok := fields["query"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &req.Query); err != nil {
			return gqlRequest{}, invalid("query must be a string")
		}
	}
	if raw, ok := fields["operationName"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &req.OperationName); err != nil {
			return gqlRequest{}, invalid("operationName must be a string")
		}
	}
	if raw, ok := fields["variables"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &req.Variables); err != nil || req.Variables == nil {
			return gqlRequest{}, invalid("variables must be a JSON object")
		}
	}
	return req, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// limits bound what one request may ask for; they are checked on the parsed
// document before anything executes.
type limits struct {
	queryLength int // bytes of query text
	depth       int // nesting of fields; a root field is at depth 1
	complexity  int // selected fields, counted after fragments are expanded
	aliases     int // aliased fields, counted after fragments are expanded
}

// checkQuery admits a request before anything executes. It parses the
// query with gqlparser, enforces the limits on every operation of the
// document (before validation, so validation work is bounded too), validates
// the document against the schema and the variables against the selected
// operation. Every failure is a 422 VALIDATION_ERROR.
func checkQuery(schema *gqlast.Schema, cache *admissionCache, req gqlRequest, l limits) *requestError {
	doc := cache.get(req.Query)
	if doc == nil {
		var rerr *requestError
		if doc, rerr = parseAndMeasure(req.Query, l); rerr != nil {
			return rerr
		}
		if errs := validator.ValidateWithRules(schema, doc, validationRules); len(errs) > 0 {
			return fromGQLErrors(errs)
		}
		cache.put(req.Query, doc)
	}
	op, rerr := selectOperation(doc, req.OperationName)
	if rerr != nil {
		return rerr
	}
	if _, err := validator.VariableValues(schema, op, req.Variables); err != nil {
		return fromGQLErrors(gqlerror.List{asGQLError(err)})
	}
	return nil
}

// admissionCache remembers the documents that passed parsing, the limits
// and validation, by query text: a warm function sees the same few queries
// over and over. Operation selection and variables are still checked on
// every request; a cached document is only read after it is stored.
type admissionCache struct {
	mu   sync.Mutex
	docs map[string]*gqlast.QueryDocument
}

const (
	admissionCacheEntries = 256
	admissionCacheMaxLen  = 8 << 10 // longer queries are not kept
)

func (c *admissionCache) get(query string) *gqlast.QueryDocument {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.docs[query]
}

func (c *admissionCache) put(query string, doc *gqlast.QueryDocument) {
	if c == nil || len(query) > admissionCacheMaxLen {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.docs == nil || len(c.docs) >= admissionCacheEntries {
		c.docs = make(map[string]*gqlast.QueryDocument, admissionCacheEntries)
	}
	c.docs[query] = doc
}

// parseAndMeasure parses the query and enforces the limits on every
// operation of the document.
func parseAndMeasure(query string, l limits) (*gqlast.QueryDocument, *requestError) {
	if strings.TrimSpace(query) == "" {
		return nil, invalid("query is required")
	}
	if len(query) > l.queryLength {
		return nil, invalid(fmt.Sprintf("query is %d bytes; the limit is %d", len(query), l.queryLength))
	}
	doc, err := parser.ParseQuery(&gqlast.Source{Name: "query", Input: query})
	if err != nil {
		return nil, syntaxError(err)
	}
	if len(doc.Operations) == 0 {
		return nil, invalid("the document contains no operation")
	}
	for _, op := range doc.Operations {
		w := walker{doc: doc, l: l, expanding: map[string]bool{}}
		if err := w.walk(op.SelectionSet, 1, false); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// validationRules are the GraphQL spec's rules (and graphql-js's cap on
// introspection list nesting), as gqlparser implements them.
var validationRules = rules.NewDefaultRules()

// selectOperation picks the operation to run, as GraphQL-over-HTTP says:
// by name, or the only one.
func selectOperation(doc *gqlast.QueryDocument, name string) (*gqlast.OperationDefinition, *requestError) {
	if name == "" {
		if len(doc.Operations) != 1 {
			return nil, invalid("operationName is required when the document has several operations")
		}
		return doc.Operations[0], nil
	}
	if op := doc.Operations.ForName(name); op != nil {
		return op, nil
	}
	return nil, invalid(fmt.Sprintf("the document has no operation named %q", name))
}

func asGQLError(err error) *gqlerror.Error {
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		return ge
	}
	return &gqlerror.Error{Message: "invalid request"}
}

// fromGQLErrors is a whole-request failure from gqlparser's errors: they
// describe the client's document or variables, so their text is shown.
func fromGQLErrors(errs gqlerror.List) *requestError {
	status := platform.KindValidation.HTTPStatus()
	re := &requestError{status: status, kind: platform.KindValidation}
	for _, ge := range errs {
		msg := ge.Message
		if len(ge.Path) > 0 {
			msg = ge.Path.String() + ": " + msg
		}
		entry := errorEntry{
			Message:    msg,
			Extensions: platform.ErrorExtensions{Code: platform.KindValidation.Code(), StatusCode: status},
		}
		for _, loc := range ge.Locations {
			entry.Locations = append(entry.Locations, locationOf(loc))
		}
		re.entries = append(re.entries, entry)
	}
	if len(re.entries) == 0 {
		return invalid("invalid request")
	}
	return re
}

func syntaxError(err error) *requestError {
	ge := asGQLError(err)
	e := invalid("syntax error: " + ge.Message)
	for _, loc := range ge.Locations {
		e.entries[0].Locations = append(e.entries[0].Locations, locationOf(loc))
	}
	return e
}
