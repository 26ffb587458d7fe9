package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// build compiles t for linux/arch with the Lambda build flags into
// dir/<arch>/<name>/bootstrap. The flags go through bash so their quoting
// is the Makefile's.
func build(root, dir, flags, arch string, t target) (string, error) {
	bin := filepath.Join(dir, arch, t.name, "bootstrap")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command("bash", "-c", `exec go build `+flags+` -o "$OUT" "$PKG"`)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "OUT="+bin, "PKG="+t.pkg)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s for %s: %w\n%s", t.pkg, arch, err, out)
	}
	return bin, nil
}

func benchSizes(out io.Writer, root, tmp string, o options, targets []target) error {
	fmt.Fprintf(out, "== Binary size (linux/%s bootstrap, as deployed)\n", o.arch)
	sizes := map[string]int64{}
	for _, t := range targets {
		bin, err := build(root, tmp, o.buildFlags, o.arch, t)
		if err != nil {
			return err
		}
		fi, err := os.Stat(bin)
		if err != nil {
			return err
		}
		sizes[t.name] = fi.Size()
	}
	w := table(out)
	fmt.Fprintln(w, "function\tbytes\tMiB\tvs baseline\t")
	for _, t := range targets {
		s := sizes[t.name]
		fmt.Fprintf(w, "%s\t%d\t%.1f\t%s\t\n", t.name, s, float64(s)/(1<<20), ratio(float64(s), float64(sizes["baseline"])))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return nil
}
