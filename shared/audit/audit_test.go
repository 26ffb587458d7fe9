package audit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
)

type fakeRecorder struct {
	got []audit.Entry
	err error
}

func (f *fakeRecorder) Record(_ context.Context, e audit.Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	f.got = append(f.got, e)
	return f.err
}

func callerCtx(t *testing.T, log *slog.Logger) context.Context {
	ctx := auth.WithIdentity(t.Context(), auth.Identity{
		TenantID: "acme", Principal: "key_01HZZZ", PrincipalType: auth.PrincipalAPIKey, Scopes: []auth.Scope{auth.ScopeKeysAdmin},
	})
	return platform.WithRequestID(ctx, log, "req-123")
}

func TestWriteCompletesTheEntryFromContext(t *testing.T) {
	rec := &fakeRecorder{}
	ctx := callerCtx(t, slog.New(slog.DiscardHandler))
	audit.Write(ctx, rec, audit.Entry{Action: audit.ActionAPIKeyCreate, ResourceType: audit.ResourceAPIKey, ResourceID: "key_1", Result: audit.Success})
	if len(rec.got) != 1 {
		t.Fatalf("recorded %d entries, want 1", len(rec.got))
	}
	e := rec.got[0]
	if !strings.HasPrefix(e.ID, "aud_") || e.At.IsZero() || e.At.Location() != time.UTC {
		t.Errorf("id %q at %v: want aud_ id and a UTC time", e.ID, e.At)
	}
	want := audit.Entry{ID: e.ID, At: e.At, TenantID: "acme", Actor: "api_key:key_01HZZZ", Action: "apiKey.create",
		ResourceType: "apiKey", ResourceID: "key_1", Result: audit.Success, RequestID: "req-123"}
	if d := cmp.Diff(want, e); d != "" {
		t.Errorf("entry (-want +got):\n%s", d)
	}
}

func TestWriteWithoutTenantOrRecorderWritesNothing(t *testing.T) {
	rec := &fakeRecorder{}
	audit.Write(t.Context(), rec, audit.Entry{Action: audit.ActionSyncStart, ResourceType: audit.ResourceSync, Result: audit.Denied})
	if len(rec.got) != 0 {
		t.Errorf("an unauthenticated call was recorded: %+v", rec.got)
	}
	audit.Write(callerCtx(t, slog.New(slog.DiscardHandler)), nil, audit.Entry{Action: audit.ActionSyncStart}) // no panic
}

// A failed write never fails the caller: it is logged at ERROR with the
// entry, so an alarm can pick it up.
func TestWriteLogsALostEntryLoudly(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	rec := &fakeRecorder{err: errors.New("throttled")}
	audit.Write(callerCtx(t, log), rec, audit.Entry{Action: audit.ActionSyncStart, ResourceType: audit.ResourceSync, ResourceID: "sync_1", Result: audit.Success})
	out := logs.String()
	for _, want := range []string{`"level":"ERROR"`, `"msg":"audit entry lost"`, `"action":"sync.start"`, `"resource_id":"sync_1"`, `"error":"throttled"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s: %s", want, out)
		}
	}
}

// Secrets never reach the log, whatever a caller puts in Detail.
func TestWriteScrubsSecrets(t *testing.T) {
	secret, _, _, err := auth.NewKeySecret()
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{
		secret,
		"shpat_0123456789abcdef0123456789abcdef",
		"shpua_fedcba9876543210fedcba9876543210",
		"Bearer abcdefghijklmnopqrstuvwxyz012345",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl",
	}
	for _, tok := range tokens {
		rec := &fakeRecorder{}
		var logs bytes.Buffer
		ctx := callerCtx(t, slog.New(slog.NewJSONHandler(&logs, nil)))
		audit.Write(ctx, rec, audit.Entry{Action: audit.ActionAPIKeyCreate, ResourceType: audit.ResourceAPIKey,
			Result: audit.Failure, Detail: "name \"x " + tok + "\"\nnext line"})
		if len(rec.got) != 1 {
			t.Fatalf("not recorded")
		}
		d := rec.got[0].Detail
		if strings.Contains(d, tok) || strings.Contains(d, tok[len(tok)-10:]) {
			t.Errorf("detail keeps the secret %s: %q", tok[:6], d)
		}
		if !strings.Contains(d, "[redacted]") || strings.ContainsAny(d, "\r\n") {
			t.Errorf("detail = %q: want [redacted] on one line", d)
		}
	}
}

func TestScrubBoundsDetail(t *testing.T) {
	long := strings.Repeat("é", audit.MaxDetail) // 2 bytes each
	got := audit.Scrub(long + "\xff")
	if len(got) > audit.MaxDetail || !strings.HasPrefix(long, got) {
		t.Errorf("len %d, not a prefix at a rune boundary", len(got))
	}
	if got := audit.Scrub("a\x00b\x7fc\td"); got != "abc d" {
		t.Errorf("Scrub control characters = %q", got)
	}
}

func TestValidate(t *testing.T) {
	ok := audit.Entry{ID: "aud_1", TenantID: "acme", At: time.Now(), Actor: "system:worker-events",
		Action: "store.uninstall", ResourceType: "store", Result: audit.Success}
	tests := []struct {
		name string
		edit func(e *audit.Entry)
		ok   bool
	}{
		{"valid", func(*audit.Entry) {}, true},
		{"release action", func(e *audit.Entry) { e.Action = "release.approve" }, true},
		{"no tenant", func(e *audit.Entry) { e.TenantID = "" }, false},
		{"tenant with #", func(e *audit.Entry) { e.TenantID = "a#b" }, false},
		{"no id", func(e *audit.Entry) { e.ID = "" }, false},
		{"id with #", func(e *audit.Entry) { e.ID = "a#b" }, false},
		{"no time", func(e *audit.Entry) { e.At = time.Time{} }, false},
		{"no actor", func(e *audit.Entry) { e.Actor = "" }, false},
		{"action without verb", func(e *audit.Entry) { e.Action = "sync" }, false},
		{"action with space", func(e *audit.Entry) { e.Action = "sync. start" }, false},
		{"bad result", func(e *audit.Entry) { e.Result = "ok" }, false},
		{"bad resource type", func(e *audit.Entry) { e.ResourceType = "a b" }, false},
		{"long detail", func(e *audit.Entry) { e.Detail = strings.Repeat("x", audit.MaxDetail+1) }, false},
		{"invalid utf-8 detail", func(e *audit.Entry) { e.Detail = "\xff" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := ok
			tc.edit(&e)
			err := e.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate = %v, want ok %v", err, tc.ok)
			}
			if err != nil && platform.KindOf(err) != platform.KindValidation {
				t.Errorf("kind %v, want validation", platform.KindOf(err))
			}
		})
	}
}

func TestResultOf(t *testing.T) {
	tests := []struct {
		err  error
		want audit.Result
	}{
		{nil, audit.Success},
		{platform.E(platform.KindForbidden, "missing scope"), audit.Denied},
		{platform.E(platform.KindUnauthenticated, "no"), audit.Denied},
		{platform.E(platform.KindValidation, "bad"), audit.Failure},
		{errors.New("boom"), audit.Failure},
	}
	for _, tc := range tests {
		if got := audit.ResultOf(tc.err); got != tc.want {
			t.Errorf("ResultOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
	if got := audit.DetailOf(errors.New("dynamodb: secret internal text")); got != "internal error" {
		t.Errorf("DetailOf(internal) = %q", got)
	}
}
