package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// Canonical mappings: a mapping is (tenant, objectType, canonical, shop) ↔
// gid, unique both ways within a tenant and shop. It is stored as two items,
// canonical → gid (MappingPK/MappingSK) and gid → canonical (GIDPK/GIDSK),
// always written together in one transaction whose conditions are the
// values read just before, plus a counter item per (objectType, shop)
// changed in the same transaction. See docs/data-model.md and
// docs/mappings.md.

// Limits of the mapping access patterns.
const (
	// maxTransactItems is DynamoDB's limit of actions per transaction.
	maxTransactItems = 100
	// maxBatchGetKeys is DynamoDB's limit of keys per BatchGetItem.
	maxBatchGetKeys = 100
	// mappingRoundSize bounds the mappings planned per transaction (each
	// takes 2 to 4 actions, plus one counter per partition).
	mappingRoundSize = 24
	// mappingAttempts bounds how often a round is re-read and retried after
	// losing a race with a concurrent writer.
	mappingAttempts = 12
)

// raceBackoff waits before re-reading a round that lost a race: jittered
// and growing, so writers fighting over one item spread out.
func raceBackoff(ctx context.Context, attempt int) error {
	d := time.Duration(5<<min(attempt, 5))*time.Millisecond + rand.N(20*time.Millisecond)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func validateMappingScope(tenantID string, t mapping.ObjectType, shop string) error {
	if err := ValidateTenantID(tenantID); err != nil {
		return err
	}
	if !t.Valid() {
		_, err := mapping.ParseObjectType(string(t))
		return err
	}
	if d, err := config.NormalizeShop(shop); err != nil {
		return err
	} else if d != shop {
		return platform.E(platform.KindValidation, fmt.Sprintf("shop %q is not normalised", shop))
	}
	return nil
}

// batchGet reads keys strongly consistently with BatchGetItem (100 keys per
// call, unprocessed keys retried with backoff) and returns the items found.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	for start := 0; start < len(keys); start += maxBatchGetKeys {
		pending := keys[start:min(start+maxBatchGetKeys, len(keys))]
		for try := 0; len(pending) > 0; try++ {
			if try > 0 {
				backoff := time.Duration(10<<min(try, 6))*time.Millisecond + rand.N(10*time.Millisecond)
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(backoff):
				}
			}
			resp, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
				RequestItems: map[string]types.KeysAndAttributes{
					s.Table: {Keys: pending, ConsistentRead: aws.Bool(true)},
				},
			})
			if err != nil {
				return nil, err
			}
			out = append(out, resp.Responses[s.Table]...)
			pending = resp.UnprocessedKeys[s.Table].Keys
			if try > 20 && len(pending) > 0 {
				return nil, errors.New("batch get: keys still unprocessed after retries")
			}
		}
	}
	return out, nil
}

