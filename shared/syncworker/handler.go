package syncworker

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/shared/platform"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// MaxReceives is how many deliveries of one message the handler tries
// before it fails the sync (SyncQueue's redrive moves a message to the DLQ
// after 5; failing it on the 5th tells the merchant instead of leaving a
// sync RUNNING forever).
const MaxReceives = 5

// Handle is the SyncQueue event source handler: each message runs its
// sync; a message that fails is reported in BatchItemFailures (SQS
// redelivers it after the visibility timeout and the run resumes from its
// checkpoint). Malformed messages are dropped with a log line: retrying
// them cannot help.
func (w *Worker) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, rec := range ev.Records {
		log := w.Log.With("messageId", rec.MessageId)
		var m Message
		if err := json.Unmarshal([]byte(rec.Body), &m); err != nil || m.TenantID == "" || m.SyncID == "" {
			log.ErrorContext(ctx, "malformed sync message; dropped")
			continue
		}
		if _, err := fsync.ParseType(string(m.Type)); err != nil {
			log.ErrorContext(ctx, "sync message with an unknown type; dropped", "type", m.Type)
			continue
		}
		err := w.Run(ctx, m)
		if err == nil {
			continue
		}
		receives, _ := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"])
		if receives >= MaxReceives {
			log.ErrorContext(ctx, "sync failed on its last delivery", "sync", m.SyncID, "error", err)
			if ferr := w.FailSync(ctx, m, err); ferr == nil {
				continue
			}
		} else {
			log.WarnContext(ctx, "sync run failed; will resume on redelivery", "sync", m.SyncID,
				"receives", receives, "kind", platform.KindOf(err).String(), "error", err)
		}
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
	}
	return resp, nil
}
