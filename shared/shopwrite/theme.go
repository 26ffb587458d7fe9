package shopwrite

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// themeBatch is Shopify's limit of files per themeFilesUpsert / Delete.
const themeBatch = 50

// Theme files that Shopify requires in every theme: never deleted.
var requiredThemeFiles = map[string]bool{"layout/theme.liquid": true, "config/settings_schema.json": true}

var themeKind = kind{
	check: func(c string, m map[string]any) error {
		if _, ok := m["files"].([]any); !ok {
			return platform.E(platform.KindValidation, "the theme's body has no files list")
		}
		return nil
	},
	find:  findTheme,
	write: writeTheme,
	del: func(ctx context.Context, w *Writer, c, gid string) error {
		if c == "live" {
			return platform.E(platform.KindValidation, "the live theme is never deleted")
		}
		_, err := w.call(ctx, `mutation($id: ID!) { themeDelete(id: $id) { deletedThemeId userErrors { field message code } } }`, map[string]any{"id": gid}, 0)
		return err
	},
}

// findTheme: the live theme (role MAIN), or the unpublished theme whose
// name has the canonical's slug.
func findTheme(ctx context.Context, w *Writer, c string) (string, error) {
	if c == "live" {
		return w.findFirst(ctx, `{ themes(first: 1, roles: [MAIN]) { nodes { id } } }`, nil,
			func(map[string]any) bool { return true }, "themes", "nodes")
	}
	slug := strings.TrimPrefix(c, "name/")
	return w.findFirst(ctx, `{ themes(first: 100) { nodes { id name role } } }`, nil,
		func(m map[string]any) bool { return str(m, "role") != "MAIN" && mapping.Slug(str(m, "name")) == slug }, "themes", "nodes")
}

// writeTheme makes the target theme's files the body's: files whose
// checksum differs (or that the target lacks) are upserted with their
// bodies from Writer.ThemeFiles, files the body does not list are deleted
// (except the two Shopify requires). A missing unpublished theme is made
// as a duplicate of the live one (Shopify creates themes from a zip only),
// then set the same way. The theme's name and role are not changed.
func writeTheme(ctx context.Context, j *job) (string, error) {
	if j.w.ThemeFiles == nil {
		return "", platform.E(platform.KindInternal, "shopwrite.Writer has no ThemeFiles source for theme file bodies")
	}
	want := map[string]string{} // filename → checksum
	for _, f := range arr(j.body, "files") {
		fm := asMap(f)
		if n := str(fm, "filename"); n != "" {
			want[n] = str(fm, "checksumMd5")
		}
	}
	gid := j.gid
	if j.create {
		if j.canonical == "live" {
			return "", platform.E(platform.KindConflict, "the target store has no live theme")
		}
		live, err := findTheme(ctx, j.w, "live")
		if err != nil || live == "" {
			return "", fmt.Errorf("live theme to duplicate: %w", err)
		}
		name := str(j.body, "name")
		if name == "" {
			name = strings.TrimPrefix(j.canonical, "name/")
		}
		data, err := j.send(ctx, `mutation($id: ID!, $name: String) { themeDuplicate(id: $id, name: $name) { newTheme { id } userErrors { field message code } } }`,
			map[string]any{"id": live, "name": name})
		if err != nil {
			return "", err
		}
		if gid, err = gidAt(data, "themeDuplicate", "newTheme", "id"); err != nil {
			return "", err
		}
		j.create = false // the theme exists now: the file writes are updates
	}
	have, err := j.w.themeChecksums(ctx, gid)
	if err != nil {
		return "", err
	}
	var put, drop []string
	for n, sum := range want {
		if have[n] != sum || sum == "" {
			put = append(put, n)
		}
	}
	for n := range have {
		if _, ok := want[n]; !ok && !requiredThemeFiles[n] {
			drop = append(drop, n)
		}
	}
	sort.Strings(put)
	sort.Strings(drop)
	for start := 0; start < len(put); start += themeBatch {
		var files []map[string]any
		for _, n := range put[start:min(len(put), start+themeBatch)] {
			if want[n] == "" {
				j.warn("/files: %s not written: the body has no checksum for it", n)
				continue
			}
			b, err := j.w.ThemeFiles(ctx, want[n])
			if err != nil {
				return "", fmt.Errorf("theme file %s (%s): %w", n, want[n], err)
			}
			files = append(files, map[string]any{"filename": n, "body": map[string]any{"type": "BASE64", "value": base64.StdEncoding.EncodeToString(b)}})
		}
		if len(files) == 0 {
			continue
		}
		if _, err := j.send(ctx, `mutation($id: ID!, $f: [OnlineStoreThemeFilesUpsertFileInput!]!) { themeFilesUpsert(themeId: $id, files: $f) { upsertedThemeFiles { filename } userErrors { field message code } } }`,
			map[string]any{"id": gid, "f": files}); err != nil {
			return "", err
		}
	}
	for start := 0; start < len(drop); start += themeBatch {
		if _, err := j.send(ctx, `mutation($id: ID!, $f: [String!]!) { themeFilesDelete(themeId: $id, files: $f) { deletedThemeFiles { filename } userErrors { field message code } } }`,
			map[string]any{"id": gid, "f": drop[start:min(len(drop), start+themeBatch)]}); err != nil {
			return "", err
		}
	}
	return gid, nil
}

// themeChecksums lists a theme's files and their checksums.
func (w *Writer) themeChecksums(ctx context.Context, gid string) (map[string]string, error) {
	obj, err := w.reader().Get(ctx, mapping.Theme, gid)
	if err != nil {
		return nil, fmt.Errorf("read theme %s: %w", gid, err)
	}
	var node struct {
		Files any `json:"files"`
	}
	if err := decodeRaw(obj.Raw, &node); err != nil {
		return nil, err
	}
	out := map[string]string{}
	list, _ := node.Files.([]any)
	if m, ok := node.Files.(map[string]any); ok {
		list, _ = m["nodes"].([]any)
	}
	for _, f := range list {
		fm := asMap(f)
		out[str(fm, "filename")] = str(fm, "checksumMd5")
	}
	return out, nil
}
