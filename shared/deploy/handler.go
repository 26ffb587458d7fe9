package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
)

// MaxReceives is how many deliveries of one message the handler tries
// before it ends the job FAILED (DeployQueue's redrive moves a message to
// the DLQ after 5; failing it on the 5th tells the merchant, and the job
// can be retried from where it stopped).
const MaxReceives = 5

// Queue sends DeployQueue messages (continuations):
// releasegroup.SQSQueue.
type Queue interface {
	Send(ctx context.Context, m release.Message) error
}

// Worker is the DeployQueue consumer.
type Worker struct {
	Executor *Executor
	Queue    Queue
}

// Handle is the DeployQueue event source handler: each message runs its
// job. A run that stopped before its deadline is continued by a new
// message; a run that failed is reported in BatchItemFailures (SQS
// redelivers it after the visibility timeout and the job continues from
// its outcomes). Malformed messages are dropped with a log line.
func (w *Worker) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, rec := range ev.Records {
		log := w.Executor.Log.With("messageId", rec.MessageId)
		var m release.Message
		if err := json.Unmarshal([]byte(rec.Body), &m); err != nil || m.TenantID == "" || m.JobID == "" ||
			release.ValidID("job", m.JobID) != nil {
			log.ErrorContext(ctx, "malformed deploy message; dropped")
			continue
		}
		err := w.Executor.Run(ctx, m)
		if errors.Is(err, ErrContinue) {
			if err = w.Queue.Send(ctx, m); err == nil {
				log.InfoContext(ctx, "deploy run continues in a new invocation", "job", m.JobID)
				continue
			}
		}
		if err == nil {
			continue
		}
		receives, _ := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"])
		if receives >= MaxReceives {
			log.ErrorContext(ctx, "deploy failed on its last delivery", "job", m.JobID, "error", err)
			if ferr := w.Executor.Fail(ctx, m, err); ferr == nil {
				continue
			}
		} else {
			log.WarnContext(ctx, "deploy run failed; will continue on redelivery", "job", m.JobID,
				"receives", receives, "kind", platform.KindOf(err).String(), "error", err)
		}
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
	}
	return resp, nil
}
