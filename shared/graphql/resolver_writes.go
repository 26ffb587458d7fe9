package graphql

import (
	"context"

	"github.com/flux-platform/flux/shared/writes"
	"github.com/flux-platform/flux/shared/writes/writesgroup"
)

// The direct-write mutations of seed 000 (resolver group writes). The
// inputs are decoded into shared/writes' input types, sent as they are and
// converted by the group.

func (r *mutationResolver) write(ctx context.Context, op string, in any) (*writeResultResolver, error) {
	out, err := call[writesgroup.Result](ctx, r.t, writesgroup.GroupName, op, in)
	if err != nil {
		return nil, err
	}
	return &writeResultResolver{r: out}, nil
}

// WriteProduct resolves Mutation.writeProduct.
func (r *mutationResolver) WriteProduct(ctx context.Context, args struct{ Input writes.WriteProductInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWriteProduct, args.Input)
}

// WriteCollection resolves Mutation.writeCollection.
func (r *mutationResolver) WriteCollection(ctx context.Context, args struct{ Input writes.WriteCollectionInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWriteCollection, args.Input)
}

// WritePage resolves Mutation.writePage.
func (r *mutationResolver) WritePage(ctx context.Context, args struct{ Input writes.WritePageInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWritePage, args.Input)
}

// WriteBlog resolves Mutation.writeBlog.
func (r *mutationResolver) WriteBlog(ctx context.Context, args struct{ Input writes.WriteBlogInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWriteBlog, args.Input)
}

// WriteArticle resolves Mutation.writeArticle.
func (r *mutationResolver) WriteArticle(ctx context.Context, args struct{ Input writes.WriteArticleInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWriteArticle, args.Input)
}

// WriteMenu resolves Mutation.writeMenu.
func (r *mutationResolver) WriteMenu(ctx context.Context, args struct{ Input writes.WriteMenuInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWriteMenu, args.Input)
}

// WriteDiscount resolves Mutation.writeDiscount.
func (r *mutationResolver) WriteDiscount(ctx context.Context, args struct{ Input writes.WriteDiscountInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWriteDiscount, args.Input)
}

// WriteMetaobjectDefinition resolves Mutation.writeMetaobjectDefinition.
func (r *mutationResolver) WriteMetaobjectDefinition(ctx context.Context, args struct {
	Input writes.WriteMetaobjectDefinitionInput
}) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWriteMetaobjectDefinition, args.Input)
}

// WriteMetaobject resolves Mutation.writeMetaobject.
func (r *mutationResolver) WriteMetaobject(ctx context.Context, args struct{ Input writes.WriteMetaobjectInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWriteMetaobject, args.Input)
}

// WriteMetafieldDefinition resolves Mutation.writeMetafieldDefinition.
func (r *mutationResolver) WriteMetafieldDefinition(ctx context.Context, args struct {
	Input writes.WriteMetafieldDefinitionInput
}) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpWriteMetafieldDefinition, args.Input)
}

// UploadFile resolves Mutation.uploadFile.
func (r *mutationResolver) UploadFile(ctx context.Context, args struct{ Input writes.UploadFileInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpUploadFile, args.Input)
}

// UpdateFile resolves Mutation.updateFile.
func (r *mutationResolver) UpdateFile(ctx context.Context, args struct{ Input writes.UpdateFileInput }) (*writeResultResolver, error) {
	return r.write(ctx, writesgroup.OpUpdateFile, args.Input)
}

// writeResultResolver is WriteResult.
type writeResultResolver struct{ r writesgroup.Result }

func (r *writeResultResolver) Success() bool       { return r.r.Success }
func (r *writeResultResolver) ShopifyGid() *string { return r.r.ShopifyGID }
func (r *writeResultResolver) Canonical() string   { return r.r.Canonical }
func (r *writeResultResolver) Shop() string        { return r.r.Shop }
func (r *writeResultResolver) Action() string      { return r.r.Action }
func (r *writeResultResolver) Error() *string      { return r.r.Error }
func (r *writeResultResolver) Warnings() []string {
	if r.r.Warnings == nil {
		return []string{}
	}
	return r.r.Warnings
}
