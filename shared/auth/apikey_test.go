package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var keyShape = regexp.MustCompile(`^flx_[a-z2-7]{59}$`)

func TestNewKeySecretRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		secret, prefix, hash, err := NewKeySecret()
		if err != nil {
			t.Fatal(err)
		}
		if !keyShape.MatchString(secret) || len(secret) != KeyLength {
			t.Fatalf("secret %q has the wrong shape", secret)
		}
		if err := ParseKey(secret); err != nil {
			t.Fatalf("ParseKey(new key) = %v", err)
		}
		if want := secret[:12]; prefix != want || KeyDisplayPrefix(secret) != want {
			t.Errorf("prefix = %q, want %q", prefix, want)
		}
		if hash != HashKey(secret) || len(hash) != 64 {
			t.Errorf("hash = %q, want HashKey(secret)", hash)
		}
		if seen[secret] {
			t.Fatal("NewKeySecret repeated a secret")
		}
		seen[secret] = true
	}
}

func TestHashKey(t *testing.T) {
	// SHA-256 test vector from FIPS 180-2.
	if got, want := HashKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("HashKey(abc) = %s, want %s", got, want)
	}
	if HashKey(key1) == HashKey(key4) {
		t.Error("different keys hash alike")
	}
}

func TestKeyDisplayPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{key1, "flx_aeea6fq5"},
		{"flx_ab", "flx_ab"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := KeyDisplayPrefix(tt.in); got != tt.want {
			t.Errorf("KeyDisplayPrefix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseKeyRejectsTampering(t *testing.T) {
	for _, k := range []string{key1, key2, key3, key4} {
		if err := ParseKey(k); err != nil {
			t.Fatalf("fixture %s: %v", k[:12], err)
		}
	}
	// Every single-character change anywhere in the key is rejected.
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567_ABCXYZ019-"
	for i := 0; i < len(key1); i++ {
		for _, c := range []byte(alphabet) {
			if key1[i] == c {
				continue
			}
			b := []byte(key1)
			b[i] = c
			if err := ParseKey(string(b)); err == nil {
				t.Errorf("ParseKey accepted %q (position %d changed to %q)", b, i, c)
			}
		}
	}
	// Swapping two different adjacent characters of the body is rejected.
	for i := len(KeyPrefix); i < len(key1)-1; i++ {
		if key1[i] == key1[i+1] {
			continue
		}
		b := []byte(key1)
		b[i], b[i+1] = b[i+1], b[i]
		if err := ParseKey(string(b)); err == nil {
			t.Errorf("ParseKey accepted a swap at %d", i)
		}
	}
}

func TestParseKeyMalformed(t *testing.T) {
	tests := []struct{ name, key string }{
		{"empty", ""},
		{"prefix only", "flx_"},
		{"truncated", key1[:len(key1)-1]},
		{"extended", key1 + "a"},
		{"upper case", strings.ToUpper(key1)},
		{"upper case prefix", "FLX_" + key1[4:]},
		{"other prefix", "sk_" + key1[3:]},
		{"whitespace", " " + key1[1:]},
		{"padding", key1[:len(key1)-1] + "="},
		{"non-ascii", key1[:len(key1)-2] + "é"},
		// The checksum's last base32 character carries 3 unused bits: a
		// different character with the same 32 bits is the same bytes
		// spelled differently, and is rejected so that each key has one
		// spelling.
		{"non-canonical checksum", nonCanonical(key1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ParseKey(tt.key); !errors.Is(err, ErrMalformedKey) {
				t.Errorf("ParseKey = %v, want ErrMalformedKey", err)
			}
		})
	}
}

// nonCanonical changes the unused low bits of the key's last character.
func nonCanonical(k string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	last := strings.IndexByte(alphabet, k[len(k)-1])
	return k[:len(k)-1] + string(alphabet[last^1])
}

func FuzzParseKey(f *testing.F) {
	for _, k := range []string{key1, key2, key3, key4, "", "flx_", nonCanonical(key1), strings.ToUpper(key1), key1 + "a"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ParseKey(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("ParseKey error %v is not ErrMalformedKey", err)
			}
			return
		}
		if !keyShape.MatchString(s) {
			t.Fatalf("ParseKey accepted %q", s)
		}
		if len(HashKey(s)) != 64 || KeyDisplayPrefix(s) != s[:12] {
			t.Fatalf("accepted key %q hashes or displays wrongly", s)
		}
	})
}
