package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// JSON-RPC 2.0 error codes (the specification's, and MCP's use of them).
const (
	CodeParseError     = -32700 // the body is not JSON
	CodeInvalidRequest = -32600 // JSON, but not a JSON-RPC request
	CodeMethodNotFound = -32601 // no such method
	CodeInvalidParams  = -32602 // params (a tool's name or arguments) do not fit
	CodeInternalError  = -32603 // Flux failed; the message never says how
)

// Error is a JSON-RPC error object. Message is always safe to show a client.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("json-rpc error %d: %s", e.Code, e.Message) }

func rpcErr(code int, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// Message is one JSON-RPC message as received: a request (method and id), a
// notification (method, no id) or a response (result or error, no method).
type Message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   json.RawMessage `json:"error,omitempty"`
}

// IsRequest reports whether the message expects an answer.
func (m Message) IsRequest() bool { return m.Method != "" && m.ID != nil }

// Response is what a request is answered with: a result or an error.
type Response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

// nullID is the id of an answer to a message whose id could not be read.
var nullID = json.RawMessage("null")

// ParseMessage reads one JSON-RPC message from a POST body. Batches (JSON
// arrays) are refused: MCP removed them in 2025-06-18 and no SDK sends them.
// The error is the JSON-RPC error to answer with, under the message's id
// when it could be read (AnswerID).
func ParseMessage(body []byte) (Message, *Error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return Message{}, rpcErr(CodeInvalidRequest, "the request body is empty; send one JSON-RPC message")
	}
	if !json.Valid(trimmed) {
		return Message{}, rpcErr(CodeParseError, "the request body is not valid JSON")
	}
	switch trimmed[0] {
	case '{':
	case '[':
		return Message{}, rpcErr(CodeInvalidRequest, "JSON-RPC batches are not supported; send one message per request")
	default:
		return Message{}, rpcErr(CodeInvalidRequest, "a JSON-RPC message must be a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return Message{}, rpcErr(CodeInvalidRequest, "a JSON-RPC message must be a JSON object")
	}
	var m Message
	if err := decodeField(raw, "jsonrpc", &m.JSONRPC); err != nil || m.JSONRPC != "2.0" {
		return Message{}, rpcErr(CodeInvalidRequest, `jsonrpc must be "2.0"`)
	}
	if id, ok := raw["id"]; ok {
		if !validID(id) {
			return Message{}, rpcErr(CodeInvalidRequest, "id must be a string or an integer")
		}
		m.ID = id
	}
	if _, ok := raw["method"]; ok {
		if err := decodeField(raw, "method", &m.Method); err != nil || m.Method == "" {
			return m, rpcErr(CodeInvalidRequest, "method must be a non-empty string")
		}
		if p, ok := raw["params"]; ok && !isNull(p) {
			if t := bytes.TrimSpace(p); len(t) == 0 || t[0] != '{' {
				return m, rpcErr(CodeInvalidRequest, "params must be an object")
			}
			m.Params = p
		}
		return m, nil
	}
	// A response to a request of ours (we send none) or garbage.
	res, hasResult := raw["result"]
	e, hasError := raw["error"]
	if m.ID == nil || hasResult == hasError {
		return Message{}, rpcErr(CodeInvalidRequest, "a JSON-RPC request needs a method")
	}
	m.Result, m.Error = res, e
	return m, nil
}

// AnswerID is the id an answer to m carries: its id, or null when it had
// none that could be read.
func (m Message) AnswerID() json.RawMessage {
	if m.ID == nil {
		return nullID
	}
	return m.ID
}

func decodeField(raw map[string]json.RawMessage, name string, v any) error {
	f, ok := raw[name]
	if !ok {
		return errors.New("missing")
	}
	return json.Unmarshal(f, v)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// validID: JSON-RPC ids are strings or numbers; MCP forbids null and we
// take integers only (no SDK sends fractions).
func validID(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || len(t) > 256 {
		return false
	}
	if t[0] == '"' {
		var s string
		return json.Unmarshal(t, &s) == nil
	}
	var n json.Number
	if err := json.Unmarshal(t, &n); err != nil {
		return false
	}
	_, err := n.Int64()
	return err == nil
}
