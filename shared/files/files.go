// Package files is Flux's file storage (seed 004's "File Storage"): a
// tenant's files live in the FilesBucket under
// tenants/<tenant>/files/<fileId>/<sanitised name>, and their metadata in
// the table (shared/store/files.go).
//
// The upload is three steps, none of which moves the bytes through Flux:
//
//  1. POST /api/v1/files/upload-url declares fileName, mimeType and
//     sizeBytes (and optionally a SHA-256): Flux records a PENDING file and
//     answers a presigned S3 PUT URL whose signature covers the Content-Type
//     and Content-Length (and x-amz-checksum-sha256), so S3 refuses a PUT of
//     another type or size. It expires after UploadURLExpiry.
//  2. The client PUTs the bytes to that URL with those headers.
//  3. POST /api/v1/files/{id}/confirm: Flux reads the object's metadata
//     (HeadObject) and marks the file CONFIRMED only if it exists with the
//     declared size and type; an object that does not match is deleted and
//     the confirmation refused.
//
// Then GET /api/v1/files/{id}/download-url (a presigned GET, expiring after
// DownloadURLExpiry), GET /api/v1/files/{id}, GET /api/v1/files and
// DELETE /api/v1/files/{id}. Each route is its own Lambda function
// (fileshttp), so each holds only the rights it needs.
//
// For the direct writes (uploadFile pushes a confirmed Flux file to a store
// through Shopify's staged uploads), (*Service).ConfirmedDownload returns a
// confirmed file's metadata and a short-lived presigned GET URL Shopify (or
// the writer) can fetch it from; filesapi.NewReader builds the Service it
// needs from a table and a bucket.
package files

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"mime"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/flux-platform/flux/shared/platform"
)

// Limits.
const (
	// MaxSizeBytes is the largest file (100 MiB, seed 004's "max 100 MB").
	MaxSizeBytes int64 = 100 << 20
	// MaxNameBytes bounds fileName (UTF-8 bytes), as most file systems do.
	MaxNameBytes = 255
	// MaxKeyNameBytes bounds the sanitised name in the S3 key.
	MaxKeyNameBytes = 100
	// MaxEntityBytes bounds entityName, entityId and fieldName.
	MaxEntityBytes = 128
	// UploadURLExpiry is how long a presigned PUT URL works.
	UploadURLExpiry = 15 * time.Minute
	// DownloadURLExpiry is how long a presigned GET URL works.
	DownloadURLExpiry = 5 * time.Minute
	// PendingTTL is how long a PENDING file (never confirmed) is kept
	// before DynamoDB's TTL removes its item: the upload URL's life and a
	// day to confirm.
	PendingTTL = UploadURLExpiry + 24*time.Hour
)

// AllowedTypes is the MIME allow-list: the kinds of files a Shopify store's
// file library takes (images, videos, 3D models, documents, fonts). SVG and
// HTML are not allowed (active content). Types are exact, lower case, with
// no parameters, because the Content-Type is signed into the upload URL and
// must be sent byte for byte.
var AllowedTypes = []string{
	"application/json",
	"application/pdf",
	"application/zip",
	"font/woff",
	"font/woff2",
	"image/avif",
	"image/gif",
	"image/heic",
	"image/jpeg",
	"image/png",
	"image/webp",
	"model/gltf-binary",
	"model/vnd.usdz+zip",
	"text/csv",
	"text/plain",
	"video/mp4",
	"video/quicktime",
	"video/webm",
}

// Status is a file's state.
type Status string

const (
	// StatusPending: the upload URL was issued, the upload not confirmed.
	StatusPending Status = "PENDING"
	// StatusConfirmed: the object exists with the declared size and type.
	StatusConfirmed Status = "CONFIRMED"
)

// ParseStatus validates a status name.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusPending, StatusConfirmed:
		return st, nil
	}
	return "", platform.E(platform.KindValidation, "status must be PENDING or CONFIRMED")
}

// File is a file's metadata.
type File struct {
	ID          string
	TenantID    string
	Name        string // as the client declared it (validated, not sanitised)
	ContentType string
	Size        int64
	Status      Status
	S3Key       string
	// ChecksumSHA256 is the base64 SHA-256 the client declared, "" if none.
	ChecksumSHA256 string
	// EntityName, EntityID, FieldName optionally associate the file with an
	// entity (seed 004's file metadata); free text, listed by filter.
	EntityName, EntityID, FieldName string
	CreatedBy                       string // the principal that requested the upload
	CreatedAt                       time.Time
	ConfirmedAt                     *time.Time
}

// UploadRequest is what a client declares to get an upload URL.
type UploadRequest struct {
	Name           string
	ContentType    string
	Size           int64
	ChecksumSHA256 string
	EntityName     string
	EntityID       string
	FieldName      string
}

