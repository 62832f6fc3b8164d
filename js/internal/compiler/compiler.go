package compiler

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/grafana/sobek"
	"github.com/grafana/sobek/parser"
)

// Loader says how a file's source is read.
type Loader uint8

// The supported loaders.
const (
	JS   Loader = iota // JavaScript: ES module or CommonJS
	TS                 // TypeScript (types stripped)
	JSON               // a JSON document: module.exports is its value
)

// LoaderFor picks the loader from a file name's extension: .ts/.mts/.cts are
// TypeScript, .json is JSON, everything else JavaScript.
func LoaderFor(name string) Loader {
	switch {
	case strings.HasSuffix(name, ".ts"), strings.HasSuffix(name, ".mts"), strings.HasSuffix(name, ".cts"):
		return TS
	case strings.HasSuffix(name, ".json"):
		return JSON
	default:
		return JS
	}
}

// WrapperParams are the parameters of the function every compiled file is
// wrapped in (the program evaluates to that function): the CommonJS
// bindings, then the interop helpers HelperValues returns.
var WrapperParams = append([]string{"module", "exports", "require", "open", "__filename", "__dirname"}, helperNames...)

var wrapperHead = "(function (" + strings.Join(WrapperParams, ", ") + ") {\n"

// Transform converts src to CommonJS wrapped in the module function, with an
// inline source map pointing at name. name should be the file's URL
// (file:///path/script.js) as it appears in error messages.
func Transform(name, src string, loader Loader) (string, error) {
	opts := api.TransformOptions{
		Sourcefile:     name,
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentExclude,
		Format:         api.FormatCommonJS,
		Platform:       api.PlatformNeutral,
		Target:         api.ESNext,
		Supported:      unsupported,
		LogLevel:       api.LogLevelSilent,
		Charset:        api.CharsetUTF8,
	}
	switch loader {
	case TS:
		opts.Loader = api.LoaderTS
	case JSON:
		opts.Loader = api.LoaderJSON
	default:
		opts.Loader = api.LoaderJS
	}
	res := api.Transform(src, opts)
	if len(res.Errors) > 0 {
		return "", transformError(name, res.Errors)
	}
	code, stripped := stripHelpers(string(res.Code))
	if stripped > 0 {
		code = lazyExports(code)
	}
	sm, err := shiftSourceMap(res.Map, stripped)
	if err != nil {
		return "", fmt.Errorf("%s: source map: %w", name, err)
	}
	var b strings.Builder
	b.Grow(len(wrapperHead) + len(code) + len(sm)*4/3 + 64)
	b.WriteString(wrapperHead)
	b.WriteString(code)
	if len(code) > 0 && code[len(code)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString("//# sourceMappingURL=data:application/json;charset=utf-8;base64,")
	b.WriteString(base64.StdEncoding.EncodeToString(sm))
	b.WriteString("\n})")
	return b.String(), nil
}

// unsupported lists syntax esbuild must lower because sobek lacks it.
var unsupported = map[string]bool{
	"async-generator": false,
	"for-await":       false,
}

// shiftSourceMap accounts for the wrapper's first line (one more generated
// line without mappings) and for the stripped helper lines (gone).
func shiftSourceMap(m []byte, strippedLines int) ([]byte, error) {
	var sm map[string]any
	if err := json.Unmarshal(m, &sm); err != nil {
		return nil, err
	}
	mappings, _ := sm["mappings"].(string)
	for range strippedLines {
		i := strings.IndexByte(mappings, ';')
		if i < 0 {
			return nil, errors.New("stripped helper lines have no mapping lines")
		}
		if i != 0 {
			return nil, errors.New("a stripped helper line has mappings")
		}
		mappings = mappings[1:]
	}
	shifted, err := shiftColumns(mappings)
	if err != nil {
		return nil, err
	}
	sm["mappings"] = ";" + shifted
	return json.Marshal(sm)
}

// SyntaxError is a transform error at a position of the original source.
type SyntaxError struct {
	File   string
	Line   int // 1-based
	Column int // 1-based
	Msg    string
}

// Error renders "file:line:column: message".
func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

func transformError(name string, msgs []api.Message) error {
	m := msgs[0]
	e := &SyntaxError{File: name, Msg: m.Text}
	if strings.Contains(m.Text, "Top-level await") {
		e.Msg = "top-level await is not supported: move the await into an async function (the default function, setup or a helper)"
	}
	if m.Location != nil {
		e.Line = m.Location.Line
		e.Column = m.Location.Column + 1
	}
	if len(msgs) > 1 {
		e.Msg += fmt.Sprintf(" (and %d more errors)", len(msgs)-1)
	}
	return e
}

// Compile transforms src and compiles it. The program evaluates to the module
// function with WrapperParams. It is safe to share between VUs.
func Compile(name, src string, loader Loader) (*sobek.Program, error) {
	code, err := Transform(name, src, loader)
	if err != nil {
		return nil, err
	}
	ast, err := sobek.Parse(name, code, parser.WithSourceMapLoader(noExternalSourceMaps))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	prg, err := sobek.CompileAST(ast, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return prg, nil
}

func noExternalSourceMaps(path string) ([]byte, error) {
	return nil, fmt.Errorf("external source map %q is not loaded", path)
}
