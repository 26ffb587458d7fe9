package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

// memBlobs is an in-memory store.Blobs counting puts.
type memBlobs struct {
	mu   sync.Mutex
	m    map[string][]byte
	puts int
}

func (b *memBlobs) Put(_ context.Context, key string, body []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string][]byte{}
	}
	b.m[key] = bytes.Clone(body)
	b.puts++
	return nil
}

func (b *memBlobs) Get(_ context.Context, key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[key]
	if !ok {
		return nil, platform.E(platform.KindNotFound, "no blob")
	}
	return v, nil
}

// productVersion is a version of product canonical whose body is the
// canonical form of doc.
func productVersion(t *testing.T, canonical, doc, syncID string) store.Version {
	t.Helper()
	c, err := capture.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return store.Version{
		ObjectType: mapping.Product, Canonical: canonical, Shop: shopSrc,
		Hash: capture.Hash(c), SyncID: syncID, Body: capture.Encode(c),
		CapturedAt: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
	}
}

func TestPutVersionLifecycle(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	v1 := productVersion(t, "bag", `{"title":"Bag"}`, "sync-1")
	got, created, err := s.PutVersion(ctx, nil, mapTenant, v1)
	if err != nil || !created || got.Seq != 1 {
		t.Fatalf("first put: %+v created=%v err=%v", got, created, err)
	}
	// Same content: nothing written, the current version returned.
	same := productVersion(t, "bag", `{ "title" : "Bag" }`, "sync-2")
	got, created, err = s.PutVersion(ctx, nil, mapTenant, same)
	if err != nil || created || got.Seq != 1 || got.SyncID != "sync-1" {
		t.Fatalf("unchanged put: %+v created=%v err=%v", got, created, err)
	}
	for i := 2; i <= 5; i++ {
		v := productVersion(t, "bag", fmt.Sprintf(`{"title":"Bag %d"}`, i), fmt.Sprintf("sync-%d", i))
		got, created, err := s.PutVersion(ctx, nil, mapTenant, v)
		if err != nil || !created || got.Seq != int64(i) {
			t.Fatalf("put %d: %+v created=%v err=%v", i, got, created, err)
		}
	}
	cur, err := s.CurrentVersion(ctx, mapTenant, mapping.Product, shopSrc, "bag")
	if err != nil {
		t.Fatal(err)
	}
	if cur.Seq != 5 || string(cur.Body) != `{"title":"Bag 5"}` || cur.Size != len(cur.Body) {
		t.Errorf("current = %+v", cur)
	}
	// Pages of 2, newest first.
	var seqs []int64
	cursor := ""
	for page := 0; ; page++ {
		vs, next, err := s.ListVersions(ctx, mapTenant, mapping.Product, shopSrc, "bag", 2, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			seqs = append(seqs, v.Seq)
		}
		if next == "" {
			break
		}
		cursor = next
		if page > 5 {
			t.Fatal("cursor does not end")
		}
	}
	if diff := cmp.Diff([]int64{5, 4, 3, 2, 1}, seqs); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}

	// Another shop, tenant or object has no version.
	if _, err := s.CurrentVersion(ctx, mapTenant, mapping.Product, shopProd, "bag"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("other shop: %v", err)
	}
	if _, err := s.CurrentVersion(ctx, "other", mapping.Product, shopSrc, "bag"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("other tenant: %v", err)
	}
}

