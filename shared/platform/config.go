package platform

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env reads typed configuration from environment variables and collects every
// problem, so a function fails at init with one message naming all of them.
type Env struct {
	lookup   func(string) (string, bool)
	problems []string
}

// NewEnv reads the process environment.
func NewEnv() *Env { return &Env{lookup: os.LookupEnv} }

// EnvFrom reads a map, for tests.
func EnvFrom(m map[string]string) *Env {
	return &Env{lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

// String is a required, non-empty variable.
func (e *Env) String(name string) string {
	v, ok := e.lookup(name)
	if !ok || strings.TrimSpace(v) == "" {
		e.problems = append(e.problems, name+" is required")
		return ""
	}
	return v
}

// StringOr is an optional variable with a default.
func (e *Env) StringOr(name, def string) string {
	if v, ok := e.lookup(name); ok && v != "" {
		return v
	}
	return def
}

// Int is an optional integer variable with a default.
func (e *Env) Int(name string, def int) int {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.problems = append(e.problems, name+" must be an integer")
		return def
	}
	return n
}

// Bool is an optional boolean variable with a default.
func (e *Env) Bool(name string, def bool) bool {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.problems = append(e.problems, name+" must be a boolean")
		return def
	}
	return b
}

// Duration is an optional Go duration variable with a default.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.problems = append(e.problems, name+" must be a duration such as 30s")
		return def
	}
	return d
}

// Err reports every missing or malformed variable at once.
func (e *Env) Err() error {
	if len(e.problems) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %s", strings.Join(e.problems, "; "))
}
