package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
)

func TestKeyFormats(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"tenant pk", TenantPK("acme"), "TENANT#acme"},
		{"tenant sk", TenantSK(), "TENANT"},
		{"group sk", GroupSK(), "GROUP"},
		{"store sk", StoreSK("a.myshopify.com"), "GROUP#STORE#a.myshopify.com"},
		{"api key sk", APIKeySK("key_01J"), "APIKEY#key_01J"},
		{"api key prefix", APIKeyPrefix(), "APIKEY#"},
		{"shop pk", ShopPK("a.myshopify.com"), "SHOP#a.myshopify.com"},
		{"shop sk", ShopSK(), "SHOP"},
		{"key hash pk", KeyHashPK("abc"), "KEYHASH#abc"},
		{"key hash sk", KeyHashSK(), "KEYHASH"},
		{"tenants gsi1 pk", TenantsGSI1PK(), "TENANTS"},
		{"tenant gsi1 sk", TenantGSI1SK("acme"), "TENANT#acme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// The group query (begins_with GROUP) must read the group item and every
// store, and nothing else a tenant owns.
func TestGroupPrefixCoversGroupAndStoresOnly(t *testing.T) {
	tests := []struct {
		sk   string
		want bool
	}{
		{GroupSK(), true},
		{StoreSK("a.myshopify.com"), true},
		{APIKeySK("key_1"), false},
		{TenantSK(), false},
	}
	for _, tt := range tests {
		t.Run(tt.sk, func(t *testing.T) {
			if got := strings.HasPrefix(tt.sk, GroupPrefix()); got != tt.want {
				t.Errorf("HasPrefix(%q, %q) = %v", tt.sk, GroupPrefix(), got)
			}
		})
	}
	if !strings.HasPrefix(StoreSK("x"), StorePrefix()) {
		t.Error("StoreSK does not start with StorePrefix")
	}
}

func TestTenantIDFromPK(t *testing.T) {
	tests := []struct {
		pk     string
		want   string
		wantOK bool
	}{
		{TenantPK("acme"), "acme", true},
		{"TENANT#", "", false},
		{ShopPK("a.myshopify.com"), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.pk, func(t *testing.T) {
			got, ok := TenantIDFromPK(tt.pk)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("TenantIDFromPK(%q) = %q, %v; want %q, %v", tt.pk, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestValidateTenantID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"acme", true},
		{"tenant_01J.x-y", true},
		{"", false},
		{"a#b", false},
		{"-lead", false},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			err := ValidateTenantID(tt.id)
			if (err == nil) != tt.ok {
				t.Errorf("ValidateTenantID(%q) = %v", tt.id, err)
			}
			if err != nil && platform.KindOf(err) != platform.KindValidation {
				t.Errorf("kind = %v, want validation", platform.KindOf(err))
			}
		})
	}
}

func TestTimeFormatSortsAsStrings(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	times := []time.Time{base, base.Add(time.Nanosecond), base.Add(100 * time.Millisecond), base.Add(time.Second)}
	for i := 1; i < len(times); i++ {
		a, b := formatTime(times[i-1]), formatTime(times[i])
		if len(a) != len(b) || !(a < b) {
			t.Errorf("%q should sort before %q with the same width", a, b)
		}
	}
	got, err := parseTime(formatTime(base.In(time.FixedZone("x", 3600))))
	if err != nil || !got.Equal(base) {
		t.Errorf("round trip = %v, %v", got, err)
	}
}

func TestClassify(t *testing.T) {
	conflict := platform.E(platform.KindConflict, "taken")
	missing := platform.E(platform.KindNotFound, "missing")
	canceled := func(codes ...string) error {
		e := &types.TransactionCanceledException{Message: aws.String("canceled")}
		for _, c := range codes {
			e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
		}
		return fmt.Errorf("operation error: %w", e)
	}
	tests := []struct {
		name     string
		err      error
		conds    []cond
		wantKind platform.Kind
		wantMsg  string
	}{
		{"single condition", &types.ConditionalCheckFailedException{Message: aws.String("x")}, []cond{conflict}, platform.KindConflict, "taken"},
		{"single condition without mapping", &types.ConditionalCheckFailedException{Message: aws.String("x")}, nil, platform.KindInternal, "internal error"},
		{"first item", canceled("ConditionalCheckFailed", "None"), []cond{missing, conflict}, platform.KindNotFound, "missing"},
		{"second item", canceled("None", "ConditionalCheckFailed"), []cond{missing, conflict}, platform.KindConflict, "taken"},
		{"lost race", canceled("TransactionConflict", "None"), []cond{missing, conflict}, platform.KindConflict, "concurrent update, try again"},
		{"throttled", canceled("ThrottlingError"), []cond{missing}, platform.KindInternal, "internal error"},
		{"other error", errors.New("connection reset"), []cond{conflict}, platform.KindInternal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify("op", tt.err, tt.conds...)
			if got == nil {
				t.Fatal("nil error")
			}
			if diff := cmp.Diff([]any{tt.wantKind, tt.wantMsg}, []any{platform.KindOf(got), platform.PublicMessage(got)}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !errors.Is(got, tt.err) && !strings.Contains(got.Error(), "op") {
				t.Errorf("cause lost: %v", got)
			}
		})
	}
	if classify("op", nil, conflict) != nil {
		t.Error("classify(nil) != nil")
	}
}
