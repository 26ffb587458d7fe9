package capture

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"b":1,"a":[true,false,null]}`, `{"a":[true,false,null],"b":1}`},
		{` { "x" : 1.0 , "y": 1e2, "z": -0, "w": 0.10, "v": 1E-7 } `, `{"v":1e-07,"w":0.1,"x":1,"y":100,"z":0}`},
		{`{"big": 123456789012345678901234567890}`, `{"big":123456789012345678901234567890}`},
		{`{"huge": 1e999999999}`, `{"huge":1e999999999}`},
		{`"<a href=\"x\">&amp;</a>\u0001\u00e9"`, `"<a href=\"x\">&amp;</a>\u0001é"`},
		{`{"é":1,"e":2,"E":3}`, `{"E":3,"e":2,"é":1}`},
	}
	for _, tt := range tests {
		c, err := Parse([]byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if got := string(Encode(c)); got != tt.want {
			t.Errorf("Encode(%s) = %s, want %s", tt.in, got, tt.want)
		}
		// Parse(Encode(c)) is the identity.
		again, err := Parse(Encode(c))
		if err != nil || !bytes.Equal(Encode(again), Encode(c)) {
			t.Errorf("round trip of %s: %s, %v", tt.in, Encode(again), err)
		}
	}
}

func TestHashKnown(t *testing.T) {
	// sha256("{}")
	if got := Hash(MustParse(`{ }`)); got != "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" {
		t.Errorf("Hash({}) = %s", got)
	}
	if Hash(MustParse(`{"a":1}`)) != HashBytes([]byte(`{"a":1}`)) {
		t.Error("Hash != HashBytes(Encode)")
	}
}

// shuffledEncoding writes v as JSON with object keys in a random order,
// random whitespace and random number spellings of the same value.
func shuffledEncoding(b *strings.Builder, v any, r *rand.Rand) {
	ws := func() {
		if r.IntN(3) == 0 {
			i := r.IntN(3)
			b.WriteString(" \n\t"[i : i+1])
		}
	}
	ws()
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			ws()
			b.WriteByte(':')
			shuffledEncoding(b, x[k], r)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			shuffledEncoding(b, e, r)
		}
		b.WriteByte(']')
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			switch r.IntN(3) {
			case 1:
				s += ".0"
			case 2:
				s += "e0"
			}
		}
		b.WriteString(s)
	default:
		jb, _ := json.Marshal(x)
		b.Write(jb)
	}
	ws()
}

// FuzzHash: the same JSON in any key order, whitespace and number spelling
// hashes the same; changing any one scalar changes the hash.
func FuzzHash(f *testing.F) {
	f.Add([]byte(`{"title":"Bag","tags":["a","b"],"price":"10.00","n":3,"seo":{"title":null}}`), uint64(1))
	f.Add([]byte(`[1,2.5,{"a":{"b":{"c":[]}}}]`), uint64(2))
	f.Add([]byte(`{"a":1,"A":2,"é":"x\u0000"}`), uint64(3))
	f.Fuzz(func(t *testing.T, raw []byte, seed uint64) {
		c, err := Parse(raw)
		if err != nil {
			return
		}
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		var b strings.Builder
		shuffledEncoding(&b, c.Value(), r)
		c2, err := Parse([]byte(b.String()))
		if err != nil {
			t.Fatalf("reparse of %q: %v", b.String(), err)
		}
		if Hash(c) != Hash(c2) {
			t.Fatalf("same content, different hashes:\n%s\n%s", Encode(c), Encode(c2))
		}
		// Change one scalar: the hash must change.
		mutated, ok := mutate(c2.Value())
		if !ok {
			return
		}
		m := Canonical{v: mutated}
		if bytes.Equal(Encode(m), Encode(c)) {
			t.Fatalf("mutation did not change the encoding: %s", Encode(m))
		}
		if Hash(m) == Hash(c) {
			t.Fatalf("different content, same hash: %s vs %s", Encode(m), Encode(c))
		}
	})
}

// mutate changes the first scalar it finds (depth first, sorted keys).
func mutate(v any) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if n, ok := mutate(x[k]); ok {
				x[k] = n
				return x, true
			}
		}
		x["\x00added"] = true
		return x, true
	case []any:
		for i := range x {
			if n, ok := mutate(x[i]); ok {
				x[i] = n
				return x, true
			}
		}
		return append(x, nil), true
	case string:
		return x + "!", true
	case bool:
		return !x, true
	case nil:
		return false, true
	case json.Number:
		return "not a number", true
	}
	return nil, false
}
