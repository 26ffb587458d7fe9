package writesgroup

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/files"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
	"github.com/flux-platform/flux/shared/writes"
)

// Files reads confirmed Flux files (*files.Service, filesapi.NewReader).
type Files interface {
	ConfirmedDownload(ctx context.Context, tenantID, id string) (files.Download, error)
}

var _ Files = (*files.Service)(nil)

// uploadFile creates a file in the shop's library from a confirmed Flux
// file (through a staged upload) or a public URL; a file of that name
// already there is updated (its alt text), not duplicated.
func (g *group) uploadFile(ctx context.Context, in writes.UploadFileInput) (Result, error) {
	var extra []auth.Scope
	if in.FileID != nil {
		extra = []auth.Scope{auth.ScopeFilesRead}
	}
	return g.run(ctx, "write.uploadFile", in.Shop, extra, func(ctx context.Context, id auth.Identity) (writes.Body, error) {
		src, err := writes.CheckUpload(in)
		if err != nil {
			return writes.Body{}, err
		}
		name, ctype, source := "", "", src.URL
		if src.URL != "" {
			name = writes.URLFilename(src.URL)
		} else {
			if g.o.Files == nil {
				return writes.Body{}, platform.E(platform.KindValidation, "input.fileId: uploads from Flux files are not available here; give a url")
			}
			d, err := g.o.Files.ConfirmedDownload(ctx, id.TenantID, src.FileID)
			if err != nil {
				return writes.Body{}, err
			}
			name, ctype, source = d.File.Name, d.File.ContentType, writes.FluxFileScheme+src.FileID
		}
		if in.Filename != nil {
			name = *in.Filename
		}
		return writes.ConvertUpload(name, ctype, source, in.Alt)
	}, overlayDefinition)
}

// updateFile sets the alt text of a file of the shop's library.
func (g *group) updateFile(ctx context.Context, in writes.UpdateFileInput) (Result, error) {
	return g.run(ctx, "write.updateFile", in.Shop, nil, func(context.Context, auth.Identity) (writes.Body, error) {
		return writes.ConvertFileUpdate(in)
	}, func(ctx context.Context, w ShopWriter, b writes.Body) (writes.Body, error) {
		gid, err := w.Lookup(ctx, mapping.File, b.Canonical)
		if err != nil {
			return b, err
		}
		if gid == "" {
			return b, platform.E(platform.KindNotFound, "file "+b.Canonical+" is not in "+in.Shop+"'s file library; upload it with uploadFile")
		}
		return b, nil
	})
}

// fileURL is the shopwrite FileURL hook of a write: a Flux file
// (FluxFileScheme) is pushed through a staged upload of the shop; any
// other source is shopwrite's default.
func (g *group) fileURL(client *shopify.Client, tenantID string) func(context.Context, string) (string, error) {
	return func(ctx context.Context, src string) (string, error) {
		id, ok := strings.CutPrefix(src, writes.FluxFileScheme)
		if !ok {
			return shopwrite.DefaultFileURL(ctx, src)
		}
		if g.o.Files == nil {
			return "", platform.E(platform.KindValidation, "uploads from Flux files are not available here")
		}
		d, err := g.o.Files.ConfirmedDownload(ctx, tenantID, id)
		if err != nil {
			return "", err
		}
		return g.o.Stager.Stage(ctx, client, d)
	}
}

// Stager copies a Flux file into a Shopify staged upload target.
type Stager struct {
	// HTTP fetches the file and posts it to the target; nil means a client
	// with a 5-minute timeout.
	HTTP *http.Client
}

const stagedQ = `mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) {
  stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }`

type stagedAnswer struct {
	StagedUploadsCreate struct {
		StagedTargets []struct {
			URL         string `json:"url"`
			ResourceURL string `json:"resourceUrl"`
			Parameters  []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"parameters"`
		} `json:"stagedTargets"`
	} `json:"stagedUploadsCreate"`
}

func (s *Stager) http() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return &http.Client{Timeout: 5 * time.Minute}
}

// Stage creates a staged upload target for d's file in the shop, streams
// the file's bytes from its presigned URL into it (a multipart POST: the
// target's parameters, then the file) and returns the target's
// resourceUrl, which fileCreate takes as originalSource.
func (s *Stager) Stage(ctx context.Context, client *shopify.Client, d files.Download) (string, error) {
	resource := "FILE"
	if strings.HasPrefix(d.File.ContentType, "image/") {
		resource = "IMAGE"
	}
	resp, err := client.GraphQL(ctx, stagedQ, map[string]any{"input": []map[string]any{{
		"filename": d.File.Name, "mimeType": d.File.ContentType, "resource": resource,
		"fileSize": strconv.FormatInt(d.File.Size, 10), "httpMethod": "POST",
	}}}, nil)
	if err != nil {
		return "", fmt.Errorf("staged upload of %s: %w", d.File.ID, err)
	}
	var a stagedAnswer
	if err := resp.Decode(&a); err != nil {
		return "", platform.Wrap(platform.KindUnavailable, "Shopify answered "+client.Shop()+"'s staged upload with no target", err)
	}
	ts := a.StagedUploadsCreate.StagedTargets
	if len(ts) == 0 || ts[0].URL == "" || ts[0].ResourceURL == "" {
		return "", platform.E(platform.KindUnavailable, "Shopify answered "+client.Shop()+"'s staged upload with no target")
	}
	t := ts[0]

	get, err := http.NewRequestWithContext(ctx, http.MethodGet, d.Download.URL, nil)
	if err != nil {
		return "", fmt.Errorf("read file %s: %w", d.File.ID, err)
	}
	src, err := s.http().Do(get)
	if err != nil {
		return "", platform.Wrap(platform.KindUnavailable, "Flux could not read file "+d.File.ID, err)
	}
	defer func() { _ = src.Body.Close() }()
	if src.StatusCode != http.StatusOK {
		return "", platform.E(platform.KindUnavailable, fmt.Sprintf("Flux could not read file %s (storage answered %d)", d.File.ID, src.StatusCode))
	}

	// Stream: the multipart body is written while it is sent.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			for _, p := range t.Parameters {
				if err := mw.WriteField(p.Name, p.Value); err != nil {
					return err
				}
			}
			part, err := mw.CreateFormFile("file", d.File.Name)
			if err != nil {
				return err
			}
			if _, err := io.Copy(part, io.LimitReader(src.Body, d.File.Size+1)); err != nil {
				return err
			}
			return mw.Close()
		}()
		_ = pw.CloseWithError(err)
	}()
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, pr)
	if err != nil {
		_ = pr.CloseWithError(err)
		return "", fmt.Errorf("staged upload of %s: %w", d.File.ID, err)
	}
	post.Header.Set("Content-Type", mw.FormDataContentType())
	up, err := s.http().Do(post)
	if err != nil {
		_ = pr.CloseWithError(err)
		return "", platform.Wrap(platform.KindUnavailable, "the upload of file "+d.File.ID+" to "+client.Shop()+" failed", err)
	}
	defer func() { _ = up.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(up.Body, 64<<10))
	if up.StatusCode/100 != 2 {
		return "", platform.E(platform.KindUnavailable, fmt.Sprintf("the upload of file %s to %s failed (the staged target answered %d)", d.File.ID, client.Shop(), up.StatusCode))
	}
	return t.ResourceURL, nil
}
