package filesapi

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/files"
	"github.com/flux-platform/flux/shared/platform"
)

func TestParseUploadRequest(t *testing.T) {
	seed, err := os.ReadFile("testdata/upload-url.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		body    string
		want    files.UploadRequest
		wantErr string
	}{
		{name: "seed 004's example", body: string(seed), want: files.UploadRequest{Name: "product-hero.jpg", ContentType: "image/jpeg", Size: 2048576}},
		{name: "all fields", body: `{"fileName":"a.pdf","mimeType":"application/pdf","sizeBytes":10,"checksumSha256":"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=","entityName":"Product","entityId":"p1","fieldName":"manual"}`,
			want: files.UploadRequest{Name: "a.pdf", ContentType: "application/pdf", Size: 10, ChecksumSHA256: "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=", EntityName: "Product", EntityID: "p1", FieldName: "manual"}},
		{name: "empty", body: "", wantErr: "body is empty"},
		{name: "not JSON", body: "fileName=a.png", wantErr: "not valid JSON"},
		{name: "truncated", body: `{"fileName":"a.png"`, wantErr: "not valid JSON"},
		{name: "array", body: `[1]`, wantErr: "must be a JSON object"},
		{name: "two objects", body: `{"fileName":"a.png","mimeType":"image/png","sizeBytes":1} {}`, wantErr: "nothing after it"},
		{name: "unknown field", body: `{"fileName":"a.png","mimeType":"image/png","sizeBytes":1,"contentType":"x"}`, wantErr: `unknown field "contentType"`},
		{name: "missing size", body: `{"fileName":"a.png","mimeType":"image/png"}`, wantErr: "sizeBytes is required"},
		{name: "missing name", body: `{"mimeType":"image/png","sizeBytes":1}`, wantErr: "fileName is required"},
		{name: "null type", body: `{"fileName":"a.png","mimeType":null,"sizeBytes":1}`, wantErr: "mimeType is required"},
		{name: "fractional size", body: `{"fileName":"a.png","mimeType":"image/png","sizeBytes":1.5}`, wantErr: "sizeBytes must be an integer"},
		{name: "string size", body: `{"fileName":"a.png","mimeType":"image/png","sizeBytes":"12"}`, wantErr: "sizeBytes must be an integer"},
		{name: "huge size", body: `{"fileName":"a.png","mimeType":"image/png","sizeBytes":1e30}`, wantErr: "sizeBytes must be an integer"},
		{name: "number name", body: `{"fileName":5,"mimeType":"image/png","sizeBytes":1}`, wantErr: "fileName must be a string"},
		{name: "over 100 MB", body: `{"fileName":"a.mp4","mimeType":"video/mp4","sizeBytes":104857601}`, wantErr: "over the limit"},
		{name: "zero", body: `{"fileName":"a.mp4","mimeType":"video/mp4","sizeBytes":0}`, wantErr: "positive"},
		{name: "type not allowed", body: `{"fileName":"a.exe","mimeType":"application/x-msdownload","sizeBytes":5}`, wantErr: "not allowed"},
		{name: "path name", body: `{"fileName":"../a.png","mimeType":"image/png","sizeBytes":5}`, wantErr: "cannot contain /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUploadRequest([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if platform.KindOf(err) != platform.KindValidation {
					t.Errorf("kind %v, want validation (422)", platform.KindOf(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseListQuery(t *testing.T) {
	const id = "file_01kf0000000000000000000000"
	tests := []struct {
		raw     string
		want    files.ListQuery
		wantErr string
	}{
		{raw: "", want: files.ListQuery{Limit: 50}},
		{raw: "entityName=Product&limit=50", want: files.ListQuery{EntityName: "Product", Limit: 50}},
		{raw: "status=CONFIRMED&mimeType=image%2F*&limit=3&cursor=" + id, want: files.ListQuery{Status: files.StatusConfirmed, ContentType: "image/*", Limit: 3, Cursor: id}},
		{raw: "mimeType=application/pdf&entityId=p1&fieldName=manual", want: files.ListQuery{ContentType: "application/pdf", EntityID: "p1", FieldName: "manual", Limit: 50}},
		{raw: "status=DELETED", wantErr: "PENDING or CONFIRMED"},
		{raw: "limit=0", wantErr: "between 1 and 100"},
		{raw: "limit=101", wantErr: "between 1 and 100"},
		{raw: "limit=05", wantErr: "between 1 and 100"},
		{raw: "cursor=abc", wantErr: "not a cursor"},
		{raw: "mimeType=text/html", wantErr: "not an allowed type"},
		{raw: "mimeType=audio/*", wantErr: "matches no allowed type"},
		{raw: "entityName=", wantErr: "entityName is empty"},
		{raw: "limit=1&limit=2", wantErr: "more than once"},
		{raw: "entity=Product", wantErr: `unknown parameter "entity"`},
		{raw: "%zz", wantErr: "malformed"},
		{raw: "entityName=" + strings.Repeat("a", 3000), wantErr: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := ParseListQuery(tt.raw)
			if tt.wantErr != "" {
				var pe *ParamError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &pe) {
					t.Fatalf("err = %v, want a ParamError (400) containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseUploadRequest: any body is either a valid declaration or a
// validation error; never a panic, never another kind.
func FuzzParseUploadRequest(f *testing.F) {
	seed, _ := os.ReadFile("testdata/upload-url.json")
	f.Add(seed)
	f.Add([]byte(`{"fileName":"a\u0000.png","mimeType":"image/png","sizeBytes":-1}`))
	f.Add([]byte(`{"fileName":"é.pdf","mimeType":"application/pdf","sizeBytes":104857600,"checksumSha256":"AA=="}`))
	f.Add([]byte(`[{"fileName":1}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseUploadRequest(body)
		if err != nil {
			if platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("kind %v for %q: %v", platform.KindOf(err), body, err)
			}
			return
		}
		if req.Validate() != nil || req.Size <= 0 || req.Size > files.MaxSizeBytes {
			t.Fatalf("accepted an invalid declaration %+v", req)
		}
		if strings.ContainsAny(files.ObjectKey("t", "file_x", req.Name)[len("tenants/t/files/file_x/"):], "/\\") {
			t.Fatalf("key of %q leaves its prefix", req.Name)
		}
	})
}

// FuzzParseListQuery: any query string is a list query within bounds or a
// 400 ParamError.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{"", "entityName=Product&limit=50", "mimeType=image/*&status=PENDING", "cursor=file_01kf0000000000000000000000", "%", "limit=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseListQuery(raw)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("%q: %v is not a ParamError", raw, err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > files.MaxLimit || (q.Cursor != "" && !files.ValidID(q.Cursor)) {
			t.Fatalf("%q: out of bounds %+v", raw, q)
		}
	})
}
