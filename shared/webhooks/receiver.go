// Package webhooks receives Shopify's webhook deliveries (POST
// /webhooks/shopify, the webhook-shopify function): it verifies the HMAC
// over the raw body, drops duplicates by X-Shopify-Webhook-Id and puts one
// typed Envelope per delivery on EventsQueue, answering well within
// Shopify's 5 seconds (no Shopify call, no tenant lookup: the events worker
// does those).
//
// Delivery protocol, so that no event is lost and none is enqueued twice
// for one delivery:
//
//  1. claim the delivery: a conditional PutItem of WEBHOOK#<id> in state
//     pending with a lease (store.PutWebhookDelivery). Already enqueued →
//     200, nothing sent (a replay). Claimed by a live request → 409, which
//     Shopify retries.
//  2. SendMessage the envelope. On failure the claim is deleted and the
//     answer is 503, so Shopify's retry is not mistaken for a duplicate.
//  3. mark the delivery enqueued (PutItem, condition: still our claim),
//     answer 200.
//
// A crash between 1 and 2 leaves a pending claim: Shopify got no 2xx and
// retries, and a retry after the lease claims it again. A crash between 2
// and 3 may enqueue the event twice, which the worker tolerates (it is
// idempotent under redelivery, as SQS requires anyway).
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
)

// Path is the route Shopify delivers to.
const Path = "/webhooks/shopify"

// workBudget bounds the claim, the send and the completion together:
// Shopify waits 5 s for an answer.
const workBudget = 4 * time.Second

// Deliveries is the dedupe store (store.Store).
type Deliveries interface {
	PutWebhookDelivery(ctx context.Context, d store.WebhookDelivery, now time.Time) error
	CompleteWebhookDelivery(ctx context.Context, d store.WebhookDelivery) error
	DeleteWebhookDelivery(ctx context.Context, webhookID, claim string) error
}

// Queue is the part of the SQS client the receiver uses.
type Queue interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var _ Deliveries = (*store.Store)(nil)

// Receiver answers POST /webhooks/shopify.
type Receiver struct {
	Secret          string
	Deliveries      Deliveries
	Queue           Queue
	QueueURL        string
	MaxBodyBytes    int64
	MaxMessageBytes int
	DedupeTTL       time.Duration
	ClaimLease      time.Duration
	Log             *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Result is the body of a 200 answer (Shopify ignores it; tests and
// operators read it).
type Result struct {
	Status string `json:"status"` // enqueued | duplicate
}

// NewHandler is the function's handler: POST /webhooks/shopify behind
// platform.Edge; other methods 405, other paths 404, in the API's format.
func NewHandler(log *slog.Logger, r *Receiver) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(Path, func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeStatus(req.Context(), w, http.StatusMethodNotAllowed, platform.E(platform.KindValidation, "method not allowed; use POST"))
			return
		}
		r.ServeHTTP(w, req)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		platform.WriteError(req.Context(), w, platform.E(platform.KindNotFound, "not found"))
	})
	return platform.Edge(log, mux)
}

func (r *Receiver) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// ServeHTTP receives one delivery.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeStatus(ctx, w, http.StatusRequestEntityTooLarge, platform.E(platform.KindValidation,
				fmt.Sprintf("request body exceeds the limit of %d bytes", r.MaxBodyBytes)))
			return
		}
		writeStatus(ctx, w, http.StatusBadRequest, platform.Wrap(platform.KindValidation, "request body could not be read", err))
		return
	}
	// Nothing about the request is looked at, logged or answered in detail
	// before the signature holds.
	if !shopify.VerifyWebhook(r.Secret, body, req.Header.Get(shopify.WebhookHMACHeader)) {
		writeStatus(ctx, w, http.StatusUnauthorized, platform.E(platform.KindUnauthenticated, "invalid webhook signature"))
		return
	}
	env, herr := parseHeaders(req.Header)
	if herr != nil {
		writeStatus(ctx, w, herr.status, herr.err)
		return
	}
	log := platform.Log(ctx).With("topic", env.Topic, "shop", env.Shop, "webhook_id", env.WebhookID, "event_id", env.EventID)
	if !utf8.Valid(body) || !json.Valid(body) {
		log.Warn("signed webhook body is not JSON")
		writeStatus(ctx, w, http.StatusBadRequest, platform.E(platform.KindValidation, "webhook body is not JSON"))
		return
	}
	status, derr := r.deliver(ctx, log, env, body)
	if derr != nil {
		writeStatus(ctx, w, derr.status, derr.err)
		return
	}
	platform.WriteJSON(ctx, w, http.StatusOK, Result{Status: status})
}

