package bundle_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/stampede-load/stampede/bundle"
)

// scenarios are the QA scenarios of scripts/, which import ./lib/*.js and
// the three k6/x modules.
var scenarios = []string{"queue-concurrency.js", "video-session-sustain.js", "token-purchase-spike.js"}

// shimModules are what the shims may import: the modules stock k6 has that
// the issue lists.
var shimModules = []string{"k6", "k6/crypto", "k6/data", "k6/encoding", "k6/execution", "k6/http", "k6/metrics", "k6/timers"}

func scenarioPath(name string) string { return filepath.Join("..", "scripts", name) }

// imported is one import statement of a bundle.
type imported struct {
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	External bool   `json:"external"`
}

// analyse parses a bundle with esbuild and returns every import it makes
// (of any kind: import, require, dynamic import) and its exports.
func analyse(t *testing.T, code []byte) (imports []imported, exports []string) {
	t.Helper()
	res := api.Build(api.BuildOptions{
		Stdin:    &api.StdinOptions{Contents: string(code), Sourcefile: "bundle.js", Loader: api.LoaderJS},
		Bundle:   true,
		Write:    false,
		Outfile:  "out.js",
		Format:   api.FormatESModule,
		Platform: api.PlatformNeutral,
		Metafile: true,
		LogLevel: api.LogLevelSilent,
		Plugins: []api.Plugin{{Name: "all-external", Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: a.Path, External: true}, nil
			})
		}}},
	})
	if len(res.Errors) > 0 {
		t.Fatalf("the bundle does not parse: %+v", res.Errors[0])
	}
	var meta struct {
		Inputs map[string]struct {
			Imports []imported `json:"imports"`
		} `json:"inputs"`
		Outputs map[string]struct {
			Exports []string `json:"exports"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		t.Fatal(err)
	}
	for _, in := range meta.Inputs {
		imports = append(imports, in.Imports...)
	}
	for _, out := range meta.Outputs {
		exports = append(exports, out.Exports...)
	}
	sort.Strings(exports)
	return imports, exports
}

func TestBundleScenariosImportOnlyStockK6(t *testing.T) {
	for _, name := range scenarios {
		t.Run(name, func(t *testing.T) {
			out, err := bundle.Bundle(scenarioPath(name), bundle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			imports, exports := analyse(t, out)
			if len(imports) == 0 {
				t.Fatal("the bundle imports nothing; it should import k6 modules")
			}
			for _, imp := range imports {
				if imp.Kind != "import-statement" {
					t.Errorf("import %q is a %s; a bundle for k6 should only have import statements", imp.Path, imp.Kind)
				}
				if !slices.Contains(shimModules, imp.Path) {
					t.Errorf("the bundle imports %q, which is not one of the stock k6 modules %v", imp.Path, shimModules)
				}
			}
			for _, want := range []string{"default", "options", "setup", "teardown"} {
				if !slices.Contains(exports, want) {
					t.Errorf("the bundle does not export %s (exports: %v)", want, exports)
				}
			}
			for _, gone := range []string{"k6/x/", "./lib/"} {
				if strings.Contains(string(out), `"`+gone) || strings.Contains(string(out), `'`+gone) {
					t.Errorf("the bundle still mentions %q", gone)
				}
			}
			// Every scenario uses the queue and the stripe shims (and prom via lib/prom.js).
			for _, shim := range []string{"queue_join_latency", "prom_query_errors", `"Stripe-Signature"`} {
				if !strings.Contains(string(out), shim) {
					t.Errorf("the bundle lacks %s: a shim was not inlined", shim)
				}
			}
		})
	}
}

