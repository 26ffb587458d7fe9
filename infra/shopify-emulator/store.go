package emulator

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"sync"
)

// shopData is one emulated store: its catalog and content, guarded by mu.
type shopData struct {
	mu        sync.RWMutex
	domain    string
	name      string
	token     string
	shopNum   int64
	createdAt DateTime
	nextID    int64

	publications   []*Publication
	products       []*Product
	collections    []*Collection
	pages          []*Page
	blogs          []*Blog
	articles       []*Article
	menus          []*Menu
	discounts      []*DiscountNode
	metaobjectDefs []*MetaobjectDefinition
	metaobjects    []*Metaobject
	metafieldDefs  []*MetafieldDefinition
	files          []*fileR
	themes         []*OnlineStoreTheme
	webhooks       []*WebhookSubscription
	bulkOps        []*BulkOperation

	// objects indexes every node by numeric id (ids are unique per shop).
	objects map[int64]any
}

func newShopData(domain, name, token string, shopNum int64) *shopData {
	return &shopData{domain: domain, name: name, token: token, shopNum: shopNum, nextID: shopNum * 1_000_000, objects: map[int64]any{}}
}

// newBase allocates the next id for a kind and registers obj under it.
func (s *shopData) newBase(kind string, at DateTime, obj any) base {
	s.nextID++
	s.objects[s.nextID] = obj
	return base{num: s.nextID, kind: kind, CreatedAt: at, UpdatedAt: at}
}

func (s *shopData) allMetafields() []*Metafield {
	var out []*Metafield
	for _, p := range s.products {
		out = append(out, p.mfs...)
		for _, v := range p.variantList {
			out = append(out, v.mfs...)
		}
	}
	for _, c := range s.collections {
		out = append(out, c.mfs...)
	}
	for _, p := range s.pages {
		out = append(out, p.mfs...)
	}
	for _, b := range s.blogs {
		out = append(out, b.mfs...)
	}
	for _, a := range s.articles {
		out = append(out, a.mfs...)
	}
	for _, d := range s.discounts {
		out = append(out, d.mfs...)
	}
	return out
}

func md5Hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func jsonUnmarshalString(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func removeFrom[T comparable](list []T, x T) []T {
	out := list[:0]
	for _, v := range list {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
