package js

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/internal/compiler"
	"github.com/stampede-load/stampede/js/jslib"
)

// ErrRemoteModule is wrapped by the error for an import of a remote URL that
// is not one of the embedded jslib modules.
var ErrRemoteModule = errors.New("remote modules are not supported")

// ErrModuleNotFound is wrapped by the error for an import that names no
// built-in module, extension or local file.
var ErrModuleNotFound = errors.New("module not found")

// specKind is what a module specifier resolved to.
type specKind uint8

const (
	specBuiltin specKind = iota // k6, k6/..., k6/x/...
	specFile                    // a local file (file:// URL)
	specJSLib                   // an embedded jslib.k6.io module
)

// loader resolves module specifiers, compiles each module once and caches
// the programs and the files open() reads for every VU. It is safe for
// concurrent use.
type loader struct {
	fs fs.FS

	mu       sync.Mutex
	programs map[string]*programEntry
	files    map[string]*fileEntry
}

type programEntry struct {
	once sync.Once
	prg  *sobek.Program
	err  error
	// opens: the source may read its open parameter (it says "open", or
	// "eval", through which it could); otherwise the VU passes undefined
	// and need not make its open() function for it.
	opens bool
}

type fileEntry struct {
	once sync.Once
	data string
	err  error
}

func newLoader(fsys fs.FS) *loader {
	return &loader{
		fs:       fsys,
		programs: make(map[string]*programEntry),
		files:    make(map[string]*fileEntry),
	}
}

func isBuiltin(spec string) bool { return spec == "k6" || strings.HasPrefix(spec, "k6/") }

// resolve turns spec, imported from the module at base, into what to load.
// For built-ins the returned string is the module name; otherwise the URL.
func resolve(base *url.URL, spec string) (specKind, *url.URL, error) {
	switch {
	case isBuiltin(spec):
		return specBuiltin, nil, nil
	case strings.HasPrefix(spec, "https://") || strings.HasPrefix(spec, "http://"):
		u, err := url.Parse(spec)
		if err != nil {
			return 0, nil, fmt.Errorf("invalid module URL %q: %w", spec, err)
		}
		if jslib.Has(u) {
			return specJSLib, u, nil
		}
		return 0, nil, fmt.Errorf("%w: cannot load %q: Stampede does not download modules while loading a script; save the file next to your script and import it by its relative path (for example \"./%s\")",
			ErrRemoteModule, spec, path.Base(u.Path))
	case strings.HasPrefix(spec, "file://"):
		u, err := url.Parse(spec)
		if err != nil {
			return 0, nil, fmt.Errorf("invalid module URL %q: %w", spec, err)
		}
		return specFile, u, nil
	case strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") || strings.HasPrefix(spec, "/"):
		if base == nil || base.Scheme != "file" {
			if strings.HasPrefix(spec, "/") {
				return specFile, &url.URL{Scheme: "file", Path: path.Clean(spec)}, nil
			}
			return 0, nil, fmt.Errorf("%w: cannot resolve %q relative to %v: only local files can import relative paths", ErrModuleNotFound, spec, base)
		}
		u := &url.URL{Scheme: "file", Path: path.Join(path.Dir(base.Path), spec)}
		if strings.HasPrefix(spec, "/") {
			u.Path = path.Clean(spec)
		}
		return specFile, u, nil
	default:
		return 0, nil, fmt.Errorf("%w: %q is not a k6 module, a registered extension (k6/x/...) or a local file; "+
			"local files are imported by a path starting with ./, ../ or /, and npm packages must be bundled first", ErrModuleNotFound, spec)
	}
}

// fsPath is the path of a file URL in the loader's file system.
func fsPath(u *url.URL) string {
	p := strings.TrimPrefix(u.Path, "/")
	if p == "" {
		return "."
	}
	return p
}

// program returns the compiled program of the module at u, compiling it on
// first use. src, when non-nil, is the module's source (the main script
// given inline).
func (l *loader) program(kind specKind, u *url.URL, src []byte) (prg *sobek.Program, opens bool, err error) {
	key := u.String()
	l.mu.Lock()
	e, ok := l.programs[key]
	if !ok {
		e = &programEntry{}
		l.programs[key] = e
	}
	l.mu.Unlock()
	e.once.Do(func() {
		var code string
		switch {
		case src != nil:
			code = string(src)
		case kind == specJSLib:
			code, _ = jslib.Source(u)
		default:
			b, err := fs.ReadFile(l.fs, fsPath(u))
			if err != nil {
				e.err = fmt.Errorf("%w: cannot read %s: %w", ErrModuleNotFound, displayURL(u), unwrapPathError(err))
				return
			}
			code = string(b)
		}
		e.prg, e.err = compiler.Compile(key, code, compiler.LoaderFor(u.Path))
		e.opens = strings.Contains(code, "open") || strings.Contains(code, "eval")
	})
	return e.prg, e.opens, e.err
}

// readFile returns the content of the file at u (for open()), reading it
// once for all VUs.
func (l *loader) readFile(u *url.URL) (string, error) {
	key := u.String()
	l.mu.Lock()
	e, ok := l.files[key]
	if !ok {
		e = &fileEntry{}
		l.files[key] = e
	}
	l.mu.Unlock()
	e.once.Do(func() {
		b, err := fs.ReadFile(l.fs, fsPath(u))
		if err != nil {
			e.err = fmt.Errorf("open(): cannot read %s: %w", displayURL(u), unwrapPathError(err))
			return
		}
		e.data = string(b)
	})
	return e.data, e.err
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// displayURL renders a file URL as its path, other URLs as they are.
func displayURL(u *url.URL) string {
	if u.Scheme == "file" {
		return u.Path
	}
	return u.String()
}
