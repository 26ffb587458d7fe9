package dev

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Fn is a CloudFormation intrinsic function call, whichever form the template
// used: the short tag (!Ref X, !GetAtt X.Arn, !Sub "...") or the long form
// ({Ref: X}, {"Fn::GetAtt": [X, Arn]}). Name is always the long name ("Ref",
// "Fn::GetAtt", "Fn::Sub", ...).
type Fn struct {
	Name string
	Arg  any
}

// shortTags maps the YAML short tags to the long names.
var shortTags = map[string]string{
	"!Ref":         "Ref",
	"!Condition":   "Condition",
	"!GetAtt":      "Fn::GetAtt",
	"!Sub":         "Fn::Sub",
	"!Join":        "Fn::Join",
	"!Select":      "Fn::Select",
	"!Split":       "Fn::Split",
	"!If":          "Fn::If",
	"!Equals":      "Fn::Equals",
	"!Not":         "Fn::Not",
	"!And":         "Fn::And",
	"!Or":          "Fn::Or",
	"!FindInMap":   "Fn::FindInMap",
	"!Base64":      "Fn::Base64",
	"!GetAZs":      "Fn::GetAZs",
	"!ImportValue": "Fn::ImportValue",
	"!Cidr":        "Fn::Cidr",
	"!Transform":   "Fn::Transform",
}

