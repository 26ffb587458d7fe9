package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSKeyAdmin is the part of the KMS client EnsureKey uses.
type KMSKeyAdmin interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, opts ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	CreateKey(ctx context.Context, in *kms.CreateKeyInput, opts ...func(*kms.Options)) (*kms.CreateKeyOutput, error)
	CreateAlias(ctx context.Context, in *kms.CreateAliasInput, opts ...func(*kms.Options)) (*kms.CreateAliasOutput, error)
}

var _ KMSKeyAdmin = (*kms.Client)(nil)

// EnsureKey returns the ARN of the symmetric key behind alias ("alias/..."),
// creating the key and the alias when the alias does not exist yet. It is
// for the local stack and tests, where KMS is moto and starts empty; in AWS
// the key is a template resource and functions have no right to create keys.
func EnsureKey(ctx context.Context, c KMSKeyAdmin, alias string) (string, error) {
	if !strings.HasPrefix(alias, "alias/") {
		return "", fmt.Errorf("ensure kms key: %q is not an alias name", alias)
	}
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	if err == nil && d.KeyMetadata != nil {
		return aws.ToString(d.KeyMetadata.Arn), nil
	}
	var nf *types.NotFoundException
	if err != nil && !errors.As(err, &nf) {
		return "", fmt.Errorf("ensure kms key %s: %w", alias, err)
	}
	k, err := c.CreateKey(ctx, &kms.CreateKeyInput{
		Description: aws.String("Flux token encryption (" + alias + ")"),
		KeySpec:     types.KeySpecSymmetricDefault,
		KeyUsage:    types.KeyUsageTypeEncryptDecrypt,
	})
	if err != nil {
		return "", fmt.Errorf("ensure kms key %s: create: %w", alias, err)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
		var exists *types.AlreadyExistsException
		if errors.As(err, &exists) {
			// Another process won the race: use its key.
			return EnsureKey(ctx, c, alias)
		}
		return "", fmt.Errorf("ensure kms key %s: alias: %w", alias, err)
	}
	return aws.ToString(k.KeyMetadata.Arn), nil
}
