// Package graphql is the GraphQL gateway: the complete schema (one .graphql
// file per domain, embedded), request parsing, limits, error formatting, and
// root resolvers that delegate every field to a resolver group over the rpc
// contract. The gateway never touches DynamoDB.
package graphql

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

//go:embed schema/*.graphql
var schemaFiles embed.FS

// SDL is the complete schema as one document: the schema files merged (every
// `extend type` folded into its type) and printed by gqlparser. It is what
// GET /api/graphql/schema.graphql serves and what the executor parses, so the
// published schema and the executed one cannot differ.
//
// The files are standard SDL: schema.graphql declares the root types without
// fields (`type Query`) and each domain extends them. graphql-go v1.11's parser
// cannot read a type without a field list, gqlparser can; merging with
// gqlparser first gives graphql-go a document without extensions.
func SDL() (string, error) {
	s, err := loadSchema()
	if err != nil {
		return "", err
	}
	return s.sdl, nil
}

// loadedSchema is the schema in the two forms the gateway uses: the printed
// SDL (served, and executed by graphql-go) and gqlparser's AST (validation of
// documents and variables before anything executes).
type loadedSchema struct {
	sdl string
	ast *gqlast.Schema
}

var loadSchema = sync.OnceValues(func() (*loadedSchema, error) {
	names, err := fs.Glob(schemaFiles, "schema/*.graphql")
	if err != nil {
		return nil, fmt.Errorf("list schema files: %w", err)
	}
	sort.Strings(names)
	sources := make([]*gqlast.Source, 0, len(names))
	for _, name := range names {
		b, err := schemaFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		sources = append(sources, &gqlast.Source{Name: name, Input: string(b)})
	}
	schema, gqlErr := gqlparser.LoadSchema(sources...)
	if gqlErr != nil {
		return nil, fmt.Errorf("load schema: %w", gqlErr)
	}
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(schema)
	return &loadedSchema{sdl: buf.String(), ast: schema}, nil
})