// MappingsByGID finds the mappings of gids (of type t) in each of shops:
// one strongly consistent BatchGetItem key per (shop, gid). The result is
// in the order of gids, then of shops; a gid mapped nowhere is absent.
func (s *Store) MappingsByGID(ctx context.Context, tenantID string, t mapping.ObjectType, shops, gids []string) ([]mapping.Mapping, error) {
	keys := make([]map[string]types.AttributeValue, 0, len(shops)*len(gids))
	for _, g := range gids {
		if err := mapping.ValidateGID(t, g); err != nil {
			return nil, err
		}
		for _, shop := range shops {
			if err := validateMappingScope(tenantID, t, shop); err != nil {
				return nil, err
			}
			keys = append(keys, key(GIDPK(tenantID, shop), GIDSK(mapping.GIDKey(t, g))))
		}
	}
	raw, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("lookup mappings by gid: %w", err)
	}
	found := make(map[[2]string]mapping.Mapping, len(raw))
	for _, r := range raw {
		var it mappingGIDItem
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return nil, fmt.Errorf("lookup mappings by gid: unmarshal: %w", err)
		}
		if it.ObjectType != string(t) {
			continue
		}
		found[[2]string{it.PK, it.SK}] = mappingFromGIDItem(it)
	}
	out := make([]mapping.Mapping, 0, len(found))
	for _, g := range gids {
		for _, shop := range shops {
			if m, ok := found[[2]string{GIDPK(tenantID, shop), GIDSK(mapping.GIDKey(t, g))}]; ok {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// MappingsByCanonical finds the mappings of canonicals (of type t) in each
// of shops: one strongly consistent BatchGetItem key per (shop, canonical).
// The result is in the order of canonicals, then of shops.
func (s *Store) MappingsByCanonical(ctx context.Context, tenantID string, t mapping.ObjectType, shops, canonicals []string) ([]mapping.Mapping, error) {
	keys := make([]map[string]types.AttributeValue, 0, len(shops)*len(canonicals))
	for _, c := range canonicals {
		if err := mapping.ValidateCanonical(t, c); err != nil {
			return nil, err
		}
		for _, shop := range shops {
			if err := validateMappingScope(tenantID, t, shop); err != nil {
				return nil, err
			}
			keys = append(keys, key(MappingPK(tenantID, string(t), shop), MappingSK(c)))
		}
	}
	raw, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("lookup mappings by canonical: %w", err)
	}
	found := make(map[[2]string]mapping.Mapping, len(raw))
	for _, r := range raw {
		var it mappingItem
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return nil, fmt.Errorf("lookup mappings by canonical: unmarshal: %w", err)
		}
		found[[2]string{it.PK, it.SK}] = mappingFromItem(it)
	}
	out := make([]mapping.Mapping, 0, len(found))
	for _, c := range canonicals {
		for _, shop := range shops {
			if m, ok := found[[2]string{MappingPK(tenantID, string(t), shop), MappingSK(c)}]; ok {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// ListMappings lists the mappings of type t in shop by canonical path, one
// page of them, and the total number of mappings of the partition (read
// from its counter item, not by counting).
func (s *Store) ListMappings(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, page mapping.ListPage) ([]mapping.Mapping, int, error) {
	if err := validateMappingScope(tenantID, t, shop); err != nil {
		return nil, 0, err
	}
	if page.Limit < 1 || page.Offset < 0 {
		return nil, 0, platform.E(platform.KindValidation, "limit must be positive and offset not negative")
	}
	pk := MappingPK(tenantID, string(t), shop)
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.Table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":prefix": str(MappingPrefix()),
		},
		ConsistentRead: aws.Bool(true),
	}
	if page.After != "" {
		if err := mapping.ValidateCanonical(t, page.After); err != nil {
			return nil, 0, err
		}
		in.ExclusiveStartKey = key(pk, MappingSK(page.After))
	}
	want := page.Offset + page.Limit
	var raw []map[string]types.AttributeValue
	for len(raw) < want {
		in.Limit = aws.Int32(int32(min(want-len(raw), 1000)))
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return nil, 0, fmt.Errorf("list mappings: %w", err)
		}
		raw = append(raw, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if page.Offset >= len(raw) {
		raw = nil
	} else {
		raw = raw[page.Offset:min(len(raw), want)]
	}
	var its []mappingItem
	if err := attributevalue.UnmarshalListOfMaps(raw, &its); err != nil {
		return nil, 0, fmt.Errorf("list mappings: unmarshal: %w", err)
	}
	items := make([]mapping.Mapping, len(its))
	for i, it := range its {
		items[i] = mappingFromItem(it)
	}
	var cnt mappingCountItem
	if _, err := s.getItem(ctx, pk, MappingCountSK(), &cnt); err != nil {
		return nil, 0, fmt.Errorf("count mappings: %w", err)
	}
	return items, cnt.Count, nil
}

// mappingState is what a round of an upsert read: the canonical → gid item
// of each mapping's canonical and the gid → canonical item of its gid.
type mappingState struct {
	forward map[[2]string]mappingItem
	reverse map[[2]string]mappingGIDItem
}

func (s *Store) readMappingState(ctx context.Context, tenantID string, ms []mapping.Mapping) (mappingState, error) {
	keys := make([]map[string]types.AttributeValue, 0, 2*len(ms))
	for _, m := range ms {
		keys = append(keys,
			key(MappingPK(tenantID, string(m.ObjectType), m.Shop), MappingSK(m.Canonical)),
			key(GIDPK(tenantID, m.Shop), GIDSK(mapping.GIDKey(m.ObjectType, m.GID))))
	}
	raw, err := s.batchGet(ctx, keys)
	if err != nil {
		return mappingState{}, err
	}
	st := mappingState{forward: map[[2]string]mappingItem{}, reverse: map[[2]string]mappingGIDItem{}}
	for _, r := range raw {
		var it mappingGIDItem // both item kinds have the same attributes
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return mappingState{}, fmt.Errorf("unmarshal mapping: %w", err)
		}
		switch it.Type {
		case typeMapping:
			st.forward[[2]string{it.PK, it.SK}] = mappingItem(it)
		case typeMappingGID:
			st.reverse[[2]string{it.PK, it.SK}] = it
		}
	}
	return st, nil
}

// txPlan is one transaction being planned: its actions, the keys they
// touch (DynamoDB refuses two actions on one item) and counter deltas.
type txPlan struct {
	items   []types.TransactWriteItem
	touched map[[2]string]bool
	counts  map[string]int // counter partition key -> delta
	done    int            // mappings (or canonicals) covered
	changed int            // mapping items added (upsert) or removed (delete)
}

func newTxPlan() *txPlan {
	return &txPlan{touched: map[[2]string]bool{}, counts: map[string]int{}}
}

func (p *txPlan) size() int {
	n := len(p.items)
	for _, d := range p.counts {
		if d != 0 {
			n++
		}
	}
	return n
}

func (p *txPlan) collides(keys [][2]string) bool {
	for _, k := range keys {
		if p.touched[k] {
			return true
		}
	}
	return false
}

// finish appends the counter updates and returns the actions.
func (s *Store) finishTx(p *txPlan) []types.TransactWriteItem {
	items := p.items
	for pk, d := range p.counts {
		if d == 0 {
			continue
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:                aws.String(s.Table),
			Key:                      key(pk, MappingCountSK()),
			UpdateExpression:         aws.String("SET #type = :type ADD #count :d"),
			ExpressionAttributeNames: map[string]string{"#type": attrType, "#count": attrCount},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":type": str(typeMappingCount), ":d": &types.AttributeValueMemberN{Value: fmt.Sprint(d)},
			},
		}})
	}
	return items
}

