package sync

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
)

func TestReadFromStores(t *testing.T) {
	tests := []struct {
		name   string
		stores []config.Store
		want   []string
	}{
		{"empty", nil, []string{}},
		{"source first, others in group order", []config.Store{
			{Domain: "qa.myshopify.com", Classification: config.QA},
			{Domain: "prod.myshopify.com", Classification: config.Production},
			{Domain: "src.myshopify.com", Classification: config.Source},
		}, []string{"src.myshopify.com", "qa.myshopify.com", "prod.myshopify.com"}},
		{"no source", []config.Store{{Domain: "prod.myshopify.com", Classification: config.Production}}, []string{"prod.myshopify.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ReadFromStores(config.StoreGroup{Stores: tt.stores})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		parse   func(string) (string, error)
		want    string
		wantErr bool
	}{
		{" objects ", func(s string) (string, error) { v, err := ParseType(s); return string(v), err }, "OBJECTS", false},
		{"PAGES", func(s string) (string, error) { v, err := ParseType(s); return string(v), err }, "", true},
		{"cancelled", func(s string) (string, error) { v, err := ParseStatus(s); return string(v), err }, "CANCELLED", false},
		{"DONE", func(s string) (string, error) { v, err := ParseStatus(s); return string(v), err }, "", true},
		{"delete", func(s string) (string, error) { v, err := ParseOperationType(s); return string(v), err }, "DELETE", false},
		{"", func(s string) (string, error) { v, err := ParseOperationType(s); return string(v), err }, "", true},
	}
	for _, tt := range tests {
		got, err := tt.parse(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr || (err != nil && platform.KindOf(err) != platform.KindValidation) {
			t.Errorf("parse %q = %q, %v", tt.in, got, err)
		}
	}
}
