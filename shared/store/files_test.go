package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamodbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/files"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

func newFile(tenant string, at time.Time, name, ct string, size int64) files.File {
	id := files.NewID(at)
	return files.File{
		ID: id, TenantID: tenant, Name: name, ContentType: ct, Size: size, Status: files.StatusPending,
		S3Key: files.ObjectKey(tenant, id, name), CreatedBy: "key_1", CreatedAt: at.UTC(),
	}
}

// A file's life on DynamoDB Local: recorded PENDING with a TTL, read back,
// confirmed once (the TTL removed), a second confirm a conflict, invisible
// to another tenant, deleted once.
func TestFileLifecycle(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	at := time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)
	f := newFile("demo", at, "product-hero.jpg", "image/jpeg", 2048576)
	f.EntityName, f.EntityID, f.FieldName, f.ChecksumSHA256 = "Product", "p1", "hero", "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="
	if err := s.PutFile(ctx, f, at.Add(files.PendingTTL)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile(ctx, f, at.Add(files.PendingTTL)); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("second PutFile = %v, want conflict", err)
	}
	got, err := s.File(ctx, "demo", f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("File (-want +got):\n%s", diff)
	}
	raw := rawItem(t, s, store.FilesPK("demo"), store.FileSK(f.ID))
	if _, ok := raw["expiresAt"]; !ok {
		t.Error("a PENDING file has no expiresAt (TTL)")
	}
	if _, err := s.File(ctx, "second", f.ID); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("other tenant File = %v, want not found", err)
	}
	if _, err := s.ConfirmFile(ctx, "second", f.ID, at); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("other tenant ConfirmFile = %v, want not found", err)
	}
	if err := s.DeleteFile(ctx, "second", f.ID); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("other tenant DeleteFile = %v, want not found", err)
	}
	conf := at.Add(time.Minute)
	c, err := s.ConfirmFile(ctx, "demo", f.ID, conf)
	if err != nil {
		t.Fatal(err)
	}
	want := f
	want.Status, want.ConfirmedAt = files.StatusConfirmed, &conf
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("ConfirmFile (-want +got):\n%s", diff)
	}
	if _, ok := rawItem(t, s, store.FilesPK("demo"), store.FileSK(f.ID))["expiresAt"]; ok {
		t.Error("a CONFIRMED file keeps its TTL")
	}
	if _, err := s.ConfirmFile(ctx, "demo", f.ID, conf); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("second ConfirmFile = %v, want conflict", err)
	}
	if err := s.DeleteFile(ctx, "demo", f.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFile(ctx, "demo", f.ID); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("second DeleteFile = %v, want not found", err)
	}
	if _, err := s.File(ctx, "demo", f.ID); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("File after delete = %v, want not found", err)
	}
	if _, err := s.ConfirmFile(ctx, "demo", f.ID, conf); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("ConfirmFile after delete = %v, want not found", err)
	}
}

