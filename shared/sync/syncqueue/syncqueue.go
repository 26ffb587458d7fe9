// Package syncqueue sends SyncQueue messages over SQS: startSync, the
// reconciliation and the worker's continuations all go through it.
package syncqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	fsync "github.com/flux-platform/flux/shared/sync"
)

// SQSClient is the part of *sqs.Client the queue uses.
type SQSClient interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// SQSQueue sends messages to one SQS queue.
type SQSQueue struct {
	Client SQSClient
	URL    string
}

// Send sends m now.
func (q SQSQueue) Send(ctx context.Context, m fsync.Message) error { return q.SendAfter(ctx, m, 0) }

// SendAfter sends m to be delivered after delay (at most SQS's 15 min).
func (q SQSQueue) SendAfter(ctx context.Context, m fsync.Message, delay time.Duration) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("marshal sync message: %w", err)
	}
	secs := int32(min(max(delay, 0), 15*time.Minute) / time.Second)
	if _, err := q.Client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(q.URL), MessageBody: aws.String(string(b)), DelaySeconds: secs,
	}); err != nil {
		return fmt.Errorf("send sync message %s: %w", m.SyncID, err)
	}
	return nil
}
