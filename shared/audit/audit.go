// Package audit is Flux's audit log: one Entry per mutation (who, what,
// when, result), written through a Recorder by every package that changes
// something (API keys, syncs, mappings, store connections; releases,
// writes, files and reverts as they are built), and exported as CSV by
// GET /api/audit-export (shared/audit/export).
//
// An entry never holds a secret: Detail is short free text that Scrub
// strips of anything shaped like an API key or a Shopify token, and the
// callers put ids and names in it, never request bodies. What happens when
// an entry cannot be written is Write's rule (docs/decisions.md): the
// mutation stands, the loss is logged loudly.
package audit

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
)

// Result is how a mutation ended.
type Result string

const (
	Success Result = "success" // the change was made
	Failure Result = "failure" // the caller was allowed, the change was not made (bad input, conflict, dependency down)
	Denied  Result = "denied"  // the caller lacked the scope
)

// ParseResult validates a result name.
func ParseResult(s string) (Result, error) {
	switch r := Result(s); r {
	case Success, Failure, Denied:
		return r, nil
	}
	return "", platform.E(platform.KindValidation, fmt.Sprintf("result must be success, failure or denied, got %q", clip(s)))
}

// Actions recorded today. New domains add theirs ("release.approve",
// "write.product", "file.upload", "object.revert"...): <domain>.<verb>.
const (
	ActionAPIKeyCreate   = "apiKey.create"
	ActionAPIKeyRevoke   = "apiKey.revoke"
	ActionSyncStart      = "sync.start"
	ActionMappingsUpsert = "mappings.upsert"
	ActionMappingsDelete = "mappings.delete"
	ActionStoreConnect   = "store.connect"
	ActionStoreUninstall = "store.uninstall"
)

// Resource types of the actions above.
const (
	ResourceAPIKey  = "apiKey"
	ResourceSync    = "sync"
	ResourceMapping = "mapping"
	ResourceStore   = "store"
)

// Limits of an entry's fields (bytes).
const (
	MaxActor        = 200
	MaxAction       = 64
	MaxResourceType = 64
	MaxResourceID   = 512
	MaxDetail       = 500
	MaxRequestID    = 128
	MaxTenantID     = 64
)

// Entry is one audit record.
type Entry struct {
	ID       string    // "aud_" + lower-case ULID; set by Write when empty
	TenantID string    // whose log it is: always the caller's tenant
	At       time.Time // when; set by Write when zero
	// Actor is who: "api_key:<keyId>", "shopify_session:<userId>" (see
	// ActorOf), or "system:<function>" for Flux's own workers and the
	// public OAuth callback.
	Actor        string
	Action       string // "<domain>.<verb>", e.g. "apiKey.create"
	ResourceType string // "apiKey", "sync", "mapping", "store", ...
	ResourceID   string // the resource's id, canonical or shop; may be empty (a failed create)
	Shop         string // the shop concerned, when there is one
	Result       Result
	Detail       string // short, human; never a secret (Scrub is applied)
	RequestID    string // the API request (or SQS message) that caused it
}

