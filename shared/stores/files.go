package stores

import "context"

// FileList is listFiles' answer.
type FileList struct {
	Files    []File   `json:"files"`
	PageInfo PageInfo `json:"pageInfo"`
}

// File is one file of the store's file library. FileType is Shopify's type
// (MediaImage, GenericFile, Video...); URL is the file's URL (an image's
// image.url); Image is set for images.
type File struct {
	ID               ID      `json:"id"`
	FileType         string  `json:"fileType"`
	Alt              *string `json:"alt"`
	FileStatus       string  `json:"fileStatus"`
	MimeType         *string `json:"mimeType"`
	URL              *string `json:"url"`
	Image            *Image  `json:"image"`
	OriginalFileSize *int32  `json:"originalFileSize"`
	CreatedAt        string  `json:"createdAt"`
	UpdatedAt        string  `json:"updatedAt"`
}

type shopifyFile struct {
	Typename         string  `json:"__typename"`
	ID               string  `json:"id"`
	Alt              *string `json:"alt"`
	FileStatus       string  `json:"fileStatus"`
	CreatedAt        string  `json:"createdAt"`
	UpdatedAt        string  `json:"updatedAt"`
	MimeType         *string `json:"mimeType"`
	URL              *string `json:"url"`
	OriginalFileSize *int32  `json:"originalFileSize"`
	Image            *Image  `json:"image"`
}

var filesQuery = newRootQuery("files", []string{"$query: String"}, []string{"query: $query"},
	scalars("__typename", "id", "alt", "fileStatus", "createdAt", "updatedAt"),
	on("MediaImage", scalars("mimeType"), obj("image", scalars("url", "width", "height"))),
	on("GenericFile", scalars("mimeType", "url", "originalFileSize")))

func fileFromShopify(f shopifyFile) File {
	out := File{
		ID: ID(f.ID), FileType: f.Typename, Alt: f.Alt, FileStatus: f.FileStatus, MimeType: f.MimeType,
		URL: f.URL, Image: f.Image, OriginalFileSize: f.OriginalFileSize, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
	}
	if out.URL == nil && f.Image != nil {
		u := f.Image.URL
		out.URL = &u
	}
	return out
}

// ListFiles is listFiles.
func (g *Group) ListFiles(ctx context.Context, args ListArgs) (FileList, error) {
	if err := authorize(ctx); err != nil {
		return FileList{}, err
	}
	items, pi, err := list(ctx, g, args, listing{op: OpListFiles, field: "files", query: filesQuery}, fileFromShopify)
	if err != nil {
		return FileList{}, err
	}
	return FileList{Files: items, PageInfo: pi}, nil
}
