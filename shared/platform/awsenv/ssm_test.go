package awsenv

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

type fakeSSM struct {
	params map[string]string
	err    error
	got    *ssm.GetParameterInput
}

func (f *fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.got = in
	if f.err != nil {
		return nil, f.err
	}
	v, ok := f.params[aws.ToString(in.Name)]
	if !ok {
		return nil, &types.ParameterNotFound{Message: aws.String("not found")}
	}
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Name: in.Name, Value: aws.String(v)}}, nil
}

func TestSSMParameter(t *testing.T) {
	tests := []struct {
		name    string
		fake    *fakeSSM
		param   string
		want    string
		wantErr string
	}{
		{"found", &fakeSSM{params: map[string]string{"/flux/s": "shh"}}, "/flux/s", "shh", ""},
		{"missing", &fakeSSM{params: map[string]string{}}, "/flux/s", "", "ssm parameter /flux/s"},
		{"empty value", &fakeSSM{params: map[string]string{"/flux/s": ""}}, "/flux/s", "", "no value"},
		{"client error", &fakeSSM{err: errors.New("throttled")}, "/flux/s", "", "throttled"},
		{"empty name", &fakeSSM{}, " ", "", "empty name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SSMParameter(context.Background(), tt.fake, tt.param)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
			if !aws.ToBool(tt.fake.got.WithDecryption) {
				t.Error("WithDecryption not set")
			}
		})
	}
}
