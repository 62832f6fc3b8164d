package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// ErrUnsupportedModule is wrapped by Bundle's error when the script imports
// a k6/... module that stock k6 does not have and that has no shim.
var ErrUnsupportedModule = errors.New("module not available on stock k6")

// ErrBuild is wrapped by Bundle's error when esbuild cannot build the
// script: a syntax error, an import that cannot be resolved, and so on.
var ErrBuild = errors.New("bundling failed")

// Options tune Bundle. The zero value gives a readable (not minified) bundle
// without a source map.
type Options struct {
	// Minify shrinks whitespace, identifiers and syntax.
	Minify bool
	// SourceMap appends an inline source map, so that stack traces point at
	// the original files.
	SourceMap bool
	// Warn receives each esbuild warning as "file:line:column: text"; nil
	// drops them.
	Warn func(msg string)
}

// shimNamespace is the esbuild namespace of the embedded shims.
const shimNamespace = "stampede-shim"

// Bundle reads the script at entry (JavaScript or TypeScript) and every file
// it imports and returns one ES module for stock k6: local imports inlined,
// k6/x/stripe, k6/x/prom and k6/x/queue replaced by the shims, stock k6
// modules and remote (http/https) imports left as imports. Errors wrap
// ErrUnsupportedModule, ErrBuild, or the file system's error for entry.
func Bundle(entry string, opts Options) ([]byte, error) {
	abs, err := filepath.Abs(entry)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", entry, err)
	}
	if st, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("bundle: reading the entry script: %w", err)
	} else if st.IsDir() {
		return nil, fmt.Errorf("bundle: entry %s is a directory, not a script", entry)
	}
	build := api.BuildOptions{
		EntryPoints:   []string{abs},
		AbsWorkingDir: filepath.Dir(abs),
		Bundle:        true,
		Write:         false,
		Outfile:       filepath.Join(filepath.Dir(abs), "bundle.js"),
		Format:        api.FormatESModule,
		Platform:      api.PlatformNeutral,
		// The neutral platform resolves no package.json main field by
		// default; these make ordinary npm packages bundle.
		MainFields: []string{"module", "main"},
		Target:     api.ESNext,
		// Stock k6 runs on sobek, which lacks these (as in js/internal/compiler).
		Supported: map[string]bool{
			"async-generator": false,
			"for-await":       false,
		},
		Charset:       api.CharsetUTF8,
		LegalComments: api.LegalCommentsInline,
		LogLevel:      api.LogLevelSilent,
		Banner: map[string]string{
			"js": fmt.Sprintf("// Bundled by `stampede bundle` from %s for stock k6 (k6 run / k6 cloud run).\n"+
				"// Imports of k6/x/stripe, k6/x/prom and k6/x/queue are replaced by Stampede's pure-JS shims.", filepath.Base(abs)),
		},
		Plugins: []api.Plugin{k6Plugin()},
	}
	if opts.Minify {
		build.MinifyWhitespace, build.MinifyIdentifiers, build.MinifySyntax = true, true, true
	}
	if opts.SourceMap {
		build.Sourcemap = api.SourceMapInline
		build.SourcesContent = api.SourcesContentInclude
	}
	res := api.Build(build)
	if opts.Warn != nil {
		for _, w := range res.Warnings {
			opts.Warn(messageText(w))
		}
	}
	if len(res.Errors) > 0 {
		errs := make([]error, 0, len(res.Errors))
		for _, m := range res.Errors {
			errs = append(errs, messageError(m))
		}
		return nil, fmt.Errorf("bundle %s: %w", entry, errors.Join(errs...))
	}
	for _, f := range res.OutputFiles {
		if strings.HasSuffix(f.Path, ".js") {
			return f.Contents, nil
		}
	}
	return nil, fmt.Errorf("bundle %s: %w: esbuild produced no JavaScript output", entry, ErrBuild)
}

// k6Plugin resolves every k6/... import: stock modules stay external, the
// three k6/x modules with a shim load the shim, anything else is an error.
// Remote URLs stay external. The shims' relative imports resolve to the
// embedded files.
func k6Plugin() api.Plugin {
	return api.Plugin{
		Name: "stampede-k6",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^https?://`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: args.Path, External: true}, nil
			})
			b.OnResolve(api.OnResolveOptions{Filter: `^k6(/|$)`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				res, err := resolveK6(args.Path)
				if err != nil {
					// An error message rather than a returned error, so that
					// the error itself comes back in Detail for errors.Is.
					return api.OnResolveResult{Errors: []api.Message{{Text: err.Error(), Detail: err}}}, nil
				}
				return res, nil
			})
			b.OnResolve(api.OnResolveOptions{Filter: `^\./[A-Za-z0-9_]+\.js$`, Namespace: shimNamespace}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				// A shim's helper, e.g. "./_common.js": a file of shims/.
				p := "shims/" + strings.TrimPrefix(args.Path, "./")
				if _, err := shimFS.ReadFile(p); err != nil {
					return api.OnResolveResult{}, fmt.Errorf("shim %s imports %s, which is not embedded", args.Importer, args.Path)
				}
				return api.OnResolveResult{Path: p, Namespace: shimNamespace}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: shimNamespace}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				// Paths are module names ("k6/x/queue", so the bundle's
				// section comments name the module) or helper files.
				p := args.Path
				if file, ok := shimFiles[p]; ok {
					p = "shims/" + file
				}
				src, err := shimFS.ReadFile(p)
				if err != nil {
					return api.OnLoadResult{}, fmt.Errorf("loading shim %s: %w", args.Path, err)
				}
				s := string(src)
				return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
			})
		},
	}
}

// resolveK6 decides what a "k6" or "k6/..." import becomes.
func resolveK6(name string) (api.OnResolveResult, error) {
	if IsStockModule(name) {
		return api.OnResolveResult{Path: name, External: true}, nil
	}
	if _, ok := shimFiles[name]; ok {
		return api.OnResolveResult{Path: name, Namespace: shimNamespace}, nil
	}
	if strings.HasPrefix(name, "k6/x/") {
		return api.OnResolveResult{}, fmt.Errorf("%w: %s is a k6 extension that stock k6 lacks and Stampede has no pure-JS shim for (shims exist for %s); build k6 with xk6 to use it, or remove the import",
			ErrUnsupportedModule, name, strings.Join(Shims(), ", "))
	}
	return api.OnResolveResult{}, fmt.Errorf("%w: %s is not a module of stock k6 (it has %s)",
		ErrUnsupportedModule, name, strings.Join(StockModules, ", "))
}

// messageText renders an esbuild message as "file:line:column: text".
func messageText(m api.Message) string {
	if m.Location == nil {
		return m.Text
	}
	return fmt.Sprintf("%s:%d:%d: %s", m.Location.File, m.Location.Line, m.Location.Column+1, m.Text)
}

// messageError turns an esbuild error into an error that wraps the plugin's
// own error (kept in Detail by esbuild) or ErrBuild.
func messageError(m api.Message) error {
	if err, ok := m.Detail.(error); ok {
		if m.Location == nil {
			return err
		}
		return &locatedError{loc: fmt.Sprintf("%s:%d:%d", m.Location.File, m.Location.Line, m.Location.Column+1), err: err}
	}
	return fmt.Errorf("%w: %s", ErrBuild, messageText(m))
}

// locatedError is an error at a place in a source file.
type locatedError struct {
	loc string
	err error
}

func (e *locatedError) Error() string { return e.loc + ": " + e.err.Error() }
func (e *locatedError) Unwrap() error { return e.err }