func TestPutVersionValidation(t *testing.T) {
	s := storetest.NewTable(t)
	ok := productVersion(t, "bag", `{"a":1}`, "s")
	tests := []struct {
		name   string
		tenant string
		mut    func(*store.Version)
	}{
		{"bad tenant", "", func(*store.Version) {}},
		{"bad type", mapTenant, func(v *store.Version) { v.ObjectType = "WIDGET" }},
		{"bad canonical", mapTenant, func(v *store.Version) { v.Canonical = "a/b" }},
		{"bad shop", mapTenant, func(v *store.Version) { v.Shop = "Not A Shop" }},
		{"bad hash", mapTenant, func(v *store.Version) { v.Hash = "xyz" }},
		{"empty body", mapTenant, func(v *store.Version) { v.Body = nil }},
		{"hash of something else", mapTenant, func(v *store.Version) { v.Body = []byte(`{"a":2}`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ok
			tt.mut(&v)
			if _, _, err := s.PutVersion(t.Context(), nil, tt.tenant, v); platform.KindOf(err) != platform.KindValidation {
				t.Errorf("err = %v, want validation", err)
			}
		})
	}
	for _, c := range []string{"x", "0", "-1"} {
		if _, _, err := s.ListVersions(t.Context(), mapTenant, mapping.Product, shopSrc, "bag", 10, c); platform.KindOf(err) != platform.KindValidation {
			t.Errorf("cursor %q: %v", c, err)
		}
	}
	if _, _, err := s.ListVersions(t.Context(), mapTenant, mapping.Product, shopSrc, "bag", 0, ""); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("limit 0: %v", err)
	}
}

// Eight captures of the same changed object racing: exactly one writes.
func TestPutVersionRace(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	if _, _, err := s.PutVersion(ctx, nil, mapTenant, productVersion(t, "bag", `{"title":"old"}`, "s0")); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	created := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, created[i], errs[i] = s.PutVersion(ctx, nil, mapTenant, productVersion(t, "bag", `{"title":"new"}`, fmt.Sprintf("s%d", i+1)))
		}()
	}
	wg.Wait()
	wrote := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("capture %d: %v", i, errs[i])
		}
		if created[i] {
			wrote++
		}
	}
	if wrote != 1 {
		t.Errorf("%d captures wrote a version, want 1", wrote)
	}
	vs, _, err := s.ListVersions(ctx, mapTenant, mapping.Product, shopSrc, "bag", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Seq != 2 || string(vs[0].Body) != `{"title":"new"}` {
		t.Errorf("versions = %+v", vs)
	}
}

// bigDoc is a canonical JSON body over the inline limit.
func bigDoc(t *testing.T, title string) string {
	t.Helper()
	return fmt.Sprintf(`{"descriptionHtml":%q,"title":%q}`, "<p>"+strings.Repeat("long text ", 15000)+"</p>", title)
}

func TestPutVersionLargeBodyInMemory(t *testing.T) {
	s := storetest.NewTable(t)
	blobs := &memBlobs{}
	v := productVersion(t, "bag", bigDoc(t, "Bag"), "s1")
	got, created, err := s.PutVersion(t.Context(), blobs, mapTenant, v)
	if err != nil || !created {
		t.Fatalf("put: %v", err)
	}
	if got.S3Key != store.VersionBlobKey(mapTenant, v.Hash) || got.Body != nil || got.Size != len(v.Body) {
		t.Errorf("stored = key %q body %d size %d", got.S3Key, len(got.Body), got.Size)
	}
	// Without a blob store a large body fails.
	if _, _, err := s.PutVersion(t.Context(), nil, mapTenant, productVersion(t, "bag", bigDoc(t, "B2"), "s2")); err == nil {
		t.Error("large body without blob store accepted")
	}
}

func s3Client(t *testing.T) *s3.Client {
	t.Helper()
	ep := os.Getenv("FLUX_TEST_AWS_ENDPOINT")
	if ep == "" {
		if os.Getenv(storetest.EnvRequireIntegration) == "1" {
			t.Fatal("FLUX_TEST_AWS_ENDPOINT is not set but FLUX_REQUIRE_INTEGRATION=1")
		}
		t.Skip("FLUX_TEST_AWS_ENDPOINT not set: skipping S3 integration test")
	}
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), UsePathStyle: true})
}

