package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/shared/platform"
)

// ErrUnauthorized is the authorizer's denial. API Gateway's protocol for a
// Lambda authorizer is an error whose message is exactly "Unauthorized":
// the gateway answers 401 with the UNAUTHORIZED gateway response (which the
// template shapes into the API's error format). Any other error makes the
// gateway answer 500, which is what an internal failure must look like.
var ErrUnauthorized = errors.New("Unauthorized")

// errAuthorizerInternal is returned (and so becomes API Gateway's 500) when
// the authorizer cannot decide, e.g. DynamoDB is down. It names no cause.
var errAuthorizerInternal = errors.New("authorizer internal error")

// DefaultTouchInterval is how often a key's lastUsedAt is written at most.
const DefaultTouchInterval = time.Minute

// MaxCredentialLength bounds a presented credential; anything longer is no
// credential at all.
const MaxCredentialLength = 8192

// Authorizer is the API Gateway (REST API, REQUEST type) Lambda authorizer.
// It accepts Flux API keys ("Authorization: Bearer flx_..." or
// "x-api-key: flx_...") and Shopify session tokens
// ("Authorization: Bearer <jwt>") and hands the caller's Identity to every
// integration as the authorizer context.
type Authorizer struct {
	Keys  KeyStore
	Shops ShopDirectory
	// Session verifies Shopify session tokens; nil disables them.
	Session *SessionVerifier
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// TouchInterval bounds how often a key's use is recorded; zero means
	// DefaultTouchInterval.
	TouchInterval time.Duration
	// Log is the base logger; nil means slog.Default().
	Log *slog.Logger

	// touched remembers when this container last recorded each key's use,
	// so a warm authorizer does not send DynamoDB a (conditional, but still
	// billed) write on every request.
	mu      sync.Mutex
	touched map[string]time.Time
}

// maxTouched bounds the touched memory of one container.
const maxTouched = 10000

// shouldTouch reports whether this container should record use of keyID at
// now, and if so remembers that it did.
func (a *Authorizer) shouldTouch(keyID string, now time.Time, interval time.Duration) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if last, ok := a.touched[keyID]; ok && now.Sub(last) < interval && !now.Before(last) {
		return false
	}
	if a.touched == nil || len(a.touched) >= maxTouched {
		a.touched = make(map[string]time.Time)
	}
	a.touched[keyID] = now
	return true
}

// forgetTouch lets the next request retry a failed write.
func (a *Authorizer) forgetTouch(keyID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.touched, keyID)
}

func (a *Authorizer) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Authorizer) logger() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// Handle is the Lambda handler. A caller with no valid credential gets
// ErrUnauthorized; an internal failure gets another error (so API Gateway
// answers 500, not 401), logged once here; a valid caller gets an Allow
// policy for the whole API stage and its Identity as context.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	ctx = platform.WithRequestID(ctx, a.logger(), req.RequestContext.RequestID)
	log := platform.Log(ctx).With("method", req.HTTPMethod, "path", req.Path)

	cred, ok := CredentialFrom(req.Headers, req.MultiValueHeaders)
	if !ok {
		log.Info("authorizer denied", "reason", "no credential")
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	id, err := a.Authenticate(ctx, cred)
	if err != nil {
		if platform.KindOf(err) == platform.KindUnauthenticated {
			log.Info("authorizer denied", "reason", err.Error())
			return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
		}
		log.Error("authorizer failed", "error", err.Error())
		return events.APIGatewayCustomAuthorizerResponse{}, errAuthorizerInternal
	}
	log.Debug("authorizer allowed", "tenant", id.TenantID, "principal", id.Principal, "principal_type", string(id.PrincipalType))
	return AllowResponse(id, req.MethodArn), nil
}

// Authenticate turns a presented credential into the caller's Identity.
// Errors of KindUnauthenticated are denials (their messages are safe and
// name no secret); any other error is an internal failure.
func (a *Authorizer) Authenticate(ctx context.Context, cred string) (Identity, error) {
	switch {
	case strings.HasPrefix(cred, KeyPrefix):
		return a.authenticateKey(ctx, cred)
	case strings.Count(cred, ".") == 2:
		if a.Session == nil || a.Shops == nil {
			return Identity{}, platform.E(platform.KindUnauthenticated, "session tokens are not accepted")
		}
		id, _, err := a.Session.SessionIdentity(ctx, a.Shops, cred)
		return id, err
	default:
		return Identity{}, platform.E(platform.KindUnauthenticated, "unrecognised credential")
	}
}

