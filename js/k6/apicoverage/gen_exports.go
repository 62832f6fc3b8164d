//go:build ignore

// gen_exports writes testdata/k6-exports.json: for each module the
// API-coverage test checks, the runtime names @types/k6 declares (exported
// functions, consts and non-abstract classes; types and interfaces are left
// out) and whether it declares a default export.
//
//	go generate ./js/k6/apicoverage              # npm pack @types/k6@$TYPES_K6_VERSION (default below)
//	go run gen_exports.go -types /tmp/typesk6/k6 # or an extracted package
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// modules maps each checked module to its declaration file in @types/k6.
var modules = map[string]string{
	"k6":           "index.d.ts",
	"k6/http":      "http/index.d.ts",
	"k6/metrics":   "metrics/index.d.ts",
	"k6/execution": "execution/index.d.ts",
	"k6/crypto":    "crypto/index.d.ts",
	"k6/encoding":  "encoding/index.d.ts",
	"k6/html":      "html/index.d.ts",
	"k6/data":      "data/index.d.ts",
	"k6/timers":    "timers/index.d.ts",
	"k6/secrets":   "secrets/index.d.ts",
}

var (
	valueExport   = regexp.MustCompile(`^export\s+(?:declare\s+)?(function|const|let|var|class|enum)\s+([A-Za-z_$][\w$]*)`)
	defaultExport = regexp.MustCompile(`^export\s+(?:\*\s+as\s+default\b|default\b)`)
	listExport    = regexp.MustCompile(`^export\s*\{([^}]*)\}`)
)

type module struct {
	Default bool     `json:"default"`
	Exports []string `json:"exports"`
}

type file struct {
	Source    string            `json:"source"`
	Generator string            `json:"generator"`
	Modules   map[string]module `json:"modules"`
}

func main() {
	typesDir := flag.String("types", "", "directory of an extracted @types/k6 package (default: npm pack it)")
	version := flag.String("version", envOr("TYPES_K6_VERSION", "2.3.0"), "@types/k6 version to npm pack")
	out := flag.String("out", "testdata/k6-exports.json", "output file")
	flag.Parse()
	dir := *typesDir
	if dir == "" {
		var err error
		if dir, err = npmPack(*version); err != nil {
			fail(err)
		}
		defer os.RemoveAll(filepath.Dir(dir))
	}
	ver, err := packageVersion(dir)
	if err != nil {
		fail(err)
	}
	f := file{
		Source:    "@types/k6@" + ver,
		Generator: "go generate ./js/k6/apicoverage (gen_exports.go)",
		Modules:   map[string]module{},
	}
	for name, rel := range modules {
		m, err := parse(filepath.Join(dir, rel))
		if err != nil {
			fail(fmt.Errorf("%s: %w", name, err))
		}
		f.Modules[name] = m
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		fail(err)
	}
}

func parse(path string) (module, error) {
	fh, err := os.Open(path)
	if err != nil {
		return module{}, err
	}
	defer fh.Close()
	var m module
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			m.Exports = append(m.Exports, n)
		}
	}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case defaultExport.MatchString(line):
			m.Default = true
		case valueExport.MatchString(line):
			add(valueExport.FindStringSubmatch(line)[2])
		case listExport.MatchString(line):
			for _, part := range strings.Split(listExport.FindStringSubmatch(line)[1], ",") {
				part = strings.TrimSpace(part)
				if strings.HasPrefix(part, "type ") {
					continue
				}
				if _, alias, ok := strings.Cut(part, " as "); ok {
					part = strings.TrimSpace(alias)
				}
				if part == "default" {
					m.Default = true
					continue
				}
				add(part)
			}
		}
	}
	sort.Strings(m.Exports)
	return m, sc.Err()
}

func npmPack(version string) (string, error) {
	tmp, err := os.MkdirTemp("", "typesk6")
	if err != nil {
		return "", err
	}
	cmd := exec.Command("npm", "pack", "--silent", "@types/k6@"+version)
	cmd.Dir = tmp
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("npm pack @types/k6@%s: %w", version, err)
	}
	tgz := filepath.Join(tmp, strings.TrimSpace(string(outb)))
	if err := untar(tgz, tmp); err != nil {
		return "", err
	}
	return filepath.Join(tmp, "package"), nil
}

func untar(tgz, dst string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if h.Typeflag != tar.TypeReg || strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			continue
		}
		// npm packs the files under "package/"; @types tarballs use the package name.
		if i := strings.IndexByte(name, '/'); i > 0 {
			name = filepath.Join("package", name[i+1:])
		}
		p := filepath.Join(dst, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		out, err := os.Create(p)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
}

func packageVersion(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return "", err
	}
	var p struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return "", err
	}
	return p.Version, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen_exports:", err)
	os.Exit(1)
}
