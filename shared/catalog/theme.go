package catalog

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// themeBodyBatch is how many files one body query names (Shopify's limit
// on the filenames argument is 50).
const themeBodyBatch = 50

// maxThemeFile bounds a body fetched by URL.
const maxThemeFile = 64 << 20

// listTheme reads the live theme (role MAIN) with its files' names,
// checksums, sizes and content types, no bodies.
func (r *Reader) listTheme(ctx context.Context, s *spec, idsOnly bool) (Page, error) {
	sel := "id"
	estimate := 3
	if !idsOnly {
		sel, estimate = s.nodeSel(), 2+s.nodeCost()
	}
	q := fmt.Sprintf("query fluxLiveTheme { themes(first: 1, roles: [MAIN]) { nodes { %s } } }", sel)
	data, err := r.query(ctx, q, nil, estimate)
	if err != nil {
		return Page{}, err
	}
	var p Page
	for _, n := range nodes(obj(data, "themes")) {
		node := asObj(n)
		if node == nil {
			continue
		}
		if idsOnly {
			p.Objects = append(p.Objects, Object{Type: mapping.Theme, GID: str(node, "id")})
			continue
		}
		if err := r.complete(ctx, s, node); err != nil {
			return Page{}, err
		}
		r.add(&p, mapping.Theme, s, node)
	}
	return p, nil
}

// ThemeFileBodies reads the bodies of the named files of a theme (TEXT as
// is, BASE64 decoded, URL bodies downloaded), 50 names per query. A name
// the theme does not have is absent from the map.
func (r *Reader) ThemeFileBodies(ctx context.Context, themeGID string, filenames []string) (map[string][]byte, error) {
	if err := mapping.ValidateGID(mapping.Theme, themeGID); err != nil {
		return nil, err
	}
	if r == nil || r.Client == nil {
		return nil, platform.E(platform.KindInternal, "catalog.Reader has no Shopify client")
	}
	out := make(map[string][]byte, len(filenames))
	const body = "filename body { __typename ... on OnlineStoreThemeFileBodyText { content } " +
		"... on OnlineStoreThemeFileBodyBase64 { contentBase64 } ... on OnlineStoreThemeFileBodyUrl { url } }"
	for start := 0; start < len(filenames); start += themeBodyBatch {
		batch := filenames[start:min(len(filenames), start+themeBodyBatch)]
		afterCur := ""
		for {
			q := fmt.Sprintf("query fluxThemeBodies($id: ID!, $names: [String!], $after: String) { node(id: $id) { ... on OnlineStoreTheme { "+
				"files(filenames: $names, first: %d, after: $after) { nodes { %s } pageInfo { hasNextPage endCursor } } } } }", themeBodyBatch, body)
			data, err := r.query(ctx, q, map[string]any{"id": themeGID, "names": batch, "after": nilIfEmpty(afterCur)}, 3+themeBodyBatch*2)
			if err != nil {
				return nil, fmt.Errorf("theme file bodies of %s: %w", themeGID, err)
			}
			node := obj(data, "node")
			if node == nil || obj(node, "files") == nil {
				return nil, platform.E(platform.KindNotFound, fmt.Sprintf("theme %s does not exist in %s", themeGID, r.shop()))
			}
			conn := obj(node, "files")
			for _, n := range nodes(conn) {
				f := asObj(n)
				name := str(f, "filename")
				b := obj(f, "body")
				switch {
				case b == nil || name == "":
					continue
				case b["content"] != nil:
					out[name] = []byte(str(b, "content"))
				case b["contentBase64"] != nil:
					d, err := base64.StdEncoding.DecodeString(str(b, "contentBase64"))
					if err != nil {
						return nil, platform.Wrap(platform.KindUnavailable, "theme file "+name+" is not base64", err)
					}
					out[name] = d
				case str(b, "url") != "":
					d, err := r.fetch(ctx, str(b, "url"))
					if err != nil {
						return nil, fmt.Errorf("theme file %s: %w", name, err)
					}
					out[name] = d
				}
			}
			pi := obj(conn, "pageInfo")
			if pi["hasNextPage"] != true || str(pi, "endCursor") == "" || str(pi, "endCursor") == afterCur {
				break
			}
			afterCur = str(pi, "endCursor")
		}
	}
	return out, nil
}

func (r *Reader) fetch(ctx context.Context, url string) ([]byte, error) {
	hc := r.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, platform.Wrap(platform.KindUnavailable, "bad body URL", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, platform.Wrap(platform.KindUnavailable, "body download failed", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, platform.E(platform.KindUnavailable, fmt.Sprintf("body download: HTTP %d", resp.StatusCode))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxThemeFile+1))
	if err != nil {
		return nil, platform.Wrap(platform.KindUnavailable, "body download failed", err)
	}
	if len(b) > maxThemeFile {
		return nil, platform.E(platform.KindUnavailable, "body larger than 64 MiB")
	}
	return b, nil
}
