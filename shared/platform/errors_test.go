package platform

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestKindMapping(t *testing.T) {
	tests := []struct {
		kind   Kind
		status int
		code   string
	}{
		{KindInternal, http.StatusInternalServerError, "INTERNAL_ERROR"},
		{KindUnauthenticated, http.StatusUnauthorized, "UNAUTHENTICATED"},
		{KindForbidden, http.StatusForbidden, "FORBIDDEN"},
		{KindNotFound, http.StatusNotFound, "NOT_FOUND"},
		{KindValidation, http.StatusUnprocessableEntity, "VALIDATION_ERROR"},
		{KindRateLimited, http.StatusTooManyRequests, "RATE_LIMITED"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := tt.kind.HTTPStatus(); got != tt.status {
				t.Errorf("status = %d, want %d", got, tt.status)
			}
			if got := tt.kind.Code(); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
			if got := KindFromCode(tt.code); got != tt.kind {
				t.Errorf("KindFromCode(%q) = %v", tt.code, got)
			}
		})
	}
}

func TestPublicMessageHidesInternalText(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.1: secret detail")
	tests := []struct {
		name string
		err  error
		want string
		kind Kind
	}{
		{"plain", cause, "internal error", KindInternal},
		{"wrapped internal", fmt.Errorf("load: %w", Wrap(KindInternal, "db down", cause)), "internal error", KindInternal},
		{"not found", fmt.Errorf("get key: %w", E(KindNotFound, "api key not found")), "api key not found", KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PublicMessage(tt.err); got != tt.want {
				t.Errorf("PublicMessage = %q, want %q", got, tt.want)
			}
			if got := KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %v, want %v", got, tt.kind)
			}
		})
	}
}
