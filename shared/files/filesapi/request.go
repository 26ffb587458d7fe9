package filesapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/flux-platform/flux/shared/files"
	"github.com/flux-platform/flux/shared/platform"
)

// Request limits.
const (
	// MaxBodyBytes bounds a request body: an upload declaration is a few
	// hundred bytes.
	MaxBodyBytes = 16 << 10
	// MaxQueryLength bounds the list's raw query string.
	MaxQueryLength = 2048
)

// uploadBody is POST /api/v1/files/upload-url's body (seed 004's fields,
// plus the optional association and checksum).
type uploadBody struct {
	FileName       *string `json:"fileName"`
	MimeType       *string `json:"mimeType"`
	SizeBytes      *int64  `json:"sizeBytes"`
	ChecksumSHA256 string  `json:"checksumSha256"`
	EntityName     string  `json:"entityName"`
	EntityID       string  `json:"entityId"`
	FieldName      string  `json:"fieldName"`
}

// ParseUploadRequest decodes an upload declaration: one JSON object, no
// unknown fields, fileName, mimeType and sizeBytes required, then the
// domain's validation. Every error is KindValidation (422) naming what is
// wrong.
func ParseUploadRequest(body []byte) (files.UploadRequest, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return files.UploadRequest{}, invalid("the request body is empty: send a JSON object with fileName, mimeType and sizeBytes")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var b uploadBody
	if err := dec.Decode(&b); err != nil {
		return files.UploadRequest{}, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return files.UploadRequest{}, invalid("the request body must be one JSON object, with nothing after it")
	}
	switch {
	case b.FileName == nil:
		return files.UploadRequest{}, invalid("fileName is required")
	case b.MimeType == nil:
		return files.UploadRequest{}, invalid("mimeType is required")
	case b.SizeBytes == nil:
		return files.UploadRequest{}, invalid("sizeBytes is required")
	}
	req := files.UploadRequest{
		Name: *b.FileName, ContentType: *b.MimeType, Size: *b.SizeBytes, ChecksumSHA256: b.ChecksumSHA256,
		EntityName: b.EntityName, EntityID: b.EntityID, FieldName: b.FieldName,
	}
	if err := req.Validate(); err != nil {
		return files.UploadRequest{}, err
	}
	return req, nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("the request body is not valid JSON")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return invalid("the request body must be a JSON object")
		}
		if typ.Field == "sizeBytes" {
			return invalid("sizeBytes must be an integer number of bytes")
		}
		return invalid(typ.Field + " must be a string")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return invalid(fmt.Sprintf("unknown field %q; the fields are fileName, mimeType, sizeBytes, checksumSha256, entityName, entityId, fieldName", clip(name)))
	}
	return invalid("the request body is not a valid upload declaration")
}

func invalid(msg string) error { return platform.E(platform.KindValidation, msg) }

// ParamError is a malformed query parameter: 400 VALIDATION_ERROR, as for
// the other REST endpoints' query strings (shared/objects).
type ParamError struct{ Err *platform.Error }

func (e *ParamError) Error() string { return e.Err.Error() }
func (e *ParamError) Unwrap() error { return e.Err }

func paramErr(format string, a ...any) error {
	return &ParamError{platform.E(platform.KindValidation, fmt.Sprintf(format, a...))}
}

var listParams = []string{"status", "mimeType", "entityName", "entityId", "fieldName", "limit", "cursor"}

// ParseListQuery parses GET /api/v1/files' raw query string: status
// (PENDING or CONFIRMED), mimeType (exact, or "image/*"), entityName,
// entityId, fieldName, limit (1..100, default 50), cursor (the nextCursor
// of the previous page). Unknown or repeated parameters are errors, so a
// typo never silently lists everything.
func ParseListQuery(raw string) (files.ListQuery, error) {
	if len(raw) > MaxQueryLength {
		return files.ListQuery{}, paramErr("the query string is longer than %d bytes", MaxQueryLength)
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return files.ListQuery{}, paramErr("the query string is malformed")
	}
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Contains(listParams, k) {
			return files.ListQuery{}, paramErr("unknown parameter %q; the parameters are %s", clip(k), strings.Join(listParams, ", "))
		}
		if len(v[k]) > 1 {
			return files.ListQuery{}, paramErr("parameter %s is given more than once", k)
		}
	}
	q := files.ListQuery{Limit: files.DefaultLimit}
	if s, ok := v["status"]; ok {
		st, err := files.ParseStatus(s[0])
		if err != nil {
			return files.ListQuery{}, &ParamError{platform.E(platform.KindValidation, platform.PublicMessage(err))}
		}
		q.Status = st
	}
	if m, ok := v["mimeType"]; ok {
		ct := m[0]
		if top, wild := strings.CutSuffix(ct, "/*"); wild {
			if !slices.ContainsFunc(files.AllowedTypes, func(a string) bool { return strings.HasPrefix(a, top+"/") }) {
				return files.ListQuery{}, paramErr("mimeType %q matches no allowed type", clip(ct))
			}
		} else if files.ValidateContentType(ct) != nil {
			return files.ListQuery{}, paramErr("mimeType %q is not an allowed type (or a top-level type such as image/*)", clip(ct))
		}
		q.ContentType = ct
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"entityName", &q.EntityName}, {"entityId", &q.EntityID}, {"fieldName", &q.FieldName}} {
		if x, ok := v[f.name]; ok {
			if x[0] == "" {
				return files.ListQuery{}, paramErr("%s is empty", f.name)
			}
			if err := files.ValidateLabel(f.name, x[0]); err != nil {
				return files.ListQuery{}, &ParamError{platform.E(platform.KindValidation, platform.PublicMessage(err))}
			}
			*f.dst = x[0]
		}
	}
	if l, ok := v["limit"]; ok {
		n, err := strconv.Atoi(l[0])
		if err != nil || n < 1 || n > files.MaxLimit || l[0] != strconv.Itoa(n) {
			return files.ListQuery{}, paramErr("limit must be an integer between 1 and %d", files.MaxLimit)
		}
		q.Limit = n
	}
	if c, ok := v["cursor"]; ok {
		if !files.ValidID(c[0]) {
			return files.ListQuery{}, paramErr("cursor is not a cursor of this API; pass back nextCursor as it was returned")
		}
		q.Cursor = c[0]
	}
	return q, nil
}

// clip shortens untrusted text quoted back in an error.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
