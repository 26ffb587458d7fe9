package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// Object versions: the immutable, content-addressed captures of one object
// (tenant, objectType, canonical, shop), and a CURRENT pointer per object.
// See docs/versions.md.
//
// The key functions and item layouts of versions live in this file rather
// than in keys.go and items.go only because those files were being edited
// concurrently when versions were added; they follow the same rules (every
// key format is one function, under the tenant's partition key).
//
//	PK                                                      SK           item
//	TENANT#<tenant>#OBJ#<objectType>#<shop>#<canonical>     CURRENT      hash and seq of the current version
//	TENANT#<tenant>#OBJ#<objectType>#<shop>#<canonical>     V#<seq:012>  one immutable version
//
// One partition per object: its history is one Query (newest first by the
// zero-padded sequence number), and the CURRENT item serialises captures.
// Listing the objects of a type in a shop is the mapping partition's job
// (MappingPK), which holds every canonical the shop has.
const (
	objPart      = sep + "OBJ" + sep
	skCurrent    = "CURRENT"
	skVersions   = "V" + sep
	seqWidth     = 12
	maxSeq       = 999_999_999_999
	putAttempts  = 8
	maxListLimit = 100
)

// InlineBodyLimit is the largest body kept inside the version item; larger
// bodies go to the blob store (DynamoDB items are at most 400 KB).
const InlineBodyLimit = 100 * 1024

// ObjectPK is the partition of one object's versions and CURRENT pointer.
func ObjectPK(tenantID, objectType, shop, canonical string) string {
	return TenantPK(tenantID) + objPart + objectType + sep + shop + sep + canonical
}

// ObjectCurrentSK is the sort key of an object's CURRENT pointer.
func ObjectCurrentSK() string { return skCurrent }

// VersionSK is the sort key of version number seq (1, 2, ...) of an object.
func VersionSK(seq int64) string { return fmt.Sprintf("%s%0*d", skVersions, seqWidth, seq) }

// VersionPrefix is the sort key prefix of an object's versions.
func VersionPrefix() string { return skVersions }

// VersionBlobKey is the blob (S3) key of a body by content hash, under the
// tenant so that isolation stays structural; equal bodies share one blob.
func VersionBlobKey(tenantID, hash string) string {
	return "tenants/" + tenantID + "/versions/sha256/" + hash + ".json"
}

// Blobs stores large version bodies by key (S3 in AWS). Put must be
// idempotent: the same key always carries the same bytes.
type Blobs interface {
	Put(ctx context.Context, key string, body []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
}

// Version is one captured version of an object in a shop.
type Version struct {
	ObjectType mapping.ObjectType
	Canonical  string
	Shop       string
	// Seq numbers the object's versions from 1; set by PutVersion.
	Seq int64
	// Hash is the SHA-256 hex of Body (capture.Hash of the canonical form).
	Hash       string
	SyncID     string
	CapturedAt time.Time
	// SourceUpdatedAt is when Shopify last changed the object, as the
	// capture saw it (updatedAt, or a webhook's X-Shopify-Triggered-At);
	// zero when unknown. A capture older than the current version's is
	// stale and writes nothing (an old webhook must not overwrite a newer
	// capture).
	SourceUpdatedAt time.Time
	// Size is the body's length in bytes.
	Size int
	// Body is the canonical JSON, inline when at most InlineBodyLimit;
	// otherwise it is empty in the item and S3Key names the blob.
	Body  []byte
	S3Key string
}

type versionItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	ObjectType string `dynamodbav:"objectType"`
	Canonical  string `dynamodbav:"canonical"`
	Shop       string `dynamodbav:"shop"`
	Seq        int64  `dynamodbav:"seq"`
	Hash       string `dynamodbav:"hash"`
	SyncID     string `dynamodbav:"syncId,omitempty"`
	CapturedAt string `dynamodbav:"capturedAt"`
	SourceAt   string `dynamodbav:"sourceUpdatedAt,omitempty"`
	Size       int    `dynamodbav:"size"`
	Body       []byte `dynamodbav:"body,omitempty"`
	S3Key      string `dynamodbav:"s3Key,omitempty"`
}

type currentItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Hash     string `dynamodbav:"currentHash"`
	Seq      int64  `dynamodbav:"seq"`
	SourceAt string `dynamodbav:"sourceUpdatedAt,omitempty"`
}

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func validateObject(tenantID string, t mapping.ObjectType, shop, canonical string) error {
	if err := validateMappingScope(tenantID, t, shop); err != nil {
		return err
	}
	return mapping.ValidateCanonical(t, canonical)
}

func (it versionItem) version() (Version, error) {
	at, err := time.Parse(time.RFC3339Nano, it.CapturedAt)
	if err != nil {
		return Version{}, fmt.Errorf("version %s/%s: capturedAt: %w", it.PK, it.SK, err)
	}
	var src time.Time
	if it.SourceAt != "" {
		if src, err = time.Parse(time.RFC3339Nano, it.SourceAt); err != nil {
			return Version{}, fmt.Errorf("version %s/%s: sourceUpdatedAt: %w", it.PK, it.SK, err)
		}
	}
	return Version{
		ObjectType: mapping.ObjectType(it.ObjectType), Canonical: it.Canonical, Shop: it.Shop,
		Seq: it.Seq, Hash: it.Hash, SyncID: it.SyncID, CapturedAt: at, SourceUpdatedAt: src,
		Size: it.Size, Body: it.Body, S3Key: it.S3Key,
	}, nil
}

// PutVersion stores v as the object's new current version unless its hash
// equals the current one's, or v.SourceUpdatedAt is older than the current
// version's (a stale capture). It returns the stored (or, when unchanged, the
// current) version's metadata and whether a version was written. One
// transaction writes the version item (condition: it does not exist) and
// the CURRENT pointer (condition: currentHash is the hash read just before,
// or no pointer yet), so racing captures never both write and never
// duplicate: the loser re-reads, and a capture of the same content then
// finds it current. Bodies over InlineBodyLimit are put to blobs (by
// content hash, before the transaction) and only their key is stored.
func (s *Store) PutVersion(ctx context.Context, blobs Blobs, tenantID string, v Version) (Version, bool, error) {
	if err := validateObject(tenantID, v.ObjectType, v.Shop, v.Canonical); err != nil {
		return Version{}, false, err
	}
	if !hashPattern.MatchString(v.Hash) {
		return Version{}, false, platform.E(platform.KindValidation, "hash must be a lower-case SHA-256 hex digest")
	}
	if len(v.Body) == 0 {
		return Version{}, false, platform.E(platform.KindValidation, "version body is empty")
	}
	if sum := sha256.Sum256(v.Body); hex.EncodeToString(sum[:]) != v.Hash {
		return Version{}, false, platform.E(platform.KindValidation, "hash is not the SHA-256 of the body")
	}
	srcAt := ""
	if !v.SourceUpdatedAt.IsZero() {
		v.SourceUpdatedAt = v.SourceUpdatedAt.UTC()
		srcAt = v.SourceUpdatedAt.Format(time.RFC3339Nano)
	}
	if v.CapturedAt.IsZero() {
		v.CapturedAt = time.Now()
	}
	v.CapturedAt = v.CapturedAt.UTC()
	v.Size = len(v.Body)
	v.S3Key = ""
	pk := ObjectPK(tenantID, string(v.ObjectType), v.Shop, v.Canonical)
	uploaded := false
	for attempt := 0; attempt < putAttempts; attempt++ {
		if attempt > 0 {
			if err := raceBackoff(ctx, attempt); err != nil {
				return Version{}, false, err
			}
		}
		var cur currentItem
		found, err := s.getItem(ctx, pk, skCurrent, &cur)
		if err != nil {
			return Version{}, false, fmt.Errorf("put version: read current: %w", err)
		}
		if found && (cur.Hash == v.Hash || stale(srcAt, cur.SourceAt)) {
			latest, err := s.versionAt(ctx, pk, cur.Seq)
			return latest, false, err
		}
		if len(v.Body) > InlineBodyLimit && !uploaded {
			if blobs == nil {
				return Version{}, false, errors.New("put version: body over the inline limit and no blob store")
			}
			if err := blobs.Put(ctx, VersionBlobKey(tenantID, v.Hash), v.Body); err != nil {
				return Version{}, false, fmt.Errorf("put version: blob: %w", err)
			}
			uploaded = true
		}
		seq := cur.Seq + 1
		if seq > maxSeq {
			return Version{}, false, platform.E(platform.KindConflict, "object has too many versions")
		}
		it := versionItem{
			PK: pk, SK: VersionSK(seq), ObjectType: string(v.ObjectType), Canonical: v.Canonical,
			Shop: v.Shop, Seq: seq, Hash: v.Hash, SyncID: v.SyncID,
			CapturedAt: v.CapturedAt.Format(time.RFC3339Nano), SourceAt: srcAt, Size: v.Size,
		}
		if uploaded {
			it.S3Key = VersionBlobKey(tenantID, v.Hash)
		} else {
			it.Body = v.Body
		}
		vav, err := marshal(it)
		if err != nil {
			return Version{}, false, err
		}
		// CURRENT keeps the newest source time seen, so a capture without
		// one does not disarm the stale check for later old events.
		curAt := srcAt
		if curAt == "" || stale(curAt, cur.SourceAt) {
			curAt = cur.SourceAt
		}
		cav, err := marshal(currentItem{PK: pk, SK: skCurrent, Hash: v.Hash, Seq: seq, SourceAt: curAt})
		if err != nil {
			return Version{}, false, err
		}
		curPut := &types.Put{TableName: aws.String(s.Table), Item: cav}
		if found {
			curPut.ConditionExpression = aws.String("currentHash = :prev AND seq = :seq")
			curPut.ExpressionAttributeValues = map[string]types.AttributeValue{
				":prev": str(cur.Hash),
				":seq":  &types.AttributeValueMemberN{Value: strconv.FormatInt(cur.Seq, 10)},
			}
		} else {
			curPut.ConditionExpression = aws.String("attribute_not_exists(PK)")
		}
		err = s.transact(ctx, []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(s.Table), Item: vav, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
			{Put: curPut},
		})
		if err == nil {
			out := v
			out.Seq = seq
			out.S3Key = it.S3Key
			if uploaded {
				out.Body = nil
			}
			return out, true, nil
		}
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) {
			continue // lost a race: re-read the current version
		}
		return Version{}, false, fmt.Errorf("put version: %w", err)
	}
	return Version{}, false, platform.E(platform.KindConflict, "object is being captured concurrently, try again")
}

