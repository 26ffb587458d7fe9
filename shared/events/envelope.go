package events

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/webhooks"
)

var topicPattern = regexp.MustCompile(`^[a-z0-9_.]{1,64}(/[a-z0-9_.]{1,64}){0,3}$`)

// ParseEnvelope reads an EventsQueue message body. Anything the receiver
// would not have written (not JSON, another version, a missing or malformed
// topic, shop, webhook id or time) is a KindValidation error.
func ParseEnvelope(body string) (webhooks.Envelope, error) {
	var e webhooks.Envelope
	bad := func(msg string) (webhooks.Envelope, error) {
		return webhooks.Envelope{}, platform.E(platform.KindValidation, "envelope: "+msg)
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return bad("not an envelope JSON object")
	}
	if e.Version != webhooks.EnvelopeVersion {
		return bad(fmt.Sprintf("version %d, this worker reads %d", e.Version, webhooks.EnvelopeVersion))
	}
	if !topicPattern.MatchString(e.Topic) {
		return bad("topic is not a Shopify topic")
	}
	shop, err := config.NormalizeShop(e.Shop)
	if err != nil || shop != e.Shop {
		return bad("shop is not a normalised *.myshopify.com domain")
	}
	if strings.TrimSpace(e.WebhookID) == "" || len(e.WebhookID) > 256 {
		return bad("webhook id missing")
	}
	// Shopify's times are recent; the bounds keep day arithmetic and
	// re-encoding (years 0-9999 only) safe.
	if e.TriggeredAt = e.TriggeredAt.UTC(); e.TriggeredAt.Year() < 2000 || e.TriggeredAt.Year() > 9000 {
		return bad("triggeredAt missing or out of range")
	}
	if y := e.ReceivedAt.UTC().Year(); !e.ReceivedAt.IsZero() && (y < 2000 || y > 9000) {
		return bad("receivedAt out of range")
	}
	if !e.PayloadTruncated && len(e.Payload) > 0 && !json.Valid(e.Payload) {
		return bad("payload is not JSON")
	}
	return e, nil
}
