package writes

import (
	"encoding/json"
	"mime"
	"net/url"
	"path"
	"strings"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// FluxFileScheme marks a file body's source as a confirmed Flux file
// ("flux-file:<id>"): the writes group's shopwrite FileURL hook pushes its
// bytes through a Shopify staged upload and hands Shopify the target.
const FluxFileScheme = "flux-file:"

// UploadSource is what uploadFile uploads: a Flux file or a public URL.
type UploadSource struct {
	FileID string // a Flux file id, or ""
	URL    string // a public http(s) URL, or ""
}

// CheckUpload validates uploadFile's input apart from the file's name
// (which may come from the Flux file): exactly one source.
func CheckUpload(in UploadFileInput) (UploadSource, error) {
	c := &checker{}
	switch {
	case (in.FileID == nil) == (in.URL == nil):
		c.fail("input", "give exactly one of fileId (a confirmed Flux file) and url (a public http(s) URL)")
	case in.FileID != nil:
		c.str("input.fileId", *in.FileID, 128, true)
	default:
		c.url("input.url", *in.URL)
		if c.err == nil {
			if u, err := url.Parse(*in.URL); err != nil || u.Host == "" {
				c.fail("input.url", "is not a URL")
			}
		}
	}
	c.opt("input.alt", in.Alt, MaxShort)
	if c.err != nil {
		return UploadSource{}, c.err
	}
	if in.FileID != nil {
		return UploadSource{FileID: *in.FileID}, nil
	}
	return UploadSource{URL: *in.URL}, nil
}

// URLFilename is the last path segment of a URL ("" when none).
func URLFilename(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	n := path.Base(u.Path)
	if n == "." || n == "/" {
		return ""
	}
	return n
}

// ConvertUpload is uploadFile's file in canonical form: canonical the
// file's name (given, else the Flux file's or the URL's), an image when
// its content type is image/*, source the URL Shopify creates it from
// (FluxFileScheme+id for a Flux file).
func ConvertUpload(filename, contentType, source string, alt *string) (Body, error) {
	c := &checker{}
	if filename == "" {
		c.fail("input.filename", "is required: the source has no file name")
	}
	c.canonical("input.filename", mapping.File, filename)
	if c.err == nil && strings.ContainsAny(filename, `\?#%"<>`) {
		c.fail("input.filename", "%q has characters a file name in Shopify cannot have", clip(filename))
	}
	if contentType == "" {
		contentType = mime.TypeByExtension(path.Ext(filename))
	}
	typ := "GenericFile"
	if strings.HasPrefix(contentType, "image/") {
		typ = "MediaImage"
	}
	b := map[string]any{"__typename": typ, "url": source}
	if alt != nil {
		b["alt"] = *alt
	}
	return done(c, mapping.File, filename, b)
}

// ConvertFileUpdate is updateFile's change in canonical form: the alt text
// of the file canonical.
func ConvertFileUpdate(in UpdateFileInput) (Body, error) {
	c := &checker{}
	c.canonical("input.filename", mapping.File, in.Filename)
	c.str("input.alt", in.Alt, MaxShort, false)
	if c.err != nil {
		return Body{}, c.err
	}
	b, err := json.Marshal(map[string]any{"alt": in.Alt})
	if err != nil {
		return Body{}, platform.Wrap(platform.KindValidation, "the input cannot be encoded", err)
	}
	return Body{Type: mapping.File, Canonical: in.Filename, JSON: b}, nil
}
