package secrets

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// LocalSealer seals with AES-256-GCM under one static 32-byte key from
// configuration: for a dev stack that does not want KMS (the local stack
// prefers KMSSealer against moto, so the production path runs). There is
// no envelope: the key itself encrypts, and KeyID is its fingerprint, so a
// blob sealed under another key is refused clearly.
type LocalSealer struct {
	key [32]byte
	id  string
}

var _ Sealer = (*LocalSealer)(nil)

// NewLocalSealer takes the key as 32 raw bytes.
func NewLocalSealer(key []byte) (*LocalSealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("local sealer: the key must be 32 bytes, got %d", len(key))
	}
	l := &LocalSealer{}
	copy(l.key[:], key)
	sum := sha256.Sum256(key)
	l.id = "local:" + hex.EncodeToString(sum[:8])
	return l, nil
}

// ParseLocalKey reads a 32-byte key given as base64 (standard or URL, with
// or without padding) or 64 hex digits, as TOKEN_LOCAL_KEY holds it. The
// error never contains the value.
func ParseLocalKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("local key: want 32 bytes as base64 or 64 hex digits")
}

// KeyID is the key's fingerprint ("local:<16 hex>").
func (l *LocalSealer) KeyID() string { return l.id }

// Seal encrypts plaintext bound to aad.
func (l *LocalSealer) Seal(_ context.Context, plaintext, aad []byte) (Sealed, error) {
	aead, err := gcm(l.key[:])
	if err != nil {
		return Sealed{}, fmt.Errorf("local seal: %w", err)
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return Sealed{}, fmt.Errorf("local seal: nonce: %w", err)
	}
	return Sealed{Scheme: SchemeLocal, KeyID: l.id, Nonce: nonce, Ciphertext: aead.Seal(nil, nonce, plaintext, aad)}, nil
}

// Open decrypts s if it was sealed under this key and aad.
func (l *LocalSealer) Open(_ context.Context, s Sealed, aad []byte) ([]byte, error) {
	if s.Scheme != SchemeLocal {
		return nil, fmt.Errorf("%w: sealed with %s, not local", ErrOpen, s.Scheme)
	}
	if s.KeyID != l.id {
		return nil, fmt.Errorf("%w: sealed under key %s, this is %s", ErrOpen, s.KeyID, l.id)
	}
	return openGCM(l.key[:], s, aad)
}
