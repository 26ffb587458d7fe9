package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/audit"
)

// Header is the CSV's first row: the columns, in order.
var Header = []string{"at", "id", "actor", "action", "resourceType", "resourceId", "shop", "result", "detail", "requestId"}

// Row is an entry's cells, in Header's order, each made safe by Cell.
func Row(e audit.Entry) []string {
	return []string{
		Cell(e.At.UTC().Format(time.RFC3339Nano)), Cell(e.ID), Cell(e.Actor), Cell(e.Action),
		Cell(e.ResourceType), Cell(e.ResourceID), Cell(e.Shop), Cell(string(e.Result)),
		Cell(e.Detail), Cell(e.RequestID),
	}
}

// Cell makes one value safe for a CSV opened in a spreadsheet:
//   - valid UTF-8 (invalid bytes become U+FFFD);
//   - line breaks normalised to LF, which the encoder writes as CRLF inside
//     a quoted field and every RFC 4180 reader gives back (a bare CR
//     would otherwise be dropped by encoding/csv);
//   - formula injection (CWE-1236, OWASP "CSV Injection"): a value that
//     starts with '=', '+', '-', '@', a tab or a CR is prefixed with a
//     single quote, so Excel, LibreOffice and Google Sheets show it as text
//     instead of evaluating it. The quote is visible to a program reading
//     the CSV; it is the documented cost of the guard (docs/api.md).
func Cell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 0 {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			s = "'" + s
		}
	}
	if strings.ContainsRune(s, '\r') {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// Encoder writes RFC 4180 CSV: CRLF line ends, fields with a comma, a
// double quote, CR or LF (or a leading space) quoted, quotes doubled
// (encoding/csv with UseCRLF).
type Encoder struct {
	buf bytes.Buffer
	w   *csv.Writer
}

// NewEncoder is an encoder of one row at a time.
func NewEncoder() *Encoder {
	e := &Encoder{}
	e.w = csv.NewWriter(&e.buf)
	e.w.UseCRLF = true
	return e
}

// Encode is the bytes of one record (with its CRLF). The slice is reused
// by the next call.
func (e *Encoder) Encode(record []string) ([]byte, error) {
	e.buf.Reset()
	if err := e.w.Write(record); err != nil {
		return nil, err
	}
	e.w.Flush()
	if err := e.w.Error(); err != nil {
		return nil, err
	}
	return e.buf.Bytes(), nil
}