func (s *Store) put(item any, condition string, values map[string]types.AttributeValue) (types.TransactWriteItem, error) {
	av, err := marshal(item)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.Table), Item: av,
		ConditionExpression: aws.String(condition), ExpressionAttributeValues: values,
	}}, nil
}

func (s *Store) del(pk, sk, condition string, values map[string]types.AttributeValue) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(s.Table), Key: key(pk, sk),
		ConditionExpression: aws.String(condition), ExpressionAttributeValues: values,
	}}
}

const (
	condAbsent         = "attribute_not_exists(PK)"
	condGID            = "gid = :gid"
	condCanonicalOfTyp = "canonical = :canonical AND objectType = :objectType"
)

func gidValues(gid string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{":gid": str(gid)}
}

func canonicalValues(t mapping.ObjectType, canonical string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{":canonical": str(canonical), ":objectType": str(string(t))}
}

// UpsertMappings creates or re-points mappings, in order. For each mapping
// (objectType, canonical, shop) → gid:
//   - a canonical mapped to another gid is re-pointed: the old gid's reverse
//     item is deleted in the same transaction;
//   - a gid mapped to another canonical of its type (Shopify gids are stable,
//     so the object's handle changed) is re-pointed too: the old canonical's
//     item is deleted in the same transaction;
//   - a mapping already in place writes nothing.
//
// Every write is conditioned on what was read, so concurrent upserts of one
// canonical or gid serialise: a round that lost a race is re-read and
// retried (the last writer wins, and the two directions always agree).
// A mapping list may not name one canonical, or one gid, twice.
func (s *Store) UpsertMappings(ctx context.Context, tenantID string, ms []mapping.Mapping) error {
	seenC := map[[3]string]bool{}
	seenG := map[[2]string]bool{}
	for _, m := range ms {
		if err := validateMappingScope(tenantID, m.ObjectType, m.Shop); err != nil {
			return err
		}
		if err := m.Validate(); err != nil {
			return err
		}
		ck := [3]string{string(m.ObjectType), m.Shop, m.Canonical}
		gk := [2]string{m.Shop, mapping.GIDKey(m.ObjectType, m.GID)}
		if seenC[ck] {
			return platform.E(platform.KindValidation, fmt.Sprintf("%s %q of %s appears twice", m.ObjectType, m.Canonical, m.Shop))
		}
		if seenG[gk] {
			return platform.E(platform.KindValidation, fmt.Sprintf("gid %q of %s appears twice", m.GID, m.Shop))
		}
		seenC[ck], seenG[gk] = true, true
	}
	now := time.Now()
	pending := ms
	for attempt := 0; len(pending) > 0; {
		window := pending[:min(len(pending), mappingRoundSize)]
		st, err := s.readMappingState(ctx, tenantID, window)
		if err != nil {
			return fmt.Errorf("upsert mappings: read: %w", err)
		}
		p := newTxPlan()
		for _, m := range window {
			ok, err := s.planUpsert(p, tenantID, m, st, now)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			p.done++
		}
		items := s.finishTx(p)
		if len(items) > 0 {
			err = s.transact(ctx, items)
			if lostRace(err) {
				if attempt++; attempt >= mappingAttempts {
					return fmt.Errorf("upsert mappings: %w", platform.Wrap(platform.KindConflict, "mappings changed concurrently, try again", err))
				}
				if err := raceBackoff(ctx, attempt); err != nil {
					return fmt.Errorf("upsert mappings: %w", err)
				}
				continue
			}
			if err != nil {
				return classify("upsert mappings", err)
			}
		}
		attempt = 0
		pending = pending[p.done:]
	}
	return nil
}

