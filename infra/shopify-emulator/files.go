package emulator

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	graphql "github.com/graph-gophers/graphql-go"
)

// MaxUploadBytes bounds one staged upload.
const MaxUploadBytes = 20 << 20

type upload struct {
	mime string
	data []byte
}

type uploadStore struct {
	mu    sync.Mutex
	files map[string]upload // key: <shop>/<token>/<filename>
	seq   int
}

type stagedParam struct{ Name, Value string }

type stagedTarget struct {
	Url         *URL
	ResourceUrl *URL
	Parameters  []*stagedParam
}

type stagedUploadsPayload struct {
	StagedTargets *[]*stagedTarget
	UserErrors    []*UserError
}

// StagedUploadsCreate returns upload targets on the emulator itself:
// POST (multipart form with the parameters and a "file" part) or PUT the bytes
// to url, then pass resourceUrl as fileCreate's originalSource.
func (rootResolver) StagedUploadsCreate(ctx context.Context, a struct {
	Input []struct {
		Resource   string
		Filename   string
		MimeType   string
		HttpMethod *string
		FileSize   *UnsignedInt64
	}
}) *stagedUploadsPayload {
	st := stateOf(ctx)
	var out []*stagedTarget
	for i, in := range a.Input {
		if strings.TrimSpace(in.Filename) == "" || strings.ContainsAny(in.Filename, "/\\") {
			return &stagedUploadsPayload{UserErrors: userErr([]string{"input", fmt.Sprint(i), "filename"}, "Filename is invalid")}
		}
		st.srv.uploads.mu.Lock()
		st.srv.uploads.seq++
		key := fmt.Sprintf("%s/tmp-%06d/%s", st.shop.domain, st.srv.uploads.seq, url.PathEscape(in.Filename))
		st.srv.uploads.mu.Unlock()
		u := URL(st.baseURL + "/_emulator/uploads/" + key)
		method := "POST"
		if in.HttpMethod != nil {
			method = *in.HttpMethod
		}
		params := []*stagedParam{{"Content-Type", in.MimeType}, {"success_action_status", "201"}, {"acl", "private"}, {"key", key}}
		if method == "PUT" {
			params = []*stagedParam{{"content_type", in.MimeType}, {"acl", "private"}}
		}
		out = append(out, &stagedTarget{Url: &u, ResourceUrl: &u, Parameters: params})
	}
	return &stagedUploadsPayload{StagedTargets: &out, UserErrors: []*UserError{}}
}

// serveUpload takes (POST multipart or PUT) and serves (GET) staged uploads.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, key string) {
	switch r.Method {
	case http.MethodGet:
		s.uploads.mu.Lock()
		up, ok := s.uploads.files[key]
		s.uploads.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", up.mime)
		_, _ = w.Write(up.data)
	case http.MethodPut:
		data, err := io.ReadAll(io.LimitReader(r.Body, MaxUploadBytes+1))
		if err != nil || len(data) > MaxUploadBytes {
			http.Error(w, "upload too large", http.StatusRequestEntityTooLarge)
			return
		}
		s.storeUpload(key, r.Header.Get("Content-Type"), data)
		w.WriteHeader(http.StatusOK)
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes+1<<20)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, "multipart form expected: "+err.Error(), http.StatusBadRequest)
			return
		}
		f, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, "the form has no file part", http.StatusBadRequest)
			return
		}
		defer f.Close()
		data, _ := io.ReadAll(io.LimitReader(f, MaxUploadBytes+1))
		if len(data) > MaxUploadBytes {
			http.Error(w, "upload too large", http.StatusRequestEntityTooLarge)
			return
		}
		s.storeUpload(key, r.FormValue("Content-Type"), data)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, "<PostResponse><Location>%s</Location><Key>%s</Key></PostResponse>", baseURL(r)+r.URL.Path, key)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) storeUpload(key, mime string, data []byte) {
	if mime == "" {
		mime = mimeFor(key)
	}
	s.uploads.mu.Lock()
	s.uploads.files[key] = upload{mime: mime, data: data}
	s.uploads.mu.Unlock()
}

// uploadFor returns the staged upload behind an emulator URL, if it is one.
func (s *Server) uploadFor(src string) (upload, bool) {
	u, err := url.Parse(src)
	if err != nil {
		return upload{}, false
	}
	key, ok := strings.CutPrefix(u.Path, "/_emulator/uploads/")
	if !ok {
		return upload{}, false
	}
	s.uploads.mu.Lock()
	defer s.uploads.mu.Unlock()
	up, ok := s.uploads.files[key]
	return up, ok
}

type filesPayload struct {
	Files      *[]*fileR
	UserErrors []*codedError
}

