// Package config is the store group configuration of a tenant: the source,
// QA, release candidate and production stores Flux works across.
package config

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/flux-platform/flux/shared/platform"
)

// Classification is a store's role in its group.
type Classification string

const (
	Source           Classification = "SOURCE"
	QA               Classification = "QA"
	ReleaseCandidate Classification = "RELEASE_CANDIDATE"
	Production       Classification = "PRODUCTION"
)

// ParseClassification validates a classification name.
func ParseClassification(s string) (Classification, error) {
	switch c := Classification(strings.ToUpper(strings.TrimSpace(s))); c {
	case Source, QA, ReleaseCandidate, Production:
		return c, nil
	}
	return "", platform.E(platform.KindValidation,
		fmt.Sprintf("classification %q must be one of SOURCE, QA, RELEASE_CANDIDATE, PRODUCTION", s))
}

// Store is one Shopify store of a group.
type Store struct {
	Domain         string         `json:"domain"`
	Classification Classification `json:"classification"`
}

// StoreGroup is a tenant's stores.
type StoreGroup struct {
	Name   string  `json:"name"`
	Stores []Store `json:"stores"`
}

// Tenant is a customer of Flux.
type Tenant struct {
	ID   string
	Name string
}

// Storage is what this package needs from storage.
type Storage interface {
	// StoreGroup is the tenant's group; KindNotFound when the tenant has none.
	StoreGroup(ctx context.Context, tenantID string) (StoreGroup, error)
}

var shopDomain = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com$`)

// NormalizeShop validates a *.myshopify.com domain and lower-cases it.
func NormalizeShop(s string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(s))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	d = strings.TrimSuffix(d, "/")
	if !shopDomain.MatchString(d) {
		return "", platform.E(platform.KindValidation, fmt.Sprintf("%q is not a *.myshopify.com shop domain", s))
	}
	return d, nil
}