func (a *Authorizer) authenticateKey(ctx context.Context, secret string) (Identity, error) {
	prefix := KeyDisplayPrefix(secret)
	// The checksum rejects typos and garbage without a database read.
	if err := ParseKey(secret); err != nil {
		return Identity{}, platform.Wrap(platform.KindUnauthenticated, "malformed api key "+prefix, err)
	}
	// The secret is compared by looking up the SHA-256 of 256 random bits:
	// no secret is ever compared byte by byte.
	rec, err := a.Keys.LookupKey(ctx, HashKey(secret))
	switch {
	case err == nil:
	case platform.KindOf(err) == platform.KindNotFound:
		return Identity{}, platform.Wrap(platform.KindUnauthenticated, "unknown api key "+prefix, err)
	default:
		return Identity{}, fmt.Errorf("look up api key %s: %w", prefix, err)
	}
	if rec.Revoked() {
		return Identity{}, platform.E(platform.KindUnauthenticated, fmt.Sprintf("revoked api key %s (%s)", prefix, rec.ID))
	}
	if rec.TenantID == "" || rec.ID == "" {
		return Identity{}, fmt.Errorf("api key %s: stored record has no tenant or id", prefix)
	}
	interval := a.TouchInterval
	if interval <= 0 {
		interval = DefaultTouchInterval
	}
	// Recording use is best effort: a failure must not lock a caller out.
	// The store writes at most once per interval per key; this container
	// also skips the call when it recorded the key's use within interval.
	now := a.now()
	if a.shouldTouch(rec.ID, now, interval) {
		if err := a.Keys.TouchKey(ctx, rec.TenantID, rec.ID, now, interval); err != nil {
			a.forgetTouch(rec.ID)
			platform.Log(ctx).Warn("record api key use", "key_id", rec.ID, "key_prefix", prefix, "error", err.Error())
		}
	}
	return Identity{
		TenantID:      rec.TenantID,
		Principal:     rec.ID,
		PrincipalType: PrincipalAPIKey,
		Scopes:        rec.Scopes,
	}, nil
}

// AllowResponse is the authorizer's answer for an authenticated caller: an
// Allow for execute-api:Invoke on every method and path of the API stage
// the request came to (so a cached policy fits every route), the principal,
// and the Identity as context.
func AllowResponse(id Identity, methodArn string) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: id.Principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action:   []string{"execute-api:Invoke"},
				Effect:   "Allow",
				Resource: []string{StageWildcardArn(methodArn)},
			}},
		},
		Context: id.ToContext(),
	}
}

// StageWildcardArn turns a method ARN
// (arn:aws:execute-api:region:account:apiId/stage/VERB/path...) into
// arn:aws:execute-api:region:account:apiId/stage/*/*. Anything it cannot
// read is returned unchanged: an Allow for exactly the method asked about.
func StageWildcardArn(methodArn string) string {
	parts := strings.SplitN(methodArn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "execute-api" {
		return methodArn
	}
	path := strings.SplitN(parts[5], "/", 3)
	if len(path) < 2 || path[0] == "" || path[1] == "" {
		return methodArn
	}
	parts[5] = path[0] + "/" + path[1] + "/*/*"
	return strings.Join(parts, ":")
}

// CredentialFrom finds the credential of a request in API Gateway's header
// maps (REST APIs deliver both: headers holds the last value of each name,
// multiValueHeaders every value). Header names are case-insensitive.
// The credential is the token of "Authorization: Bearer <token>" (the scheme
// is case-insensitive) or the value of "x-api-key". When several are present
// they must all be the same credential; an Authorization header that is not
// a Bearer token, an empty value, a value with spaces or control characters
// inside, or two different credentials mean no credential at all: the
// authorizer never guesses which one the caller meant.
func CredentialFrom(headers map[string]string, multi map[string][]string) (string, bool) {
	var found string
	seen := false
	add := func(name, value string) bool {
		var cred string
		switch {
		case strings.EqualFold(name, "authorization"):
			scheme, token, ok := strings.Cut(strings.TrimSpace(value), " ")
			if !ok || !strings.EqualFold(scheme, "bearer") {
				return false
			}
			cred = strings.TrimSpace(token)
		case strings.EqualFold(name, "x-api-key"):
			cred = strings.TrimSpace(value)
		default:
			return true
		}
		if !validCredential(cred) {
			return false
		}
		if seen && cred != found {
			return false
		}
		found, seen = cred, true
		return true
	}
	for name, value := range headers {
		if !add(name, value) {
			return "", false
		}
	}
	for name, values := range multi {
		for _, value := range values {
			if !add(name, value) {
				return "", false
			}
		}
	}
	return found, seen
}

// validCredential accepts a non-empty, bounded run of visible ASCII.
func validCredential(s string) bool {
	if s == "" || len(s) > MaxCredentialLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