// decodeNode turns a YAML node into plain Go values (map[string]any, []any,
// string, int64, float64, bool, nil) with intrinsic functions as Fn values.
func decodeNode(n *yaml.Node) (any, error) {
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return decodeNode(n.Content[0])
	case yaml.AliasNode:
		return decodeNode(n.Alias)
	}
	if long, ok := shortTags[n.Tag]; ok {
		var arg any
		var err error
		if n.Kind == yaml.ScalarNode {
			arg = n.Value
		} else {
			// Decode the argument as if it had no tag.
			c := *n
			c.Tag = ""
			if arg, err = decodeNode(&c); err != nil {
				return nil, err
			}
		}
		return normalizeFn(Fn{Name: long, Arg: arg}, n.Line)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v, err := decodeNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		if len(m) == 1 {
			for k, v := range m {
				if k == "Ref" || k == "Condition" && isString(v) || strings.HasPrefix(k, "Fn::") {
					return normalizeFn(Fn{Name: k, Arg: v}, n.Line)
				}
			}
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := decodeNode(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			return b, nil
		case "!!int":
			var i int64
			if err := n.Decode(&i); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			return i, nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			return f, nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func isString(v any) bool { _, ok := v.(string); return ok }

// normalizeFn gives each function one argument shape: GetAtt is always
// [resource, attribute].
func normalizeFn(f Fn, line int) (Fn, error) {
	if f.Name == "Fn::GetAtt" {
		switch a := f.Arg.(type) {
		case string:
			res, attr, ok := strings.Cut(a, ".")
			if !ok {
				return Fn{}, fmt.Errorf("line %d: !GetAtt %q needs Resource.Attribute", line, a)
			}
			f.Arg = []any{res, attr}
		case []any:
			if len(a) != 2 {
				return Fn{}, fmt.Errorf("line %d: Fn::GetAtt needs [Resource, Attribute]", line)
			}
		default:
			return Fn{}, fmt.Errorf("line %d: Fn::GetAtt needs [Resource, Attribute]", line)
		}
	}
	return f, nil
}

// refTarget is the logical id a value points at when it is !Ref X or
// !GetAtt X.Attr, or "".
func refTarget(v any) string {
	f, ok := v.(Fn)
	if !ok {
		return ""
	}
	switch f.Name {
	case "Ref":
		s, _ := f.Arg.(string)
		return s
	case "Fn::GetAtt":
		a := f.Arg.([]any)
		s, _ := a[0].(string)
		return s
	}
	return ""
}

// Physical is what a resource is in the local stack: the value of !Ref and
// the values of its !GetAtt attributes.
type Physical struct {
	Ref   string
	Attrs map[string]string
}

// Resolver evaluates intrinsic functions against the local stack's values.
type Resolver struct {
	Params     map[string]string   // parameter values (defaults already applied)
	Pseudo     map[string]string   // AWS::Region, AWS::AccountId, ...
	Resources  map[string]Physical // provisioned resources
	Conditions map[string]any      // the template's Conditions section
}

// noValue is the result of !Ref AWS::NoValue: the property is dropped.
type noValue struct{}

// Resolve evaluates every intrinsic in v and returns plain values.
func (r *Resolver) Resolve(v any) (any, error) {
	switch t := v.(type) {
	case Fn:
		return r.call(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			rv, err := r.Resolve(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, drop := rv.(noValue); drop {
				continue
			}
			out[k] = rv
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(t))
		for i, e := range t {
			rv, err := r.Resolve(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, drop := rv.(noValue); drop {
				continue
			}
			out = append(out, rv)
		}
		return out, nil
	}
	return v, nil
}

// String resolves v to a string (numbers and booleans are formatted as
// CloudFormation does for environment variables).
func (r *Resolver) String(v any) (string, error) {
	rv, err := r.Resolve(v)
	if err != nil {
		return "", err
	}
	return scalarString(rv)
}

func scalarString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(t), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("expected a string, got %T", v)
}

// Into resolves v and decodes the result into out (through JSON, so the
// local structs use CloudFormation's property names as JSON tags).
func (r *Resolver) Into(v any, out any) error {
	rv, err := r.Resolve(v)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(rv)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

func (r *Resolver) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue{}, nil
	}
	if v, ok := r.Pseudo[name]; ok {
		return v, nil
	}
	if v, ok := r.Params[name]; ok {
		return v, nil
	}
	if p, ok := r.Resources[name]; ok {
		return p.Ref, nil
	}
	return nil, fmt.Errorf("!Ref %s: no parameter or provisioned resource of that name", name)
}

func (r *Resolver) getAtt(res, attr string) (string, error) {
	p, ok := r.Resources[res]
	if !ok {
		return "", fmt.Errorf("!GetAtt %s.%s: no provisioned resource %s", res, attr, res)
	}
	v, ok := p.Attrs[attr]
	if !ok {
		return "", fmt.Errorf("!GetAtt %s.%s: the local stack has no attribute %s for it", res, attr, attr)
	}
	return v, nil
}

func (r *Resolver) call(f Fn) (any, error) {
	switch f.Name {
	case "Ref":
		name, ok := f.Arg.(string)
		if !ok {
			return nil, fmt.Errorf("!Ref needs a name")
		}
		return r.ref(name)
	case "Fn::GetAtt":
		a := f.Arg.([]any)
		res, _ := a[0].(string)
		attr, err := r.String(a[1])
		if err != nil {
			return nil, err
		}
		return r.getAtt(res, attr)
	case "Fn::Sub":
		return r.sub(f.Arg)
	case "Fn::Join":
		a, ok := f.Arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("!Join needs [delimiter, [values]]")
		}
		delim, err := r.String(a[0])
		if err != nil {
			return nil, err
		}
		list, err := r.Resolve(a[1])
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("!Join needs a list of values")
		}
		parts := make([]string, len(items))
		for i, it := range items {
			if parts[i], err = scalarString(it); err != nil {
				return nil, fmt.Errorf("!Join: %w", err)
			}
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		a, ok := f.Arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("!Select needs [index, list]")
		}
		is, err := r.String(a[0])
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil {
			return nil, fmt.Errorf("!Select index %q", is)
		}
		list, err := r.Resolve(a[1])
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok || i < 0 || i >= len(items) {
			return nil, fmt.Errorf("!Select index %d out of range", i)
		}
		return items[i], nil
	case "Fn::Split":
		a, ok := f.Arg.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("!Split needs [delimiter, string]")
		}
		delim, err := r.String(a[0])
		if err != nil {
			return nil, err
		}
		s, err := r.String(a[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::If":
		a, ok := f.Arg.([]any)
		if !ok || len(a) != 3 {
			return nil, fmt.Errorf("!If needs [condition, then, else]")
		}
		name, _ := a[0].(string)
		c, err := r.condition(name)
		if err != nil {
			return nil, err
		}
		if c {
			return r.Resolve(a[1])
		}
		return r.Resolve(a[2])
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		return r.evalCond(f)
	case "Fn::Base64":
		return r.String(f.Arg)
	}
	return nil, fmt.Errorf("the local stack does not evaluate %s", f.Name)
}

func (r *Resolver) condition(name string) (bool, error) {
	c, ok := r.Conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %q", name)
	}
	v, err := r.Resolve(c)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s is not a boolean", name)
	}
	return b, nil
}

