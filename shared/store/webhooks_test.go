package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

func delivery(id, claim string, now time.Time) store.WebhookDelivery {
	return store.WebhookDelivery{
		WebhookID: id, Shop: "acme.myshopify.com", Topic: "products/update", Claim: claim,
		LeaseUntil: now.Add(30 * time.Second).Truncate(time.Millisecond), ReceivedAt: now,
		ExpiresAt: now.Add(48 * time.Hour).Truncate(time.Second),
	}
}

func TestWebhookDeliveryLifecycle(t *testing.T) {
	ctx := t.Context()
	s := storetest.NewTable(t)
	now := time.Now().UTC()
	const id = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
	d := delivery(id, "claim-1", now)
	if err := s.PutWebhookDelivery(ctx, d, now); err != nil {
		t.Fatal(err)
	}
	got, state, err := s.WebhookDelivery(ctx, id)
	if err != nil || state != store.WebhookPending {
		t.Fatalf("after claim: %v %v", state, err)
	}
	if diff := cmp.Diff(d, got); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	// A second claim while the lease runs: in progress.
	err = s.PutWebhookDelivery(ctx, delivery(id, "claim-2", now), now.Add(time.Second))
	if !errors.Is(err, store.ErrWebhookInProgress) || platform.KindOf(err) != platform.KindConflict {
		t.Fatalf("claim during lease: %v", err)
	}
	// Another request cannot complete or release it.
	wantKind(t, s.CompleteWebhookDelivery(ctx, delivery(id, "claim-2", now)), platform.KindConflict)
	wantKind(t, s.DeleteWebhookDelivery(ctx, id, "claim-2"), platform.KindConflict)
	if err := s.CompleteWebhookDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, state, _ := s.WebhookDelivery(ctx, id); state != store.WebhookEnqueued {
		t.Fatalf("state = %v, want enqueued", state)
	}
	// Enqueued: a replay is a duplicate, even long after the lease.
	err = s.PutWebhookDelivery(ctx, delivery(id, "claim-3", now), now.Add(time.Hour))
	if !errors.Is(err, store.ErrWebhookDuplicate) || platform.KindOf(err) != platform.KindConflict {
		t.Fatalf("replay: %v", err)
	}
	// And an enqueued delivery is never released.
	wantKind(t, s.DeleteWebhookDelivery(ctx, id, "claim-1"), platform.KindConflict)
}

func TestWebhookDeliveryReleaseAndExpiredLease(t *testing.T) {
	ctx := t.Context()
	s := storetest.NewTable(t)
	now := time.Now().UTC()
	const id = "released-0001"
	if err := s.PutWebhookDelivery(ctx, delivery(id, "a", now), now); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWebhookDelivery(ctx, id, "a"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, func() error { _, _, err := s.WebhookDelivery(ctx, id); return err }(), platform.KindNotFound)
	// Released: the retry claims it.
	if err := s.PutWebhookDelivery(ctx, delivery(id, "b", now), now); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	// Holder "b" crashed: after its lease, "c" takes it over; "b" can no
	// longer complete it.
	later := now.Add(31 * time.Second)
	if err := s.PutWebhookDelivery(ctx, delivery(id, "c", later), later); err != nil {
		t.Fatalf("claim after lease: %v", err)
	}
	wantKind(t, s.CompleteWebhookDelivery(ctx, delivery(id, "b", now)), platform.KindConflict)
	if err := s.CompleteWebhookDelivery(ctx, delivery(id, "c", later)); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookDeliveryConcurrentClaimsOneWins(t *testing.T) {
	ctx := t.Context()
	s := storetest.NewTable(t)
	now := time.Now().UTC()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.PutWebhookDelivery(ctx, delivery("concurrent-1", string(rune('a'+i)), now), now)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrWebhookInProgress):
			t.Errorf("loser: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d claims won, want 1", won)
	}
}

func TestWebhookDeliveryRefusesMalformed(t *testing.T) {
	ctx := t.Context()
	s := storetest.NewTable(t)
	now := time.Now().UTC()
	for _, id := range []string{"", "x#WEBHOOK", "has space", string(make([]byte, 129))} {
		wantKind(t, s.PutWebhookDelivery(ctx, delivery(id, "a", now), now), platform.KindValidation)
		wantKind(t, s.DeleteWebhookDelivery(ctx, id, "a"), platform.KindValidation)
	}
	wantKind(t, s.PutWebhookDelivery(ctx, delivery("ok-id", "", now), now), platform.KindValidation)
}

func TestWebhookDeliveryKey(t *testing.T) {
	if got := store.WebhookDeliveryPK("abc"); got != "WEBHOOK#abc" {
		t.Errorf("PK = %q", got)
	}
	if got := store.WebhookDeliverySK(); got != "WEBHOOK" {
		t.Errorf("SK = %q", got)
	}
}
