package shopwrite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopwrite"
)

// themeFiles is the files list of a theme's canonical body.
func themeFiles(t *testing.T, body []byte) any {
	t.Helper()
	return capture.MustParse(string(body)).Value().(map[string]any)["files"]
}

// A theme's files are made the source's in the target: changed and new
// files upserted with the bodies Flux stored by checksum, files the source
// does not have deleted; a missing unpublished theme is made first.
func TestThemeWrite(t *testing.T) {
	f := newFixture(t)
	patch := func(shop, gid string, files map[string]string) {
		t.Helper()
		var id string
		fmt.Sscanf(gid, "gid://shopify/OnlineStoreTheme/%s", &id)
		b, _ := json.Marshal(map[string]any{"fields": map[string]any{"files": files}})
		req, _ := http.NewRequestWithContext(t.Context(), "PATCH", f.url+"/_emulator/shops/"+shop+"/objects/OnlineStoreTheme/"+id, bytes.NewReader(b))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("patch theme: %d %s", resp.StatusCode, rb)
		}
	}
	src := &catalog.Reader{Client: f.src}
	srcThemes := map[string]catalog.Object{}
	// The sync reads the live theme only; the other one by id.
	resp, err := f.src.GraphQL(t.Context(), `{ themes(first: 10) { nodes { id name role } } }`, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ts struct {
		Themes struct {
			Nodes []struct{ ID, Name, Role string }
		}
	}
	if err := resp.Decode(&ts); err != nil {
		t.Fatal(err)
	}
	var other string
	for _, th := range ts.Themes.Nodes {
		c, err := mapping.Canonical(mapping.Theme, mapping.Fields{ThemeRole: th.Role, Title: th.Name})
		if err != nil {
			t.Fatal(err)
		}
		srcThemes[c] = catalog.Object{GID: th.ID}
		if c != "live" {
			other = c
		}
	}
	if other == "" {
		t.Fatal("the source has one theme")
	}
	patch(emulator.SourceShop, srcThemes["live"].GID, map[string]string{
		"templates/index.json": `{"sections":{"hero":{"type":"hero"}},"order":["hero"]}`, "sections/hero.liquid": "<h1>{{ section.settings.title }}</h1>",
	})
	prodLive, err := f.w.Lookup(t.Context(), mapping.Theme, "live")
	if err != nil || prodLive == "" {
		t.Fatalf("production live theme: %q %v", prodLive, err)
	}
	patch(emulator.ProductionShop, prodLive, map[string]string{"snippets/only-in-production.liquid": "x"})

	// Flux's theme file bodies, by checksum, as a THEME sync stores them.
	bodies := map[string][]byte{}
	sourceTheme := func(c string) []byte {
		t.Helper()
		o, err := src.Get(t.Context(), mapping.Theme, srcThemes[c].GID)
		if err != nil {
			t.Fatal(err)
		}
		canon, _, err := capture.Normalizer{}.Normalize(t.Context(), mapping.Theme, o.Raw)
		if err != nil {
			t.Fatal(err)
		}
		body := capture.Encode(canon)
		var names []string
		sums := map[string]string{}
		for _, fl := range themeFiles(t, body).([]any) {
			m := fl.(map[string]any)
			names = append(names, m["filename"].(string))
			sums[m["filename"].(string)] = m["checksumMd5"].(string)
		}
		for start := 0; start < len(names); start += 50 {
			got, err := src.ThemeFileBodies(t.Context(), srcThemes[c].GID, names[start:min(len(names), start+50)])
			if err != nil {
				t.Fatal(err)
			}
			for n, b := range got {
				bodies[sums[n]] = b
			}
		}
		return body
	}
	f.w.ThemeFiles = func(_ context.Context, sum string) ([]byte, error) {
		if b, ok := bodies[sum]; ok {
			return b, nil
		}
		return nil, platform.E(platform.KindNotFound, "no body "+sum)
	}

	for _, tc := range []struct {
		canonical string
		action    shopwrite.Action
	}{{"live", shopwrite.Updated}, {other, shopwrite.Created}} {
		t.Run(tc.canonical, func(t *testing.T) {
			body := sourceTheme(tc.canonical)
			res, err := f.w.WriteJSON(t.Context(), mapping.Theme, tc.canonical, body, shopwrite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Action != tc.action {
				t.Errorf("action %s, want %s", res.Action, tc.action)
			}
			got := f.readBack(t, mapping.Theme, tc.canonical)
			if d := cmp.Diff(themeFiles(t, body), themeFiles(t, got)); d != "" {
				t.Errorf("files (-source +production):\n%s", d)
			}
			again, err := f.w.WriteJSON(t.Context(), mapping.Theme, tc.canonical, body, shopwrite.Options{})
			if err != nil || again.GID != res.GID || again.Action != shopwrite.Updated {
				t.Errorf("rewrite %+v %v", again, err)
			}
		})
	}
}
