package catalog

import (
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"

	"github.com/flux-platform/flux/shared/platform"
)

// cursorState is what a List cursor holds: the sub-list (a metaobject
// type, a metafield owner type) and Shopify's page cursor in it.
type cursorState struct {
	V     int    `json:"v"`
	Sub   string `json:"s,omitempty"`
	After string `json:"a,omitempty"`
}

const cursorVersion = 1

// maxCursor bounds an encoded cursor (Shopify's cursors are ~100 bytes).
const maxCursor = 4096

func (c cursorState) encode() string {
	c.V = cursorVersion
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a cursor from a checkpoint: untrusted, so anything
// but a cursor encode made is a validation error. "" is the first page.
func decodeCursor(s string) (cursorState, error) {
	if s == "" {
		return cursorState{}, nil
	}
	if len(s) > maxCursor {
		return cursorState{}, errBadCursor("too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursorState{}, errBadCursor("not base64url")
	}
	var c cursorState
	if err := json.Unmarshal(b, &c); err != nil {
		return cursorState{}, errBadCursor("not JSON")
	}
	if c.V != cursorVersion {
		return cursorState{}, errBadCursor("unknown version")
	}
	if !utf8.ValidString(c.Sub) || !utf8.ValidString(c.After) || len(c.Sub) > 255 {
		return cursorState{}, errBadCursor("bad field")
	}
	if c.Sub == "" && c.After == "" {
		return cursorState{}, errBadCursor("empty")
	}
	return c, nil
}

func errBadCursor(why string) error {
	return platform.E(platform.KindValidation, "the list cursor is not one this reader made ("+why+"); start from the first page")
}
