package mcp

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/flux-platform/flux/shared/auth"
)

// FuzzParseMessage: any body gives a message or a JSON-RPC error, never a
// panic; a message that parses is answered with a well-formed response.
func FuzzParseMessage(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`,
		`{"jsonrpc":"2.0","id":"a","method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"syncStatus","arguments":{"type":"OBJECTS"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lookupByGid","arguments":{"objectType":"PRODUCT","gids":["x"]}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":1,"result":{}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":1.5,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":null,"method":"ping"}`,
		`{`, ``, `null`, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	s, err := NewServer(Options{Groups: fakeGroups()})
	if err != nil {
		f.Fatal(err)
	}
	ctx := auth.WithIdentity(context.Background(), *caller(auth.AllScopes...))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, perr := ParseMessage(body)
		if perr != nil {
			if perr.Code != CodeParseError && perr.Code != CodeInvalidRequest {
				t.Fatalf("parse error code %d", perr.Code)
			}
			if !json.Valid(m.AnswerID()) {
				t.Fatalf("answer id %q", m.AnswerID())
			}
			return
		}
		if !m.IsRequest() || m.Method == "tools/call" && len(body) > 4096 {
			return
		}
		resp := s.Handle(ctx, m)
		b, err := json.Marshal(resp)
		if err != nil {
			t.Fatalf("response does not encode: %v", err)
		}
		if (resp.Error == nil) == (resp.Result == nil) {
			t.Fatalf("response %s has both or neither of result and error", b)
		}
	})
}