// FileCreate adds files from URLs (a staged upload's resourceUrl or any
// external URL). Files start UPLOADED and become READY right after the request,
// as Shopify processes them asynchronously.
func (rootResolver) FileCreate(ctx context.Context, a struct {
	Files []struct {
		OriginalSource          string
		Alt                     *string
		ContentType             *string
		Filename                *string
		DuplicateResolutionMode *string
	}
}) *filesPayload {
	st := stateOf(ctx)
	s := st.shop
	at := now()
	var out []*fileR
	for i, in := range a.Files {
		u, err := url.Parse(in.OriginalSource)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return &filesPayload{UserErrors: []*codedError{cerr([]string{"files", fmt.Sprint(i), "originalSource"}, "Image URL is invalid", "INVALID")}}
		}
		up, staged := st.srv.uploadFor(in.OriginalSource)
		if strings.Contains(u.Path, "/_emulator/uploads/") && !staged {
			return &filesPayload{UserErrors: []*codedError{cerr([]string{"files", fmt.Sprint(i), "originalSource"}, "The staged upload was not found (upload the file before fileCreate)", "INVALID")}}
		}
		name := strOr(in.Filename)
		if name == "" {
			name, _ = url.PathUnescape(path.Base(u.Path))
		}
		ct := strOr(in.ContentType)
		if ct == "" {
			ct = "FILE"
			if strings.HasPrefix(mimeFor(name), "image/") || (staged && strings.HasPrefix(up.mime, "image/")) {
				ct = "IMAGE"
			}
		}
		switch ct {
		case "IMAGE":
			m := s.newMediaImage(in.OriginalSource, in.Alt, name, at, "UPLOADED")
			m.fileSize = len(up.data)
			out = append(out, s.files[len(s.files)-1])
		default:
			src := URL(in.OriginalSource)
			mime := mimeFor(name)
			if staged {
				mime = up.mime
			}
			f := &GenericFile{Url: &src, MimeType: &mime, OriginalFileSize: i32p(len(up.data)), filename: name, Alt: in.Alt}
			f.base = s.newBase("GenericFile", at, f)
			fr := &fileR{f}
			s.files = append(s.files, fr)
			out = append(out, fr)
		}
	}
	created := out
	st.after = append(st.after, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, f := range created {
			if m, ok := f.v.(*MediaImage); ok && m.Status == "UPLOADED" {
				m.Status = "READY"
			}
		}
	})
	return &filesPayload{Files: &out, UserErrors: noErrors()}
}

// FileUpdate changes files' alt text or filename.
func (rootResolver) FileUpdate(ctx context.Context, a struct {
	Files []struct {
		ID                 graphql.ID
		Alt                *string
		Filename           *string
		OriginalSource     *string
		PreviewImageSource *string
	}
}) *filesPayload {
	s := shopOf(ctx)
	at := now()
	var out []*fileR
	for i, in := range a.Files {
		var fr *fileR
		for _, f := range s.files {
			if f.ID() == in.ID {
				fr = f
			}
		}
		if fr == nil {
			return &filesPayload{UserErrors: []*codedError{cerr([]string{"files", fmt.Sprint(i), "id"}, "File id "+string(in.ID)+" does not exist.", "FILE_DOES_NOT_EXIST")}}
		}
		switch f := fr.v.(type) {
		case *MediaImage:
			if in.Alt != nil {
				f.Alt = in.Alt
				if f.Image != nil {
					f.Image.AltText = in.Alt
				}
			}
			if in.Filename != nil {
				f.filename = *in.Filename
			}
			if in.OriginalSource != nil && f.Image != nil {
				f.Image.Url = URL(*in.OriginalSource)
			}
			f.UpdatedAt = at
		case *GenericFile:
			if in.Alt != nil {
				f.Alt = in.Alt
			}
			if in.Filename != nil {
				f.filename = *in.Filename
			}
			if in.OriginalSource != nil {
				u := URL(*in.OriginalSource)
				f.Url = &u
			}
			f.UpdatedAt = at
		}
		out = append(out, fr)
	}
	return &filesPayload{Files: &out, UserErrors: noErrors()}
}

type fileDeletePayload struct {
	DeletedFileIds *[]graphql.ID
	UserErrors     []*codedError
}

// FileDelete deletes files (and detaches them from products).
func (rootResolver) FileDelete(ctx context.Context, a struct{ FileIds []graphql.ID }) *fileDeletePayload {
	s := shopOf(ctx)
	var del []graphql.ID
	for i, id := range a.FileIds {
		var fr *fileR
		for _, f := range s.files {
			if f.ID() == id {
				fr = f
			}
		}
		if fr == nil {
			return &fileDeletePayload{UserErrors: []*codedError{cerr([]string{"fileIds", fmt.Sprint(i)}, "File id "+string(id)+" does not exist.", "FILE_DOES_NOT_EXIST")}}
		}
		s.files = removeFrom(s.files, fr)
		if m, ok := fr.v.(*MediaImage); ok {
			for _, p := range s.products {
				p.mediaList = removeFrom(p.mediaList, m)
			}
		}
		delete(s.objects, fr.fileBase().num)
		del = append(del, id)
	}
	return &fileDeletePayload{DeletedFileIds: &del, UserErrors: noErrors()}
}
