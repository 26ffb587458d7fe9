package secrets

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/flux-platform/flux/shared/platform"
)

// Environment of the integration tests (the same variables as the store's).
const (
	envAWSEndpoint        = "FLUX_TEST_AWS_ENDPOINT"
	envRequireIntegration = "FLUX_REQUIRE_INTEGRATION"
)

// motoKMS is a KMS client on moto at $FLUX_TEST_AWS_ENDPOINT and a fresh
// key alias, or skips (fails when integration is required).
func motoKMS(t *testing.T) (*kms.Client, string) {
	t.Helper()
	ep := os.Getenv(envAWSEndpoint)
	if ep == "" {
		if os.Getenv(envRequireIntegration) == "1" {
			t.Fatalf("%s is not set but %s=1: start moto_server", envAWSEndpoint, envRequireIntegration)
		}
		t.Skipf("%s not set: skipping KMS integration test", envAWSEndpoint)
	}
	c := kms.New(kms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return c, "alias/flux-test-" + hex.EncodeToString(b)
}

func TestKMSSealerAgainstMoto(t *testing.T) {
	c, alias := motoKMS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	arn, err := EnsureKey(ctx, c, alias)
	if err != nil {
		t.Fatal(err)
	}
	again, err := EnsureKey(ctx, c, alias)
	if err != nil || again != arn {
		t.Fatalf("EnsureKey again = %q, %v; want the same key %q", again, err, arn)
	}
	s, err := NewKMSSealer(c, alias)
	if err != nil {
		t.Fatal(err)
	}
	aad := AAD("tenant", "acme", "shop", "a.myshopify.com", "field", "access")
	sealed, err := s.Seal(ctx, []byte("shpat_secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if sealed.KeyID != arn {
		t.Errorf("sealed under %q, want the key ARN %q (not the alias)", sealed.KeyID, arn)
	}
	if len(sealed.EncryptedKey) == 0 || bytes.Contains(sealed.Ciphertext, []byte("shpat_secret")) {
		t.Fatalf("not an envelope: %v", sealed)
	}
	b, err := sealed.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := s.Open(ctx, back, aad)
	if err != nil {
		t.Fatal(err)
	}
	if string(pt) != "shpat_secret" {
		t.Errorf("opened %q", pt)
	}

	t.Run("a data key per seal", func(t *testing.T) {
		other, err := s.Seal(ctx, []byte("shpat_secret"), aad)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(other.EncryptedKey, sealed.EncryptedKey) {
			t.Error("two seals share a data key")
		}
	})
	t.Run("another tenant cannot open", func(t *testing.T) {
		_, err := s.Open(ctx, back, AAD("tenant", "evil", "shop", "a.myshopify.com", "field", "access"))
		if !errors.Is(err, ErrOpen) {
			t.Fatalf("Open under another tenant = %v, want ErrOpen", err)
		}
	})
	t.Run("kms itself binds the data key to the context", func(t *testing.T) {
		// Bypass the GCM layer: KMS must refuse the data key under another
		// encryption context, so the binding does not rest on GCM alone.
		_, err := c.Decrypt(ctx, &kms.DecryptInput{
			CiphertextBlob:    sealed.EncryptedKey,
			EncryptionContext: encryptionContext(AAD("tenant", "evil", "shop", "a.myshopify.com", "field", "access")),
		})
		var ice *types.InvalidCiphertextException
		if !errors.As(err, &ice) {
			t.Fatalf("Decrypt under another context = %v, want InvalidCiphertextException", err)
		}
	})
	t.Run("tampered ciphertext", func(t *testing.T) {
		bad := back
		bad.Ciphertext = bytes.Clone(back.Ciphertext)
		bad.Ciphertext[0] ^= 1
		if _, err := s.Open(ctx, bad, aad); !errors.Is(err, ErrOpen) {
			t.Fatalf("Open tampered = %v, want ErrOpen", err)
		}
	})
	t.Run("local blob", func(t *testing.T) {
		l := newLocal(t, testKey)
		ls, _ := l.Seal(ctx, []byte("x"), aad)
		if _, err := s.Open(ctx, ls, aad); !errors.Is(err, ErrOpen) {
			t.Fatalf("Open of a local blob = %v, want ErrOpen", err)
		}
	})
}

// fakeKMS fails every call with err.
type fakeKMS struct {
	err error
	got *kms.DecryptInput
}

func (f *fakeKMS) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return nil, f.err
}

func (f *fakeKMS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	f.got = in
	return nil, f.err
}

func TestKMSSealerErrors(t *testing.T) {
	ctx := context.Background()
	sealed := Sealed{Scheme: SchemeKMS, KeyID: "arn:k", EncryptedKey: []byte("ek"), Nonce: make([]byte, 12), Ciphertext: []byte("ct")}
	tests := []struct {
		name     string
		err      error
		wantOpen bool
	}{
		{"kms down", errors.New("dial tcp: connection refused"), false},
		{"access denied", errors.New("AccessDeniedException"), false},
		{"invalid ciphertext", &types.InvalidCiphertextException{Message: aws.String("no")}, true},
		{"incorrect key", &types.IncorrectKeyException{Message: aws.String("no")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeKMS{err: tt.err}
			s, _ := NewKMSSealer(f, "alias/x")
			_, err := s.Open(ctx, sealed, []byte("aad"))
			if got := errors.Is(err, ErrOpen); got != tt.wantOpen {
				t.Fatalf("Open = %v; ErrOpen %v, want %v", err, got, tt.wantOpen)
			}
			if !tt.wantOpen && platform.KindOf(err) != platform.KindUnavailable {
				t.Errorf("kind %v, want unavailable", platform.KindOf(err))
			}
			if aws.ToString(f.got.KeyId) != "arn:k" || f.got.EncryptionContext[ContextKey] != "aad" {
				t.Errorf("Decrypt input: key %q context %v", aws.ToString(f.got.KeyId), f.got.EncryptionContext)
			}
			if _, err := s.Seal(ctx, []byte("x"), nil); platform.KindOf(err) != platform.KindUnavailable {
				t.Errorf("Seal = %v, want unavailable", err)
			}
		})
	}
	if _, err := NewKMSSealer(nil, "k"); err == nil {
		t.Error("nil client accepted")
	}
}

func TestEncryptionContext(t *testing.T) {
	if encryptionContext(nil) != nil {
		t.Error("empty AAD gives a context")
	}
	if got := encryptionContext([]byte("tenant=1:a"))[ContextKey]; got != "tenant=1:a" {
		t.Errorf("utf-8 AAD: %q", got)
	}
	if got := encryptionContext([]byte{0xff, 0xfe})[ContextKey]; !strings.HasPrefix(got, "b64:") {
		t.Errorf("binary AAD: %q", got)
	}
}
