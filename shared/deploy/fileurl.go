package deploy

import (
	"context"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
)

// FileMappings are the tenant's FILE mappings (store.Store).
type FileMappings interface {
	MappingsByCanonical(ctx context.Context, tenantID string, t mapping.ObjectType, shops, canonicals []string) ([]mapping.Mapping, error)
}

// LibraryFileURL is a shopwrite FileURL that resolves a library file's CDN
// path (cdn:files/<name>, what capture keeps of a file URL without its shop
// prefix) to the current URL of the file of that name in the library
// shop's file library: its FILE mapping, else a search by file name, then
// one read of the file's URL (a few cost points). Other strings go through
// shopwrite.DefaultFileURL. Answers are cached per writer.
func LibraryFileURL(client *shopify.Client, st FileMappings, tenantID string) func(ctx context.Context, cdnPath string) (string, error) {
	var mu sync.Mutex
	cache := map[string]string{}
	return func(ctx context.Context, p string) (string, error) {
		name, ok := strings.CutPrefix(p, "cdn:files/")
		if !ok || strings.Contains(name, "/") || mapping.ValidateCanonical(mapping.File, name) != nil {
			return shopwrite.DefaultFileURL(ctx, p)
		}
		mu.Lock()
		u, ok := cache[name]
		mu.Unlock()
		if ok {
			return u, nil
		}
		u, err := libraryURL(ctx, client, st, tenantID, name)
		if err != nil {
			return "", fmt.Errorf("file %s in %s: %w", name, client.Shop(), err)
		}
		mu.Lock()
		cache[name] = u
		mu.Unlock()
		return u, nil
	}
}

const fileURLSel = `id ... on MediaImage { image { url } } ... on GenericFile { url }`

func libraryURL(ctx context.Context, client *shopify.Client, st FileMappings, tenantID, name string) (string, error) {
	ms, err := st.MappingsByCanonical(ctx, tenantID, mapping.File, []string{client.Shop()}, []string{name})
	if err != nil {
		return "", err
	}
	if len(ms) > 0 {
		var data struct{ Node map[string]any }
		if err := query(ctx, client, `query($id: ID!) { node(id: $id) { `+fileURLSel+` } }`, map[string]any{"id": ms[0].GID}, &data); err != nil {
			return "", err
		}
		if u := fileURLOf(data.Node); u != "" {
			return u, nil
		}
	}
	var data struct {
		Files struct{ Nodes []map[string]any }
	}
	if err := query(ctx, client, `query($q: String!) { files(first: 10, query: $q) { nodes { `+fileURLSel+` } } }`, map[string]any{"q": "filename:" + name}, &data); err != nil {
		return "", err
	}
	for _, n := range data.Files.Nodes {
		if u := fileURLOf(n); u != "" && path.Base(strings.SplitN(u, "?", 2)[0]) == name {
			return u, nil
		}
	}
	return "", platform.E(platform.KindNotFound, "the shop's file library has no file "+name)
}

func fileURLOf(n map[string]any) string {
	if u, _ := n["url"].(string); u != "" {
		return u
	}
	im, _ := n["image"].(map[string]any)
	u, _ := im["url"].(string)
	return u
}

func query(ctx context.Context, c *shopify.Client, q string, vars map[string]any, out any) error {
	resp, err := c.GraphQL(ctx, q, vars, nil)
	if err != nil {
		return err
	}
	return resp.Decode(out)
}

// withLibraryFiles points the target writer's FileURL at the file library
// the job's bodies come from: the source shop's for a deploy, the target's
// own for a rollback (its bodies are the target's snapshots). Only for
// ShopTargets; other Targets are left as they are.
func (e *Executor) withLibraryFiles(ctx context.Context, j release.DeployJob, rollback bool, t Target) error {
	st, ok1 := e.Targets.(ShopTargets)
	tg, ok2 := t.(ShopTarget)
	if !ok1 || !ok2 || tg.Writer == nil {
		return nil
	}
	lib := j.SourceShop
	if rollback {
		lib = j.TargetShop
	}
	c, err := st.Clients.Client(ctx, j.TenantID, lib)
	if err != nil {
		return fmt.Errorf("deploy job %s: file library %s: %w", j.ID, lib, err)
	}
	tg.Writer.FileURL = LibraryFileURL(c, st.Store, j.TenantID)
	return nil
}
