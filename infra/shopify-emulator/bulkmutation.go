package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

type bulkMutationPayload struct {
	BulkOperation *BulkOperation
	UserErrors    []*codedError
}

// BulkOperationRunMutation runs mutation once per line of a staged JSONL file
// of variables (stagedUploadsCreate with resource BULK_MUTATION_VARIABLES; pass
// its "key" parameter, or the upload URL). The result has one line per input
// line: the mutation's response plus "__lineNumber". One bulk mutation runs
// per shop at a time.
func (rootResolver) BulkOperationRunMutation(ctx context.Context, a struct {
	Mutation         string
	StagedUploadPath string
	ClientIdentifier *string
	GroupObjects     *bool
}) *bulkMutationPayload {
	st := stateOf(ctx)
	s := st.shop
	fail := func(field, msg, code string) *bulkMutationPayload {
		return &bulkMutationPayload{UserErrors: []*codedError{cerr([]string{field}, msg, code)}}
	}
	for _, op := range s.bulkOps {
		if op.Type == "MUTATION" && (op.Status == "CREATED" || op.Status == "RUNNING") {
			return fail("mutation", "A bulk mutation operation for this app and shop is already in progress: "+string(op.ID())+".", "OPERATION_IN_PROGRESS")
		}
	}
	doc, errs := gqlparser.LoadQueryWithRules(st.srv.astSchema, a.Mutation, nil)
	if len(errs) > 0 || len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Mutation || len(doc.Operations[0].SelectionSet) != 1 {
		msg := "Bulk mutations must be a single valid mutation with one field."
		if len(errs) > 0 {
			msg = "Invalid bulk mutation: " + errs[0].Message
		}
		return fail("mutation", msg, "INVALID_MUTATION")
	}
	key := a.StagedUploadPath
	if u, err := url.Parse(key); err == nil && u.Scheme != "" {
		key = strings.TrimPrefix(u.Path, "/_emulator/uploads/")
	}
	st.srv.uploads.mu.Lock()
	up, ok := st.srv.uploads.files[key]
	st.srv.uploads.mu.Unlock()
	if !ok {
		return fail("stagedUploadPath", "The JSONL file could not be found. Try uploading the file again, and check that you've entered the URL correctly for the stagedUploadPath mutation argument.", "NO_SUCH_FILE")
	}
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(up.data))
	sc.Buffer(make([]byte, 1<<20), MaxUploadBytes)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var vars map[string]any
		if err := json.Unmarshal([]byte(line), &vars); err != nil {
			return fail("stagedUploadPath", fmt.Sprintf("Line %d of the JSONL file is not a JSON object.", len(lines)+1), "INVALID_STAGED_UPLOAD_FILE")
		}
		lines = append(lines, vars)
	}
	op := &BulkOperation{Type: "MUTATION", Status: "CREATED", Query: a.Mutation}
	op.base = s.newBase("BulkOperation", now(), op)
	op.url = fmt.Sprintf("%s/_emulator/bulk/%s/%d.jsonl", st.baseURL, s.domain, op.num)
	s.bulkOps = append(s.bulkOps, op)
	srv, base, version := st.srv, st.baseURL, st.apiVersion
	st.after = append(st.after, func() { srv.runBulkMutation(s, op, lines, base, version) })
	return &bulkMutationPayload{BulkOperation: op, UserErrors: noErrors()}
}

func (srv *Server) runBulkMutation(s *shopData, op *BulkOperation, lines []map[string]any, base, version string) {
	s.mu.Lock()
	if op.Status != "CREATED" {
		s.mu.Unlock()
		return
	}
	op.Status = "RUNNING"
	s.mu.Unlock()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	var events []webhookEvent
	for i, vars := range lines {
		st := &reqState{srv: srv, shop: s, baseURL: base, apiVersion: version}
		ctx := context.WithValue(srv.baseCtx, reqKey{}, st)
		s.mu.Lock()
		canceled := op.Status == "CANCELED"
		var resp *struct {
			Data   json.RawMessage `json:"data,omitempty"`
			Errors any             `json:"errors,omitempty"`
		}
		if !canceled {
			r := srv.schema.Exec(ctx, op.Query, "", vars)
			resp = &struct {
				Data   json.RawMessage `json:"data,omitempty"`
				Errors any             `json:"errors,omitempty"`
			}{Data: r.Data}
			if len(r.Errors) > 0 {
				resp.Errors = r.Errors
			}
		}
		s.mu.Unlock()
		if canceled {
			return
		}
		events = append(events, st.events...)
		line := map[string]any{"__lineNumber": i}
		if resp.Data != nil {
			line["data"] = resp.Data
		}
		if resp.Errors != nil {
			line["errors"] = resp.Errors
		}
		_ = enc.Encode(line)
	}
	s.mu.Lock()
	t := DateTime(time.Now().UTC().Format(time.RFC3339))
	op.CompletedAt = &t
	op.Status, op.result, op.objectCount, op.rootCount = "COMPLETED", buf.Bytes(), len(lines), len(lines)
	if ev, ok := buildEventRaw(s, "bulk_operations/finish", map[string]any{
		"admin_graphql_api_id": op.gid(), "completed_at": op.CompletedAt, "created_at": op.CreatedAt,
		"error_code": nil, "status": "completed", "type": "mutation"}); ok {
		events = append(events, ev)
	}
	s.mu.Unlock()
	if len(events) > 0 {
		srv.enqueue(func(ctx context.Context) { srv.deliver(ctx, events) })
	}
}