// Eight concurrent confirms: exactly one moves the file.
func TestConfirmFileOnce(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	f := newFile("demo", time.Now(), "a.png", "image/png", 5)
	if err := s.PutFile(ctx, f, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for range 8 {
		wg.Go(func() {
			_, err := s.ConfirmFile(ctx, "demo", f.ID, time.Now())
			mu.Lock()
			defer mu.Unlock()
			switch platform.KindOf(err) {
			case platform.KindConflict:
				conflicts++
			default:
				if err == nil {
					wins++
				} else {
					t.Errorf("ConfirmFile: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if wins != 1 || conflicts != 7 {
		t.Errorf("wins %d conflicts %d, want 1 and 7", wins, conflicts)
	}
}

// The list: newest first, pages with a cursor, filters, another tenant's
// files never listed.
func TestListFiles(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	at := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	var all []files.File // oldest first
	kinds := []struct{ name, ct, entity string }{
		{"a.png", "image/png", "Product"}, {"b.pdf", "application/pdf", "Page"}, {"c.jpg", "image/jpeg", "Product"},
	}
	for i := range 9 {
		k := kinds[i%3]
		f := newFile("demo", at.Add(time.Duration(i)*time.Second), k.name, k.ct, int64(i+1))
		f.EntityName = k.entity
		if err := s.PutFile(ctx, f, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			c, err := s.ConfirmFile(ctx, "demo", f.ID, at)
			if err != nil {
				t.Fatal(err)
			}
			f = c
		}
		all = append(all, f)
	}
	other := newFile("second", at.Add(time.Hour), "x.png", "image/png", 1)
	if err := s.PutFile(ctx, other, at.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	ids := func(fs []files.File) []string {
		out := []string{}
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	newest := func(pick func(files.File) bool) []string {
		out := []string{}
		for i := len(all) - 1; i >= 0; i-- {
			if pick(all[i]) {
				out = append(out, all[i].ID)
			}
		}
		return out
	}
	// Pages of 4 without filters: 4, 4, 1.
	var got []string
	cursor := ""
	for page := 0; ; page++ {
		fs, next, err := s.ListFiles(ctx, "demo", files.ListQuery{Limit: 4, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(fs)...)
		if next == "" {
			break
		}
		if len(fs) != 4 || page > 3 {
			t.Fatalf("page %d: %d files, next %q", page, len(fs), next)
		}
		cursor = next
	}
	if diff := cmp.Diff(newest(func(files.File) bool { return true }), got); diff != "" {
		t.Errorf("all pages (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		q    files.ListQuery
		pick func(files.File) bool
	}{
		{"confirmed", files.ListQuery{Status: files.StatusConfirmed}, func(f files.File) bool { return f.Status == files.StatusConfirmed }},
		{"pending", files.ListQuery{Status: files.StatusPending}, func(f files.File) bool { return f.Status == files.StatusPending }},
		{"images", files.ListQuery{ContentType: "image/*"}, func(f files.File) bool { return f.ContentType != "application/pdf" }},
		{"pdf", files.ListQuery{ContentType: "application/pdf"}, func(f files.File) bool { return f.ContentType == "application/pdf" }},
		{"Product confirmed", files.ListQuery{EntityName: "Product", Status: files.StatusConfirmed}, func(f files.File) bool {
			return f.EntityName == "Product" && f.Status == files.StatusConfirmed
		}},
		{"nothing", files.ListQuery{EntityID: "none"}, func(files.File) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Limit = 100
			fs, next, err := s.ListFiles(ctx, "demo", tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(newest(tt.pick), ids(fs)); diff != "" || next != "" {
				t.Errorf("next %q, (-want +got):\n%s", next, diff)
			}
		})
	}
	// A filtered page of 2 continues after its last file.
	fs, next, err := s.ListFiles(ctx, "demo", files.ListQuery{ContentType: "image/*", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := newest(func(f files.File) bool { return f.ContentType != "application/pdf" })
	if diff := cmp.Diff(want[:2], ids(fs)); diff != "" || next != want[1] {
		t.Errorf("filtered page: next %q (-want +got):\n%s", next, diff)
	}
	fs, _, err = s.ListFiles(ctx, "demo", files.ListQuery{ContentType: "image/*", Limit: 2, Cursor: next})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[2:4], ids(fs)); diff != "" {
		t.Errorf("filtered second page (-want +got):\n%s", diff)
	}
	fs, _, err = s.ListFiles(ctx, "second", files.ListQuery{Limit: 100})
	if err != nil || len(fs) != 1 || fs[0].ID != other.ID {
		t.Errorf("second tenant lists %v, %v", ids(fs), err)
	}
}

func rawItem(t *testing.T, s *store.Store, pk, sk string) map[string]any {
	t.Helper()
	out, err := s.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(s.Table), Key: map[string]dynamodbtypes.AttributeValue{
			"PK": &dynamodbtypes.AttributeValueMemberS{Value: pk}, "SK": &dynamodbtypes.AttributeValueMemberS{Value: sk},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	for k, v := range out.Item {
		m[k] = v
	}
	return m
}
