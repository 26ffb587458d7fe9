package mcp

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/stores"
)

// Input schemas are written here, field by field, with the GraphQL
// arguments' names, defaults and bounds; output schemas are inferred from
// the resolver groups' wire types (jsonschema.For), so they cannot drift
// from what the groups answer.

// object is an object schema with exactly these properties.
func object(props map[string]*jsonschema.Schema, required ...string) *jsonschema.Schema {
	if props == nil {
		props = map[string]*jsonschema.Schema{}
	}
	return &jsonschema.Schema{Type: "object", Properties: props, Required: required,
		AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}}}
}

func str(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Description: desc}
}

// bounded is a string of 1..max characters.
func bounded(desc string, max int) *jsonschema.Schema {
	one := 1
	return &jsonschema.Schema{Type: "string", Description: desc, MinLength: &one, MaxLength: &max}
}

func boolean(desc string, def bool) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "boolean", Description: desc, Default: mustJSON(def)}
}

func integer(desc string, min, max, def int) *jsonschema.Schema {
	lo, hi := float64(min), float64(max)
	return &jsonschema.Schema{Type: "integer", Description: desc, Minimum: &lo, Maximum: &hi, Default: mustJSON(def)}
}

// version is a version number (1..999999999999), without a default.
func version(desc string) *jsonschema.Schema {
	s := integer(desc, 1, 999_999_999_999, 1)
	s.Default = nil
	return s
}

func enum(desc string, values ...string) *jsonschema.Schema {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return &jsonschema.Schema{Type: "string", Description: desc, Enum: vs}
}

func stringList(desc string, min, max int) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "array", Description: desc, Items: &jsonschema.Schema{Type: "string"},
		MinItems: &min, MaxItems: &max}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// menuItemSchema stands in for stores.MenuItem, which contains itself and
// so cannot be inferred: Shopify's menus nest three levels deep, so the
// schema describes three levels and leaves the (empty) fourth open.
var menuItemSchema = menuItem(3)

func menuItem(levels int) *jsonschema.Schema {
	items := &jsonschema.Schema{Type: "object"}
	if levels > 1 {
		items = menuItem(levels - 1)
	}
	return &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"title":      {Type: "string"},
			"type":       {Type: "string"},
			"url":        {Types: []string{"null", "string"}},
			"resourceId": {Types: []string{"null", "string"}},
			"items":      {Types: []string{"null", "array"}, Items: items},
		},
		Required: []string{"title", "type", "items"},
	}
}

// approvalSchema is releasegroup.Approval's, with approverType and comment
// nullable: the wire type omits them when empty, GraphQL answers null.
var approvalSchema = func() *jsonschema.Schema {
	s, err := jsonschema.For[releasegroup.Approval](nil)
	if err != nil {
		panic(fmt.Sprintf("schema of releasegroup.Approval: %v", err))
	}
	for _, name := range []string{"approverType", "comment"} {
		s.Properties[name] = &jsonschema.Schema{Types: []string{"null", "string"}}
	}
	return s
}()

// outputOf is the output schema of a wire type.
func outputOf[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
		reflect.TypeFor[stores.MenuItem]():       menuItemSchema,
		reflect.TypeFor[releasegroup.Approval](): approvalSchema,
	}})
	if err != nil {
		panic(fmt.Sprintf("output schema of %T: %v", *new(T), err))
	}
	return s
}

// wrapped is the output schema of a result that is a JSON array: MCP's
// structured content is an object, so the array is its one property.
func wrapped(name string, items *jsonschema.Schema) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "object", Properties: map[string]*jsonschema.Schema{
		name: {Types: []string{"null", "array"}, Items: items},
	}, Required: []string{name}}
}

// fillNulls gives v every property its schema declares nullable and v
// leaves out, as null: the groups' wire types omit empty optional fields
// where GraphQL answers null, and tools answer with GraphQL's shapes.
func fillNulls(v any, s *jsonschema.Schema) {
	if s == nil {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for name, ps := range s.Properties {
			pv, ok := x[name]
			if !ok {
				if nullable(ps) {
					x[name] = nil
				}
				continue
			}
			fillNulls(pv, ps)
		}
	case []any:
		for _, e := range x {
			fillNulls(e, s.Items)
		}
	}
}

func nullable(s *jsonschema.Schema) bool {
	if s == nil {
		return false
	}
	for _, t := range s.Types {
		if t == "null" {
			return true
		}
	}
	return s.Type == "null"
}