// A body over the inline limit goes to S3 (moto) by content hash and reads
// back through VersionBody; the same content again writes nothing.
func TestPutVersionLargeBodyS3(t *testing.T) {
	c := s3Client(t)
	s := storetest.NewTable(t)
	ctx := t.Context()
	rb := make([]byte, 5)
	_, _ = rand.Read(rb)
	bucket := "flux-versions-" + hex.EncodeToString(rb)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	blobs := blobstore.S3{Client: c, Bucket: bucket}
	v := productVersion(t, "bag", bigDoc(t, "Bag"), "s1")
	got, created, err := s.PutVersion(ctx, blobs, mapTenant, v)
	if err != nil || !created {
		t.Fatalf("put: created=%v err=%v", created, err)
	}
	if !strings.HasPrefix(got.S3Key, "tenants/"+mapTenant+"/") || !strings.HasSuffix(got.S3Key, v.Hash+".json") {
		t.Errorf("S3 key = %q", got.S3Key)
	}
	cur, err := s.CurrentVersion(ctx, mapTenant, mapping.Product, shopSrc, "bag")
	if err != nil {
		t.Fatal(err)
	}
	if cur.Body != nil || cur.S3Key != got.S3Key {
		t.Errorf("current item holds body %d bytes, key %q", len(cur.Body), cur.S3Key)
	}
	body, err := s.VersionBody(ctx, blobs, cur)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, v.Body) || capture.HashBytes(body) != v.Hash {
		t.Error("S3 body differs from the captured one")
	}
	if _, created, err := s.PutVersion(ctx, blobs, mapTenant, productVersion(t, "bag", bigDoc(t, "Bag"), "s2")); err != nil || created {
		t.Errorf("unchanged large put: created=%v err=%v", created, err)
	}
	if _, err := blobs.Get(ctx, "tenants/x/missing"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("missing blob: %v", err)
	}
}

// Captures of different contents racing: each becomes its own version,
// numbered without gaps or duplicates.
func TestPutVersionRaceDifferentContent(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.PutVersion(ctx, nil, mapTenant, productVersion(t, "bag", fmt.Sprintf(`{"title":"v%d"}`, i), "s"))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("capture %d: %v", i, err)
		}
	}
	vs, _, err := s.ListVersions(ctx, mapTenant, mapping.Product, shopSrc, "bag", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]bool{}
	for i, v := range vs {
		if v.Seq != int64(n-i) {
			t.Errorf("version %d has seq %d", i, v.Seq)
		}
		hashes[v.Hash] = true
	}
	if len(vs) != n || len(hashes) != n {
		t.Errorf("%d versions, %d distinct hashes, want %d", len(vs), len(hashes), n)
	}
}

// A capture older (by Shopify's updatedAt) than the current version writes
// nothing: an old webhook cannot overwrite a newer capture.
func TestPutVersionStale(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	newer := productVersion(t, "bag", `{"title":"newer"}`, "s1")
	newer.SourceUpdatedAt = t0.Add(time.Minute)
	if _, created, err := s.PutVersion(ctx, nil, mapTenant, newer); err != nil || !created {
		t.Fatalf("put newer: %v", err)
	}
	older := productVersion(t, "bag", `{"title":"older"}`, "s2")
	older.SourceUpdatedAt = t0
	got, created, err := s.PutVersion(ctx, nil, mapTenant, older)
	if err != nil || created || got.Seq != 1 || !got.SourceUpdatedAt.Equal(newer.SourceUpdatedAt) {
		t.Fatalf("stale put: %+v created=%v err=%v", got, created, err)
	}
	unknown := productVersion(t, "bag", `{"title":"no time"}`, "s3")
	if _, created, err := s.PutVersion(ctx, nil, mapTenant, unknown); err != nil || !created {
		t.Fatalf("put without source time: created=%v err=%v", created, err)
	}
	// The newest source time still guards the object.
	if _, created, err := s.PutVersion(ctx, nil, mapTenant, older); err != nil || created {
		t.Fatalf("stale put after an untimed one: created=%v err=%v", created, err)
	}
}

