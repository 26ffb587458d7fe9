package objects

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/mapping"
)

const base = "objectType=PRODUCT&canonical=classic-leather-bag&shop=acme-source.myshopify.com"

var bagSrc = Object{Type: mapping.Product, Canonical: "classic-leather-bag", Shop: "acme-source.myshopify.com"}

func TestParseHistoryQuery(t *testing.T) {
	for _, tt := range []struct {
		name, raw string
		want      HistoryQuery
		wantErr   string // substring of the message
	}{
		{"defaults", base, HistoryQuery{Object: bagSrc, Limit: 20}, ""},
		{"limit and cursor", base + "&limit=100&cursor=42", HistoryQuery{Object: bagSrc, Limit: 100, Cursor: "42"}, ""},
		{"shop normalised", "objectType=PRODUCT&canonical=classic-leather-bag&shop=https://ACME-Source.myshopify.com/",
			HistoryQuery{Object: bagSrc, Limit: 20}, ""},
		{"escaped article canonical", "objectType=ARTICLE&canonical=news%2Fspring&shop=acme-source.myshopify.com",
			HistoryQuery{Object: Object{mapping.Article, "news/spring", "acme-source.myshopify.com"}, Limit: 20}, ""},
		{"empty", "", HistoryQuery{}, "parameter objectType is required"},
		{"no canonical", "objectType=PRODUCT&shop=acme-source.myshopify.com", HistoryQuery{}, "parameter canonical is required"},
		{"empty shop", "objectType=PRODUCT&canonical=bag&shop=", HistoryQuery{}, "parameter shop is required"},
		{"unknown type", "objectType=product&canonical=bag&shop=acme-source.myshopify.com", HistoryQuery{}, `objectType "product" is not one of`},
		{"long type", "objectType=" + strings.Repeat("P", 100) + "&canonical=bag&shop=a.myshopify.com", HistoryQuery{}, "not an object type"},
		{"bad canonical", "objectType=PRODUCT&canonical=Not%20a%20handle&shop=acme-source.myshopify.com", HistoryQuery{}, "is not a PRODUCT canonical path"},
		{"article without blog", "objectType=ARTICLE&canonical=spring&shop=acme-source.myshopify.com", HistoryQuery{}, "ARTICLE canonical path"},
		{"bad shop", "objectType=PRODUCT&canonical=bag&shop=evil.example.com", HistoryQuery{}, "shop \"evil.example.com\" is not a *.myshopify.com"},
		{"limit zero", base + "&limit=0", HistoryQuery{}, "limit must be an integer between 1 and 100"},
		{"limit too big", base + "&limit=101", HistoryQuery{}, "limit must be"},
		{"limit text", base + "&limit=ten", HistoryQuery{}, "limit must be"},
		{"limit signed", base + "&limit=+5", HistoryQuery{}, "limit must be"},
		{"limit padded", base + "&limit=05", HistoryQuery{}, "limit must be"},
		{"limit empty", base + "&limit=", HistoryQuery{}, "limit must be"},
		{"cursor zero", base + "&cursor=0", HistoryQuery{}, "cursor is not a cursor of this API"},
		{"cursor negative", base + "&cursor=-1", HistoryQuery{}, "cursor is not"},
		{"cursor 13 digits", base + "&cursor=1000000000000", HistoryQuery{}, "cursor is not"},
		{"cursor text", base + "&cursor=eyJzayI6IlYjMSJ9", HistoryQuery{}, "cursor is not"},
		{"cursor empty", base + "&cursor=", HistoryQuery{}, "cursor is not"},
		{"repeated", base + "&shop=other.myshopify.com", HistoryQuery{}, "parameter shop is given more than once"},
		{"unknown", base + "&from=1", HistoryQuery{}, `unknown parameter "from"`},
		{"typo", base + "&Limit=5", HistoryQuery{}, `unknown parameter "Limit"`},
		{"bad escape", base + "&cursor=%zz", HistoryQuery{}, "malformed"},
		{"semicolon", base + ";limit=5", HistoryQuery{}, "malformed"},
		{"too long", base + "&x=" + strings.Repeat("a", MaxQueryLength), HistoryQuery{}, "longer than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHistoryQuery(tt.raw)
			checkParse(t, got, tt.want, err, tt.wantErr)
		})
	}
}

