package deploy_test

import (
	"path"
	"strings"
	"testing"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/deploy"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// LibraryFileURL resolves cdn:files/<name> to the library shop's current
// URL of that file: by its mapping, else by a search by file name; other
// paths get shopwrite's default; an unknown name is NOT_FOUND.
func TestLibraryFileURL(t *testing.T) {
	f := newFixture(t)
	src, _ := f.clients.Client(t.Context(), tenant, emulator.SourceShop)
	resp, err := src.GraphQL(t.Context(), `{ files(first: 2, query: "media_type:IMAGE") { nodes { id ... on MediaImage { image { url } } } } }`, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Files struct {
			Nodes []struct {
				ID    string
				Image struct{ URL string }
			}
		}
	}
	if err := resp.Decode(&data); err != nil || len(data.Files.Nodes) < 2 {
		t.Fatalf("files %+v %v", data, err)
	}
	mapped, searched := data.Files.Nodes[0], data.Files.Nodes[1]
	name := func(u string) string { return path.Base(strings.SplitN(u, "?", 2)[0]) }
	if err := f.st.UpsertMappings(t.Context(), tenant, []mapping.Mapping{{ObjectType: mapping.File, Canonical: name(mapped.Image.URL), GID: mapped.ID, Shop: emulator.SourceShop}}); err != nil {
		t.Fatal(err)
	}
	resolve := deploy.LibraryFileURL(src, f.st, tenant)
	for _, tc := range []struct{ in, want string }{
		{"cdn:files/" + name(mapped.Image.URL), mapped.Image.URL},
		{"cdn:files/" + name(searched.Image.URL), searched.Image.URL},
		{"cdn:files/1/0001/articles/a.jpg", "https://cdn.shopify.com/s/files/1/0001/articles/a.jpg"},
		{"https://example.com/x.jpg", "https://example.com/x.jpg"},
	} {
		got, err := resolve(t.Context(), tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := resolve(t.Context(), "cdn:files/no-such-file.jpg"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("unknown file: %v", err)
	}
}