// planUpsert adds m's actions to p, unless they touch an item p already
// touches or would overflow the transaction (false: m waits for the next
// round, which re-reads).
func (s *Store) planUpsert(p *txPlan, tenantID string, m mapping.Mapping, st mappingState, now time.Time) (bool, error) {
	t := m.ObjectType
	fpk, fsk := MappingPK(tenantID, string(t), m.Shop), MappingSK(m.Canonical)
	gpk, gsk := GIDPK(tenantID, m.Shop), GIDSK(mapping.GIDKey(t, m.GID))
	fwd, hasF := st.forward[[2]string{fpk, fsk}]
	rev, hasR := st.reverse[[2]string{gpk, gsk}]
	if hasR && rev.ObjectType != string(t) {
		return false, platform.E(platform.KindConflict,
			fmt.Sprintf("gid %q of %s is mapped as %s", m.GID, m.Shop, rev.ObjectType))
	}
	keys := [][2]string{{fpk, fsk}, {gpk, gsk}}
	var oldGIDKey, oldCanonical string
	if hasF && mapping.GIDKey(t, fwd.GID) != mapping.GIDKey(t, m.GID) {
		oldGIDKey = mapping.GIDKey(t, fwd.GID)
		keys = append(keys, [2]string{gpk, GIDSK(oldGIDKey)})
	}
	if hasR && rev.Canonical != m.Canonical {
		oldCanonical = rev.Canonical
		keys = append(keys, [2]string{fpk, MappingSK(oldCanonical)})
	}
	if p.collides(keys) {
		return false, nil
	}
	if hasF && hasR && fwd.GID == m.GID && rev.Canonical == m.Canonical {
		for _, k := range keys {
			p.touched[k] = true
		}
		return true, nil // already in place
	}
	delta := 0
	if !hasF {
		delta++
	}
	if oldCanonical != "" {
		delta--
	}
	counter := 0
	if _, ok := p.counts[fpk]; !ok && delta != 0 {
		counter = 1
	}
	if p.size()+len(keys)+counter > maxTransactItems {
		return false, nil
	}
	fi, ri := mappingToItems(tenantID, m, now)
	var actions []types.TransactWriteItem
	fcond, fvals := condAbsent, map[string]types.AttributeValue(nil)
	if hasF {
		fcond, fvals = condGID, gidValues(fwd.GID)
	}
	put, err := s.put(fi, fcond, fvals)
	if err != nil {
		return false, err
	}
	actions = append(actions, put)
	rcond, rvals := condAbsent, map[string]types.AttributeValue(nil)
	if hasR {
		rcond, rvals = condCanonicalOfTyp, canonicalValues(t, rev.Canonical)
	}
	if put, err = s.put(ri, rcond, rvals); err != nil {
		return false, err
	}
	actions = append(actions, put)
	if oldGIDKey != "" {
		actions = append(actions, s.del(gpk, GIDSK(oldGIDKey), condCanonicalOfTyp, canonicalValues(t, m.Canonical)))
	}
	if oldCanonical != "" {
		actions = append(actions, s.del(fpk, MappingSK(oldCanonical), condGID, gidValues(rev.GID)))
	}
	p.items = append(p.items, actions...)
	for _, k := range keys {
		p.touched[k] = true
	}
	p.counts[fpk] += delta
	p.changed += delta
	return true, nil
}

