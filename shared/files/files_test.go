package files

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/flux-platform/flux/shared/platform"
)

func TestUploadRequestValidate(t *testing.T) {
	ok := UploadRequest{Name: "product-hero.jpg", ContentType: "image/jpeg", Size: 2048576}
	tests := []struct {
		name    string
		edit    func(*UploadRequest)
		wantErr string // "" = valid
	}{
		{"seed example", func(*UploadRequest) {}, ""},
		{"unicode name", func(r *UploadRequest) { r.Name = "Été 2026 — affiche.png"; r.ContentType = "image/png" }, ""},
		{"max size", func(r *UploadRequest) { r.Size = MaxSizeBytes }, ""},
		{"one byte", func(r *UploadRequest) { r.Size = 1 }, ""},
		{"checksum", func(r *UploadRequest) { r.ChecksumSHA256 = "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=" }, ""},
		{"entity", func(r *UploadRequest) { r.EntityName, r.EntityID, r.FieldName = "Product", "node_abc123", "heroImage" }, ""},
		{"over 100 MB", func(r *UploadRequest) { r.Size = MaxSizeBytes + 1 }, "over the limit"},
		{"zero size", func(r *UploadRequest) { r.Size = 0 }, "positive"},
		{"negative size", func(r *UploadRequest) { r.Size = -5 }, "positive"},
		{"type not allowed", func(r *UploadRequest) { r.ContentType = "text/html" }, "not allowed"},
		{"svg not allowed", func(r *UploadRequest) { r.ContentType = "image/svg+xml" }, "not allowed"},
		{"type with params", func(r *UploadRequest) { r.ContentType = "text/plain; charset=utf-8" }, `exactly "text/plain"`},
		{"type upper case", func(r *UploadRequest) { r.ContentType = "IMAGE/JPEG" }, `exactly "image/jpeg"`},
		{"no type", func(r *UploadRequest) { r.ContentType = "" }, "mimeType is required"},
		{"no name", func(r *UploadRequest) { r.Name = "" }, "fileName is required"},
		{"blank name", func(r *UploadRequest) { r.Name = "   " }, "blank"},
		{"path", func(r *UploadRequest) { r.Name = "../../etc/passwd" }, "cannot contain /"},
		{"windows path", func(r *UploadRequest) { r.Name = `C:\x.png` }, "cannot contain /"},
		{"dot dot", func(r *UploadRequest) { r.Name = ".." }, "cannot be"},
		{"NUL", func(r *UploadRequest) { r.Name = "a\x00.png" }, "control"},
		{"newline", func(r *UploadRequest) { r.Name = "a\n.png" }, "control"},
		{"bidi override", func(r *UploadRequest) { r.Name = "gpj.\u202eexe" }, "invisible"},
		{"invalid UTF-8", func(r *UploadRequest) { r.Name = "a\xff.png" }, "UTF-8"},
		{"long name", func(r *UploadRequest) { r.Name = strings.Repeat("a", 252) + ".png" }, "longer than 255"},
		{"bad checksum", func(r *UploadRequest) { r.ChecksumSHA256 = "abc" }, "checksumSha256"},
		{"short checksum", func(r *UploadRequest) { r.ChecksumSHA256 = "YWJj" }, "32-byte"},
		{"long entity", func(r *UploadRequest) { r.EntityName = strings.Repeat("x", 129) }, "entityName is longer"},
		{"control in field", func(r *UploadRequest) { r.FieldName = "a\tb" }, "fieldName contains"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.edit(&r)
			err := r.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
			if platform.KindOf(err) != platform.KindValidation {
				t.Errorf("kind = %v, want validation", platform.KindOf(err))
			}
		})
	}
}

func TestSanitizeName(t *testing.T) {
	tests := map[string]string{
		"product-hero.jpg":                 "product-hero.jpg",
		"Product Hero (1).JPG":             "Product-Hero-1.JPG",
		"Été 2026 — affiche.png":           "t-2026-affiche.png",
		"...hidden":                        "hidden",
		"a..b":                             "a.b",
		"a - b.png":                        "a-b.png",
		"日本語.pdf":                          "pdf",
		"日本語":                              "file",
		"---":                              "file",
		".":                                "file",
		"report_final__v2.csv":             "report_final_v2.csv",
		strings.Repeat("x", 300) + ".webp": strings.Repeat("x", 95) + ".webp",
	}
	for in, want := range tests {
		if got := SanitizeName(in); got != want {
			t.Errorf("SanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestObjectKeyAndIDs(t *testing.T) {
	id := NewID(time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC))
	if !ValidID(id) {
		t.Fatalf("NewID() = %q is not ValidID", id)
	}
	later := NewID(time.Date(2026, 1, 15, 10, 30, 1, 0, time.UTC))
	if later <= id {
		t.Errorf("ids do not sort by time: %q then %q", id, later)
	}
	for _, bad := range []string{"", "file_", "file_ABC", "FILE_01kf0000000000000000000000", "file_01kf00000000000000000000000", "../file_x", "file_01kf000000000000000000000u"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
	if got, want := ObjectKey("demo", id, "../x y.png"), "tenants/demo/files/"+id+"/x-y.png"; got != want {
		t.Errorf("ObjectKey = %q, want %q", got, want)
	}
}

func TestContentDisposition(t *testing.T) {
	got := ContentDisposition(`Été "final".pdf`)
	want := `attachment; filename="t-final.pdf"; filename*=UTF-8''%C3%89t%C3%A9%20%22final%22.pdf`
	if got != want {
		t.Errorf("ContentDisposition = %q, want %q", got, want)
	}
}

var keySafe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// FuzzSanitizeName: whatever the name, its key form is short, safe ASCII
// that cannot leave the file's prefix, and never empty.
func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"product-hero.jpg", "../../etc/passwd", "日本語.pdf", "...", strings.Repeat("é", 200) + ".png", "a\x00b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := SanitizeName(name)
		if s == "" || len(s) > MaxKeyNameBytes || !keySafe.MatchString(s) || strings.Contains(s, "..") {
			t.Fatalf("SanitizeName(%q) = %q", name, s)
		}
		if SanitizeName(s) != s {
			t.Fatalf("SanitizeName is not idempotent on %q: %q then %q", name, s, SanitizeName(s))
		}
		if ValidateName(name) == nil && !utf8.ValidString(name) {
			t.Fatalf("ValidateName accepted invalid UTF-8 %q", name)
		}
	})
}
