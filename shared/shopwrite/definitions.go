package shopwrite

import (
	"context"
	"fmt"
	"strings"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/platform"
)

// updatable writes a definition: create when the target has none, else an
// update with what Shopify lets change (update). An existing definition
// whose content equals the body is left alone (no mutation).
func updatable(create, update func(ctx context.Context, j *job, cur map[string]any) (string, error)) func(ctx context.Context, j *job) (string, error) {
	return func(ctx context.Context, j *job) (string, error) {
		if j.create {
			return create(ctx, j, nil)
		}
		snap, exists, err := j.w.snapshotGID(ctx, j.t, j.gid)
		if err != nil {
			return "", err
		}
		if !exists {
			return "", platform.E(platform.KindConflict, fmt.Sprintf("%s %s disappeared from %s during the write; try again", j.t, j.canonical, j.w.Shop()))
		}
		changes := capture.Diff(capture.MustParse(string(snap)), mustCanonical(j.body))
		if len(changes) == 0 {
			return j.gid, nil
		}
		for _, c := range changes {
			if strings.HasPrefix(c.Path, "/access") || strings.HasPrefix(c.Path, "/capabilities") {
				j.warn("%s: not written: Flux leaves a definition's access and capabilities as the store has them", c.Path)
			}
		}
		cur, err := canonicalMap(snap)
		if err != nil {
			return "", err
		}
		return update(ctx, j, cur)
	}
}

// metaobjectFieldOps are the metaobjectDefinitionUpdate operations that
// make cur's field definitions the body's: update (name, description,
// required, validations) the ones both have, create the body's new ones,
// delete the ones the body does not have (their values go from every
// entry, as in Shopify's admin). A field whose type differs cannot be
// changed by Shopify: those are returned as refused.
func metaobjectFieldOps(cur, body map[string]any) (ops []map[string]any, refused []string) {
	have := map[string]map[string]any{}
	for _, f := range arr(cur, "fieldDefinitions") {
		have[str(asMap(f), "key")] = asMap(f)
	}
	seen := map[string]bool{}
	for _, f := range arr(body, "fieldDefinitions") {
		fm := asMap(f)
		key := str(fm, "key")
		seen[key] = true
		c, ok := have[key]
		if !ok {
			ops = append(ops, map[string]any{"create": map[string]any{"key": key, "name": fm["name"], "description": fm["description"],
				"type": digStr(fm, "type", "name"), "required": fm["required"] == true, "validations": validations(arr(fm, "validations"))}})
			continue
		}
		if a, b := digStr(c, "type", "name"), digStr(fm, "type", "name"); a != b {
			refused = append(refused, fmt.Sprintf("field %s's type (%s in the store, %s in the body)", key, a, b))
			continue
		}
		ops = append(ops, map[string]any{"update": map[string]any{"key": key, "name": fm["name"], "description": fm["description"],
			"required": fm["required"] == true, "validations": validations(arr(fm, "validations"))}})
	}
	for _, f := range arr(cur, "fieldDefinitions") {
		if key := str(asMap(f), "key"); !seen[key] {
			ops = append(ops, map[string]any{"delete": map[string]any{"key": key}})
		}
	}
	return ops, refused
}

// updateMetaobjectDefinition: metaobjectDefinitionUpdate of the name,
// description, display name key and field definitions, in the body's
// field order (resetFieldOrder).
func updateMetaobjectDefinition(ctx context.Context, j *job, cur map[string]any) (string, error) {
	ops, refused := metaobjectFieldOps(cur, j.body)
	if len(refused) > 0 {
		return "", platform.E(platform.KindValidation, fmt.Sprintf(
			"METAOBJECT_DEFINITION %s in %s differs in what Shopify cannot change: %s (a field's type is fixed once created)",
			j.canonical, j.w.Shop(), strings.Join(refused, "; ")))
	}
	in := map[string]any{"fieldDefinitions": ops, "resetFieldOrder": true}
	copyKeys(in, j.body, "name", "description", "displayNameKey")
	data, err := j.send(ctx, `mutation($id: ID!, $in: MetaobjectDefinitionUpdateInput!) { metaobjectDefinitionUpdate(id: $id, definition: $in) { metaobjectDefinition { id } userErrors { field message code } } }`,
		map[string]any{"id": j.gid, "in": in})
	if err != nil {
		return "", err
	}
	return gidAt(data, "metaobjectDefinitionUpdate", "metaobjectDefinition", "id")
}

// updateMetafieldDefinition: metafieldDefinitionUpdate of the name,
// description, validations and pin. The owner type, namespace and key are
// the canonical; a different type is refused (Shopify cannot change it).
func updateMetafieldDefinition(ctx context.Context, j *job, cur map[string]any) (string, error) {
	if a, b := digStr(cur, "type", "name"), digStr(j.body, "type", "name"); a != b {
		return "", platform.E(platform.KindValidation, fmt.Sprintf(
			"METAFIELD_DEFINITION %s is of type %s in %s and %s in the body: Shopify cannot change a definition's type (delete it in the store first, which deletes its metafields' values)",
			j.canonical, a, j.w.Shop(), b))
	}
	in := map[string]any{"validations": validations(arr(j.body, "validations")), "pin": j.body["pinnedPosition"] != nil}
	copyKeys(in, j.body, "name", "namespace", "key", "ownerType", "description")
	data, err := j.send(ctx, `mutation($in: MetafieldDefinitionUpdateInput!) { metafieldDefinitionUpdate(definition: $in) { updatedDefinition { id } userErrors { field message code } } }`,
		map[string]any{"in": in})
	if err != nil {
		return "", err
	}
	return gidAt(data, "metafieldDefinitionUpdate", "updatedDefinition", "id")
}