func TestParseDiffQuery(t *testing.T) {
	for _, tt := range []struct {
		name, raw string
		want      DiffQuery
		wantErr   string
	}{
		{"defaults", base, DiffQuery{Object: bagSrc}, ""},
		{"from and to", base + "&from=2&to=5", DiffQuery{Object: bagSrc, From: 2, To: 5}, ""},
		{"only to", base + "&to=3", DiffQuery{Object: bagSrc, To: 3}, ""},
		{"only from", base + "&from=3", DiffQuery{Object: bagSrc, From: 3}, ""},
		{"newest first allowed", base + "&from=5&to=2", DiffQuery{Object: bagSrc, From: 5, To: 2}, ""},
		{"other shop", base + "&otherShop=ACME-prod.myshopify.com", DiffQuery{Object: bagSrc, OtherShop: "acme-prod.myshopify.com"}, ""},
		{"other shop with from", base + "&otherShop=acme-prod.myshopify.com&from=1", DiffQuery{}, "cannot be combined with from or to"},
		{"other shop with to", base + "&to=1&otherShop=acme-prod.myshopify.com", DiffQuery{}, "cannot be combined"},
		{"other shop same", base + "&otherShop=acme-source.myshopify.com", DiffQuery{}, "otherShop must be another shop"},
		{"other shop bad", base + "&otherShop=acme", DiffQuery{}, `otherShop "acme" is not a *.myshopify.com`},
		{"other shop empty", base + "&otherShop=", DiffQuery{}, "otherShop"},
		{"from zero", base + "&from=0", DiffQuery{}, "from must be a version number between 1 and 999999999999"},
		{"to text", base + "&to=latest", DiffQuery{}, "to must be a version number"},
		{"to float", base + "&to=1.0", DiffQuery{}, "to must be"},
		{"to huge", base + "&to=99999999999999999999", DiffQuery{}, "to must be"},
		{"to empty", base + "&to=", DiffQuery{}, "to must be"},
		{"repeated to", base + "&to=1&to=2", DiffQuery{}, "parameter to is given more than once"},
		{"limit is history's", base + "&limit=5", DiffQuery{}, `unknown parameter "limit"`},
		{"missing shop", "objectType=PRODUCT&canonical=bag", DiffQuery{}, "parameter shop is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDiffQuery(tt.raw)
			checkParse(t, got, tt.want, err, tt.wantErr)
		})
	}
}

func checkParse[Q any](t *testing.T, got, want Q, err error, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("err = %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("query (-want +got):\n%s", diff)
		}
		return
	}
	var pe *ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v (%T), want a ParamError", err, err)
	}
	if !strings.Contains(pe.Err.Message, wantErr) {
		t.Errorf("message %q does not contain %q", pe.Err.Message, wantErr)
	}
}

// FuzzParseQueries: any query string either parses into values the store
// accepts (a valid object, limit in range, numeric cursor and versions) or
// is a ParamError with a short, valid UTF-8 message; it never panics.
func FuzzParseQueries(f *testing.F) {
	for _, s := range []string{
		base, base + "&limit=5&cursor=3", base + "&from=1&to=2", base + "&otherShop=b.myshopify.com",
		"objectType=ARTICLE&canonical=news%2Fspring&shop=a.myshopify.com", "", "%", "a=1;b=2", "cursor=%00",
		base + "&cursor=999999999999", base + "&cursor=9999999999999", base + "&to=+1", "objectType=METAOBJECT&canonical=a%2Fb&shop=x.myshopify.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		check := func(o Object, err error) {
			if err != nil {
				var pe *ParamError
				if !errors.As(err, &pe) {
					t.Fatalf("%q: err %v is not a ParamError", raw, err)
				}
				if m := pe.Err.Message; m == "" || len(m) > 600 || !utf8.ValidString(m) {
					t.Fatalf("%q: message %q", raw, m)
				}
				return
			}
			if err := mapping.ValidateCanonical(o.Type, o.Canonical); err != nil {
				t.Fatalf("%q: accepted canonical %q: %v", raw, o.Canonical, err)
			}
			if !strings.HasSuffix(o.Shop, ".myshopify.com") || strings.ToLower(o.Shop) != o.Shop {
				t.Fatalf("%q: accepted shop %q", raw, o.Shop)
			}
		}
		h, err := ParseHistoryQuery(raw)
		check(h.Object, err)
		if err == nil {
			if h.Limit < 1 || h.Limit > MaxLimit {
				t.Fatalf("%q: limit %d", raw, h.Limit)
			}
			if h.Cursor != "" && !seqPattern.MatchString(h.Cursor) {
				t.Fatalf("%q: cursor %q", raw, h.Cursor)
			}
		}
		d, err := ParseDiffQuery(raw)
		check(d.Object, err)
		if err == nil {
			if d.From < 0 || d.From > maxSeq || d.To < 0 || d.To > maxSeq {
				t.Fatalf("%q: from %d to %d", raw, d.From, d.To)
			}
			if d.OtherShop != "" && (d.From != 0 || d.To != 0 || d.OtherShop == d.Shop) {
				t.Fatalf("%q: %+v", raw, d)
			}
		}
	})
}