// stale reports whether a capture of the object as of srcAt is older than
// the current version's (both RFC 3339 UTC; unknown is never stale).
func stale(srcAt, curAt string) bool {
	if srcAt == "" || curAt == "" {
		return false
	}
	a, err1 := time.Parse(time.RFC3339Nano, srcAt)
	b, err2 := time.Parse(time.RFC3339Nano, curAt)
	return err1 == nil && err2 == nil && a.Before(b)
}

func (s *Store) versionAt(ctx context.Context, pk string, seq int64) (Version, error) {
	var it versionItem
	found, err := s.getItem(ctx, pk, VersionSK(seq), &it)
	if err != nil {
		return Version{}, fmt.Errorf("read version: %w", err)
	}
	if !found {
		return Version{}, fmt.Errorf("read version: %s/%s is missing", pk, VersionSK(seq))
	}
	return it.version()
}

// CurrentVersion is the current version of an object in a shop (NotFound
// when it was never captured). An S3-held body is not loaded: see
// VersionBody.
func (s *Store) CurrentVersion(ctx context.Context, tenantID string, t mapping.ObjectType, shop, canonical string) (Version, error) {
	vs, _, err := s.ListVersions(ctx, tenantID, t, shop, canonical, 1, "")
	if err != nil {
		return Version{}, err
	}
	if len(vs) == 0 {
		return Version{}, platform.E(platform.KindNotFound, "object has no captured version in this shop")
	}
	return vs[0], nil
}

// VersionBySeq is version seq of an object in a shop (one strongly
// consistent GetItem; NotFound when the object has no such version). An
// S3-held body is not loaded: see VersionBody.
func (s *Store) VersionBySeq(ctx context.Context, tenantID string, t mapping.ObjectType, shop, canonical string, seq int64) (Version, error) {
	if err := validateObject(tenantID, t, shop, canonical); err != nil {
		return Version{}, err
	}
	if seq < 1 || seq > maxSeq {
		return Version{}, platform.E(platform.KindValidation, fmt.Sprintf("version must be between 1 and %d", int64(maxSeq)))
	}
	pk := ObjectPK(tenantID, string(t), shop, canonical)
	var it versionItem
	found, err := s.getItem(ctx, pk, VersionSK(seq), &it)
	if err != nil {
		return Version{}, fmt.Errorf("read version: %w", err)
	}
	if !found {
		return Version{}, platform.E(platform.KindNotFound, fmt.Sprintf("version %d of the object not found in this shop", seq))
	}
	return it.version()
}

