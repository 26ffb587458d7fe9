// Package capture is the core of a sync's capture: it normalises a Shopify
// object to a store-independent canonical form (Normalize), hashes that form
// (Hash) so unchanged objects are recognised without comparing bodies, and
// computes field-level differences between two forms (Diff). It is pure: the
// mapping store answers GID lookups through the Resolver the caller passes,
// and shared/store keeps the versions. See docs/versions.md.
package capture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flux-platform/flux/shared/platform"
)

// Canonical is a JSON value in canonical form: objects are
// map[string]any, arrays []any, numbers json.Number in their normalised
// spelling, plus string, bool and nil. Its encoding (Encode) is
// deterministic, so equal values have equal bytes and equal hashes.
type Canonical struct {
	v any
}

// Value is the canonical tree (read-only: callers must not modify it).
func (c Canonical) Value() any { return c.v }

// Parse reads a JSON document into a Canonical, normalising numbers. It
// does not drop or rewrite fields: that is Normalize's job. Parse of an
// Encode is the identity, so a stored body round-trips.
func Parse(raw []byte) (Canonical, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return Canonical{}, platform.Wrap(platform.KindValidation, "object is not valid JSON", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Canonical{}, platform.E(platform.KindValidation, "object has trailing data after the JSON value")
	}
	v, err := canonValue(v)
	if err != nil {
		return Canonical{}, err
	}
	return Canonical{v: v}, nil
}

// MustParse is Parse for tests and literals; it panics on invalid JSON.
func MustParse(raw string) Canonical {
	c, err := Parse([]byte(raw))
	if err != nil {
		panic(err)
	}
	return c
}

// canonValue normalises the numbers of a decoded tree in place.
func canonValue(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			n, err := canonValue(e)
			if err != nil {
				return nil, err
			}
			x[k] = n
		}
		return x, nil
	case []any:
		for i, e := range x {
			n, err := canonValue(e)
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
		return x, nil
	case json.Number:
		return normNumber(x), nil
	case float64:
		return normNumber(json.Number(strconv.FormatFloat(x, 'g', -1, 64))), nil
	case int:
		return json.Number(strconv.Itoa(x)), nil
	case string, bool, nil:
		return x, nil
	default:
		return nil, fmt.Errorf("canonical: unsupported value of type %T", v)
	}
}

// normNumber spells a JSON number one way: integers (whatever their
// spelling: 1, 1.0, 1e0, 10E-1) as plain decimal integers, "-0" as "0",
// other numbers as the shortest float64 form that round-trips (Go's
// strconv 'g' format, 1e-07; as in
// RFC 8785, without its ES6 exponent rules). Integers beyond float64's
// exact range keep all their digits; exponents beyond ±400 fall back to
// float64 so a hostile "1e999999999" cannot allocate a billion digits.
func normNumber(n json.Number) json.Number {
	s := string(n)
	if exp := exponent(s); exp > -400 && exp < 400 && len(s) <= 512 {
		if r, ok := new(big.Rat).SetString(s); ok && r.IsInt() {
			return json.Number(r.Num().String())
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		// Out of float64's range: keep the text, lower-cased so "1E999"
		// and "1e999" agree.
		return json.Number(strings.ToLower(s))
	}
	if f == 0 {
		return "0"
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// exponent is the decimal exponent written in s (0 when none).
func exponent(s string) int {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return 0
	}
	e, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return math.MaxInt32
	}
	return e
}

// Encode is the canonical JSON encoding of c: object keys sorted by their
// bytes, no insignificant whitespace, normalised numbers, strings escaped
// minimally (no HTML escaping; invalid UTF-8 becomes U+FFFD).
func Encode(c Canonical) []byte {
	var b bytes.Buffer
	encode(&b, c.v)
	return b.Bytes()
}

// MarshalJSON encodes c canonically.
func (c Canonical) MarshalJSON() ([]byte, error) { return Encode(c), nil }

// UnmarshalJSON parses c (see Parse).
func (c *Canonical) UnmarshalJSON(b []byte) error {
	p, err := Parse(b)
	if err != nil {
		return err
	}
	*c = p
	return nil
}

// Hash is the SHA-256 (lower-case hex) of c's canonical encoding.
func Hash(c Canonical) string {
	sum := sha256.Sum256(Encode(c))
	return hex.EncodeToString(sum[:])
}

// HashBytes is the SHA-256 (lower-case hex) of b: Hash(c) is
// HashBytes(Encode(c)).
func HashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func encode(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(string(normNumber(x)))
	case string:
		encodeString(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := sortedKeys(x)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeString(b, k)
			b.WriteByte(':')
			encode(b, x[k])
		}
		b.WriteByte('}')
	default:
		// canonValue admits nothing else; encode defensively as a string.
		encodeString(b, fmt.Sprint(x))
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

const hexDigits = "0123456789abcdef"

// encodeString writes s as a JSON string: only '"', '\\' and control
// characters are escaped (the short forms where JSON has them).
func encodeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		default:
			// utf8.RuneError for invalid bytes is written as U+FFFD.
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
