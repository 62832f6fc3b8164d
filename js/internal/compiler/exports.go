package compiler

import (
	"regexp"
	"strings"
)

// An ES module converted by esbuild publishes its exports with
//
//	var x_exports = {};
//	__export(x_exports, {
//	  a: () => a,
//	  default: () => x_default
//	});
//	module.exports = __toCommonJS(x_exports);
//
// which creates one getter function per export, per VU (about 1.5 KB each in
// sobek). lazyExports rewrites that block, line for line so the source map
// still fits, into one function for all of them:
//
//	var x_exports = {};
//	__export(x_exports, (k) => { switch (k) {
//	  case "a": return a;
//	  case "default": return x_default;
//	} }, "a,default");
//	module.exports = __toCommonJS(x_exports);
//
// The native __export and __toCommonJS (HelperValues) then make
// module.exports an object that reads each export through that function:
// still a live binding, without a function object per export. The names
// are one string constant of the program, shared by every VU (an array
// literal would be a new array in each); when an export's name is a quoted
// string, which may hold any character, they are an array of strings. The rewrite
// is only done when the block has exactly this shape and the exports object
// is not used anywhere else.

var (
	exportsHead = regexp.MustCompile(`^var ([A-Za-z_$][\w$]*) = \{\};\n__export\(([A-Za-z_$][\w$]*), \{\n`)
	exportEntry = regexp.MustCompile(`^  ([A-Za-z_$][\w$]*|"(?:[^"\\\n]|\\.)*"): \(\) => ([A-Za-z_$][\w$]*),?$`)
)

func lazyExports(code string) string {
	m := exportsHead.FindStringSubmatch(code)
	if m == nil || m[1] != m[2] {
		return code
	}
	name := m[1]
	rest := code[len(m[0]):]
	end := strings.Index(rest, "\n});\n")
	if end < 0 {
		return code
	}
	entries := strings.Split(rest[:end], "\n")
	tail := rest[end+len("\n});\n"):]
	cjs := "module.exports = __toCommonJS(" + name + ");\n"
	if !strings.HasPrefix(tail, cjs) {
		return code
	}
	uses := regexp.MustCompile(`(^|[^\w$])` + regexp.QuoteMeta(name) + `($|[^\w$])`)
	if len(uses.FindAllStringIndex(code, -1)) != 3 {
		return code
	}
	var b strings.Builder
	b.Grow(len(code) + 16*len(entries))
	b.WriteString("var " + name + " = {};\n__export(" + name + ", (k) => { switch (k) {\n")
	keys := make([]string, 0, len(entries))
	quoted := false
	for _, line := range entries {
		e := exportEntry.FindStringSubmatch(line)
		if e == nil {
			return code
		}
		key := e[1]
		if strings.HasPrefix(key, `"`) {
			quoted = true
		} else {
			key = `"` + key + `"`
		}
		keys = append(keys, key)
		b.WriteString("  case " + key + ": return " + e[2] + ";\n")
	}
	if quoted {
		b.WriteString("} }, [" + strings.Join(keys, ", ") + "]);\n")
	} else {
		// Identifiers only: no comma in any of them.
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = strings.Trim(k, `"`)
		}
		b.WriteString("} }, \"" + strings.Join(names, ",") + "\");\n")
	}
	b.WriteString(tail)
	return b.String()
}
