// Package events is the events worker (worker-events): it consumes
// EventsQueue, where the webhook receiver puts one webhooks.Envelope per
// Shopify delivery, and applies each event to Flux's captures.
//
// Per message: the envelope is parsed, the shop's tenant looked up
// (store.TenantByShop), and the topic routed:
//
//   - products/*, collections/*, metaobjects/*, discounts/*,
//     metafield_definitions/* (create, update) and themes/create|update|publish:
//     the object is read from Shopify by GID (catalog Reader.Get) and captured
//     as an incremental capture of that one object (ingest.Capture): a new
//     version when its content changed, and the operation recorded under the
//     day's event sync (store.EnsureEventSync: one COMPLETED sync per tenant,
//     sync type and UTC day, triggeredBy "webhook"; it never takes the
//     RUNNING/QUEUED slot, so webhooks and full syncs never wait for each
//     other). The object is read rather than taken from the payload because
//     webhook payloads are REST shapes, not the GraphQL nodes captures are
//     made of. An object Shopify no longer has is treated as deleted.
//   - */delete: ingest.Delete at X-Shopify-Triggered-At.
//   - themes: only the live theme (canonical "live") is an object; a theme
//     whose role is not main is ignored, and themes/delete too (Shopify
//     cannot delete the live theme; publishing another re-captures "live").
//   - app/uninstalled: the shop's connection is marked uninstalled (tokens
//     deleted), unless it was (re)installed after the event was triggered.
//   - customers/data_request, customers/redact: Flux stores no customer
//     data (captures hold store content: products, pages, metaobjects...),
//     so there is nothing to report or erase; acknowledged and logged without
//     the payload (which names the customer).
//   - shop/redact (48 hours after an uninstall): the connection is marked
//     uninstalled, which deletes the only shop credentials Flux holds. The
//     captured content history is kept: it is the tenant's (Flux's customer)
//     store content, not personal data, and its release and revert history
//     spans the other stores of the group; deleting it silently would destroy
//     the tenant's audit trail. Erasing it is the tenant deletion's job.
//   - any other topic: acknowledged and logged.
//
// Ordering and duplicates: EventsQueue is a standard queue, so events come
// out of order and at least once. Captures carry the event's time; ingest
// writes nothing for a capture or delete older than the newest state it has
// seen, and nothing when the content did not change, and the store skips an
// operation already recorded, so a message applied twice records one
// operation. (Sync stats are added per message processed, so a redelivered
// message counts twice in "processed"; operations and versions do not.)
//
// Failures: a transient error (Shopify unavailable or throttled, DynamoDB,
// anything unclassified) reports the message in BatchItemFailures so SQS
// retries it. A permanent one (unknown shop, a shop no longer connected, an
// object Flux cannot capture, a payload without the object's id) is
// acknowledged with one log line. An envelope that cannot be parsed or has
// an unknown version is also reported as failed: after the queue's
// maxReceiveCount it lands in the DLQ, where an operator sees it and can
// redrive it once a worker that understands it is deployed (a newer
// receiver's envelope version must not be lost). Every message is logged
// once, at the end, as JSON with its message id; payloads and tokens never.
package events
