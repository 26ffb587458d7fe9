package secrets

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/flux-platform/flux/shared/platform"
)

// KMSAPI is the part of the KMS client a KMSSealer uses; *kms.Client
// satisfies it.
type KMSAPI interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opts ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

var _ KMSAPI = (*kms.Client)(nil)

// ContextKey is the KMS encryption context key carrying the AAD. KMS binds
// the data key to it (Decrypt with another context fails) and CloudTrail
// records it with every GenerateDataKey and Decrypt, so an audit shows
// which tenant's and shop's token was opened.
const ContextKey = "flux:aad"

// KMSSealer is envelope encryption with AWS KMS: each Seal asks KMS for a
// fresh AES-256 data key (GenerateDataKey, bound to the AAD as encryption
// context), encrypts locally with AES-256-GCM (the AAD again as GCM
// additional data), forgets the plaintext key and keeps the encrypted one.
// Open asks KMS to decrypt the data key (with the same context), then opens
// locally. The key never leaves KMS; a blob moved to another tenant or shop
// fails both in KMS and in GCM.
type KMSSealer struct {
	Client KMSAPI
	KeyID  string // key id, ARN, alias name or alias ARN
}

var _ Sealer = (*KMSSealer)(nil)

// NewKMSSealer checks its arguments.
func NewKMSSealer(client KMSAPI, keyID string) (*KMSSealer, error) {
	if client == nil || keyID == "" {
		return nil, errors.New("kms sealer: a client and a key id are required")
	}
	return &KMSSealer{Client: client, KeyID: keyID}, nil
}

// encryptionContext is the AAD as a KMS encryption context (values must be
// UTF-8 strings, so other bytes are base64-encoded).
func encryptionContext(aad []byte) map[string]string {
	if len(aad) == 0 {
		return nil
	}
	v := string(aad)
	if !utf8.Valid(aad) {
		v = "b64:" + base64.StdEncoding.EncodeToString(aad)
	}
	return map[string]string{ContextKey: v}
}

// Seal encrypts plaintext under a new data key.
func (k *KMSSealer) Seal(ctx context.Context, plaintext, aad []byte) (Sealed, error) {
	out, err := k.Client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             aws.String(k.KeyID),
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: encryptionContext(aad),
	})
	if err != nil {
		return Sealed{}, platform.Wrap(platform.KindUnavailable, "the key service is unavailable", fmt.Errorf("kms generate data key: %w", err))
	}
	key := out.Plaintext
	defer clear(key)
	aead, err := gcm(key)
	if err != nil {
		return Sealed{}, fmt.Errorf("kms seal: %w", err)
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return Sealed{}, fmt.Errorf("kms seal: nonce: %w", err)
	}
	keyID := aws.ToString(out.KeyId) // the key ARN, even when KeyID is an alias
	if keyID == "" {
		keyID = k.KeyID
	}
	return Sealed{
		Scheme: SchemeKMS, KeyID: keyID, EncryptedKey: out.CiphertextBlob,
		Nonce: nonce, Ciphertext: aead.Seal(nil, nonce, plaintext, aad),
	}, nil
}

// Open decrypts the data key in KMS and the secret locally. A blob that KMS
// refuses as ciphertext (wrong context, another key, corrupted) or that GCM
// does not authenticate wraps ErrOpen; KMS being unreachable is
// KindUnavailable.
func (k *KMSSealer) Open(ctx context.Context, s Sealed, aad []byte) ([]byte, error) {
	if s.Scheme != SchemeKMS {
		return nil, fmt.Errorf("%w: sealed with %s, not kms", ErrOpen, s.Scheme)
	}
	in := &kms.DecryptInput{CiphertextBlob: s.EncryptedKey, EncryptionContext: encryptionContext(aad)}
	if s.KeyID != "" {
		// Pinning the key stops KMS from trying a key the blob names but
		// this deployment does not trust.
		in.KeyId = aws.String(s.KeyID)
	}
	out, err := k.Client.Decrypt(ctx, in)
	if err != nil {
		if refusedCiphertext(err) {
			return nil, fmt.Errorf("%w: kms refused the data key: %v", ErrOpen, err)
		}
		return nil, platform.Wrap(platform.KindUnavailable, "the key service is unavailable", fmt.Errorf("kms decrypt: %w", err))
	}
	key := out.Plaintext
	defer clear(key)
	return openGCM(key, s, aad)
}

// refusedCiphertext is KMS saying no to this blob (as opposed to KMS
// being down or Flux lacking the right to call it).
func refusedCiphertext(err error) bool {
	var (
		ice *types.InvalidCiphertextException
		ike *types.IncorrectKeyException
		nfe *types.NotFoundException
	)
	return errors.As(err, &ice) || errors.As(err, &ike) || errors.As(err, &nfe)
}

func openGCM(key []byte, s Sealed, aad []byte) ([]byte, error) {
	aead, err := gcm(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOpen, err)
	}
	if len(s.Nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("%w: bad nonce size", ErrOpen)
	}
	pt, err := aead.Open(nil, s.Nonce, s.Ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrOpen)
	}
	return pt, nil
}
