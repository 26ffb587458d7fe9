package deploy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/release"
)

func ref(t mapping.ObjectType, c string) release.ObjectRef {
	return release.ObjectRef{Type: t, Canonical: c}
}

func TestBuildPlan(t *testing.T) {
	var (
		def   = ref(mapping.MetaobjectDefinition, "designer")
		mfd   = ref(mapping.MetafieldDefinition, "PRODUCT.custom.designer")
		moA   = ref(mapping.Metaobject, "designer/a")
		moB   = ref(mapping.Metaobject, "designer/b")
		moC   = ref(mapping.Metaobject, "designer/c")
		file  = ref(mapping.File, "hero.jpg")
		prod  = ref(mapping.Product, "bag")
		prod2 = ref(mapping.Product, "wallet")
		page  = ref(mapping.Page, "about")
		blog  = ref(mapping.Blog, "news")
		art   = ref(mapping.Article, "news/hello")
		coll  = ref(mapping.Collection, "bags")
		menu  = ref(mapping.Menu, "main-menu")
		disc  = ref(mapping.Discount, "code/WELCOME")
	)
	cases := []struct {
		name    string
		nodes   []Node
		layers  [][]release.ObjectRef
		twoPass []release.ObjectRef
	}{
		{"empty", nil, nil, nil},
		{
			"types in rank order",
			[]Node{{Ref: disc, Refs: []release.ObjectRef{prod, coll}}, {Ref: menu, Refs: []release.ObjectRef{coll, page}}, {Ref: coll},
				{Ref: art, Refs: []release.ObjectRef{blog}}, {Ref: blog}, {Ref: page}, {Ref: prod, Refs: []release.ObjectRef{file, moA}},
				{Ref: file}, {Ref: moA, Refs: []release.ObjectRef{def}}, {Ref: def}, {Ref: mfd}},
			[][]release.ObjectRef{{mfd, def}, {moA}, {file}, {blog, page, prod}, {art}, {coll}, {menu}, {disc}},
			nil,
		},
		{
			"a chain inside a rank makes sub-layers",
			[]Node{{Ref: moA, Refs: []release.ObjectRef{moB}}, {Ref: moB, Refs: []release.ObjectRef{moC}}, {Ref: moC}},
			[][]release.ObjectRef{{moC}, {moB}, {moA}},
			nil,
		},
		{
			"a cycle is two-pass and one layer",
			[]Node{{Ref: moA, Refs: []release.ObjectRef{moB}}, {Ref: moB, Refs: []release.ObjectRef{moA}}, {Ref: moC, Refs: []release.ObjectRef{moA}}},
			[][]release.ObjectRef{{moA, moB}, {moC}},
			[]release.ObjectRef{moA, moB},
		},
		{
			"a self-reference is two-pass",
			[]Node{{Ref: moA, Refs: []release.ObjectRef{moA}}},
			[][]release.ObjectRef{{moA}},
			[]release.ObjectRef{moA},
		},
		{
			"a reference to a later rank is two-pass (product metafield naming a collection)",
			[]Node{{Ref: prod, Refs: []release.ObjectRef{coll}}, {Ref: coll}, {Ref: prod2}},
			[][]release.ObjectRef{{prod, prod2}, {coll}},
			[]release.ObjectRef{prod},
		},
		{
			"references outside the deploy do not order anything",
			[]Node{{Ref: art, Refs: []release.ObjectRef{blog}}, {Ref: coll, Refs: []release.ObjectRef{prod}}},
			[][]release.ObjectRef{{art}, {coll}},
			nil,
		},
		{
			"duplicates are one node",
			[]Node{{Ref: page}, {Ref: page}},
			[][]release.ObjectRef{{page}},
			nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := BuildPlan(tc.nodes)
			if diff := cmp.Diff(tc.layers, p.Layers, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("layers (-want +got):\n%s", diff)
			}
			var got []release.ObjectRef
			for o := range p.TwoPass {
				got = append(got, o)
			}
			if diff := cmp.Diff(tc.twoPass, got, cmpopts.EquateEmpty(), cmpopts.SortSlices(func(a, b release.ObjectRef) bool { return cmpRef(a, b) < 0 })); diff != "" {
				t.Errorf("two-pass (-want +got):\n%s", diff)
			}
			n := 0
			for _, l := range tc.layers {
				n += len(l)
			}
			if p.Size() != n {
				t.Errorf("size %d, want %d", p.Size(), n)
			}
		})
	}
}

func TestReferences(t *testing.T) {
	body := capture.MustParse(`{"title":"x","metafields":[{"value":{"$ref":{"type":"METAOBJECT","canonical":"designer/a"}}},
		{"value":{"$ref":{"type":"METAOBJECT","canonical":"designer/a"}}}],"image":{"$unresolved":"gid://shopify/MediaImage/1"},
		"products":[{"$ref":{"type":"PRODUCT","canonical":"bag"}}]}`)
	got := References(mapping.Article, "news/hello", body)
	want := []release.ObjectRef{ref(mapping.Blog, "news"), ref(mapping.Metaobject, "designer/a"), ref(mapping.Product, "bag")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
}

func TestVerifyIgnoresNoRoundTrip(t *testing.T) {
	want := []byte(`{"title":"a","image":{"url":"cdn:x.jpg","width":100,"height":50},"products":[{}]}`)
	got := []byte(`{"title":"b","image":{"url":"cdn:x.jpg","width":2048,"height":2048},"products":[]}`)
	paths, err := verify(want, got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/title"}, paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}