// writeScripts writes files (name -> source) into a new temporary directory
// and returns it.
func writeScripts(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBundle(t *testing.T) {
	const jslib = "https://jslib.k6.io/k6-utils/1.4.0/index.js"
	tests := []struct {
		name    string
		files   map[string]string
		entry   string
		opts    bundle.Options
		wantErr error    // errors.Is
		errHas  []string // substrings of the error
		imports []string // exact set of imports of the bundle
		has     []string // substrings of the bundle
		hasNot  []string
	}{
		{
			name: "local imports are inlined, k6 stays",
			files: map[string]string{
				"main.js":     "import { sleep } from 'k6';\nimport { twice } from './lib/a.js';\nexport default function () { sleep(twice(1)); }\n",
				"lib/a.js":    "import { one } from './b.js';\nexport function twice(x) { return 2 * x * one; }\n",
				"lib/b.js":    "export const one = 1;\n",
				"unused.js":   "this is not javascript",
				"lib/data.js": "export const unused = true;\n",
			},
			imports: []string{"k6"},
			has:     []string{"function twice(x)", "var one = 1"},
		},
		{
			name: "remote modules are left as they are",
			files: map[string]string{
				"main.js": "import { randomIntBetween } from '" + jslib + "';\nimport http from 'k6/http';\n" +
					"export default function () { http.get('http://127.0.0.1/' + randomIntBetween(1, 2)); }\n",
			},
			imports: []string{jslib, "k6/http"},
			has:     []string{`from "` + jslib + `"`},
		},
		{
			name: "only the imported shim is inlined",
			files: map[string]string{
				"main.js": "import stripe from 'k6/x/stripe';\nexport default function () { return stripe.sign('{}', 'whsec_x'); }\n",
			},
			imports: []string{"k6/crypto", "k6/http"},
			has:     []string{"stampede-shim:k6/x/stripe", "createHMAC"},
			hasNot:  []string{"queue_join_latency", "prom_query_errors"},
		},
		{
			name: "named imports of a shim",
			files: map[string]string{
				"main.js": "import { Client } from 'k6/x/queue';\nimport { sign } from 'k6/x/stripe';\n" +
					"const q = new Client({ baseUrl: 'http://127.0.0.1:1' });\nexport default function () { q.status({ token: sign('x', 'y') }); }\n",
			},
			imports: []string{"k6", "k6/crypto", "k6/http", "k6/metrics"},
			has:     []string{"queue_join_latency", "stampede-shim:k6/x/queue"},
		},
		{
			name: "TypeScript entry",
			files: map[string]string{
				"main.ts": "import { check } from 'k6';\ninterface U { id: string }\nconst u: U = { id: 'a' };\nexport default function (): void { check(u, { ok: (x: U) => x.id === 'a' }); }\n",
			},
			entry:   "main.ts",
			imports: []string{"k6"},
			hasNot:  []string{"interface", ": U"},
		},
		{
			name:    "minified",
			files:   map[string]string{"main.js": "import { sleep } from 'k6';\nexport default function () {\n  const longVariableName = 1;\n  sleep(longVariableName);\n}\n"},
			opts:    bundle.Options{Minify: true},
			imports: []string{"k6"},
			hasNot:  []string{"longVariableName"},
		},
		{
			name:    "source map",
			files:   map[string]string{"main.js": "import { sleep } from 'k6';\nexport default function () { sleep(1); }\n"},
			opts:    bundle.Options{SourceMap: true},
			imports: []string{"k6"},
			has:     []string{"//# sourceMappingURL=data:application/json;base64,"},
		},
		{
			name:    "an extension without shim",
			files:   map[string]string{"main.js": "import sql from 'k6/x/sql';\nexport default function () { sql.open(); }\n"},
			wantErr: bundle.ErrUnsupportedModule,
			errHas:  []string{"main.js:1:", "k6/x/sql", "k6/x/prom, k6/x/queue, k6/x/stripe", "xk6"},
		},
		{
			name:    "a k6 module stock k6 lacks",
			files:   map[string]string{"main.js": "import x from 'k6/experimental/nope';\nexport default function () { x(); }\n"},
			wantErr: bundle.ErrUnsupportedModule,
			errHas:  []string{"k6/experimental/nope is not a module of stock k6"},
		},
		{
			name:    "a missing local file",
			files:   map[string]string{"main.js": "import { a } from './lib/missing.js';\nexport default function () { a(); }\n"},
			wantErr: bundle.ErrBuild,
			errHas:  []string{"main.js:1:", "./lib/missing.js"},
		},
		{
			name:    "a syntax error",
			files:   map[string]string{"main.js": "export default function () {\n  let = ;\n}\n"},
			wantErr: bundle.ErrBuild,
			errHas:  []string{"main.js:2:"},
		},
		{
			name:    "every error is reported",
			files:   map[string]string{"main.js": "import a from 'k6/x/one';\nimport b from 'k6/x/two';\nexport default function () { a(); b(); }\n"},
			wantErr: bundle.ErrUnsupportedModule,
			errHas:  []string{"k6/x/one", "k6/x/two"},
		},
		{
			name:    "a missing entry",
			files:   map[string]string{},
			entry:   "nope.js",
			wantErr: fs.ErrNotExist,
			errHas:  []string{"nope.js"},
		},
		{
			name:    "a directory entry",
			files:   map[string]string{"dir/a.js": ""},
			entry:   "dir",
			errHas:  []string{"is a directory"},
			wantErr: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeScripts(t, tt.files)
			entry := tt.entry
			if entry == "" {
				entry = "main.js"
			}
			out, err := bundle.Bundle(filepath.Join(dir, entry), tt.opts)
			if tt.wantErr != nil || len(tt.errHas) > 0 {
				if err == nil {
					t.Fatalf("no error; bundle:\n%s", out)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %q does not wrap %v", err, tt.wantErr)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			imports, _ := analyse(t, out)
			var got []string
			for _, imp := range imports {
				if !slices.Contains(got, imp.Path) {
					got = append(got, imp.Path)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, tt.imports) {
				t.Errorf("imports = %v, want %v", got, tt.imports)
			}
			for _, s := range tt.has {
				if !strings.Contains(string(out), s) {
					t.Errorf("the bundle lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(string(out), s) {
					t.Errorf("the bundle contains %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestBundleWarnings(t *testing.T) {
	dir := writeScripts(t, map[string]string{"main.js": "export const options = { vus: 1, vus: 2 };\nexport default function () {}\n"})
	var (
		mu       sync.Mutex
		warnings []string
	)
	_, err := bundle.Bundle(filepath.Join(dir, "main.js"), bundle.Options{Warn: func(m string) {
		mu.Lock()
		warnings = append(warnings, m)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !regexp.MustCompile(`main\.js:1:\d+: .*[Dd]uplicate key "vus"`).MatchString(warnings[0]) {
		t.Fatalf("warnings = %q, want one about the duplicate key with its position", warnings)
	}
}

// The bundle is a pure function of its inputs: two runs give the same bytes.
func TestBundleDeterministic(t *testing.T) {
	a, err := bundle.Bundle(scenarioPath(scenarios[0]), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Bundle(scenarioPath(scenarios[0]), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Fatal("two bundles of the same script differ")
	}
}

func TestStockModules(t *testing.T) {
	if !slices.IsSorted(bundle.StockModules) {
		t.Fatal("StockModules must stay sorted (IsStockModule searches it)")
	}
	for _, m := range shimModules {
		if !bundle.IsStockModule(m) {
			t.Errorf("IsStockModule(%q) = false", m)
		}
	}
	for _, m := range []string{"k6/x/stripe", "k6/x", "k6/", "k6/httpx", "http", ""} {
		if bundle.IsStockModule(m) {
			t.Errorf("IsStockModule(%q) = true", m)
		}
	}
	for m, want := range map[string]bool{"https://jslib.k6.io/a.js": true, "http://example.com/a.js": true, "k6/http": false, "./https://x": false} {
		if got := bundle.IsRemoteModule(m); got != want {
			t.Errorf("IsRemoteModule(%q) = %v", m, got)
		}
	}
}

func TestShimSource(t *testing.T) {
	want := []string{"k6/x/prom", "k6/x/queue", "k6/x/stripe"}
	if got := bundle.Shims(); !slices.Equal(got, want) {
		t.Fatalf("Shims() = %v, want %v", got, want)
	}
	for _, name := range want {
		src, ok := bundle.ShimSource(name)
		if !ok || !strings.Contains(src, "export default") {
			t.Errorf("ShimSource(%q) = %d bytes, %v", name, len(src), ok)
		}
	}
	if _, ok := bundle.ShimSource("k6/x/sql"); ok {
		t.Error("ShimSource(k6/x/sql) found a shim")
	}
}