func (r *Resolver) evalCond(f Fn) (bool, error) {
	switch f.Name {
	case "Condition":
		name, _ := f.Arg.(string)
		return r.condition(name)
	case "Fn::Equals":
		a, ok := f.Arg.([]any)
		if !ok || len(a) != 2 {
			return false, fmt.Errorf("!Equals needs two values")
		}
		x, err := r.String(a[0])
		if err != nil {
			return false, err
		}
		y, err := r.String(a[1])
		if err != nil {
			return false, err
		}
		return x == y, nil
	}
	a, ok := f.Arg.([]any)
	if !ok {
		return false, fmt.Errorf("%s needs a list of conditions", f.Name)
	}
	vals := make([]bool, len(a))
	for i, e := range a {
		v, err := r.Resolve(e)
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, fmt.Errorf("%s: operand %d is not a condition", f.Name, i)
		}
		vals[i] = b
	}
	switch f.Name {
	case "Fn::Not":
		if len(vals) != 1 {
			return false, fmt.Errorf("!Not needs one condition")
		}
		return !vals[0], nil
	case "Fn::And":
		for _, b := range vals {
			if !b {
				return false, nil
			}
		}
		return true, nil
	default: // Fn::Or
		for _, b := range vals {
			if b {
				return true, nil
			}
		}
		return false, nil
	}
}

// sub evaluates Fn::Sub: "${Param}", "${Resource}", "${Resource.Attr}",
// "${AWS::Region}", "${!Literal}", and the [string, {vars}] form.
func (r *Resolver) sub(arg any) (string, error) {
	var tmpl string
	vars := map[string]string{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return "", fmt.Errorf("!Sub needs a string or [string, {variables}]")
		}
		s, ok := a[0].(string)
		if !ok {
			return "", fmt.Errorf("!Sub needs a string")
		}
		tmpl = s
		m, ok := a[1].(map[string]any)
		if !ok {
			return "", fmt.Errorf("!Sub variables must be a map")
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, err := r.String(m[k])
			if err != nil {
				return "", fmt.Errorf("!Sub variable %s: %w", k, err)
			}
			vars[k] = v
		}
	default:
		return "", fmt.Errorf("!Sub needs a string or [string, {variables}]")
	}
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String(), nil
		}
		b.WriteString(tmpl[:i])
		rest := tmpl[i+2:]
		j := strings.Index(rest, "}")
		if j < 0 {
			return "", fmt.Errorf("!Sub: unclosed ${ in %q", tmpl)
		}
		name := rest[:j]
		tmpl = rest[j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		if v, ok := vars[name]; ok {
			b.WriteString(v)
			continue
		}
		if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, err := r.getAtt(res, attr)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			continue
		}
		v, err := r.ref(name)
		if err != nil {
			return "", err
		}
		s, err := scalarString(v)
		if err != nil {
			return "", fmt.Errorf("!Sub ${%s}: %w", name, err)
		}
		b.WriteString(s)
	}
}