// Validate checks a declared upload: every problem is a KindValidation
// error naming the field.
func (r UploadRequest) Validate() error {
	if err := ValidateName(r.Name); err != nil {
		return err
	}
	if err := ValidateContentType(r.ContentType); err != nil {
		return err
	}
	if r.Size <= 0 {
		return invalid("sizeBytes must be a positive number of bytes")
	}
	if r.Size > MaxSizeBytes {
		return invalid(fmt.Sprintf("sizeBytes %d is over the limit of %d bytes (100 MB)", r.Size, MaxSizeBytes))
	}
	if r.ChecksumSHA256 != "" {
		b, err := base64.StdEncoding.DecodeString(r.ChecksumSHA256)
		if err != nil || len(b) != 32 {
			return invalid("checksumSha256 must be the base64 encoding of a 32-byte SHA-256 digest")
		}
	}
	for _, f := range []struct{ name, v string }{{"entityName", r.EntityName}, {"entityId", r.EntityID}, {"fieldName", r.FieldName}} {
		if err := ValidateLabel(f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}

func invalid(msg string) error { return platform.E(platform.KindValidation, msg) }

// ValidateName checks a declared file name: 1 to MaxNameBytes bytes of
// valid UTF-8, no control characters, no path separators, not "." or "..".
// The name is kept as given (shown on download); the S3 key uses
// SanitizeName of it.
func ValidateName(name string) error {
	switch {
	case name == "":
		return invalid("fileName is required")
	case len(name) > MaxNameBytes:
		return invalid(fmt.Sprintf("fileName is longer than %d bytes", MaxNameBytes))
	case !utf8.ValidString(name):
		return invalid("fileName is not valid UTF-8")
	case strings.TrimSpace(name) == "":
		return invalid("fileName is blank")
	case name == "." || name == "..":
		return invalid("fileName cannot be . or ..")
	case strings.ContainsAny(name, `/\`):
		return invalid("fileName cannot contain / or \\: give the name, not a path")
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError || (unicode.Is(unicode.Cf, r) && r != '\u200d') {
			return invalid("fileName contains a control or invisible formatting character")
		}
	}
	return nil
}

// ValidateContentType checks a declared type against AllowedTypes.
func ValidateContentType(ct string) error {
	if ct == "" {
		return invalid("mimeType is required")
	}
	if slices.Contains(AllowedTypes, ct) {
		return nil
	}
	if mt, params, err := mime.ParseMediaType(ct); err == nil && slices.Contains(AllowedTypes, mt) {
		if len(params) > 0 || mt != ct {
			return invalid(fmt.Sprintf("mimeType must be exactly %q: no parameters, lower case (it is signed into the upload URL)", mt))
		}
	}
	return invalid(fmt.Sprintf("mimeType %q is not allowed; allowed types: %s", clip(ct), strings.Join(AllowedTypes, ", ")))
}

// ValidateLabel checks an optional association label (entityName,
// entityId, fieldName): at most MaxEntityBytes of printable UTF-8.
func ValidateLabel(field, v string) error {
	if len(v) > MaxEntityBytes {
		return invalid(fmt.Sprintf("%s is longer than %d bytes", field, MaxEntityBytes))
	}
	if !utf8.ValidString(v) {
		return invalid(field + " is not valid UTF-8")
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return invalid(field + " contains a non-printable character")
		}
	}
	return nil
}

var (
	keyUnsafe  = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
	keyRepeats = regexp.MustCompile(`[-_.]{2,}`)
)

// SanitizeName is the name's form in the S3 key: ASCII letters, digits, '.',
// '_' and '-' only (every other run of characters becomes one '-'), no
// leading or trailing punctuation, at most MaxKeyNameBytes bytes with the
// extension kept, "file" when nothing is left. It never contains '/', so
// the key cannot leave the file's prefix.
func SanitizeName(name string) string {
	s := keyUnsafe.ReplaceAllString(name, "-")
	s = keyRepeats.ReplaceAllStringFunc(s, func(run string) string {
		if strings.Contains(run, ".") {
			return "."
		}
		return run[:1]
	})
	s = strings.Trim(s, "-_.")
	if len(s) > MaxKeyNameBytes {
		ext := ""
		if i := strings.LastIndexByte(s, '.'); i > 0 && len(s)-i <= 16 {
			ext = s[i:]
		}
		s = strings.Trim(s[:MaxKeyNameBytes-len(ext)], "-_.") + ext
	}
	if s == "" || strings.Trim(s, ".") == "" {
		return "file"
	}
	return s
}

// ObjectKey is the S3 key of a tenant's file: tenants/<tenant>/files/<id>/<sanitised name>.
func ObjectKey(tenantID, id, name string) string {
	return ObjectPrefix(tenantID) + id + "/" + SanitizeName(name)
}

// ObjectPrefix is the S3 prefix of a tenant's files.
func ObjectPrefix(tenantID string) string { return "tenants/" + tenantID + "/files/" }

// idPattern is a file id: "file_" and a lower-case ULID.
var idPattern = regexp.MustCompile(`^file_[0-9a-hjkmnp-tv-z]{26}$`)

// NewID makes a file id: "file_" + a lower-case ULID, so ids sort by
// creation time (the list is a backwards query).
func NewID(at time.Time) string {
	return "file_" + strings.ToLower(ulid.MustNew(ulid.Timestamp(at), rand.Reader).String())
}

// ValidID reports whether s has the form of a file id. Anything else cannot
// name a file: callers answer it NOT_FOUND like an unknown id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// NotFound is the one error for an unknown id, another tenant's id, a
// malformed id and a deleted file.
func NotFound(id string) error {
	return platform.E(platform.KindNotFound, "file "+clip(id)+" not found")
}

// clip shortens untrusted text quoted back in an error.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
