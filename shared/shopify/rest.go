package shopify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/flux-platform/flux/shared/platform"
)

// RESTRequest is a REST Admin API call, as seed 003's GetRequestParams /
// PostRequestParams. Shopify calls REST legacy; Flux uses it only where
// GraphQL has no equivalent.
type RESTRequest struct {
	// Path is relative to the version root: "products/123" or
	// "products/123.json".
	Path  string
	Query url.Values
	// Data is the body of POST and PUT: a string or []byte is sent as is,
	// anything else as JSON.
	Data any
	// Type is the body's content type; "" means application/json.
	Type    string
	Headers http.Header
	// Tries is the total number of attempts; 0 means the client's default.
	Tries int
	// APIVersion overrides the client's version for this call.
	APIVersion string
}

// RESTResponse is a REST answer.
type RESTResponse struct {
	Status int
	Header http.Header
	Body   json.RawMessage
}

// Decode unmarshals the body into v.
func (r *RESTResponse) Decode(v any) error { return json.Unmarshal(r.Body, v) }

// Get performs GET <path>.json.
func (c *Client) Get(ctx context.Context, req RESTRequest) (*RESTResponse, error) {
	return c.rest(ctx, http.MethodGet, req)
}

// Post performs POST <path>.json with req.Data.
func (c *Client) Post(ctx context.Context, req RESTRequest) (*RESTResponse, error) {
	return c.rest(ctx, http.MethodPost, req)
}

// Put performs PUT <path>.json with req.Data.
func (c *Client) Put(ctx context.Context, req RESTRequest) (*RESTResponse, error) {
	return c.rest(ctx, http.MethodPut, req)
}

// Delete performs DELETE <path>.json.
func (c *Client) Delete(ctx context.Context, req RESTRequest) (*RESTResponse, error) {
	return c.rest(ctx, http.MethodDelete, req)
}

func (c *Client) rest(ctx context.Context, method string, req RESTRequest) (*RESTResponse, error) {
	version := c.version
	if req.APIVersion != "" {
		if err := ValidateAPIVersion(req.APIVersion); err != nil {
			return nil, err
		}
		version = req.APIVersion
	}
	if req.Path == "" {
		return nil, platform.E(platform.KindValidation, "a REST call needs a path")
	}
	u := c.apiURL(version, req.Path)
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	var body []byte
	ctype := req.Type
	if ctype == "" {
		ctype = DataTypeJSON
	}
	if method == http.MethodPost || method == http.MethodPut {
		switch d := req.Data.(type) {
		case nil:
			body = []byte("{}")
		case string:
			body = []byte(d)
		case []byte:
			body = d
		default:
			b, err := json.Marshal(d)
			if err != nil {
				return nil, platform.Wrap(platform.KindValidation, "REST body is not JSON", err)
			}
			body = b
		}
	}
	tries := req.Tries
	if tries <= 0 {
		tries = c.tries
	}
	var lastErr error
	for try := 1; ; try++ {
		raw, err := c.send(ctx, method, u, body, ctype, req.Headers)
		retry, wait := false, c.retry.wait(try)
		switch {
		case err != nil:
			retry = retryableTransport(ctx, err)
		case !raw.ok():
			err = c.httpError(method, u, raw)
			retry, wait = retryableStatus(raw.status), c.waitBeforeRetry(try, raw)
		default:
			return &RESTResponse{Status: raw.status, Header: raw.header, Body: raw.body}, nil
		}
		if !retry || try >= tries {
			if lastErr != nil && ctx.Err() != nil {
				err = lastErr
			}
			return nil, c.fail(ctx, err)
		}
		lastErr = err
		if serr := sleep(ctx, wait); serr != nil {
			return nil, c.fail(ctx, lastErr)
		}
	}
}
