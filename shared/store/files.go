package store

// Files in Flux (shared/files): one item per file, in a partition of its
// own per tenant, so the list is one backwards Query and never touches the
// tenant's other items.
//
//	PK                  SK               item
//	TENANT#<t>#FILES    FILE#<fileId>    a file's metadata (type "file")
//
// File ids are "file_" + a lower-case ULID, so SK order is creation order.
// A PENDING file carries expiresAt (the table's TTL attribute): an upload
// never confirmed disappears a day after its URL expired. Confirming
// removes it.
//
// The key functions and the item struct live in this file rather than in
// keys.go/items.go, which other work edits concurrently.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/files"
	"github.com/flux-platform/flux/shared/platform"
)

const (
	pkFilesPart = "FILES"
	skFiles     = "FILE" + sep
	typeFile    = "file"

	// filePageSize is the Query page size when filters may drop items, and
	// fileMaxPages bounds the pages one list call reads: past it the call
	// answers what it found with a cursor where it stopped.
	filePageSize = 200
	fileMaxPages = 10
)

var _ files.Store = (*Store)(nil)

// FilesPK is the partition of a tenant's files.
func FilesPK(tenantID string) string { return TenantPK(tenantID) + sep + pkFilesPart }

// FileSK is the sort key of file id.
func FileSK(id string) string { return skFiles + id }

// FilePrefix is the SK prefix of the files partition.
func FilePrefix() string { return skFiles }

type fileItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	Type           string `dynamodbav:"type"`
	TenantID       string `dynamodbav:"tenantId"`
	FileID         string `dynamodbav:"fileId"`
	FileName       string `dynamodbav:"fileName"`
	ContentType    string `dynamodbav:"contentType"`
	SizeBytes      int64  `dynamodbav:"sizeBytes"`
	Status         string `dynamodbav:"status"`
	S3Key          string `dynamodbav:"s3Key"`
	ChecksumSHA256 string `dynamodbav:"checksumSha256,omitempty"`
	EntityName     string `dynamodbav:"entityName,omitempty"`
	EntityID       string `dynamodbav:"entityId,omitempty"`
	FieldName      string `dynamodbav:"fieldName,omitempty"`
	CreatedBy      string `dynamodbav:"createdBy,omitempty"`
	CreatedAt      string `dynamodbav:"createdAt"`
	ConfirmedAt    string `dynamodbav:"confirmedAt,omitempty"`
	ExpiresAt      int64  `dynamodbav:"expiresAt,omitempty"` // TTL, PENDING only
}

func newFileItem(f files.File, expiresAt time.Time) fileItem {
	it := fileItem{
		PK: FilesPK(f.TenantID), SK: FileSK(f.ID), Type: typeFile,
		TenantID: f.TenantID, FileID: f.ID, FileName: f.Name, ContentType: f.ContentType, SizeBytes: f.Size,
		Status: string(f.Status), S3Key: f.S3Key, ChecksumSHA256: f.ChecksumSHA256,
		EntityName: f.EntityName, EntityID: f.EntityID, FieldName: f.FieldName,
		CreatedBy: f.CreatedBy, CreatedAt: formatTime(f.CreatedAt), ConfirmedAt: formatTimePtr(f.ConfirmedAt),
	}
	if f.Status == files.StatusPending && !expiresAt.IsZero() {
		it.ExpiresAt = expiresAt.Unix()
	}
	return it
}

func (it fileItem) file() (files.File, error) {
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return files.File{}, err
	}
	confirmed, err := parseTimePtr(it.ConfirmedAt)
	if err != nil {
		return files.File{}, err
	}
	return files.File{
		ID: it.FileID, TenantID: it.TenantID, Name: it.FileName, ContentType: it.ContentType, Size: it.SizeBytes,
		Status: files.Status(it.Status), S3Key: it.S3Key, ChecksumSHA256: it.ChecksumSHA256,
		EntityName: it.EntityName, EntityID: it.EntityID, FieldName: it.FieldName,
		CreatedBy: it.CreatedBy, CreatedAt: created, ConfirmedAt: confirmed,
	}, nil
}

func decodeFile(av map[string]types.AttributeValue) (files.File, error) {
	var it fileItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return files.File{}, fmt.Errorf("unmarshal file: %w", err)
	}
	return it.file()
}

// PutFile records a new file (data-model F1). Its id must be new.
func (s *Store) PutFile(ctx context.Context, f files.File, expiresAt time.Time) error {
	av, err := marshal(newFileItem(f, expiresAt))
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.Table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	return classify("put file "+f.ID, err, platform.E(platform.KindConflict, "file "+f.ID+" exists"))
}

