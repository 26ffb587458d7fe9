package syncworker

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/flux-platform/flux/shared/catalog"
)

// ThemeFileKey is the blob key of a theme file's body by its MD5
// checksum (Shopify's checksumMd5), under the tenant: a theme version
// lists its files' checksums, and each distinct body is stored once.
func ThemeFileKey(tenantID, checksum string) string {
	return "tenants/" + tenantID + "/theme-files/md5/" + checksum
}

var md5Hex = regexp.MustCompile(`^[0-9a-f]{32}$`)

// themeFileBatch is how many bodies one read asks for.
const themeFileBatch = 50

// storeThemeFiles stores the bodies of the themes' files that Flux does not
// hold yet (by checksum), before the theme versions that list them: only
// changed files are downloaded.
func (r *run) storeThemeFiles(ctx context.Context, themes []catalog.Object) error {
	for _, th := range themes {
		gid, files, err := themeFiles(th.Raw)
		if err != nil {
			return fmt.Errorf("theme of %s: %w", r.shop, err)
		}
		var missing []string
		sums := map[string]string{}
		for _, f := range files {
			if !md5Hex.MatchString(f.Checksum) {
				r.delta.Warnings++ // no usable checksum: listed, body not kept
				continue
			}
			ok, err := r.w.Blobs.Has(ctx, ThemeFileKey(r.sy.TenantID, f.Checksum))
			if err != nil {
				return fmt.Errorf("theme file %s: %w", f.Filename, err)
			}
			if !ok {
				missing = append(missing, f.Filename)
				sums[f.Filename] = f.Checksum
			}
		}
		for len(missing) > 0 {
			n := min(len(missing), themeFileBatch)
			bodies, err := r.reader.ThemeFileBodies(ctx, gid, missing[:n])
			if err != nil {
				return fmt.Errorf("theme files of %s: %w", r.shop, err)
			}
			for name, body := range bodies {
				if sum, ok := sums[name]; ok {
					if got := md5.Sum(body); hex.EncodeToString(got[:]) != sum {
						// Changed between the listing and the read: the
						// next sync stores it under its new checksum.
						r.delta.Warnings++
						continue
					}
					if err := r.w.Blobs.Put(ctx, ThemeFileKey(r.sy.TenantID, sum), body); err != nil {
						return fmt.Errorf("theme file %s: %w", name, err)
					}
				}
			}
			missing = missing[n:]
		}
	}
	return nil
}

type themeFile struct {
	Filename string `json:"filename"`
	Checksum string `json:"checksum"`
}

// themeFiles reads the theme's GID and file list from its raw node: files
// as an array, or a connection ({nodes} or {edges{node}}); checksum as
// checksum or checksumMd5.
func themeFiles(raw json.RawMessage) (string, []themeFile, error) {
	var th struct {
		ID    string          `json:"id"`
		Files json.RawMessage `json:"files"`
	}
	if err := json.Unmarshal(raw, &th); err != nil {
		return "", nil, err
	}
	var list []json.RawMessage
	if len(th.Files) > 0 && th.Files[0] == '[' {
		if err := json.Unmarshal(th.Files, &list); err != nil {
			return "", nil, err
		}
	} else if len(th.Files) > 0 && string(th.Files) != "null" {
		var conn struct {
			Nodes []json.RawMessage `json:"nodes"`
			Edges []struct {
				Node json.RawMessage `json:"node"`
			} `json:"edges"`
		}
		if err := json.Unmarshal(th.Files, &conn); err != nil {
			return "", nil, err
		}
		list = conn.Nodes
		for _, e := range conn.Edges {
			list = append(list, e.Node)
		}
	}
	out := make([]themeFile, 0, len(list))
	for _, l := range list {
		var f struct {
			Filename    string `json:"filename"`
			Checksum    string `json:"checksum"`
			ChecksumMd5 string `json:"checksumMd5"`
		}
		if err := json.Unmarshal(l, &f); err != nil {
			return "", nil, err
		}
		if f.Checksum == "" {
			f.Checksum = f.ChecksumMd5
		}
		out = append(out, themeFile{Filename: f.Filename, Checksum: f.Checksum})
	}
	return th.ID, out, nil
}
