package webhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
)

// EnvelopeVersion is the version of the message format on EventsQueue.
const EnvelopeVersion = 1

// Envelope is the one message the receiver puts on EventsQueue per
// delivery: Shopify's headers, typed, and the payload as Shopify sent it.
// The events worker resolves the shop's tenant and applies it.
type Envelope struct {
	Version     int       `json:"version"`
	Topic       string    `json:"topic"`
	Shop        string    `json:"shop"`
	WebhookID   string    `json:"webhookId"`
	EventID     string    `json:"eventId,omitempty"`
	TriggeredAt time.Time `json:"triggeredAt"`
	APIVersion  string    `json:"apiVersion"`
	ReceivedAt  time.Time `json:"receivedAt"`
	// Compliance marks Shopify's mandatory privacy topics
	// (customers/data_request, customers/redact, shop/redact).
	Compliance bool `json:"compliance,omitempty"`
	// PayloadTruncated: the payload did not fit in one SQS message; only
	// its identity (id, admin_graphql_api_id, updated_at, role) is kept,
	// and the worker reads the object from Shopify (as it always does).
	PayloadTruncated bool            `json:"payloadTruncated,omitempty"`
	Payload          json.RawMessage `json:"payload,omitempty"`
}

// Shopify's headers on every delivery.
const (
	HeaderTopic       = "X-Shopify-Topic"
	HeaderShopDomain  = "X-Shopify-Shop-Domain"
	HeaderWebhookID   = "X-Shopify-Webhook-Id"
	HeaderTriggeredAt = "X-Shopify-Triggered-At"
	HeaderAPIVersion  = "X-Shopify-API-Version"
	HeaderEventID     = "X-Shopify-Event-Id"
)

// Compliance topics: Shopify's mandatory privacy webhooks.
var complianceTopics = map[string]bool{
	"customers/data_request": true,
	"customers/redact":       true,
	"shop/redact":            true,
}

// IsCompliance reports whether topic is one of Shopify's compliance topics.
func IsCompliance(topic string) bool { return complianceTopics[topic] }

var (
	// Topics are lower-case words joined by '/' (products/update,
	// bulk_operations/finish; a few are dotted: customer.tags_added).
	topicPattern      = regexp.MustCompile(`^[a-z0-9_.]{1,64}(/[a-z0-9_.]{1,64}){0,3}$`)
	apiVersionPattern = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}|unstable)$`)
	eventIDPattern    = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

// headerError is a missing (400) or malformed (422) header.
type headerError struct {
	status int
	err    *platform.Error
}

// parseHeaders reads the delivery's headers into an envelope (no payload,
// no receivedAt). Only called after the HMAC verified.
func parseHeaders(h http.Header) (Envelope, *headerError) {
	get := func(name string) (string, *headerError) {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			return "", &headerError{http.StatusBadRequest, platform.E(platform.KindValidation, name+" header is required")}
		}
		return v, nil
	}
	malformed := func(msg string) *headerError {
		return &headerError{http.StatusUnprocessableEntity, platform.E(platform.KindValidation, msg)}
	}
	var e Envelope
	var herr *headerError
	if e.Topic, herr = get(HeaderTopic); herr != nil {
		return Envelope{}, herr
	}
	if !topicPattern.MatchString(e.Topic) {
		return Envelope{}, malformed(HeaderTopic + " is not a Shopify topic such as products/update")
	}
	shop, herr := get(HeaderShopDomain)
	if herr != nil {
		return Envelope{}, herr
	}
	var err error
	if e.Shop, err = config.NormalizeShop(shop); err != nil {
		return Envelope{}, malformed(HeaderShopDomain + " is not a *.myshopify.com shop domain")
	}
	if e.WebhookID, herr = get(HeaderWebhookID); herr != nil {
		return Envelope{}, herr
	}
	if err := store.ValidateWebhookID(e.WebhookID); err != nil {
		return Envelope{}, malformed(platform.PublicMessage(err))
	}
	at, herr := get(HeaderTriggeredAt)
	if herr != nil {
		return Envelope{}, herr
	}
	if e.TriggeredAt, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return Envelope{}, malformed(HeaderTriggeredAt + " is not an RFC 3339 time")
	}
	e.TriggeredAt = e.TriggeredAt.UTC()
	if e.APIVersion, herr = get(HeaderAPIVersion); herr != nil {
		return Envelope{}, herr
	}
	if !apiVersionPattern.MatchString(e.APIVersion) {
		return Envelope{}, malformed(HeaderAPIVersion + " is not an API version such as 2026-10")
	}
	// The event id is optional: Shopify sends it on current deliveries, and
	// refusing a signed delivery without it would lose the event.
	if id := strings.TrimSpace(h.Get(HeaderEventID)); id != "" {
		if !eventIDPattern.MatchString(id) {
			return Envelope{}, malformed(HeaderEventID + " must be 1 to 128 characters of [A-Za-z0-9._:-]")
		}
		e.EventID = id
	}
	e.Version = EnvelopeVersion
	e.Compliance = IsCompliance(e.Topic)
	return e, nil
}

// sqsSafe makes a JSON payload acceptable to SQS, whose message bodies
// allow any Unicode except U+FFFE, U+FFFF and most control characters. In
// valid JSON, control characters can only be whitespace and those two
// characters only occur inside strings, so escaping them keeps the same
// JSON value.
func sqsSafe(payload []byte) []byte {
	if !bytes.Contains(payload, []byte("\uFFFE")) && !bytes.Contains(payload, []byte("\uFFFF")) {
		return payload
	}
	payload = bytes.ReplaceAll(payload, []byte("\uFFFE"), []byte(`\ufffe`))
	return bytes.ReplaceAll(payload, []byte("\uFFFF"), []byte(`\uffff`))
}

// message is the SQS body of e with payload, or without it (truncated) when
// it would exceed max bytes.
func message(e Envelope, payload []byte, max int) (string, bool, error) {
	e.Payload = sqsSafe(payload)
	b, err := json.Marshal(e)
	if err != nil {
		return "", false, fmt.Errorf("encode envelope: %w", err)
	}
	if len(b) <= max {
		return string(b), false, nil
	}
	e.Payload, e.PayloadTruncated = identity(payload), true
	if b, err = json.Marshal(e); err != nil || len(b) > max {
		e.Payload = nil
		if b, err = json.Marshal(e); err != nil {
			return "", false, fmt.Errorf("encode envelope: %w", err)
		}
	}
	return string(b), true, nil
}

// identity is what a truncated payload keeps: the fields that name the
// object and its time (id, admin_graphql_api_id, updated_at, role), so the
// worker can still read the object from Shopify. nil when the payload has
// none of them (or is not a JSON object).
func identity(payload []byte) json.RawMessage {
	var p struct {
		ID        json.RawMessage `json:"id,omitempty"`
		AdminGID  string          `json:"admin_graphql_api_id,omitempty"`
		UpdatedAt string          `json:"updated_at,omitempty"`
		Role      string          `json:"role,omitempty"`
	}
	if json.Unmarshal(payload, &p) != nil || (len(p.ID) == 0 && p.AdminGID == "") {
		return nil
	}
	if len(p.ID) > 64 || len(p.AdminGID) > 256 || len(p.UpdatedAt) > 64 || len(p.Role) > 64 {
		return nil // not an id: keep nothing rather than a large value
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil
	}
	return b
}