// File reads one of the tenant's files (F2): another tenant's id is simply
// absent from the caller's partition, KindNotFound like an unknown id.
func (s *Store) File(ctx context.Context, tenantID, id string) (files.File, error) {
	var it fileItem
	found, err := s.getItem(ctx, FilesPK(tenantID), FileSK(id), &it)
	if err != nil {
		return files.File{}, fmt.Errorf("get file %s: %w", id, err)
	}
	if !found {
		return files.File{}, platform.E(platform.KindNotFound, "file "+id+" not found")
	}
	return it.file()
}

// ConfirmFile moves a PENDING file to CONFIRMED (F3): condition
// status = PENDING, so a file is confirmed once; its TTL is removed. A file
// that is gone is KindNotFound, one that is not PENDING KindConflict.
func (s *Store) ConfirmFile(ctx context.Context, tenantID, id string, at time.Time) (files.File, error) {
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.Table),
		Key:                 key(FilesPK(tenantID), FileSK(id)),
		UpdateExpression:    aws.String("SET #status = :confirmed, confirmedAt = :at REMOVE expiresAt"),
		ConditionExpression: aws.String("#status = :pending"),
		ExpressionAttributeNames: map[string]string{
			"#status": "status",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":confirmed": str(string(files.StatusConfirmed)),
			":pending":   str(string(files.StatusPending)),
			":at":        str(formatTime(at)),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) && len(ccf.Item) == 0 {
			return files.File{}, classify("confirm file "+id, err, platform.E(platform.KindNotFound, "file "+id+" not found"))
		}
		return files.File{}, classify("confirm file "+id, err, platform.E(platform.KindConflict, "file "+id+" is not pending"))
	}
	return decodeFile(out.Attributes)
}

// ListFiles lists the tenant's files newest first (F4): Query
// PK = TENANT#<t>#FILES AND begins_with(SK, FILE#) backwards, filters as a
// FilterExpression, continuing after the cursor's id. A page holds at most
// q.Limit files; when filters drop many items, the call stops after
// fileMaxPages reads and may answer fewer files with a cursor.
func (s *Store) ListFiles(ctx context.Context, tenantID string, q files.ListQuery) ([]files.File, string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = files.DefaultLimit
	}
	names := map[string]string{}
	values := map[string]types.AttributeValue{
		":pk": str(FilesPK(tenantID)), ":prefix": str(skFiles),
	}
	var filters []string
	eq := func(attr, v string) {
		if v == "" {
			return
		}
		n, p := "#"+attr, ":"+attr
		names[n], values[p] = attr, str(v)
		filters = append(filters, n+" = "+p)
	}
	eq("status", string(q.Status))
	eq("entityName", q.EntityName)
	eq("entityId", q.EntityID)
	eq("fieldName", q.FieldName)
	if top, ok := strings.CutSuffix(q.ContentType, "/*"); ok {
		names["#contentType"], values[":ctPrefix"] = "contentType", str(top+"/")
		filters = append(filters, "begins_with(#contentType, :ctPrefix)")
	} else {
		eq("contentType", q.ContentType)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.Table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(int32(limit + 1)),
	}
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
		in.ExpressionAttributeNames = names
		in.Limit = aws.Int32(filePageSize)
	}
	if q.Cursor != "" {
		in.ExclusiveStartKey = key(FilesPK(tenantID), FileSK(q.Cursor))
	}
	var out []files.File
	for page := 0; ; page++ {
		res, err := s.DB.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("list files of %s: %w", tenantID, err)
		}
		for _, av := range res.Items {
			f, err := decodeFile(av)
			if err != nil {
				return nil, "", err
			}
			out = append(out, f)
			if len(out) > limit {
				// One more than asked: there is a next page, after the last
				// one answered.
				return out[:limit], out[limit-1].ID, nil
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, "", nil
		}
		if page+1 >= fileMaxPages {
			var last fileItem
			if err := attributevalue.UnmarshalMap(res.LastEvaluatedKey, &last); err != nil {
				return nil, "", fmt.Errorf("list files: last key: %w", err)
			}
			return out, strings.TrimPrefix(last.SK, skFiles), nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// DeleteFile removes a file's item (F5), condition attribute_exists(PK): a
// file already gone is KindNotFound.
func (s *Store) DeleteFile(ctx context.Context, tenantID, id string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(s.Table),
		Key:                 key(FilesPK(tenantID), FileSK(id)),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	})
	return classify("delete file "+id, err, platform.E(platform.KindNotFound, "file "+id+" not found"))
}