// ListVersions lists an object's versions newest first, at most limit
// (1..100), after cursor (the NextCursor of the previous page, "" for the
// first). next is "" on the last page.
func (s *Store) ListVersions(ctx context.Context, tenantID string, t mapping.ObjectType, shop, canonical string, limit int, cursor string) ([]Version, string, error) {
	if err := validateObject(tenantID, t, shop, canonical); err != nil {
		return nil, "", err
	}
	if limit < 1 || limit > maxListLimit {
		return nil, "", platform.E(platform.KindValidation, fmt.Sprintf("limit must be between 1 and %d", maxListLimit))
	}
	pk := ObjectPK(tenantID, string(t), shop, canonical)
	cond := "PK = :pk AND begins_with(SK, :prefix)"
	vals := map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(skVersions)}
	if cursor != "" {
		seq, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || seq < 1 || seq > maxSeq {
			return nil, "", platform.E(platform.KindValidation, "invalid cursor")
		}
		cond = "PK = :pk AND SK BETWEEN :prefix AND :before"
		vals[":before"] = str(VersionSK(seq - 1))
	}
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.Table), KeyConditionExpression: aws.String(cond),
		ExpressionAttributeValues: vals, ScanIndexForward: aws.Bool(false),
		Limit: aws.Int32(int32(limit)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list versions: %w", err)
	}
	vs := make([]Version, 0, len(out.Items))
	for _, r := range out.Items {
		var it versionItem
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return nil, "", fmt.Errorf("list versions: unmarshal: %w", err)
		}
		v, err := it.version()
		if err != nil {
			return nil, "", err
		}
		vs = append(vs, v)
	}
	// A page can also end early at DynamoDB's 1 MB per Query (up to ~10
	// versions with inline bodies near the limit): LastEvaluatedKey then
	// says there is more, and the cursor continues after the last listed.
	next := ""
	if (len(vs) == limit || len(out.LastEvaluatedKey) > 0) && len(vs) > 0 && vs[len(vs)-1].Seq > 1 {
		next = strconv.FormatInt(vs[len(vs)-1].Seq, 10)
	}
	return vs, next, nil
}

// VersionBody is v's body: inline, or read from blobs by its S3Key.
func (s *Store) VersionBody(ctx context.Context, blobs Blobs, v Version) ([]byte, error) {
	if v.S3Key == "" {
		return v.Body, nil
	}
	if blobs == nil {
		return nil, errors.New("version body: held in the blob store and no blob store given")
	}
	b, err := blobs.Get(ctx, v.S3Key)
	if err != nil {
		return nil, fmt.Errorf("version body: %w", err)
	}
	return b, nil
}

// ShopResolver answers capture.Resolver for one tenant and shop from the
// canonical mappings (one strongly consistent read per GID not yet seen;
// answers, including "not mapped", are cached for the resolver's life, so
// use one per sync run and shop). It lives here, next to the versions it
// serves, for the same reason as the rest of this file.
type ShopResolver struct {
	Store    *Store
	TenantID string
	Shop     string

	mu    sync.Mutex
	cache map[string]string
}

// CanonicalOf is the canonical path gid (of type t) is mapped to in the
// resolver's shop, or "" when it is not mapped.
func (r *ShopResolver) CanonicalOf(ctx context.Context, t mapping.ObjectType, gid string) (string, error) {
	k := string(t) + " " + gid
	r.mu.Lock()
	c, ok := r.cache[k]
	r.mu.Unlock()
	if ok {
		return c, nil
	}
	ms, err := r.Store.MappingsByGID(ctx, r.TenantID, t, []string{r.Shop}, []string{gid})
	if err != nil {
		if platform.KindOf(err) == platform.KindValidation {
			return "", nil // not a GID of that type: not mapped
		}
		return "", err
	}
	if len(ms) > 0 {
		c = ms[0].Canonical
	}
	r.mu.Lock()
	if r.cache == nil {
		r.cache = map[string]string{}
	}
	r.cache[k] = c
	r.mu.Unlock()
	return c, nil
}
