// Package secrets seals small secrets (Shopify access and refresh tokens)
// for storage: envelope encryption with a fresh KMS data key per secret in
// AWS (and against moto in the local stack), or a static local key where
// KMS is not wanted.
//
// Every sealed secret is bound to an AAD (additional authenticated data,
// e.g. tenant and shop): opening it under any other AAD fails, so a blob
// copied into another tenant's item cannot be opened there. Plaintexts never
// appear in errors or logs.
package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Sealer seals and opens small secrets bound to an AAD.
type Sealer interface {
	Seal(ctx context.Context, plaintext, aad []byte) (Sealed, error)
	Open(ctx context.Context, s Sealed, aad []byte) ([]byte, error)
}

// Scheme says how a secret was sealed.
type Scheme byte

const (
	// SchemeKMS: a KMS data key (AES-256) wraps nothing but this secret;
	// EncryptedKey is the KMS ciphertext blob of the data key.
	SchemeKMS Scheme = 1
	// SchemeLocal: AES-256-GCM directly under a static local key; KeyID is
	// the key's fingerprint and EncryptedKey is empty.
	SchemeLocal Scheme = 2
)

func (s Scheme) String() string {
	switch s {
	case SchemeKMS:
		return "kms"
	case SchemeLocal:
		return "local"
	}
	return fmt.Sprintf("scheme(%d)", byte(s))
}

// Sealed is a sealed secret: everything needed to open it except the key
// (in KMS, or the local key) and the AAD.
type Sealed struct {
	Scheme       Scheme
	KeyID        string // the KMS key ARN that wrapped the data key, or the local key's fingerprint
	EncryptedKey []byte // the data key as KMS encrypted it (SchemeKMS only)
	Nonce        []byte // the AES-GCM nonce
	Ciphertext   []byte // AES-GCM ciphertext and tag
}

// ErrOpen is in the chain of every failure to open a sealed secret that
// is not a dependency being unreachable: wrong AAD (another tenant or shop),
// another key, a corrupted or truncated blob.
var ErrOpen = errors.New("sealed secret cannot be opened")

// String never shows the secret (there is none in clear here, but the
// ciphertext is no business of logs either).
func (s Sealed) String() string {
	return fmt.Sprintf("secrets.Sealed{%s key=%s %d bytes}", s.Scheme, s.KeyID, len(s.Ciphertext))
}

// Binary form (stored as one DynamoDB binary attribute):
//
//	version(1)=1 | scheme(1) | len(keyID)(2) keyID | len(encKey)(2) encKey | len(nonce)(1) nonce | ciphertext
const formatV1 = 1

// maxField bounds each length-prefixed field (a KMS ciphertext blob of a
// 32-byte key is under 200 bytes, a key ARN under 2048).
const maxField = 4096

// MarshalBinary encodes s for storage.
func (s Sealed) MarshalBinary() ([]byte, error) {
	if s.Scheme != SchemeKMS && s.Scheme != SchemeLocal {
		return nil, fmt.Errorf("seal: unknown scheme %d", s.Scheme)
	}
	if len(s.KeyID) > maxField || len(s.EncryptedKey) > maxField || len(s.Nonce) > 255 || len(s.Ciphertext) == 0 {
		return nil, errors.New("seal: malformed sealed secret")
	}
	b := make([]byte, 0, 2+2+len(s.KeyID)+2+len(s.EncryptedKey)+1+len(s.Nonce)+len(s.Ciphertext))
	b = append(b, formatV1, byte(s.Scheme))
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.KeyID)))
	b = append(b, s.KeyID...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.EncryptedKey)))
	b = append(b, s.EncryptedKey...)
	b = append(b, byte(len(s.Nonce)))
	b = append(b, s.Nonce...)
	b = append(b, s.Ciphertext...)
	return b, nil
}

// Parse decodes MarshalBinary's form. Garbage is an error wrapping ErrOpen,
// never a panic.
func Parse(b []byte) (Sealed, error) {
	bad := func(what string) (Sealed, error) {
		return Sealed{}, fmt.Errorf("%w: %s", ErrOpen, what)
	}
	if len(b) < 2 || b[0] != formatV1 {
		return bad("unknown format")
	}
	s := Sealed{Scheme: Scheme(b[1])}
	if s.Scheme != SchemeKMS && s.Scheme != SchemeLocal {
		return bad("unknown scheme")
	}
	rest := b[2:]
	field16 := func() ([]byte, bool) {
		if len(rest) < 2 {
			return nil, false
		}
		n := int(binary.BigEndian.Uint16(rest))
		if n > maxField || len(rest) < 2+n {
			return nil, false
		}
		f := rest[2 : 2+n]
		rest = rest[2+n:]
		return f, true
	}
	keyID, ok := field16()
	if !ok {
		return bad("truncated key id")
	}
	encKey, ok := field16()
	if !ok {
		return bad("truncated data key")
	}
	if len(rest) < 1 || len(rest) < 1+int(rest[0]) {
		return bad("truncated nonce")
	}
	nonce := rest[1 : 1+int(rest[0])]
	ct := rest[1+int(rest[0]):]
	if len(ct) == 0 {
		return bad("no ciphertext")
	}
	s.KeyID = string(keyID)
	s.EncryptedKey = clone(encKey)
	s.Nonce = clone(nonce)
	s.Ciphertext = clone(ct)
	return s, nil
}

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// AAD builds the additional data a secret is bound to from labelled
// parts, e.g. AAD("tenant", "acme", "shop", "a.myshopify.com", "field",
// "access"). Parts may not contain '\n' or '=' in labels; values are
// length-prefixed so no two different part lists give the same bytes.
func AAD(labelValue ...string) []byte {
	var b strings.Builder
	for i := 0; i+1 < len(labelValue); i += 2 {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, "%s=%d:%s", labelValue[i], len(labelValue[i+1]), labelValue[i+1])
	}
	return []byte(b.String())
}

// gcm is AES-256-GCM under key.
func gcm(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("AES-256 needs a 32-byte key, got %d bytes", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
