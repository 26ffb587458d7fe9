package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"strings"
)

// API key format: "flx_" + 52 base32 characters of 32 random bytes (256 bits)
// + 7 base32 characters of the CRC-32 of those bytes. The prefix lets secret
// scanners spot a leaked key; the checksum lets the authorizer reject typos
// and garbage without a database read.
const (
	KeyPrefix     = "flx_"
	keyRandomLen  = 32
	keyBodyLen    = 52 // base32 of 32 bytes, no padding
	keyCheckLen   = 7  // base32 of 4 bytes, no padding
	KeyLength     = len(KeyPrefix) + keyBodyLen + keyCheckLen
	displayPrefix = len(KeyPrefix) + 8
)

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ErrMalformedKey is returned for anything that is not a well-formed key.
var ErrMalformedKey = errors.New("malformed api key")

// NewKeySecret makes a new secret with its display prefix and its hash.
func NewKeySecret() (secret, prefix, hash string, err error) {
	b := make([]byte, keyRandomLen)
	if _, err := rand.Read(b); err != nil {
		return "", "", "", err
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(b))
	secret = KeyPrefix + keyEncoding.EncodeToString(b) + keyEncoding.EncodeToString(sum[:])
	return secret, KeyDisplayPrefix(secret), HashKey(secret), nil
}

// ParseKey checks a presented secret's shape and checksum.
func ParseKey(s string) error {
	if len(s) != KeyLength || !strings.HasPrefix(s, KeyPrefix) {
		return ErrMalformedKey
	}
	body := s[len(KeyPrefix) : len(KeyPrefix)+keyBodyLen]
	check := s[len(KeyPrefix)+keyBodyLen:]
	b, err := keyEncoding.DecodeString(body)
	if err != nil || len(b) != keyRandomLen {
		return ErrMalformedKey
	}
	c, err := keyEncoding.DecodeString(check)
	if err != nil || len(c) != 4 {
		return ErrMalformedKey
	}
	if binary.BigEndian.Uint32(c) != crc32.ChecksumIEEE(b) {
		return ErrMalformedKey
	}
	// Reject non-canonical encodings so one key has exactly one spelling.
	if keyEncoding.EncodeToString(b) != body || keyEncoding.EncodeToString(c) != check {
		return ErrMalformedKey
	}
	return nil
}

// HashKey is the SHA-256 hex of a secret: the only form Flux stores.
func HashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// KeyDisplayPrefix is the part of a secret shown in listings.
func KeyDisplayPrefix(secret string) string {
	if len(secret) < displayPrefix {
		return secret
	}
	return secret[:displayPrefix]
}
