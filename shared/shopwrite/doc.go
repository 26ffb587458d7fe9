// Package shopwrite writes one object to a target Shopify store from Flux's
// canonical form (shared/capture): the write path the deploy worker, the
// direct-write mutations and POST /api/object-revert share.
//
//	w := shopwrite.New(client, st, tenantID)          // one per target shop
//	res, err := w.Write(ctx, mapping.Product, "classic-leather-bag", body, shopwrite.Options{})
//	res, err = w.WriteJSON(ctx, t, canonical, versionBody, opts)              // a stored version's bytes
//	// res.GID, res.Action ("created" | "updated"), res.Deferred, res.Warnings
//	snap, exists, err := w.Snapshot(ctx, mapping.Product, "classic-leather-bag") // before writing
//	err = w.Delete(ctx, mapping.Product, "classic-leather-bag")                 // rollback of a create
//
// Write, for every type:
//
//  1. References. Every {"$ref":{"type","canonical"}} in the body is
//     re-pointed at the target shop's GID through the canonical mappings
//     (store.MappingsByCanonical, one batch per type). A reference the target
//     has no mapping for fails the write with a KindConflict error listing
//     each one (path, type, canonical) before anything is sent to Shopify,
//     unless Options.DeferUnresolved: then the field (or the list element)
//     is left out and its JSON pointer returned in Result.Deferred, so the
//     deploy worker can create a cycle's objects first and patch them once
//     the others exist (write again with the full body). {"$unresolved":gid}
//     markers (references capture could not make store-independent, such as
//     a variant) can never be re-pointed: they are left out with a warning.
//  2. Existing object. The target's mapping canonical → gid names the object
//     to update (and is dropped if that object is gone from the shop). With
//     no mapping, Shopify is searched by the canonical (handle, blog/handle,
//     type/handle, OWNER.namespace.key, code, title slug, file name), so a
//     create retried after Shopify created the object but before Flux saw
//     the answer updates that object instead of making a duplicate. Else the
//     object is created.
//  3. Mapping. After Shopify accepted the write, the mapping (target shop,
//     canonical) ↔ gid is upserted; Result.GID is the object's GID in the
//     target (for discounts the DiscountNode form captures use).
//  4. Errors. Shopify's userErrors are KindValidation errors whose message
//     is Shopify's text (safe to show); throttling, 429 and 5xx are retried
//     by shared/shopify; anything else is wrapped with the object named.
//
// An update also deletes the target's metafields the body does not list
// (metafieldsDelete; app-reserved namespaces only when the body uses them),
// makes a custom collection's products the body's, and updates existing
// definitions in place (a type change is refused).
//
// THEME writes make the target theme's files the body's, with bodies from
// Writer.ThemeFiles (what a THEME sync stored by checksum).
//
// The per-type rules — which mutation, which fields are sent, and which
// fields cannot round-trip — are in docs/shopwrite.md.
//
// A Writer holds no per-write state: one per target shop may be used by
// concurrent writes (the deploy worker writes a layer's objects in
// parallel; the shared client paces them within the shop's cost budget).
//
// The Writer records nothing in Flux's history: after a write the caller
// captures the object (shared/ingest) so versions reflect it, as
// POST /api/object-revert does (shared/objects).
package shopwrite
