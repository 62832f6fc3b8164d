package js_test

import (
	"fmt"
	"strings"
	"testing"

	_ "github.com/stampede-load/stampede/js/k6/all"
	"github.com/stampede-load/stampede/js/modules"
)

// TestEveryModuleImports imports every registered module (the built-ins and
// extensions the binary ships) both ways scripts do, and reads every export.
func TestEveryModuleImports(t *testing.T) {
	t.Parallel()
	for _, name := range modules.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := fmt.Sprintf(`
				import * as ns from %[1]q;
				import def from %[1]q;
				const cjs = require(%[1]q);
				export default function () {
					if (def === undefined) throw new Error("no default export");
					if (cjs !== ns) throw new Error("require and import differ");
					for (const k of Object.keys(ns)) { if (ns[k] === undefined) throw new Error("export " + k + " is undefined") }
				}`, name)
			if err := runOnce(t, map[string]string{"script.js": src}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestHTTPInInitContext(t *testing.T) {
	t.Parallel()
	err := runOnce(t, map[string]string{"script.js": `import http from "k6/http"; http.get("http://127.0.0.1:9/"); export default function () {}`}, nil)
	if err == nil || !strings.Contains(err.Error(), "making HTTP requests in the init context is not supported") {
		t.Fatalf("err = %v", err)
	}
}
