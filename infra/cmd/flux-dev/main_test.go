package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPort(t *testing.T) {
	tests := []struct {
		val     string
		want    int
		wantErr bool
	}{
		{"", 3000, false},
		{"8080", 8080, false},
		{"0", 0, true},
		{"70000", 0, true},
		{"abc", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.val, func(t *testing.T) {
			t.Setenv("FLUX_TEST_PORT_VAR", tt.val)
			got, err := port("FLUX_TEST_PORT_VAR", 3000)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("port(%q) = %d, %v; want %d (error %v)", tt.val, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestRepoRootFromASubdirectory(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"template.yaml", "go.mod"} {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	got, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.EvalSymlinks(root); got != root && got != want {
		t.Errorf("repoRoot = %s, want %s", got, root)
	}
	t.Chdir(t.TempDir())
	if _, err := repoRoot(); err == nil {
		t.Error("repoRoot outside a repository succeeded")
	}
}
