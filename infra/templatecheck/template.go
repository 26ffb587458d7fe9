// Package templatecheck keeps template.yaml in step with functions/, the
// Makefile and the store: its tests read the template with the local stack's
// parser (infra/dev: LoadTemplate, intrinsics as dev.Fn) and assert the
// least-privilege policies, the table shape, queues, bucket, gateway
// responses and public routes. RepoRoot and MakeFunctions are also used by
// the benchmarks (infra/bench).
package templatecheck

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
)

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
