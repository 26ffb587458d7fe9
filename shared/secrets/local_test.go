package secrets

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testKey = bytes.Repeat([]byte{7}, 32)

func newLocal(t *testing.T, key []byte) *LocalSealer {
	t.Helper()
	l, err := NewLocalSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLocalSealerRoundTripThroughStorageForm(t *testing.T) {
	ctx := context.Background()
	l := newLocal(t, testKey)
	aad := AAD("tenant", "acme", "shop", "a.myshopify.com", "field", "access")
	s, err := l.Seal(ctx, []byte("shpat_secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Ciphertext, []byte("shpat_secret")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, back); diff != "" {
		t.Errorf("parse(marshal) differs (-want +got):\n%s", diff)
	}
	pt, err := l.Open(ctx, back, aad)
	if err != nil {
		t.Fatal(err)
	}
	if string(pt) != "shpat_secret" {
		t.Errorf("opened %q", pt)
	}
}

func TestLocalSealerRefuses(t *testing.T) {
	ctx := context.Background()
	l := newLocal(t, testKey)
	aad := AAD("tenant", "acme", "shop", "a.myshopify.com")
	s, err := l.Seal(ctx, []byte("shpat_secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	other := newLocal(t, bytes.Repeat([]byte{8}, 32))
	flip := func(b []byte) []byte { c := bytes.Clone(b); c[0] ^= 1; return c }
	tests := []struct {
		name   string
		sealer Sealer
		s      Sealed
		aad    []byte
	}{
		{"other tenant", l, s, AAD("tenant", "evil", "shop", "a.myshopify.com")},
		{"other shop", l, s, AAD("tenant", "acme", "shop", "b.myshopify.com")},
		{"no aad", l, s, nil},
		{"other key", other, s, aad},
		{"tampered ciphertext", l, Sealed{Scheme: s.Scheme, KeyID: s.KeyID, Nonce: s.Nonce, Ciphertext: flip(s.Ciphertext)}, aad},
		{"tampered nonce", l, Sealed{Scheme: s.Scheme, KeyID: s.KeyID, Nonce: flip(s.Nonce), Ciphertext: s.Ciphertext}, aad},
		{"short nonce", l, Sealed{Scheme: s.Scheme, KeyID: s.KeyID, Nonce: s.Nonce[:4], Ciphertext: s.Ciphertext}, aad},
		{"kms scheme", l, Sealed{Scheme: SchemeKMS, KeyID: s.KeyID, Nonce: s.Nonce, Ciphertext: s.Ciphertext}, aad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := tt.sealer.Open(ctx, tt.s, tt.aad)
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("Open = %q, %v; want ErrOpen", pt, err)
			}
			if strings.Contains(err.Error(), "shpat_secret") {
				t.Errorf("error shows the plaintext: %v", err)
			}
		})
	}
}

func TestLocalSealerFreshNonces(t *testing.T) {
	l := newLocal(t, testKey)
	a, _ := l.Seal(context.Background(), []byte("x"), nil)
	b, _ := l.Seal(context.Background(), []byte("x"), nil)
	if bytes.Equal(a.Nonce, b.Nonce) || bytes.Equal(a.Ciphertext, b.Ciphertext) {
		t.Error("two seals of one secret share a nonce or ciphertext")
	}
}

func TestNewLocalSealerKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := NewLocalSealer(make([]byte, n)); err == nil {
			t.Errorf("%d-byte key accepted", n)
		}
	}
}

func TestParseLocalKey(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{base64.StdEncoding.EncodeToString(testKey), testKey},
		{base64.RawURLEncoding.EncodeToString(testKey), testKey},
		{" " + hex.EncodeToString(testKey) + "\n", testKey},
		{base64.StdEncoding.EncodeToString(testKey[:16]), nil},
		{"not a key", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got, err := ParseLocalKey(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("ParseLocalKey(%q) accepted", tt.in)
			} else if tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Errorf("error shows the value: %v", err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("ParseLocalKey(%q) = %x, %v", tt.in, got, err)
		}
	}
}

func TestAADIsUnambiguous(t *testing.T) {
	a := AAD("tenant", "a;shop=1:b", "shop", "c")
	b := AAD("tenant", "a", "shop", "b;shop=1:c")
	if bytes.Equal(a, b) {
		t.Errorf("different parts give the same AAD %q", a)
	}
	if got, want := string(AAD("tenant", "acme", "shop", "x.myshopify.com")), "tenant=4:acme;shop=15:x.myshopify.com"; got != want {
		t.Errorf("AAD = %q, want %q", got, want)
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	good, _ := Sealed{Scheme: SchemeLocal, KeyID: "k", Nonce: make([]byte, 12), Ciphertext: []byte{1, 2}}.MarshalBinary()
	// Every prefix that cuts into the header or leaves no ciphertext (the
	// last 2 bytes) is refused.
	for i := range len(good) - 1 {
		if _, err := Parse(good[:i]); !errors.Is(err, ErrOpen) {
			t.Errorf("Parse of %d-byte prefix: %v, want ErrOpen", i, err)
		}
	}
	for _, b := range [][]byte{nil, {2, 1}, {1, 9, 0, 0, 0, 0, 0, 1}} {
		if _, err := Parse(b); !errors.Is(err, ErrOpen) {
			t.Errorf("Parse(%x) = %v, want ErrOpen", b, err)
		}
	}
	if _, err := (Sealed{Scheme: 9, Ciphertext: []byte{1}}).MarshalBinary(); err == nil {
		t.Error("unknown scheme marshalled")
	}
}

func TestSealedStringHidesCiphertext(t *testing.T) {
	s := Sealed{Scheme: SchemeKMS, KeyID: "arn:k", EncryptedKey: []byte("EK"), Nonce: []byte("N"), Ciphertext: []byte("CIPHER")}
	for _, out := range []string{s.String(), fmt.Sprint(s), fmt.Sprintf("%v", s)} {
		if strings.Contains(out, "CIPHER") {
			t.Errorf("%q shows the ciphertext", out)
		}
	}
}

func FuzzParse(f *testing.F) {
	good, _ := Sealed{Scheme: SchemeKMS, KeyID: "arn:aws:kms:us-east-1:1:key/x", EncryptedKey: []byte("ek"), Nonce: make([]byte, 12), Ciphertext: []byte("ct")}.MarshalBinary()
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{1, 2, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("error %v does not wrap ErrOpen", err)
			}
			return
		}
		again, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed %x but cannot marshal it: %v", b, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("marshal(parse(%x)) = %x", b, again)
		}
	})
}
