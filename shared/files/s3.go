package files

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3API is the part of the S3 client S3Objects calls.
type S3API interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// PresignAPI is the part of s3.PresignClient S3Objects calls.
type PresignAPI interface {
	PresignPutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
	PresignGetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

var (
	_ S3API      = (*s3.Client)(nil)
	_ PresignAPI = (*s3.PresignClient)(nil)
	_ Objects    = S3Objects{}
)

// S3Objects is the files bucket. Client may be nil for functions that only
// sign (upload-url, download-url); Presign nil for those that never sign.
type S3Objects struct {
	Client  S3API
	Presign PresignAPI
	Bucket  string
	Now     func() time.Time // nil = time.Now (the presigner signs with its own clock)
}

// NewS3Objects builds the bucket's clients from one S3 client. Presigned
// PUTs carry no SDK checksum parameters unless the caller declared one
// (RequestChecksumCalculation WhenRequired): a default CRC32 of an empty
// body would be signed into the URL and every real upload refused.
func NewS3Objects(client *s3.Client, bucket string) S3Objects {
	presign := s3.NewPresignClient(client, func(o *s3.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, func(o *s3.Options) {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		})
	})
	return S3Objects{Client: client, Presign: presign, Bucket: bucket}
}

func (o S3Objects) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// PresignPut signs a PUT whose signed headers include Content-Type and
// Content-Length (and x-amz-checksum-sha256 when declared): S3 answers 403
// SignatureDoesNotMatch to a PUT with another type or size.
func (o S3Objects) PresignPut(ctx context.Context, key, contentType string, size int64, checksumSHA256 string, expiry time.Duration) (Presigned, error) {
	in := &s3.PutObjectInput{
		Bucket: aws.String(o.Bucket), Key: aws.String(key),
		ContentType: aws.String(contentType), ContentLength: aws.Int64(size),
	}
	if checksumSHA256 != "" {
		in.ChecksumSHA256 = aws.String(checksumSHA256)
	}
	start := o.now()
	req, err := o.Presign.PresignPutObject(ctx, in, s3.WithPresignExpires(expiry))
	if err != nil {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	// The headers the client must send: the signed ones a client sets
	// (Host and Content-Length are set by every HTTP client).
	headers := map[string]string{"Content-Type": contentType}
	if checksumSHA256 != "" {
		headers["x-amz-checksum-sha256"] = checksumSHA256
	}
	for k, v := range req.SignedHeader {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") && len(v) > 0 {
			headers[lk] = v[0]
		}
	}
	return Presigned{URL: req.URL, Method: req.Method, Headers: headers, ExpiresAt: start.Add(expiry).UTC().Truncate(time.Second)}, nil
}

// PresignGet signs a GET answered with contentType and
// Content-Disposition: attachment with the original name (RFC 6266: an
// ASCII fallback and the UTF-8 form).
func (o S3Objects) PresignGet(ctx context.Context, key, contentType, downloadName string, expiry time.Duration) (Presigned, error) {
	start := o.now()
	req, err := o.Presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(o.Bucket), Key: aws.String(key),
		ResponseContentType:        aws.String(contentType),
		ResponseContentDisposition: aws.String(ContentDisposition(downloadName)),
	}, s3.WithPresignExpires(expiry))
	if err != nil {
		return Presigned{}, fmt.Errorf("presign get %s: %w", key, err)
	}
	return Presigned{URL: req.URL, Method: req.Method, Headers: map[string]string{}, ExpiresAt: start.Add(expiry).UTC().Truncate(time.Second)}, nil
}

// ContentDisposition is an attachment header for name: a quoted ASCII
// fallback (the sanitised name) and filename* with the UTF-8 name.
func ContentDisposition(name string) string {
	return `attachment; filename="` + SanitizeName(name) + `"; filename*=UTF-8''` + url.PathEscape(name)
}

// Head reads the object's size, type and SHA-256 checksum (when S3 has
// one). A missing object is found = false (S3 answers 404 to HeadObject
// only when the caller may list the bucket: the confirm function's policy
// grants s3:ListBucket on the tenants/ prefix for that).
func (o S3Objects) Head(ctx context.Context, key string) (ObjectInfo, bool, error) {
	out, err := o.Client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(o.Bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		if isNotFound(err) {
			return ObjectInfo{}, false, nil
		}
		return ObjectInfo{}, false, fmt.Errorf("head %s: %w", key, err)
	}
	return ObjectInfo{
		Size:           aws.ToInt64(out.ContentLength),
		ContentType:    aws.ToString(out.ContentType),
		ChecksumSHA256: aws.ToString(out.ChecksumSHA256),
	}, true, nil
}

// Delete removes the object; S3 answers a delete of a missing key with
// success, so Delete is idempotent.
func (o S3Objects) Delete(ctx context.Context, key string) error {
	if _, err := o.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(key)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

func isNotFound(err error) bool {
	var nf *types.NotFound
	var nsk *types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nsk) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "NotFound" || api.ErrorCode() == "NoSuchKey")
}