var (
	actionPattern = regexp.MustCompile(`^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$`)
	namePattern   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	tenantPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// ValidAction reports whether s has the shape of an action name.
func ValidAction(s string) bool { return len(s) <= MaxAction && actionPattern.MatchString(s) }

// ValidResourceType reports whether s has the shape of a resource type.
func ValidResourceType(s string) bool {
	return len(s) <= MaxResourceType && namePattern.MatchString(s)
}

// Validate checks an entry before it is stored: KindValidation naming the
// field. Write fills ID, At, Actor and RequestID before validating.
func (e Entry) Validate() error {
	bad := func(msg string) error { return platform.E(platform.KindValidation, "audit entry: "+msg) }
	switch {
	case !tenantPattern.MatchString(e.TenantID):
		return bad("tenantId must be 1 to 64 characters of [A-Za-z0-9_.-]")
	case e.ID == "" || len(e.ID) > 64 || strings.ContainsAny(e.ID, "#\x00"):
		return bad("id must be 1 to 64 characters without '#'")
	case e.At.IsZero():
		return bad("at is required")
	case e.Actor == "" || len(e.Actor) > MaxActor || !utf8.ValidString(e.Actor):
		return bad(fmt.Sprintf("actor must be 1 to %d bytes of UTF-8", MaxActor))
	case !ValidAction(e.Action):
		return bad("action must look like domain.verb")
	case !ValidResourceType(e.ResourceType):
		return bad("resourceType must be a name")
	case len(e.ResourceID) > MaxResourceID || !utf8.ValidString(e.ResourceID):
		return bad(fmt.Sprintf("resourceId must be at most %d bytes of UTF-8", MaxResourceID))
	case len(e.Shop) > 255:
		return bad("shop is too long")
	case len(e.Detail) > MaxDetail || !utf8.ValidString(e.Detail):
		return bad(fmt.Sprintf("detail must be at most %d bytes of UTF-8", MaxDetail))
	case len(e.RequestID) > MaxRequestID:
		return bad(fmt.Sprintf("requestId must be at most %d bytes", MaxRequestID))
	}
	if _, err := ParseResult(string(e.Result)); err != nil {
		return bad("result must be success, failure or denied")
	}
	return nil
}

// Recorder stores audit entries; the store-backed one is
// store.AuditLog. Record validates and writes one entry; an error means
// the entry is not stored.
type Recorder interface {
	Record(ctx context.Context, e Entry) error
}

// NewID is a new entry id: "aud_" + a lower-case ULID.
func NewID(at time.Time) string {
	return "aud_" + strings.ToLower(ulid.MustNew(ulid.Timestamp(at), rand.Reader).String())
}

// ActorOf names the caller of ctx: "<principalType>:<principal>"
// ("api_key:key_01H…", "shopify_session:<user id>"), or "" when ctx has
// no identity.
func ActorOf(ctx context.Context) string {
	id := auth.IdentityFrom(ctx)
	if id.Principal == "" {
		return ""
	}
	kind := string(id.PrincipalType)
	if kind == "" {
		kind = "principal"
	}
	return clipBytes(kind+":"+id.Principal, MaxActor)
}

// SystemActor is the actor of Flux's own work: "system:<name>", e.g.
// "system:worker-events".
func SystemActor(name string) string { return "system:" + name }

// ResultOf classifies a mutation's error: nil is Success, a missing scope
// (or no identity) Denied, anything else Failure.
func ResultOf(err error) Result {
	switch {
	case err == nil:
		return Success
	case platform.KindOf(err) == platform.KindForbidden, platform.KindOf(err) == platform.KindUnauthenticated:
		return Denied
	}
	return Failure
}

// DetailOf is the detail of a failed mutation: the client-safe message of
// err (never internal text), or "" for nil.
func DetailOf(err error) string {
	if err == nil {
		return ""
	}
	return platform.PublicMessage(err)
}

// secretPatterns are shapes of credentials that must never reach the log:
// Flux API keys (flx_ + base32), Shopify tokens (shpat_, shpca_, shppa_,
// shpss_, shpua_, shprt_ + hex), bearer tokens, JWTs.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`flx_[A-Za-z0-9]{8,}`),
	regexp.MustCompile(`shp[a-z]{2}_[A-Za-z0-9]{8,}`),
	regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}`),
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`),
}

// Scrub replaces anything shaped like a credential with "[redacted]",
// makes s valid UTF-8 on one line, and cuts it to MaxDetail bytes.
func Scrub(s string) string {
	for _, p := range secretPatterns {
		s = p.ReplaceAllString(s, "[redacted]")
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return clipBytes(s, MaxDetail)
}

// Write completes e from ctx and records it: ID and At when unset, the
// actor (ActorOf) and the request id (platform.RequestID) when unset,
// Detail scrubbed, the tenant from ctx's identity when unset. A nil
// Recorder records nothing (unit tests, tools); an entry without a tenant
// (an unauthenticated call) has no log to go to and is not written.
//
// The rule when the entry cannot be written: the mutation it describes has
// already happened (or been refused), so the caller's answer stands; the
// lost entry is logged at ERROR with every field ("audit entry lost"),
// which an alarm on the function's log picks up. Write never fails its
// caller. See docs/decisions.md.
func Write(ctx context.Context, r Recorder, e Entry) {
	if r == nil {
		return
	}
	if e.TenantID == "" {
		e.TenantID = auth.IdentityFrom(ctx).TenantID
	}
	if e.TenantID == "" {
		// An unauthenticated call has no tenant, hence no log to write
		// to; the gateway's and the function's logs have it.
		return
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC()
	if e.ID == "" {
		e.ID = NewID(e.At)
	}
	if e.Actor == "" {
		e.Actor = ActorOf(ctx)
	}
	if e.Actor == "" {
		e.Actor = "unknown"
	}
	if e.RequestID == "" {
		e.RequestID = platform.RequestID(ctx)
	}
	e.Detail = Scrub(e.Detail)
	e.ResourceID = clipBytes(strings.ToValidUTF8(e.ResourceID, "\uFFFD"), MaxResourceID)
	if err := r.Record(ctx, e); err != nil {
		platform.Log(ctx).Error("audit entry lost", "error", err.Error(),
			"audit_id", e.ID, "tenant_id", e.TenantID, "at", e.At.Format(time.RFC3339Nano), "actor", e.Actor,
			"action", e.Action, "resource_type", e.ResourceType, "resource_id", e.ResourceID, "shop", e.Shop,
			"result", string(e.Result), "detail", e.Detail)
	}
}

// clipBytes cuts s to at most n bytes at a rune boundary.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func clip(s string) string {
	if len(s) > 40 {
		return clipBytes(s, 40) + "…"
	}
	return s
}

// Filter selects entries of one tenant: From ≤ At < To, and every
// non-empty field equal.
type Filter struct {
	From, To     time.Time
	Action       string
	Actor        string
	Result       Result
	ResourceType string
	Shop         string
}

// Position is where a listing stopped: the time and id of the last entry
// read (entries are ordered by time, then id). A listing resumes after it.
type Position struct {
	At time.Time
	ID string
}
