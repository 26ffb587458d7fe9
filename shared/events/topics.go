package events

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// action is what a topic asks of the worker.
type action int

const (
	actIgnore     action = iota // an unknown or uninteresting topic: ack
	actCapture                  // read the object and capture it
	actDelete                   // the object is gone
	actUninstall                // app/uninstalled
	actCompliance               // customers/data_request, customers/redact
	actShopRedact               // shop/redact
)

// route is how one topic is applied.
type route struct {
	act      action
	typ      mapping.ObjectType
	syncType fsync.Type
	// resource builds a GID from a numeric REST id.
	resource string
	// why an ignored topic is ignored, for the log.
	why string
}

// objectTopics maps a topic's resource (the part before '/') to its object.
var objectTopics = map[string]route{
	"products":              {typ: mapping.Product, syncType: fsync.Objects, resource: "Product"},
	"collections":           {typ: mapping.Collection, syncType: fsync.Objects, resource: "Collection"},
	"metaobjects":           {typ: mapping.Metaobject, syncType: fsync.Objects, resource: "Metaobject"},
	"discounts":             {typ: mapping.Discount, syncType: fsync.Objects, resource: "DiscountNode"},
	"metafield_definitions": {typ: mapping.MetafieldDefinition, syncType: fsync.Objects, resource: "MetafieldDefinition"},
	"themes":                {typ: mapping.Theme, syncType: fsync.Theme, resource: "OnlineStoreTheme"},
}

// routeOf is the route of topic.
func routeOf(topic string) route {
	switch topic {
	case "app/uninstalled":
		return route{act: actUninstall}
	case "customers/data_request", "customers/redact":
		return route{act: actCompliance}
	case "shop/redact":
		return route{act: actShopRedact}
	case "themes/delete":
		return route{act: actIgnore, why: "the live theme cannot be deleted; a deleted theme is not captured"}
	}
	res, verb, _ := strings.Cut(topic, "/")
	r, ok := objectTopics[res]
	if !ok {
		return route{act: actIgnore, why: "topic not applied by Flux"}
	}
	switch verb {
	case "create", "update":
		r.act = actCapture
	case "publish":
		if res != "themes" {
			return route{act: actIgnore, why: "topic not applied by Flux"}
		}
		r.act = actCapture
	case "delete":
		r.act = actDelete
	default:
		return route{act: actIgnore, why: "topic not applied by Flux"}
	}
	return r
}

// payload is the part of a webhook payload the worker reads.
type payload struct {
	ID        json.RawMessage `json:"id"`
	AdminGID  string          `json:"admin_graphql_api_id"`
	UpdatedAt string          `json:"updated_at"`
	Role      *string         `json:"role"`
}

func parsePayload(raw json.RawMessage) (payload, error) {
	var p payload
	if len(bytes.TrimSpace(raw)) == 0 {
		return p, platform.E(platform.KindValidation, "the event has no payload (truncated or empty): the object is unknown")
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, platform.E(platform.KindValidation, "the payload is not a JSON object with the object's id")
	}
	return p, nil
}

// gid is the object's GID: admin_graphql_api_id, or id when it is a GID
// (metaobjects, metafield definition deletes), or resource + the numeric id.
func (p payload) gid(r route) (string, error) {
	if p.AdminGID != "" && mapping.ValidateGID(r.typ, p.AdminGID) == nil {
		return p.AdminGID, nil
	}
	var s string
	if json.Unmarshal(p.ID, &s) == nil && mapping.ValidateGID(r.typ, s) == nil {
		return s, nil
	}
	var n json.Number
	if json.Unmarshal(p.ID, &n) == nil {
		if id, err := strconv.ParseUint(n.String(), 10, 64); err == nil && id > 0 {
			return "gid://shopify/" + r.resource + "/" + strconv.FormatUint(id, 10), nil
		}
	}
	return "", platform.E(platform.KindValidation, "the payload has no "+string(r.typ)+" id")
}

// updatedAt is the payload's updated_at, or zero.
func (p payload) updatedAt() time.Time {
	t, err := time.Parse(time.RFC3339Nano, p.UpdatedAt)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// notLiveTheme: a theme payload whose role says it is not the published one.
func (p payload) notLiveTheme() bool {
	return p.Role != nil && !strings.EqualFold(*p.Role, "main")
}
