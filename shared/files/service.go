package files

import (
	"context"
	"fmt"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
)

// Scopes: uploading, confirming and deleting need files:write; reading
// metadata, listing and downloading files:read.
const (
	ScopeRead  = auth.ScopeFilesRead
	ScopeWrite = auth.ScopeFilesWrite
)

// List limits.
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// Store is the file metadata the service reads and writes (store.Store).
type Store interface {
	// PutFile records a new PENDING file (its id must be new).
	PutFile(ctx context.Context, f File, expiresAt time.Time) error
	// File reads one of the tenant's files; KindNotFound when it is not
	// the tenant's.
	File(ctx context.Context, tenantID, id string) (File, error)
	// ConfirmFile moves a PENDING file to CONFIRMED (KindConflict when it
	// is not PENDING, KindNotFound when it is gone) and returns it.
	ConfirmFile(ctx context.Context, tenantID, id string, at time.Time) (File, error)
	// ListFiles lists the tenant's files newest first.
	ListFiles(ctx context.Context, tenantID string, q ListQuery) ([]File, string, error)
	// DeleteFile removes the file's item (KindNotFound when it is gone).
	DeleteFile(ctx context.Context, tenantID, id string) error
}

// ObjectInfo is what S3 says about an uploaded object.
type ObjectInfo struct {
	Size           int64
	ContentType    string
	ChecksumSHA256 string // "" when S3 holds none
}

// Presigned is a presigned request: its URL, the headers the client must
// send with it (they are signed), and when it stops working.
type Presigned struct {
	URL       string
	Method    string
	Headers   map[string]string
	ExpiresAt time.Time
}

// Objects is the bucket (S3Objects).
type Objects interface {
	// PresignPut signs a PUT of exactly size bytes of contentType (and the
	// checksum, when not "") to key.
	PresignPut(ctx context.Context, key, contentType string, size int64, checksumSHA256 string, expiry time.Duration) (Presigned, error)
	// PresignGet signs a GET of key, answered with contentType and as an
	// attachment named downloadName.
	PresignGet(ctx context.Context, key, contentType, downloadName string, expiry time.Duration) (Presigned, error)
	// Head reads the object's metadata; found is false when it does not exist.
	Head(ctx context.Context, key string) (info ObjectInfo, found bool, err error)
	// Delete removes the object (no error when it does not exist).
	Delete(ctx context.Context, key string) error
}

// ListQuery filters a listing. Empty fields do not filter.
type ListQuery struct {
	Status      Status
	ContentType string // exact ("image/png") or a top-level type ("image/*")
	EntityName  string
	EntityID    string
	FieldName   string
	Limit       int
	Cursor      string // the id after which to continue (nextCursor)
}

