// Package templatetest reads template.yaml as plain data, for the test that
// keeps it in step with functions/, the Makefile and the store, and for the
// benchmarks (each function's environment). CloudFormation short tags become
// their long form: !Ref X is map{"Ref": "X"}, !GetAtt A.B is
// map{"Fn::GetAtt": ["A", "B"]}, !Sub s is map{"Fn::Sub": s}, and so on.
package templatetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM template.
type Template struct {
	Parameters map[string]any
	Globals    map[string]any
	Resources  map[string]Resource
	Outputs    map[string]any
}

// Resource is one resource, its properties left unresolved.
type Resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
	Raw        map[string]any // the whole resource (DeletionPolicy, ...)
}

// RepoRoot is the repository root: the first directory holding go.mod from
// the working directory up (tests run in their package's directory), else
// found from this file's location.
func RepoRoot() string {
	if dir, err := os.Getwd(); err == nil {
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		return filepath.Join(filepath.Dir(file), "..", "..")
	}
	return "."
}

// Load parses the template at path.
func Load(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}

// Parse parses a template.
func Parse(raw []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	v, err := decode(&doc)
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	root := Map(v)
	t := &Template{
		Parameters: Map(root["Parameters"]),
		Globals:    Map(root["Globals"]),
		Resources:  map[string]Resource{},
		Outputs:    Map(root["Outputs"]),
	}
	for id, r := range Map(root["Resources"]) {
		rm := Map(r)
		t.Resources[id] = Resource{
			Type:       String(rm["Type"]),
			Properties: Map(rm["Properties"]),
			Metadata:   Map(rm["Metadata"]),
			Raw:        rm,
		}
	}
	return t, nil
}

// OfType lists the logical ids of a resource type, sorted.
func (t *Template) OfType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// FunctionType is the SAM function resource type.
const FunctionType = "AWS::Serverless::Function"

// Functions lists the function logical ids, sorted.
func (t *Template) Functions() []string { return t.OfType(FunctionType) }

// Env is a function's environment: Globals.Function's variables overlaid by
// its own, values unresolved.
func (t *Template) Env(id string) map[string]any {
	env := map[string]any{}
	for k, v := range Map(Map(Map(t.Globals["Function"])["Environment"])["Variables"]) {
		env[k] = v
	}
	for k, v := range Map(Map(t.Resources[id].Properties["Environment"])["Variables"]) {
		env[k] = v
	}
	return env
}

// ParameterDefault is a parameter's default as a string.
func (t *Template) ParameterDefault(name string) (string, bool) {
	p, ok := t.Parameters[name]
	if !ok {
		return "", false
	}
	d, ok := Map(p)["Default"]
	if !ok {
		return "", false
	}
	return fmt.Sprint(d), true
}

// Map is v as a mapping, or nil.
func Map(v any) map[string]any { m, _ := v.(map[string]any); return m }

// List is v as a sequence, or nil.
func List(v any) []any { l, _ := v.([]any); return l }

// String is v as a string, or "".
func String(v any) string { s, _ := v.(string); return s }

// Strings is a string or a list of strings as a list.
func Strings(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, e := range List(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

var shortTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!If": "Fn::If", "!Equals": "Fn::Equals", "!Not": "Fn::Not",
	"!And": "Fn::And", "!Or": "Fn::Or", "!FindInMap": "Fn::FindInMap", "!GetAZs": "Fn::GetAZs",
	"!ImportValue": "Fn::ImportValue", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr",
}

func decode(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return decode(n.Content[0])
	case yaml.AliasNode:
		return decode(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := decode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := decode(c)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		v = l
	case yaml.ScalarNode:
		if isCustomTag(n.Tag) {
			v = n.Value
		} else if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
	}
	long, ok := shortTags[n.Tag]
	if !ok {
		if isCustomTag(n.Tag) {
			return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
		}
		return v, nil
	}
	if long == "Fn::GetAtt" {
		if s, ok := v.(string); ok {
			parts := strings.SplitN(s, ".", 2)
			if len(parts) != 2 {
				return nil, fmt.Errorf("line %d: !GetAtt %q is not Resource.Attribute", n.Line, s)
			}
			v = []any{parts[0], parts[1]}
		}
	}
	return map[string]any{long: v}, nil
}

// isCustomTag: !Ref and friends, not YAML's own !!str, !!int, ...
func isCustomTag(tag string) bool {
	return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!")
}

// ErrNoMake is returned by MakeFunctions where make is not installed.
var ErrNoMake = errors.New("make is not installed")

var buildTarget = regexp.MustCompile(`^build-([A-Za-z0-9]+):`)

// MakeFunctions asks make (not a text search) what the Makefile at root
// defines: the FUNCTIONS list as LogicalId -> functions/ directory, and the
// LogicalIds of its build-<LogicalId> targets, sorted.
func MakeFunctions(root string) (functions map[string]string, targets []string, err error) {
	if _, err := exec.LookPath("make"); err != nil {
		return nil, nil, ErrNoMake
	}
	cmd := exec.Command("make", "--no-print-directory", "-C", root, "-p", "-n", "help")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("make -p: %w: %s", err, stderr.String())
	}
	functions = map[string]string{}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "FUNCTIONS := "); ok {
			for _, pair := range strings.Fields(v) {
				id, dir, ok := strings.Cut(pair, ":")
				if !ok {
					return nil, nil, fmt.Errorf("makefile FUNCTIONS entry %q is not LogicalId:directory", pair)
				}
				functions[id] = dir
			}
		}
		if m := buildTarget.FindStringSubmatch(line); m != nil {
			targets = append(targets, m[1])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(functions) == 0 {
		return nil, nil, errors.New("no FUNCTIONS variable in the Makefile")
	}
	sort.Strings(targets)
	return functions, targets, nil
}
