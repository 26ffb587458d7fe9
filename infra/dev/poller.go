package dev

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSAPI is the part of the SQS client the poller uses.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// Poller is Lambda's SQS event source, locally: it long-polls a queue, hands
// each batch to the function as an events.SQSEvent, deletes what succeeded
// and leaves failures to the queue's visibility timeout and redrive policy.
type Poller struct {
	Client    SQSAPI
	QueueURL  string
	QueueARN  string
	Function  string // logical id, for logs
	Handler   SQSHandler
	BatchSize int
	// ReportBatchItemFailures: the function's FunctionResponseTypes has
	// ReportBatchItemFailures, so batchItemFailures are honoured; without it
	// a batch succeeds or fails as a whole.
	ReportBatchItemFailures bool
	// WaitTime is the long-poll wait (default 20 s, SQS's maximum).
	WaitTime time.Duration
	// Timeout is the function's timeout for one batch (default 3 s).
	Timeout time.Duration
	Log     *slog.Logger
}

// Run polls until ctx is cancelled.
func (p *Poller) Run(ctx context.Context) {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	log = log.With("function", p.Function, "queue", p.QueueURL)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		n, err := p.PollOnce(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("sqs poll failed", "error", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		if n > 0 {
			log.Debug("sqs batch handled", "messages", n)
		}
	}
}

// PollOnce receives one batch (waiting up to WaitTime), runs the handler and
// deletes the messages that succeeded. It returns how many it received.
func (p *Poller) PollOnce(ctx context.Context) (int, error) {
	batch := p.BatchSize
	if batch <= 0 || batch > 10 {
		batch = 10 // SQS's ReceiveMessage maximum
	}
	wait := p.WaitTime
	if wait <= 0 {
		wait = 20 * time.Second
	}
	out, err := p.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(p.QueueURL),
		MaxNumberOfMessages:         int32(batch),
		WaitTimeSeconds:             int32(wait / time.Second),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return 0, fmt.Errorf("receive from %s: %w", p.QueueURL, err)
	}
	if len(out.Messages) == 0 {
		return 0, nil
	}
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(out.Messages))}
	for i, m := range out.Messages {
		ev.Records[i] = p.record(m)
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	resp, err := invoke(ctx, p.Function, newUUID(), timeout, p.Handler, ev)
	if err != nil {
		// A failed invocation: the whole batch comes back after the
		// visibility timeout.
		if p.Log != nil {
			p.Log.Warn("sqs function failed; batch left to the visibility timeout", "function", p.Function, "error", err)
		}
		return len(out.Messages), nil
	}
	failed := map[string]bool{}
	if p.ReportBatchItemFailures {
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
	}
	var del []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range out.Messages {
		if failed[aws.ToString(m.MessageId)] {
			continue
		}
		del = append(del, sqstypes.DeleteMessageBatchRequestEntry{
			Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle,
		})
	}
	if len(del) == 0 {
		return len(out.Messages), nil
	}
	dres, err := p.Client.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{
		QueueUrl: aws.String(p.QueueURL), Entries: del,
	})
	if err != nil {
		return len(out.Messages), fmt.Errorf("delete from %s: %w", p.QueueURL, err)
	}
	if len(dres.Failed) > 0 {
		return len(out.Messages), errors.New("delete from " + p.QueueURL + ": " + aws.ToString(dres.Failed[0].Message))
	}
	return len(out.Messages), nil
}

// record is Lambda's event record of one message.
func (p *Poller) record(m sqstypes.Message) events.SQSMessage {
	r := events.SQSMessage{
		MessageId:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Md5OfBody:              aws.ToString(m.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		Attributes:             map[string]string{},
		MessageAttributes:      map[string]events.SQSMessageAttribute{},
		EventSourceARN:         p.QueueARN,
		EventSource:            "aws:sqs",
		AWSRegion:              LocalRegion,
	}
	for k, v := range m.Attributes {
		r.Attributes[k] = v
	}
	for k, v := range m.MessageAttributes {
		r.MessageAttributes[k] = events.SQSMessageAttribute{
			StringValue:      v.StringValue,
			BinaryValue:      v.BinaryValue,
			StringListValues: v.StringListValues,
			BinaryListValues: v.BinaryListValues,
			DataType:         aws.ToString(v.DataType),
		}
	}
	return r
}
