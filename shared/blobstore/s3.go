// Package blobstore keeps large blobs (version bodies over the DynamoDB
// inline limit) in S3 by key. It satisfies store.Blobs.
package blobstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/flux-platform/flux/shared/platform"
)

// S3API is the part of the S3 client the blob store uses.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// S3 stores blobs in one bucket.
type S3 struct {
	Client S3API
	Bucket string
}

// Put writes body at key. Keys are content hashes, so writing a key again
// writes the same bytes: Put is idempotent.
func (b S3) Put(ctx context.Context, key string, body []byte) error {
	_, err := b.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(b.Bucket), Key: aws.String(key),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("put blob %s: %w", key, err)
	}
	return nil
}

// Get reads the blob at key; a missing key is a NotFound error.
func (b S3) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := b.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.Bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, platform.Wrap(platform.KindNotFound, "blob not found", err)
		}
		return nil, fmt.Errorf("get blob %s: %w", key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", key, err)
	}
	return body, nil
}

// Has reports whether a blob exists at key (HeadObject: no body read), so
// content-addressed writers can skip fetching what is already stored.
func (b S3) Has(ctx context.Context, key string) (bool, error) {
	_, err := b.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.Bucket), Key: aws.String(key)})
	if err == nil {
		return true, nil
	}
	var nf *types.NotFound
	var nsk *types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nsk) {
		return false, nil
	}
	return false, fmt.Errorf("head blob %s: %w", key, err)
}