// lostRace reports whether a transaction failed on one of its conditions
// (a concurrent writer changed an item since it was read) or kept losing
// to other transactions.
func lostRace(err error) bool {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return false
	}
	for _, r := range tce.CancellationReasons {
		if c := aws.ToString(r.Code); c == "ConditionalCheckFailed" || c == "TransactionConflict" {
			return true
		}
	}
	return false
}

// DeleteMappings deletes the mappings of canonicals (type t, shop): each
// canonical's item and its gid's reverse item in one transaction, with the
// counter. It returns how many mappings it deleted; canonicals that are not
// mapped are not counted. Concurrent deletes of one canonical count it once.
func (s *Store) DeleteMappings(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, canonicals []string) (int, error) {
	if err := validateMappingScope(tenantID, t, shop); err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	var uniq []string
	for _, c := range canonicals {
		if err := mapping.ValidateCanonical(t, c); err != nil {
			return 0, err
		}
		if !seen[c] {
			seen[c] = true
			uniq = append(uniq, c)
		}
	}
	pk := MappingPK(tenantID, string(t), shop)
	deleted := 0
	pending := uniq
	for attempt := 0; len(pending) > 0; {
		window := pending[:min(len(pending), (maxTransactItems-1)/2)]
		keys := make([]map[string]types.AttributeValue, len(window))
		for i, c := range window {
			keys[i] = key(pk, MappingSK(c))
		}
		raw, err := s.batchGet(ctx, keys)
		if err != nil {
			return deleted, fmt.Errorf("delete mappings: read: %w", err)
		}
		p := newTxPlan()
		for _, r := range raw {
			var it mappingItem
			if err := attributevalue.UnmarshalMap(r, &it); err != nil {
				return deleted, fmt.Errorf("delete mappings: unmarshal: %w", err)
			}
			p.items = append(p.items,
				s.del(it.PK, it.SK, condGID, gidValues(it.GID)),
				s.del(GIDPK(tenantID, shop), GIDSK(mapping.GIDKey(t, it.GID)), condCanonicalOfTyp, canonicalValues(t, it.Canonical)))
			p.counts[pk]--
			p.changed++
		}
		if items := s.finishTx(p); len(items) > 0 {
			err = s.transact(ctx, items)
			if lostRace(err) {
				if attempt++; attempt >= mappingAttempts {
					return deleted, fmt.Errorf("delete mappings: %w", platform.Wrap(platform.KindConflict, "mappings changed concurrently, try again", err))
				}
				if err := raceBackoff(ctx, attempt); err != nil {
					return deleted, fmt.Errorf("delete mappings: %w", err)
				}
				continue
			}
			if err != nil {
				return deleted, classify("delete mappings", err)
			}
		}
		attempt = 0
		deleted += p.changed
		pending = pending[len(window):]
	}
	return deleted, nil
}
