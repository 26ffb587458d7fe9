package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flux-platform/flux/infra/dev"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/store"
)

type uploadAnswer struct {
	FileID        string            `json:"fileId"`
	UploadURL     string            `json:"uploadUrl"`
	UploadMethod  string            `json:"uploadMethod"`
	UploadHeaders map[string]string `json:"uploadHeaders"`
	ExpiresAt     string            `json:"expiresAt"`
}

type fileAnswer struct {
	ID          string  `json:"id"`
	TenantID    string  `json:"tenantId"`
	FileName    string  `json:"fileName"`
	MimeType    string  `json:"mimeType"`
	SizeBytes   int64   `json:"sizeBytes"`
	Status      string  `json:"status"`
	EntityName  *string `json:"entityName"`
	ConfirmedAt *string `json:"confirmedAt"`
}

// Files in Flux over HTTP through the local stack, with the presigned URLs
// pointing at moto: upload-url → PUT to moto → confirm → get → list with
// filters → download-url returns the bytes → delete → 404. moto does not
// check presigned signatures, so a PUT with another Content-Type or size is
// stored there (S3 would answer 403 SignatureDoesNotMatch: the URL signs
// both, see shared/files TestPresignPutSignsTypeAndLength); confirm catches
// it by HeadObject, refuses with 422 and deletes the object, and the file
// can then be uploaded correctly. Another tenant's ids are 404, a key
// without the scope 403, no key 401, bad input 422/400/413.
func TestFilesEndToEnd(t *testing.T) {
	e := startStackWith(t, dev.LocalShopify{}, func(o *dev.Options) {
		o.FunctionEnv = map[string]map[string]string{"RestAuditExportFunction": {"AUDIT_EXPORT_MAX_BYTES": "1024"}}
	})
	demo, second := e.keys["demo"], e.keys["second"]
	ctx := context.Background()
	st := store.New(dynamodb.NewFromConfig(e.cfg), e.stack.TableName())
	keys := &auth.Keys{Store: st}
	readOnly, _, err := keys.Issue(ctx, "demo", "e2e", "files read", []auth.Scope{auth.ScopeFilesRead})
	if err != nil {
		t.Fatal(err)
	}
	configOnly, _, err := keys.Issue(ctx, "demo", "e2e", "config only", []auth.Scope{auth.ScopeConfigRead})
	if err != nil {
		t.Fatal(err)
	}
	s3c := s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := e.names.BucketName("FilesBucket")

	call := func(key, method, path string, body any) response {
		t.Helper()
		h := map[string]string{}
		if key != "" {
			h["Authorization"] = "Bearer " + key
		}
		var raw []byte
		switch b := body.(type) {
		case nil:
		case string:
			raw = []byte(b)
			h["Content-Type"] = "application/json"
		default:
			raw, _ = json.Marshal(b)
			h["Content-Type"] = "application/json"
		}
		return e.do(method, path, raw, h)
	}
	decode := func(r response, status int, v any) {
		t.Helper()
		if r.status != status {
			t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
		}
		if v != nil {
			if err := json.Unmarshal(r.body, v); err != nil {
				t.Fatalf("decode %s: %v", r.body, err)
			}
		}
	}
	wantError := func(r response, status int, code, contains string) {
		t.Helper()
		var body gqlResponse
		if r.status != status || json.Unmarshal(r.body, &body) != nil || len(body.Errors) != 1 ||
			body.Errors[0].Extensions.Code != code || body.Errors[0].Extensions.StatusCode != status ||
			!strings.Contains(body.Errors[0].Message, contains) {
			t.Fatalf("got %d %s, want %d %s containing %q", r.status, r.body, status, code, contains)
		}
	}
	put := func(up uploadAnswer, contentType string, body []byte) int {
		t.Helper()
		req, err := http.NewRequest(up.UploadMethod, up.UploadURL, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range up.UploadHeaders {
			req.Header.Set(k, v)
		}
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	upload := func(name, mime string, size int, entity string) uploadAnswer {
		t.Helper()
		req := map[string]any{"fileName": name, "mimeType": mime, "sizeBytes": size}
		if entity != "" {
			req["entityName"] = entity
		}
		var up uploadAnswer
		decode(call(demo, "POST", "/api/v1/files/upload-url", req), http.StatusOK, &up)
		if !strings.HasPrefix(up.UploadURL, endpoints(t).AWS+"/"+bucket+"/tenants/demo/files/"+up.FileID+"/") {
			t.Fatalf("upload URL %s is not the tenant's key in the stack's bucket on moto", up.UploadURL)
		}
		if up.UploadMethod != "PUT" || up.UploadHeaders["Content-Type"] != mime || up.ExpiresAt == "" {
			t.Fatalf("upload answer %+v", up)
		}
		return up
	}

	// 1. The happy path, seed 004's example shape.
	jpeg := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0xe0}, 1024) // 4 KB
	hero := upload("product-hero.jpg", "image/jpeg", len(jpeg), "Product")
	var pending fileAnswer
	decode(call(readOnly, "GET", "/api/v1/files/"+hero.FileID, nil), http.StatusOK, &pending)
	if pending.Status != "PENDING" || pending.ConfirmedAt != nil || pending.TenantID != "demo" {
		t.Errorf("before upload: %+v", pending)
	}
	wantError(call(demo, "POST", "/api/v1/files/"+hero.FileID+"/confirm", nil), 409, "CONFLICT", "has not been uploaded")
	wantError(call(demo, "GET", "/api/v1/files/"+hero.FileID+"/download-url", nil), 409, "CONFLICT", "not confirmed")
	if code := put(hero, "image/jpeg", jpeg); code != http.StatusOK {
		t.Fatalf("PUT to moto = %d", code)
	}
	var confirmed fileAnswer
	decode(call(demo, "POST", "/api/v1/files/"+hero.FileID+"/confirm", nil), http.StatusOK, &confirmed)
	if confirmed.Status != "CONFIRMED" || confirmed.ConfirmedAt == nil || confirmed.SizeBytes != int64(len(jpeg)) ||
		confirmed.FileName != "product-hero.jpg" || confirmed.MimeType != "image/jpeg" || confirmed.EntityName == nil {
		t.Errorf("confirmed: %+v", confirmed)
	}
	var again fileAnswer
	decode(call(demo, "POST", "/api/v1/files/"+hero.FileID+"/confirm", nil), http.StatusOK, &again)
	if again.Status != "CONFIRMED" || *again.ConfirmedAt != *confirmed.ConfirmedAt {
		t.Errorf("a retried confirm changed the file: %+v", again)
	}

	// 2. Wrong type, then wrong size: moto stores what S3 would refuse;
	// confirm refuses and deletes it; the right bytes then confirm.
	doc := []byte("%PDF-1.7 flux e2e manual")
	manual := upload("Manual (EN).pdf", "application/pdf", len(doc), "")
	t.Logf("moto answered a PUT with another Content-Type: %d (S3: 403)", put(manual, "text/plain", doc))
	wantError(call(demo, "POST", "/api/v1/files/"+manual.FileID+"/confirm", nil), 422, "VALIDATION_ERROR", "declared type application/pdf, uploaded text/plain")
	objectKey := "tenants/demo/files/" + manual.FileID + "/Manual-EN.pdf"
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(objectKey)}); err == nil {
		t.Error("the mismatched upload was not deleted")
	}
	t.Logf("moto answered a PUT of another size: %d (S3: 403)", put(manual, "application/pdf", append(doc, '!')))
	wantError(call(demo, "POST", "/api/v1/files/"+manual.FileID+"/confirm", nil), 422, "VALIDATION_ERROR",
		"declared "+strconv.Itoa(len(doc))+" bytes, uploaded "+strconv.Itoa(len(doc)+1))
	if code := put(manual, "application/pdf", doc); code != http.StatusOK {
		t.Fatalf("PUT = %d", code)
	}
	decode(call(demo, "POST", "/api/v1/files/"+manual.FileID+"/confirm", nil), http.StatusOK, nil)
	stray := upload("never.png", "image/png", 10, "")

	// 3. List: newest first, filters, limit and cursor.
	type page struct {
		Files      []fileAnswer `json:"files"`
		NextCursor *string      `json:"nextCursor"`
	}
	listIDs := func(query string) ([]string, *string) {
		t.Helper()
		var p page
		decode(call(readOnly, "GET", "/api/v1/files"+query, nil), http.StatusOK, &p)
		var ids []string
		for _, f := range p.Files {
			ids = append(ids, f.ID)
		}
		return ids, p.NextCursor
	}
	eq := func(got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("listed %v, want %v", got, want)
		}
	}
	all, next := listIDs("")
	eq(all, stray.FileID, manual.FileID, hero.FileID)
	if next != nil {
		t.Errorf("nextCursor %v on the only page", *next)
	}
	first, next := listIDs("?limit=2")
	eq(first, stray.FileID, manual.FileID)
	if next == nil {
		t.Fatal("no nextCursor")
	}
	rest, _ := listIDs("?limit=2&cursor=" + *next)
	eq(rest, hero.FileID)
	confirmedOnly, _ := listIDs("?status=CONFIRMED")
	eq(confirmedOnly, manual.FileID, hero.FileID)
	images, _ := listIDs("?mimeType=image%2F*")
	eq(images, stray.FileID, hero.FileID)
	products, _ := listIDs("?entityName=Product&limit=50")
	eq(products, hero.FileID)
	wantError(call(readOnly, "GET", "/api/v1/files?limit=500", nil), 400, "VALIDATION_ERROR", "limit must be")
	wantError(call(readOnly, "GET", "/api/v1/files?entity=Product", nil), 400, "VALIDATION_ERROR", "unknown parameter")

	// 4. download-url returns the bytes.
	var dl struct {
		URL       string `json:"url"`
		FileName  string `json:"fileName"`
		MimeType  string `json:"mimeType"`
		ExpiresAt string `json:"expiresAt"`
	}
	decode(call(readOnly, "GET", "/api/v1/files/"+hero.FileID+"/download-url", nil), http.StatusOK, &dl)
	if dl.FileName != "product-hero.jpg" || dl.MimeType != "image/jpeg" || dl.ExpiresAt == "" {
		t.Errorf("download answer %+v", dl)
	}
	resp, err := http.Get(dl.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, jpeg) {
		t.Errorf("download = %d, %d bytes, want the %d uploaded", resp.StatusCode, len(got), len(jpeg))
	}

	// 5. Another tenant, scopes, no key.
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/files/" + hero.FileID}, {"GET", "/api/v1/files/" + hero.FileID + "/download-url"},
		{"POST", "/api/v1/files/" + hero.FileID + "/confirm"}, {"DELETE", "/api/v1/files/" + hero.FileID},
	} {
		wantError(call(second, r.method, r.path, nil), 404, "NOT_FOUND", "not found")
	}
	var secondList page
	decode(call(second, "GET", "/api/v1/files", nil), http.StatusOK, &secondList)
	if len(secondList.Files) != 0 {
		t.Errorf("second tenant lists %d files", len(secondList.Files))
	}
	wantError(call(readOnly, "POST", "/api/v1/files/upload-url", map[string]any{"fileName": "a.png", "mimeType": "image/png", "sizeBytes": 1}), 403, "FORBIDDEN", "files:write")
	wantError(call(readOnly, "DELETE", "/api/v1/files/"+hero.FileID, nil), 403, "FORBIDDEN", "files:write")
	wantError(call(configOnly, "GET", "/api/v1/files/"+hero.FileID, nil), 403, "FORBIDDEN", "files:read")
	wantError(call(configOnly, "GET", "/api/v1/files", nil), 403, "FORBIDDEN", "files:read")
	if r := call("", "GET", "/api/v1/files", nil); r.status != 401 {
		t.Errorf("no key: %d %s", r.status, r.body)
	}

	// 6. Bad input.
	for _, c := range []struct {
		body     string
		status   int
		contains string
	}{
		{`{"fileName":"big.mp4","mimeType":"video/mp4","sizeBytes":104857601}`, 422, "over the limit"},
		{`{"fileName":"empty.png","mimeType":"image/png","sizeBytes":0}`, 422, "positive"},
		{`{"fileName":"page.html","mimeType":"text/html","sizeBytes":10}`, 422, "not allowed"},
		{`{"fileName":"../../x.png","mimeType":"image/png","sizeBytes":10}`, 422, "cannot contain /"},
		{`{"fileName":"x.png",`, 422, "not valid JSON"},
		{`{"fileName":"x.png","mimeType":"image/png","sizeBytes":10,"bucket":"x"}`, 422, "unknown field"},
		{`{"fileName":"` + strings.Repeat("x", 20000) + `"}`, 413, "larger than"},
	} {
		wantError(call(demo, "POST", "/api/v1/files/upload-url", c.body), c.status, "VALIDATION_ERROR", c.contains)
	}
	wantError(call(demo, "GET", "/api/v1/files/file_nope", nil), 404, "NOT_FOUND", "not found")
	wantError(call(demo, "GET", "/api/v1/files/file_01kf0000000000000000000000", nil), 404, "NOT_FOUND", "not found")

	// 7. Delete: 204, then the file and its object are gone.
	if r := call(demo, "DELETE", "/api/v1/files/"+hero.FileID, nil); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("DELETE = %d %s", r.status, r.body)
	}
	wantError(call(demo, "GET", "/api/v1/files/"+hero.FileID, nil), 404, "NOT_FOUND", "not found")
	wantError(call(demo, "DELETE", "/api/v1/files/"+hero.FileID, nil), 404, "NOT_FOUND", "not found")
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("tenants/demo/files/" + hero.FileID + "/product-hero.jpg")}); err == nil {
		t.Error("the deleted file's object is still in the bucket")
	}
	after, _ := listIDs("")
	eq(after, stray.FileID, manual.FileID)

	// 8. Every call that changes files is audited, refusals included.
	window := "from=" + url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)) +
		"&to=" + url.QueryEscape(time.Now().Add(time.Minute).UTC().Format(time.RFC3339))
	rows, _ := e.export(demo, window+"&resourceType=file")
	audited := map[string]int{}
	for _, r := range rows {
		audited[r["action"]+" "+r["result"]]++
		if r["action"] == "file.delete" && r["result"] == "success" && r["resourceId"] != hero.FileID {
			t.Errorf("delete audited for %q, want %s", r["resourceId"], hero.FileID)
		}
	}
	for _, k := range []string{"file.requestUpload success", "file.confirm success", "file.delete success", "file.delete failure"} {
		if audited[k] == 0 {
			t.Errorf("no %q audit entry; entries %v", k, audited)
		}
	}
}
