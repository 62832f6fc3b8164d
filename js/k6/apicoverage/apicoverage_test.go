package apicoverage

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/grafana/sobek"

	_ "github.com/stampede-load/stampede/js/k6/all" // every built-in module
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/js/modulestest"
)

// notSupported lists names @types/k6 declares that Stampede does not export
// yet, with the reason. Keep it short: adding a name here needs a reason a
// reviewer accepts.
var notSupported = map[string]map[string]string{}

type expectedModule struct {
	Default bool     `json:"default"`
	Exports []string `json:"exports"`
}

func loadExpected(t *testing.T) (string, map[string]expectedModule) {
	t.Helper()
	b, err := os.ReadFile("testdata/k6-exports.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Source  string                    `json:"source"`
		Modules map[string]expectedModule `json:"modules"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Modules) == 0 {
		t.Fatal("testdata/k6-exports.json lists no module")
	}
	return f.Source, f.Modules
}

func TestBuiltinModulesExportWhatTypesK6Declares(t *testing.T) {
	source, expected := loadExpected(t)
	names := make([]string, 0, len(expected))
	for name := range expected {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want := expected[name]
		t.Run(name, func(t *testing.T) {
			if modules.Get(name) == nil {
				t.Fatalf("module %s is not registered (js/k6/all does not import it)", name)
			}
			rt := modulestest.New(t)
			ns, err := rt.Require(name)
			if err != nil {
				t.Fatal(err)
			}
			def, _ := ns.Get("default").(*sobek.Object)
			var missing, missingDefault []string
			for _, export := range want.Exports {
				if _, ok := notSupported[name][export]; ok {
					continue
				}
				if v := ns.Get(export); v == nil || sobek.IsUndefined(v) {
					missing = append(missing, export)
					continue
				}
				// `import http from "k6/http"; http.get(...)` must work too.
				if want.Default {
					if def == nil {
						missingDefault = append(missingDefault, export)
					} else if v := def.Get(export); v == nil || sobek.IsUndefined(v) {
						missingDefault = append(missingDefault, export)
					}
				}
			}
			if len(missing) > 0 {
				t.Errorf("%s does not export %s, which %s declares", name, strings.Join(missing, ", "), source)
			}
			if len(missingDefault) > 0 {
				t.Errorf("the default export of %s lacks %s, which %s declares", name, strings.Join(missingDefault, ", "), source)
			}
			// A name listed as not supported that is exported now must leave the list.
			for export := range notSupported[name] {
				if v := ns.Get(export); v != nil && !sobek.IsUndefined(v) {
					t.Errorf("%s exports %s now: remove it from notSupported", name, export)
				}
			}
		})
	}
}

// The not-supported list may only name modules and exports the types declare.
func TestNotSupportedListIsAccurate(t *testing.T) {
	_, expected := loadExpected(t)
	for name, exports := range notSupported {
		m, ok := expected[name]
		if !ok {
			t.Errorf("notSupported names module %s, which the test does not check", name)
			continue
		}
		for export, reason := range exports {
			if reason == "" {
				t.Errorf("notSupported[%s][%s] has no reason", name, export)
			}
			found := false
			for _, e := range m.Exports {
				found = found || e == export
			}
			if !found {
				t.Errorf("notSupported[%s] lists %s, which @types/k6 does not declare", name, export)
			}
		}
	}
}