// The mappings resolve GIDs inside a captured object to canonical
// references; an unmapped GID is unresolved with a warning.
func TestShopResolverWithCapture(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	if err := s.UpsertMappings(ctx, mapTenant, []mapping.Mapping{
		{ObjectType: mapping.Collection, Canonical: "summer", GID: "gid://shopify/Collection/11", Shop: shopSrc},
		{ObjectType: mapping.Collection, Canonical: "winter", GID: "gid://shopify/Collection/12", Shop: shopProd},
	}); err != nil {
		t.Fatal(err)
	}
	r := &store.ShopResolver{Store: s, TenantID: mapTenant, Shop: shopSrc}
	raw := `{"handle":"main","items":[{"title":"S","resourceId":"gid://shopify/Collection/11"},{"title":"W","resourceId":"gid://shopify/Collection/12"}]}`
	c, warns, err := capture.Normalize(ctx, mapping.Menu, []byte(raw), r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"handle":"main","items":[{"resourceId":{"$ref":{"canonical":"summer","type":"COLLECTION"}},"title":"S"},{"resourceId":{"$unresolved":"gid://shopify/Collection/12"},"title":"W"}]}`
	if got := string(capture.Encode(c)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if len(warns) != 1 || warns[0].GID != "gid://shopify/Collection/12" {
		t.Errorf("warnings = %+v", warns)
	}
}

var _ capture.Resolver = (*store.ShopResolver)(nil)

func TestVersionBySeq(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	for i := 1; i <= 3; i++ {
		if _, _, err := s.PutVersion(ctx, nil, mapTenant, productVersion(t, "bag", fmt.Sprintf(`{"title":"Bag %d"}`, i), fmt.Sprintf("sync-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	v, err := s.VersionBySeq(ctx, mapTenant, mapping.Product, shopSrc, "bag", 2)
	if err != nil {
		t.Fatal(err)
	}
	if v.Seq != 2 || string(v.Body) != `{"title":"Bag 2"}` || v.SyncID != "sync-2" || v.Canonical != "bag" || v.Shop != shopSrc {
		t.Errorf("version 2 = %+v", v)
	}
	for _, tt := range []struct {
		name   string
		tenant string
		shop   string
		canon  string
		seq    int64
		want   platform.Kind
	}{
		{"past the newest", mapTenant, shopSrc, "bag", 4, platform.KindNotFound},
		{"another tenant", "other", shopSrc, "bag", 2, platform.KindNotFound},
		{"another shop", mapTenant, shopProd, "bag", 2, platform.KindNotFound},
		{"another object", mapTenant, shopSrc, "tote", 2, platform.KindNotFound},
		{"zero", mapTenant, shopSrc, "bag", 0, platform.KindValidation},
		{"negative", mapTenant, shopSrc, "bag", -1, platform.KindValidation},
		{"too large", mapTenant, shopSrc, "bag", 1_000_000_000_000, platform.KindValidation},
		{"bad canonical", mapTenant, shopSrc, "Not A Handle", 1, platform.KindValidation},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.VersionBySeq(ctx, tt.tenant, mapping.Product, tt.shop, tt.canon, tt.seq)
			if platform.KindOf(err) != tt.want {
				t.Errorf("err = %v, want kind %v", err, tt.want)
			}
		})
	}
}

// A history page that DynamoDB cuts at 1 MB (large inline bodies) still has
// a cursor, so paging reaches the first version.
func TestListVersionsPageCutAt1MB(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	pad := strings.Repeat("x", 95*1024)
	const n = 14
	for i := 1; i <= n; i++ {
		if _, _, err := s.PutVersion(ctx, nil, mapTenant, productVersion(t, "big", fmt.Sprintf(`{"title":"%d","pad":"%s"}`, i, pad), "s")); err != nil {
			t.Fatal(err)
		}
	}
	var seqs []int64
	pages, cursor := 0, ""
	for ; pages < 10; pages++ {
		vs, next, err := s.ListVersions(ctx, mapTenant, mapping.Product, shopSrc, "big", 100, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			seqs = append(seqs, v.Seq)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seqs) != n || seqs[0] != n || seqs[n-1] != 1 || pages < 1 {
		t.Errorf("listed %v in %d pages", seqs, pages+1)
	}
}
