package filesapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/files"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store/storetest"
)

// NewReader's ConfirmedDownload, what uploadFile uses, on DynamoDB Local
// and moto: CONFLICT while PENDING, then the metadata and a URL that
// returns the bytes; another tenant's id NOT_FOUND.
func TestConfirmedDownload(t *testing.T) {
	ctx := context.Background()
	_, table := storetest.NewTableName(t)
	ep := os.Getenv("FLUX_TEST_AWS_ENDPOINT")
	if ep == "" {
		t.Skip("FLUX_TEST_AWS_ENDPOINT not set")
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(ep)
	ddb := storetest.Endpoint(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	bucket := "files-reader-" + hex.EncodeToString(b)
	s3c := s3.NewFromConfig(cfg)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	ddbCfg := cfg.Copy()
	ddbCfg.BaseEndpoint = aws.String(ddb)
	svc := NewReader(ddbCfg, table, bucket)
	svc.Objects = files.NewS3Objects(s3c, bucket) // S3 on moto, the table on DynamoDB Local

	writer := auth.WithIdentity(ctx, auth.Identity{TenantID: "demo", Principal: "key_1", Scopes: []auth.Scope{auth.ScopeFilesWrite}})
	body := []byte("a staged upload for Shopify")
	up, err := svc.RequestUpload(writer, files.UploadRequest{Name: "notice.txt", ContentType: "text/plain", Size: int64(len(body))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ConfirmedDownload(ctx, "demo", up.File.ID); platform.KindOf(err) != platform.KindConflict {
		t.Fatalf("PENDING: %v, want conflict", err)
	}
	req, _ := http.NewRequest(up.Upload.Method, up.Upload.URL, bytes.NewReader(body))
	for k, v := range up.Upload.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := svc.Confirm(writer, up.File.ID); err != nil {
		t.Fatal(err)
	}
	d, err := svc.ConfirmedDownload(ctx, "demo", up.File.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.File.Name != "notice.txt" || d.File.ContentType != "text/plain" || d.File.Size != int64(len(body)) ||
		d.File.Status != files.StatusConfirmed || d.Download.ExpiresAt.Sub(d.File.CreatedAt) > files.DownloadURLExpiry+files.UploadURLExpiry {
		t.Errorf("download %+v", d)
	}
	resp, err = http.Get(d.Download.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, body) {
		t.Errorf("GET = %q", got)
	}
	if _, err := svc.ConfirmedDownload(ctx, "second", up.File.ID); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("another tenant: %v, want not found", err)
	}
	if _, err := svc.ConfirmedDownload(ctx, "demo", "file_nope"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("malformed id: %v, want not found", err)
	}
}
