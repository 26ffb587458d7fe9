package syncworker

import (
	"encoding/json"
	"fmt"
	"time"
)

// Phases of one (shop, object type) step.
const (
	phaseRead    = "read"    // paginated list (incremental, or full without bulk)
	phaseBulk    = "bulk"    // a bulk operation started, its result being streamed
	phaseDeletes = "deletes" // Flux's mappings checked against what exists
)

// position is where a sync is: the checkpoint's content. It is JSON in
// the checkpoint item, written and read only by the worker.
type position struct {
	// Shop indexes the sync's readFromStores; Step the sync type's steps.
	Shop int `json:"shop"`
	Step int `json:"step"`
	// Phase of the step, and its cursor: a list cursor for read, the
	// mapping canonical to continue after for deletes.
	Phase  string `json:"phase"`
	Cursor string `json:"cursor,omitempty"`
	// Bulk operation of the step (phaseBulk): its id, and how many root
	// objects of its result are done.
	BulkID   string `json:"bulkId,omitempty"`
	BulkDone int    `json:"bulkDone,omitempty"`
	// IDsURL is the bulk result listing the step's GIDs for its deletion
	// check (the full read's own result, or an ids-only bulk operation's;
	// "" with IDsReady when the type has no objects); IDsByNodes falls back
	// to nodes(ids:) when no bulk result can be had.
	IDsURL     string `json:"idsUrl,omitempty"`
	IDsReady   bool   `json:"idsReady,omitempty"`
	IDsByNodes bool   `json:"idsByNodes,omitempty"`
	// Since is the incremental read's lower bound for the current shop
	// (zero: a full read), decided when the shop's read starts.
	Since   time.Time `json:"since,omitzero"`
	Decided bool      `json:"decided,omitempty"`
	// Errors keeps the first failures (object, message) so a COMPLETED
	// sync with errors says which.
	Errors []string `json:"errors,omitempty"`
	// Skipped are the stores not read (not connected, uninstalled...):
	// their watermarks do not move, so their next sync misses nothing.
	Skipped []string `json:"skipped,omitempty"`
}

const maxKeptErrors = 5

func (p *position) keepError(msg string) {
	if len(p.Errors) < maxKeptErrors {
		p.Errors = append(p.Errors, msg)
	}
}

func (p position) encode() (string, error) {
	b, err := json.Marshal(p)
	return string(b), err
}

func decodePosition(s string) (position, error) {
	if s == "" {
		return position{Phase: phaseRead}, nil
	}
	var p position
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return position{}, fmt.Errorf("decode checkpoint: %w", err)
	}
	if p.Shop < 0 || p.Step < 0 || p.BulkDone < 0 {
		return position{}, fmt.Errorf("decode checkpoint: negative index")
	}
	switch p.Phase {
	case phaseRead, phaseBulk, phaseDeletes:
	default:
		return position{}, fmt.Errorf("decode checkpoint: unknown phase %q", p.Phase)
	}
	return p, nil
}

// nextStep moves to the next step's first phase.
func (p *position) nextStep() {
	p.Step++
	p.Phase, p.Cursor, p.BulkID, p.BulkDone = phaseRead, "", "", 0
	p.IDsURL, p.IDsReady, p.IDsByNodes = "", false, false
}

// nextShop moves to the next shop's first step.
func (p *position) nextShop() {
	p.Shop++
	p.Step = 0
	p.Phase, p.Cursor, p.BulkID, p.BulkDone = phaseRead, "", "", 0
	p.IDsURL, p.IDsReady, p.IDsByNodes = "", false, false
	p.Since, p.Decided = time.Time{}, false
}
