package shopify

import "testing"

func TestValidateAPIVersion(t *testing.T) {
	tests := []struct {
		v  string
		ok bool
	}{
		{DefaultAPIVersion, true},
		{"2024-01", true},
		{"2025-07", true},
		{"unstable", true},
		{"2025-02", false},
		{"2025-13", false},
		{"25-01", false},
		{"2018-01", false},
		{"", false},
		{"2025-01/../../x", false},
		{"latest", false},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			if err := ValidateAPIVersion(tt.v); (err == nil) != tt.ok {
				t.Errorf("ValidateAPIVersion(%q) = %v, want ok=%v", tt.v, err, tt.ok)
			}
		})
	}
}
