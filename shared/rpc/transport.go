package rpc

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Handler is what a group exposes to a transport.
type Handler interface {
	Handle(ctx context.Context, req Request) (Response, error)
}

// InProcess routes requests to handlers linked into the same binary: the
// local stack and tests. Requests and responses still pass through JSON, so
// the contract is the same as over Lambda.
type InProcess map[string]Handler

// Call implements Transport.
func (t InProcess) Call(ctx context.Context, req Request) (Response, error) {
	h, ok := t[req.Group]
	if !ok {
		return Response{}, fmt.Errorf("%w %q", ErrUnknownGroup, req.Group)
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return Response{}, fmt.Errorf("encode request: %w", err)
	}
	var copyReq Request
	if err := json.Unmarshal(raw, &copyReq); err != nil {
		return Response{}, fmt.Errorf("decode request: %w", err)
	}
	return h.Handle(ctx, copyReq)
}

// Invoker is the part of the Lambda client the transport uses.
type Invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// LambdaInvoke calls each group's function synchronously. Functions maps a
// group name to its function name or ARN.
type LambdaInvoke struct {
	Client    Invoker
	Functions map[string]string
}

// Call implements Transport.
func (t LambdaInvoke) Call(ctx context.Context, req Request) (Response, error) {
	fn, ok := t.Functions[req.Group]
	if !ok {
		return Response{}, fmt.Errorf("%w %q", ErrUnknownGroup, req.Group)
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return Response{}, fmt.Errorf("encode request: %w", err)
	}
	out, err := t.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(fn), Payload: payload})
	if err != nil {
		return Response{}, fmt.Errorf("invoke %s: %w", fn, err)
	}
	if out.FunctionError != nil {
		return Response{}, fmt.Errorf("invoke %s: function error %s", fn, aws.ToString(out.FunctionError))
	}
	var resp Response
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		return Response{}, fmt.Errorf("decode response of %s: %w", fn, err)
	}
	return resp, nil
}