type deliverError struct {
	status int
	err    error
}

// deliver runs the claim → send → complete protocol (see the package doc).
func (r *Receiver) deliver(ctx context.Context, log *slog.Logger, env Envelope, body []byte) (string, *deliverError) {
	ctx, cancel := context.WithTimeout(ctx, workBudget)
	defer cancel()
	now := r.now()
	env.ReceivedAt = now
	d := store.WebhookDelivery{
		WebhookID: env.WebhookID, Shop: env.Shop, Topic: env.Topic, Claim: newClaim(),
		LeaseUntil: now.Add(r.ClaimLease), ReceivedAt: now, ExpiresAt: now.Add(r.DedupeTTL),
	}
	if err := r.Deliveries.PutWebhookDelivery(ctx, d, now); err != nil {
		switch {
		case errors.Is(err, store.ErrWebhookDuplicate):
			log.Info("webhook duplicate dropped")
			return "duplicate", nil
		case errors.Is(err, store.ErrWebhookInProgress):
			return "", &deliverError{http.StatusConflict, err}
		}
		return "", &deliverError{http.StatusServiceUnavailable,
			platform.Wrap(platform.KindUnavailable, "webhook could not be recorded; retry later", err)}
	}
	msg, truncated, err := message(env, body, r.MaxMessageBytes)
	if err == nil {
		_, err = r.Queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(r.QueueURL), MessageBody: aws.String(msg)})
	}
	if err != nil {
		// Release the claim so Shopify's retry goes through, even if the
		// request's own deadline has passed.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer rcancel()
		if derr := r.Deliveries.DeleteWebhookDelivery(rctx, d.WebhookID, d.Claim); derr != nil {
			log.Error("webhook claim not released; a retry is accepted once its lease passes", "lease_until", d.LeaseUntil, "error", derr.Error())
		}
		return "", &deliverError{http.StatusServiceUnavailable,
			platform.Wrap(platform.KindUnavailable, "webhook could not be enqueued; retry later", err)}
	}
	if err := r.Deliveries.CompleteWebhookDelivery(ctx, d); err != nil {
		// The event is on the queue: answer 200. The pending claim expires;
		// a later redelivery may be enqueued again (the worker is idempotent).
		log.Warn("webhook enqueued but not marked enqueued", "error", err.Error())
	}
	log.Info("webhook enqueued", "compliance", env.Compliance, "payload_truncated", truncated, "bytes", len(body))
	return "enqueued", nil
}

func newClaim() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// writeStatus answers err in the API's error format with an explicit HTTP
// status (400, 405, 413 are validation errors with their own status), and
// logs it once.
func writeStatus(ctx context.Context, w http.ResponseWriter, status int, err error) {
	k := platform.KindOf(err)
	level := slog.LevelInfo
	if k == platform.KindInternal || k == platform.KindUnavailable {
		level = slog.LevelError
	}
	platform.Log(ctx).Log(ctx, level, "request failed", "kind", k.String(), "status", status, "error", err.Error())
	entry := platform.NewErrorEntry(err)
	entry.Extensions.StatusCode = status
	platform.WriteJSON(ctx, w, status, platform.ErrorBody{Errors: []platform.ErrorEntry{entry}})
}
