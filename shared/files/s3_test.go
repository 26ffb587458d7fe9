package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
)

func offlineClient() *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
}

// The presigned PUT signs Content-Type and Content-Length (and the
// checksum when declared), so S3 refuses a PUT of another type or size with
// SignatureDoesNotMatch; no SDK checksum parameter is signed unless declared.
func TestPresignPutSignsTypeAndLength(t *testing.T) {
	o := NewS3Objects(offlineClient(), "flux-files")
	tests := []struct {
		name        string
		checksum    string
		wantSigned  string
		wantHeaders map[string]string
	}{
		{"no checksum", "", "content-length;content-type;host", map[string]string{"Content-Type": "image/png"}},
		{"checksum", "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=", "content-length;content-type;host;x-amz-checksum-sha256",
			map[string]string{"Content-Type": "image/png", "x-amz-checksum-sha256": "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := o.PresignPut(context.Background(), "tenants/demo/files/file_x/a.png", "image/png", 1234, tt.checksum, UploadURLExpiry)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(p.URL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if got := q.Get("X-Amz-SignedHeaders"); got != tt.wantSigned {
				t.Errorf("X-Amz-SignedHeaders = %q, want %q", got, tt.wantSigned)
			}
			if got := q.Get("X-Amz-Expires"); got != "900" {
				t.Errorf("X-Amz-Expires = %q, want 900", got)
			}
			for k := range q {
				if strings.HasPrefix(strings.ToLower(k), "x-amz-sdk-checksum") || strings.HasPrefix(strings.ToLower(k), "x-amz-checksum") {
					t.Errorf("query carries %s: an SDK checksum would refuse every upload", k)
				}
			}
			if p.Method != http.MethodPut || !strings.Contains(u.Path, "tenants/demo/files/file_x/a.png") {
				t.Errorf("method %s path %s", p.Method, u.Path)
			}
			if diff := cmp.Diff(tt.wantHeaders, p.Headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPresignGetIsAnAttachment(t *testing.T) {
	o := NewS3Objects(offlineClient(), "flux-files")
	p, err := o.PresignGet(context.Background(), "tenants/demo/files/file_x/a.png", "image/png", "a b.png", DownloadURLExpiry)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(p.URL)
	q := u.Query()
	if q.Get("X-Amz-Expires") != "300" || q.Get("response-content-type") != "image/png" ||
		q.Get("response-content-disposition") != ContentDisposition("a b.png") {
		t.Errorf("presigned GET query = %v", q)
	}
}

// s3Endpoint is moto's endpoint; skipped (or failed with
// FLUX_REQUIRE_INTEGRATION=1) when unset.
func s3Endpoint(t *testing.T) string {
	ep := os.Getenv("FLUX_TEST_AWS_ENDPOINT")
	if ep == "" {
		if os.Getenv("FLUX_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("FLUX_TEST_AWS_ENDPOINT must be set when FLUX_REQUIRE_INTEGRATION=1")
		}
		t.Skip("FLUX_TEST_AWS_ENDPOINT not set: skipping the S3 integration test")
	}
	return ep
}

// Against moto: a PUT to the presigned URL stores the object, Head reads
// its size and type, a missing key is not found, Delete is idempotent, and
// the presigned GET returns the bytes.
func TestS3ObjectsOnMoto(t *testing.T) {
	ctx := context.Background()
	c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s3Endpoint(t)), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	bucket := "files-test-" + hex.EncodeToString(b)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	o := NewS3Objects(c, bucket)
	key := ObjectKey("demo", NewID(time.Now()), "hello.txt")
	body := []byte("hello, flux")
	if _, found, err := o.Head(ctx, key); err != nil || found {
		t.Fatalf("Head before upload: found=%v err=%v", found, err)
	}
	p, err := o.PresignPut(ctx, key, "text/plain", int64(len(body)), "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(p.Method, p.URL, bytes.NewReader(body))
	for k, v := range p.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT = %d", resp.StatusCode)
	}
	info, found, err := o.Head(ctx, key)
	if err != nil || !found {
		t.Fatalf("Head: found=%v err=%v", found, err)
	}
	if diff := cmp.Diff(ObjectInfo{Size: int64(len(body)), ContentType: "text/plain"}, info); diff != "" {
		t.Errorf("Head (-want +got):\n%s", diff)
	}
	g, err := o.PresignGet(ctx, key, "text/plain", "hello.txt", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(g.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Errorf("GET = %d %q", resp.StatusCode, got)
	}
	// moto ignores response-content-disposition (S3 honours it); the
	// parameter itself is checked by TestPresignGetIsAnAttachment.
	for range 2 {
		if err := o.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if _, found, _ := o.Head(ctx, key); found {
		t.Error("object still there after Delete")
	}
	_, _ = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
}
