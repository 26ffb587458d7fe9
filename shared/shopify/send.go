package shopify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// maxResponseBytes bounds what is read of one answer: Admin API pages are a
// few hundred KiB at most; anything far larger is not an Admin API answer.
const maxResponseBytes = 64 << 20

type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r *rawResponse) ok() bool { return r.status >= 200 && r.status < 300 }

// send makes one HTTP request. Its error is a transport failure; any answer,
// whatever its status, is a rawResponse.
func (c *Client) send(ctx context.Context, method, rawURL string, body []byte, contentType string, extra http.Header) (*rawResponse, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	c.setHeaders(req.Header, extra)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, scrubURLError(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read shopify response: %w", err)
	}
	if len(b) > maxResponseBytes {
		return nil, fmt.Errorf("shopify response over %d bytes", maxResponseBytes)
	}
	c.warnDeprecated(ctx, req, resp.Header)
	return &rawResponse{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// warnDeprecated logs what Shopify flags as deprecated (a field or endpoint
// going away in a later version) and a version fallback (Shopify serves the
// oldest supported version when the requested one is no longer supported),
// so an upgrade is planned before it is forced. As Shopify's libraries do.
func (c *Client) warnDeprecated(ctx context.Context, req *http.Request, h http.Header) {
	if reason := h.Get("X-Shopify-API-Deprecated-Reason"); reason != "" {
		platform.Log(ctx).Warn("shopify deprecated API usage", "shop", c.shop, "path", req.URL.Path, "reason", reason)
	}
	if served := h.Get("X-Shopify-API-Version"); served != "" && !strings.Contains(req.URL.Path, "/"+served+"/") {
		platform.Log(ctx).Warn("shopify served another API version", "shop", c.shop, "path", req.URL.Path, "served", served)
	}
}

// scrubURLError drops the query string from a *url.Error so that nothing a
// caller put there ends up in logs; the token is in a header, never the URL.
func scrubURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

func (c *Client) httpError(method, rawURL string, r *rawResponse) *HTTPResponseError {
	path := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		path = u.Path
	}
	snip := r.body
	if len(snip) > maxBodySnippet {
		snip = snip[:maxBodySnippet]
	}
	return &HTTPResponseError{
		Shop: c.shop, Method: method, Path: path, Status: r.status,
		RetryAfter: r.header.Get("Retry-After"), BodySnippet: string(snip),
	}
}

// waitBeforeRetry is how long to wait before try+1 after a failed answer:
// Retry-After when Shopify sent one, else the backoff.
func (c *Client) waitBeforeRetry(try int, r *rawResponse) time.Duration {
	if r != nil {
		if d := retryAfter(r.header.Get("Retry-After"), time.Now()); d > 0 {
			return d
		}
	}
	return c.retry.wait(try)
}
