package shopwrite

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// What an update of an existing object does beyond its mutation: the
// target's metafields the body does not list are deleted (metafieldsDelete),
// and a custom collection's products are made the body's
// (collectionAddProductsV2 / collectionRemoveProducts). Both read the
// object as it is after the write (catalog.Reader.Get: the fields and
// connections a capture reads, so exactly the metafields Flux captures).

// current reads the target object gid as a capture would read it (raw,
// connections completed: {"nodes": [...]}).
func (j *job) current(ctx context.Context, gid string) (map[string]any, error) {
	obj, err := j.w.reader().Get(ctx, j.t, gid)
	if err != nil {
		return nil, fmt.Errorf("read current: %w", err)
	}
	var raw map[string]any
	if err := decodeRaw(obj.Raw, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// mfKey is a metafield's identity on its owner.
type mfKey struct{ namespace, key string }

// reservedNamespace: app-reserved namespaces ($app, app--<id>--…) belong to
// an app; Flux deletes their metafields only when the body has metafields
// of that namespace (it captured them, so the source's app manages them).
func reservedNamespace(ns string) bool {
	return strings.HasPrefix(ns, "$app") || strings.HasPrefix(ns, "app--")
}

// staleMetafields are the metafields of have (a connection's nodes) that
// the body's list does not name.
func staleMetafields(have []map[string]any, body []any) []mfKey {
	keep := map[mfKey]bool{}
	namespaces := map[string]bool{}
	for _, e := range body {
		m := asMap(e)
		keep[mfKey{str(m, "namespace"), str(m, "key")}] = true
		namespaces[str(m, "namespace")] = true
	}
	var out []mfKey
	for _, m := range have {
		k := mfKey{str(m, "namespace"), str(m, "key")}
		if keep[k] || k.key == "" || (reservedNamespace(k.namespace) && !namespaces[k.namespace]) {
			continue
		}
		out = append(out, k)
	}
	return out
}

const metafieldsDeleteQ = `mutation($m: [MetafieldIdentifierInput!]!) { metafieldsDelete(metafields: $m) { deletedMetafields { key } userErrors { field message } } }`

// deleteMetafields deletes keys of owner, 25 identifiers per call (a
// metafield already gone is no error).
func (j *job) deleteMetafields(ctx context.Context, owner string, keys []mfKey) error {
	for start := 0; start < len(keys); start += 25 {
		batch := keys[start:min(len(keys), start+25)]
		in := make([]map[string]any, len(batch))
		for i, k := range batch {
			in[i] = map[string]any{"ownerId": owner, "namespace": k.namespace, "key": k.key}
		}
		if _, err := j.w.call(ctx, metafieldsDeleteQ, map[string]any{"m": in}, 0); err != nil {
			return fmt.Errorf("delete metafields: %w", err)
		}
	}
	return nil
}

// pruneMetafields deletes the metafields of the object gid (read as cur)
// the body does not list; for a product also those of each variant the
// body has (matched by option values).
func (j *job) pruneMetafields(ctx context.Context, gid string, cur map[string]any) error {
	if err := j.deleteMetafields(ctx, gid, staleMetafields(asList(dig(cur, "metafields", "nodes")), arr(j.body, "metafields"))); err != nil {
		return err
	}
	bodyVariants := map[string]map[string]any{}
	for _, v := range arr(j.body, "variants") {
		vm := asMap(v)
		bodyVariants[optionKey(arr(vm, "selectedOptions"), "value")] = vm
	}
	for _, v := range asList(dig(cur, "variants", "nodes")) {
		bv, ok := bodyVariants[optionKey(arr(v, "selectedOptions"), "value")]
		if !ok {
			continue
		}
		if err := j.deleteMetafields(ctx, str(v, "id"), staleMetafields(asList(dig(v, "metafields", "nodes")), arr(bv, "metafields"))); err != nil {
			return fmt.Errorf("variant %s: %w", str(v, "id"), err)
		}
	}
	return nil
}

// afterUpdate completes an update of gid: its metafields (and, for a
// custom collection, its products) made the body's. Nothing for a create.
func (j *job) afterUpdate(ctx context.Context, gid string, products []string) error {
	if j.create {
		return nil
	}
	cur, err := j.current(ctx, gid)
	if err != nil {
		return err
	}
	if products != nil {
		if err := j.setMembers(ctx, gid, cur, products); err != nil {
			return err
		}
	}
	return j.pruneMetafields(ctx, gid, cur)
}

// setMembers makes a custom collection's products want (GIDs, in order):
// the extra ones removed, the missing ones added in the body's order
// (Shopify appends them; a MANUAL collection's order of the products it
// already had is not changed).
func (j *job) setMembers(ctx context.Context, gid string, cur map[string]any, want []string) error {
	var have []string
	for _, p := range asList(dig(cur, "products", "nodes")) {
		have = append(have, str(p, "id"))
	}
	var add, remove []string
	for _, g := range want {
		if !slices.Contains(have, g) && !slices.Contains(add, g) {
			add = append(add, g)
		}
	}
	for _, g := range have {
		if !slices.Contains(want, g) {
			remove = append(remove, g)
		}
	}
	const per = 250
	for start := 0; start < len(remove); start += per {
		ids := remove[start:min(len(remove), start+per)]
		data, err := j.w.call(ctx, `mutation($id: ID!, $p: [ID!]!) { collectionRemoveProducts(id: $id, productIds: $p) { job { id done } userErrors { field message } } }`,
			map[string]any{"id": gid, "p": ids}, 0)
		if err != nil {
			return fmt.Errorf("remove products: %w", err)
		}
		if err := j.w.waitJob(ctx, asMap(dig(data, "collectionRemoveProducts", "job"))); err != nil {
			return fmt.Errorf("remove products: %w", err)
		}
	}
	for start := 0; start < len(add); start += per {
		ids := add[start:min(len(add), start+per)]
		data, err := j.w.call(ctx, `mutation($id: ID!, $p: [ID!]!) { collectionAddProductsV2(id: $id, productIds: $p) { job { id done } userErrors { field message code } } }`,
			map[string]any{"id": gid, "p": ids}, 0)
		if err != nil {
			return fmt.Errorf("add products: %w", err)
		}
		if err := j.w.waitJob(ctx, asMap(dig(data, "collectionAddProductsV2", "job"))); err != nil {
			return fmt.Errorf("add products: %w", err)
		}
	}
	return nil
}

// jobWait bounds how long a write waits for one of Shopify's asynchronous
// jobs (a collection's products).
var jobWait = 2 * time.Minute

// waitJob polls job(id:) until Shopify's job is done.
func (w *Writer) waitJob(ctx context.Context, job map[string]any) error {
	if job == nil || job["done"] == true {
		return nil
	}
	id := str(job, "id")
	deadline := time.Now().Add(jobWait)
	for pause := 250 * time.Millisecond; ; pause = min(pause*2, 5*time.Second) {
		if time.Now().After(deadline) {
			return platform.E(platform.KindUnavailable, fmt.Sprintf("Shopify's job %s did not finish within %v", id, jobWait))
		}
		if err := sleep(ctx, pause); err != nil {
			return err
		}
		data, err := w.query(ctx, `query($id: ID!) { job(id: $id) { id done } }`, map[string]any{"id": id})
		if err != nil {
			return err
		}
		if dig(data, "job", "done") == true {
			return nil
		}
	}
}

// canonicalMap is a body as a plain JSON tree (for comparisons).
func canonicalMap(b []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, platform.Wrap(platform.KindInternal, "snapshot is not JSON", err)
	}
	return m, nil
}
