package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
)

type echoArgs struct {
	Name string `json:"name"`
}

type echoResult struct {
	Greeting string `json:"greeting"`
	Tenant   string `json:"tenant"`
}

func testGroup() *Group {
	return &Group{Name: "echo", Ops: map[string]Operation{
		"hello": Op(func(ctx context.Context, a echoArgs) (echoResult, error) {
			return echoResult{Greeting: "hello " + a.Name, Tenant: auth.IdentityFrom(ctx).TenantID}, nil
		}),
		"missing": Op(func(ctx context.Context, a echoArgs) (echoResult, error) {
			return echoResult{}, fmt.Errorf("load %s: %w", a.Name, platform.E(platform.KindNotFound, "thing not found"))
		}),
		"broken": Op(func(ctx context.Context, a echoArgs) (echoResult, error) {
			return echoResult{}, errors.New("dial tcp 10.1.2.3:443: secret internals")
		}),
	}}
}

func TestCallThroughInProcess(t *testing.T) {
	ctx := auth.WithIdentity(context.Background(), auth.Identity{TenantID: "t1", Scopes: []auth.Scope{auth.ScopeConfigRead}})
	tr := InProcess{"echo": testGroup()}
	tests := []struct {
		name     string
		group    string
		op       string
		args     any
		want     echoResult
		wantKind platform.Kind
		wantMsg  string
	}{
		{"ok carries identity", "echo", "hello", echoArgs{Name: "ann"}, echoResult{Greeting: "hello ann", Tenant: "t1"}, 0, ""},
		{"classified error", "echo", "missing", echoArgs{Name: "x"}, echoResult{}, platform.KindNotFound, "thing not found"},
		{"internal error hides text", "echo", "broken", echoArgs{}, echoResult{}, platform.KindInternal, "internal error"},
		{"unknown operation", "echo", "nope", echoArgs{}, echoResult{}, platform.KindValidation, "unknown operation echo.nope"},
		{"malformed arguments", "echo", "hello", map[string]int{"name": 3}, echoResult{}, platform.KindValidation, "malformed arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Call[echoResult](ctx, tr, tt.group, tt.op, tt.args)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Call: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
				return
			}
			if platform.KindOf(err) != tt.wantKind || platform.PublicMessage(err) != tt.wantMsg {
				t.Errorf("err = %v (kind %v, message %q), want kind %v message %q",
					err, platform.KindOf(err), platform.PublicMessage(err), tt.wantKind, tt.wantMsg)
			}
		})
	}
	if _, err := Call[echoResult](ctx, tr, "other", "hello", nil); !errors.Is(err, ErrUnknownGroup) {
		t.Errorf("unknown group: err = %v, want ErrUnknownGroup", err)
	}
}

type fakeInvoker struct {
	group    Handler
	fnError  string
	garbage  bool
	gotInput *lambda.InvokeInput
}

func (f *fakeInvoker) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.gotInput = in
	if f.fnError != "" {
		return &lambda.InvokeOutput{FunctionError: aws.String(f.fnError), Payload: []byte(`{"errorMessage":"boom"}`)}, nil
	}
	if f.garbage {
		return &lambda.InvokeOutput{Payload: []byte(`not json`)}, nil
	}
	var req Request
	if err := json.Unmarshal(in.Payload, &req); err != nil {
		return nil, err
	}
	resp, err := f.group.Handle(ctx, req)
	if err != nil {
		return nil, err
	}
	payload, _ := json.Marshal(resp)
	return &lambda.InvokeOutput{Payload: payload}, nil
}

func TestLambdaInvokeTransport(t *testing.T) {
	ctx := auth.WithIdentity(context.Background(), auth.Identity{TenantID: "t2"})
	tests := []struct {
		name    string
		inv     *fakeInvoker
		wantErr bool
	}{
		{"round trip", &fakeInvoker{group: testGroup()}, false},
		{"function error is internal", &fakeInvoker{group: testGroup(), fnError: "Unhandled"}, true},
		{"undecodable payload is internal", &fakeInvoker{group: testGroup(), garbage: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := LambdaInvoke{Client: tt.inv, Functions: map[string]string{"echo": "flux-graphql-echo"}}
			got, err := Call[echoResult](ctx, tr, "echo", "hello", echoArgs{Name: "bo"})
			if aws.ToString(tt.inv.gotInput.FunctionName) != "flux-graphql-echo" {
				t.Errorf("invoked %q", aws.ToString(tt.inv.gotInput.FunctionName))
			}
			if tt.wantErr {
				if err == nil || platform.KindOf(err) != platform.KindInternal || platform.PublicMessage(err) != "internal error" {
					t.Errorf("err = %v, want an internal error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			if diff := cmp.Diff(echoResult{Greeting: "hello bo", Tenant: "t2"}, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}