// Service is the file storage of one table and one bucket. Each function
// uses only the methods its rights allow.
type Service struct {
	Store   Store
	Objects Objects
	Now     func() time.Time // nil = time.Now
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Upload is the answer to an upload request.
type Upload struct {
	File   File
	Upload Presigned
}

// Download is a presigned GET of a confirmed file.
type Download struct {
	File     File
	Download Presigned
}

func caller(ctx context.Context, scope auth.Scope) (auth.Identity, error) {
	id := auth.IdentityFrom(ctx)
	return id, id.Require(scope)
}

// RequestUpload validates the declaration, records a PENDING file and signs
// its upload (scope files:write).
func (s *Service) RequestUpload(ctx context.Context, req UploadRequest) (Upload, error) {
	who, err := caller(ctx, ScopeWrite)
	if err != nil {
		return Upload{}, err
	}
	if err := req.Validate(); err != nil {
		return Upload{}, err
	}
	now := s.now()
	id := NewID(now)
	f := File{
		ID: id, TenantID: who.TenantID, Name: req.Name, ContentType: req.ContentType, Size: req.Size,
		Status: StatusPending, S3Key: ObjectKey(who.TenantID, id, req.Name), ChecksumSHA256: req.ChecksumSHA256,
		EntityName: req.EntityName, EntityID: req.EntityID, FieldName: req.FieldName,
		CreatedBy: who.Principal, CreatedAt: now,
	}
	// Sign first: a signing failure leaves nothing behind.
	up, err := s.Objects.PresignPut(ctx, f.S3Key, f.ContentType, f.Size, f.ChecksumSHA256, UploadURLExpiry)
	if err != nil {
		return Upload{}, fmt.Errorf("sign upload of %s: %w", id, err)
	}
	if err := s.Store.PutFile(ctx, f, now.Add(PendingTTL)); err != nil {
		return Upload{}, fmt.Errorf("record file %s: %w", id, err)
	}
	return Upload{File: f, Upload: up}, nil
}

// Confirm checks that the file's object exists with the declared size, type
// (and checksum) and marks it CONFIRMED (scope files:write). Confirming a
// confirmed file answers it again, so a retried confirm succeeds. An object
// that does not match is deleted (the client may PUT again while the URL
// lasts) and the confirmation refused (KindValidation); no object at all is
// KindConflict.
func (s *Service) Confirm(ctx context.Context, id string) (File, error) {
	who, err := caller(ctx, ScopeWrite)
	if err != nil {
		return File{}, err
	}
	f, err := s.file(ctx, who.TenantID, id)
	if err != nil {
		return File{}, err
	}
	if f.Status == StatusConfirmed {
		return f, nil
	}
	info, found, err := s.Objects.Head(ctx, f.S3Key)
	if err != nil {
		return File{}, fmt.Errorf("confirm %s: %w", id, err)
	}
	if !found {
		return File{}, platform.E(platform.KindConflict, fmt.Sprintf(
			"file %s has not been uploaded: PUT it to its uploadUrl (valid until %s), then confirm",
			id, f.CreatedAt.Add(UploadURLExpiry).Format(time.RFC3339)))
	}
	if problem := mismatch(f, info); problem != "" {
		if err := s.Objects.Delete(ctx, f.S3Key); err != nil {
			return File{}, fmt.Errorf("delete mismatched upload of %s: %w", id, err)
		}
		platform.Log(ctx).Warn("upload refused at confirm", "fileId", id, "problem", problem)
		return File{}, platform.E(platform.KindValidation, fmt.Sprintf(
			"the upload of file %s does not match its declaration (%s) and was deleted: PUT the declared file again or request a new upload URL",
			id, problem))
	}
	out, err := s.Store.ConfirmFile(ctx, who.TenantID, id, s.now())
	if platform.KindOf(err) == platform.KindConflict {
		// Confirmed concurrently: answer the confirmed file.
		if again, rerr := s.file(ctx, who.TenantID, id); rerr == nil && again.Status == StatusConfirmed {
			return again, nil
		}
	}
	if err != nil {
		return File{}, fmt.Errorf("confirm %s: %w", id, err)
	}
	return out, nil
}

// mismatch describes how an uploaded object differs from the declared
// file, "" when it does not.
func mismatch(f File, info ObjectInfo) string {
	switch {
	case info.Size != f.Size:
		return fmt.Sprintf("declared %d bytes, uploaded %d", f.Size, info.Size)
	case info.ContentType != f.ContentType:
		return fmt.Sprintf("declared type %s, uploaded %s", f.ContentType, clip(info.ContentType))
	case f.ChecksumSHA256 != "" && info.ChecksumSHA256 != "" && info.ChecksumSHA256 != f.ChecksumSHA256:
		// S3 verifies a signed x-amz-checksum-sha256 against the body at
		// the PUT; this catches a store that did not (an emulator).
		return "declared SHA-256 " + f.ChecksumSHA256 + ", uploaded " + clip(info.ChecksumSHA256)
	}
	return ""
}

// Get is one file's metadata (scope files:read).
func (s *Service) Get(ctx context.Context, id string) (File, error) {
	who, err := caller(ctx, ScopeRead)
	if err != nil {
		return File{}, err
	}
	return s.file(ctx, who.TenantID, id)
}

// List lists the caller's files newest first (scope files:read).
func (s *Service) List(ctx context.Context, q ListQuery) ([]File, string, error) {
	who, err := caller(ctx, ScopeRead)
	if err != nil {
		return nil, "", err
	}
	if q.Limit <= 0 || q.Limit > MaxLimit {
		q.Limit = DefaultLimit
	}
	files, next, err := s.Store.ListFiles(ctx, who.TenantID, q)
	if err != nil {
		return nil, "", fmt.Errorf("list files: %w", err)
	}
	return files, next, nil
}

// DownloadURL signs a GET of a confirmed file (scope files:read); a
// PENDING file has nothing to download (KindConflict).
func (s *Service) DownloadURL(ctx context.Context, id string) (Download, error) {
	who, err := caller(ctx, ScopeRead)
	if err != nil {
		return Download{}, err
	}
	return s.ConfirmedDownload(ctx, who.TenantID, id)
}

// ConfirmedDownload is the file id's metadata and a presigned GET URL valid
// for DownloadURLExpiry, for a CONFIRMED file of tenantID. It checks no
// scope: it is for services that already authorised their caller (the
// direct writes' uploadFile hands the URL to Shopify's staged upload).
// Errors: KindNotFound (unknown, malformed, deleted or another tenant's
// id), KindConflict (not confirmed yet).
func (s *Service) ConfirmedDownload(ctx context.Context, tenantID, id string) (Download, error) {
	f, err := s.file(ctx, tenantID, id)
	if err != nil {
		return Download{}, err
	}
	if f.Status != StatusConfirmed {
		return Download{}, platform.E(platform.KindConflict, "file "+id+" is not confirmed yet: upload it and confirm it first")
	}
	d, err := s.Objects.PresignGet(ctx, f.S3Key, f.ContentType, f.Name, DownloadURLExpiry)
	if err != nil {
		return Download{}, fmt.Errorf("sign download of %s: %w", id, err)
	}
	return Download{File: f, Download: d}, nil
}

// Delete removes the file's object, then its metadata (scope files:write).
// In that order a failure in between leaves the metadata, so a retried
// DELETE finishes the job (deleting a missing object succeeds).
func (s *Service) Delete(ctx context.Context, id string) error {
	who, err := caller(ctx, ScopeWrite)
	if err != nil {
		return err
	}
	f, err := s.file(ctx, who.TenantID, id)
	if err != nil {
		return err
	}
	if err := s.Objects.Delete(ctx, f.S3Key); err != nil {
		return fmt.Errorf("delete object of %s: %w", id, err)
	}
	if err := s.Store.DeleteFile(ctx, who.TenantID, id); err != nil {
		return fmt.Errorf("delete file %s: %w", id, err)
	}
	return nil
}

// file reads one file of the tenant; a malformed id is NOT_FOUND without a
// read.
func (s *Service) file(ctx context.Context, tenantID, id string) (File, error) {
	if !ValidID(id) {
		return File{}, NotFound(id)
	}
	f, err := s.Store.File(ctx, tenantID, id)
	if err != nil {
		if platform.KindOf(err) == platform.KindNotFound {
			return File{}, NotFound(id)
		}
		return File{}, fmt.Errorf("read file %s: %w", id, err)
	}
	return f, nil
}
