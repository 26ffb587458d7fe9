// Package sync is the sync domain: what a sync is (type, status, stats),
// the operations it records, and which stores of a group it reads.
//
// Lifecycle: a sync is created RUNNING when no sync of its type runs for the
// tenant (and a message is sent to the SyncQueue for the worker), or QUEUED
// when one runs and none waits; a request while one waits returns the
// waiting one. The worker (shared/syncworker) ends a RUNNING sync as COMPLETED
// or FAILED and, in the same transaction, promotes the QUEUED one. CANCELLED is for a queued sync that is
// dropped. Per tenant and type at most one sync is RUNNING and one QUEUED.
package sync

import (
	"fmt"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
)

// Type is what a sync reads.
type Type string

// Sync types (seed 000's SyncType).
const (
	Objects Type = "OBJECTS"
	Theme   Type = "THEME"
	Files   Type = "FILES"
)

// Types is every sync type.
var Types = []Type{Objects, Theme, Files}

// ParseType validates a sync type name.
func ParseType(s string) (Type, error) {
	switch t := Type(strings.ToUpper(strings.TrimSpace(s))); t {
	case Objects, Theme, Files:
		return t, nil
	}
	return "", platform.E(platform.KindValidation, fmt.Sprintf("sync type %q must be one of OBJECTS, THEME, FILES", s))
}

// Status is where a sync is in its lifecycle.
type Status string

// Sync statuses.
const (
	Queued    Status = "QUEUED"
	Running   Status = "RUNNING"
	Completed Status = "COMPLETED"
	Failed    Status = "FAILED"
	Cancelled Status = "CANCELLED"
)

// Statuses is every status.
var Statuses = []Status{Queued, Running, Completed, Failed, Cancelled}

// ParseStatus validates a status name.
func ParseStatus(s string) (Status, error) {
	switch st := Status(strings.ToUpper(strings.TrimSpace(s))); st {
	case Queued, Running, Completed, Failed, Cancelled:
		return st, nil
	}
	return "", platform.E(platform.KindValidation,
		fmt.Sprintf("sync status %q must be one of QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED", s))
}

// OperationType is what a sync did to one object.
type OperationType string

// Operation types.
const (
	Create OperationType = "CREATE"
	Update OperationType = "UPDATE"
	Delete OperationType = "DELETE"
)

// OperationTypes is every operation type.
var OperationTypes = []OperationType{Create, Update, Delete}

// ParseOperationType validates an operation type name.
func ParseOperationType(s string) (OperationType, error) {
	switch t := OperationType(strings.ToUpper(strings.TrimSpace(s))); t {
	case Create, Update, Delete:
		return t, nil
	}
	return "", platform.E(platform.KindValidation, fmt.Sprintf("operation type %q must be one of CREATE, UPDATE, DELETE", s))
}

// Stats are a sync's counters.
type Stats struct {
	Processed int `json:"processed"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Warnings  int `json:"warnings"`
	Errors    int `json:"errors"`
}

// Sync is one sync of a tenant.
type Sync struct {
	ID              string
	TenantID        string
	Type            Type
	Status          Status
	TriggeredBy     string
	TriggeredAt     time.Time
	StartedAt       *time.Time
	CompletedAt     *time.Time
	Error           string
	Stats           Stats
	OperationsCount int
	// ReadFromStores is the stores this sync reads (see ReadFromStores).
	ReadFromStores []string
}

// Operation is one change a sync recorded.
type Operation struct {
	ID         string
	Type       OperationType
	ObjectType string
	Canonical  string
	Shop       string
	Details    string
	CreatedAt  time.Time
}

// ReadFromStores is the rule for which stores of the group a sync reads:
// every store of the group, the SOURCE store(s) first, then the others in the
// group's order (QA, RELEASE_CANDIDATE, PRODUCTION as the group lists them).
// Every store is read because releases diff the source against each target,
// and the targets' current state is what a release is deployed onto.
func ReadFromStores(g config.StoreGroup) []string {
	out := make([]string, 0, len(g.Stores))
	for _, s := range g.Stores {
		if s.Classification == config.Source {
			out = append(out, s.Domain)
		}
	}
	for _, s := range g.Stores {
		if s.Classification != config.Source {
			out = append(out, s.Domain)
		}
	}
	return out
}
