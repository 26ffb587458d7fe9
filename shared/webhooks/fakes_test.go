package webhooks

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
)

// fakeDeliveries has store.Store's semantics for delivery records, in memory.
type fakeDeliveries struct {
	mu       sync.Mutex
	items    map[string]fakeRecord
	putErr   error
	doneErr  error
	puts     int
	deletes  int
	complete int
}

type fakeRecord struct {
	d     store.WebhookDelivery
	state store.WebhookDeliveryState
}

func newFakeDeliveries() *fakeDeliveries { return &fakeDeliveries{items: map[string]fakeRecord{}} }

func (f *fakeDeliveries) PutWebhookDelivery(_ context.Context, d store.WebhookDelivery, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts++
	if f.putErr != nil {
		return f.putErr
	}
	if old, ok := f.items[d.WebhookID]; ok {
		if old.state == store.WebhookEnqueued {
			return platform.Wrap(platform.KindConflict, "webhook delivery already received", store.ErrWebhookDuplicate)
		}
		if !old.d.LeaseUntil.Before(now) {
			return platform.Wrap(platform.KindConflict, "webhook delivery is being processed; retry later", store.ErrWebhookInProgress)
		}
	}
	f.items[d.WebhookID] = fakeRecord{d, store.WebhookPending}
	return nil
}

func (f *fakeDeliveries) CompleteWebhookDelivery(_ context.Context, d store.WebhookDelivery) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.complete++
	if f.doneErr != nil {
		return f.doneErr
	}
	if old, ok := f.items[d.WebhookID]; !ok || old.d.Claim != d.Claim {
		return platform.E(platform.KindConflict, "webhook delivery claimed by another request")
	}
	f.items[d.WebhookID] = fakeRecord{d, store.WebhookEnqueued}
	return nil
}

func (f *fakeDeliveries) DeleteWebhookDelivery(_ context.Context, id, claim string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes++
	if old, ok := f.items[id]; !ok || old.d.Claim != claim || old.state != store.WebhookPending {
		return platform.E(platform.KindConflict, "webhook delivery not held by this request")
	}
	delete(f.items, id)
	return nil
}

func (f *fakeDeliveries) state(id string) (store.WebhookDeliveryState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.items[id]
	return r.state, ok
}

// fakeQueue records messages; err makes SendMessage fail.
type fakeQueue struct {
	mu   sync.Mutex
	msgs []string
	err  error
}

func (q *fakeQueue) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return nil, q.err
	}
	if aws.ToString(in.QueueUrl) == "" {
		return nil, errors.New("no queue url")
	}
	q.msgs = append(q.msgs, aws.ToString(in.MessageBody))
	return &sqs.SendMessageOutput{MessageId: aws.String(fmt.Sprint(len(q.msgs)))}, nil
}

func (q *fakeQueue) messages() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.msgs...)
}
