package bundle

import (
	"embed"
	"slices"
	"strings"
)

// StockModules are the built-in modules of stock k6 (v1.x and v2.x, as
// declared by @types/k6): a bundle may import these and nothing else besides
// remote URLs. The shims themselves use only k6, k6/http, k6/metrics,
// k6/crypto and k6/encoding.
var StockModules = []string{
	"k6",
	"k6/browser",
	"k6/crypto",
	"k6/data",
	"k6/encoding",
	"k6/execution",
	"k6/experimental/csv",
	"k6/experimental/fs",
	"k6/experimental/streams",
	"k6/html",
	"k6/http",
	"k6/metrics",
	"k6/net/grpc",
	"k6/secrets",
	"k6/timers",
	"k6/websockets",
	"k6/ws",
}

// IsStockModule reports whether name is one of StockModules.
func IsStockModule(name string) bool {
	_, found := slices.BinarySearch(StockModules, name)
	return found
}

// IsRemoteModule reports whether name is a module k6 downloads itself (an
// http or https URL such as https://jslib.k6.io/k6-utils/1.4.0/index.js).
func IsRemoteModule(name string) bool {
	return strings.HasPrefix(name, "https://") || strings.HasPrefix(name, "http://")
}

// shimFiles maps each k6/x module with a shim to its file under shims/.
var shimFiles = map[string]string{
	"k6/x/prom":   "prom.js",
	"k6/x/queue":  "queue.js",
	"k6/x/stripe": "stripe.js",
}

// Shims returns the k6/x modules Bundle replaces by pure-JS shims, sorted.
func Shims() []string {
	out := make([]string, 0, len(shimFiles))
	for name := range shimFiles {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

//go:embed shims/*.js
var shimFS embed.FS

// ShimSource returns the JavaScript source of the shim for module name
// (e.g. "k6/x/stripe"), as it is inlined into bundles, and whether there is
// one. The source is an ES module that imports stock k6 modules and, through
// relative imports, the shims' shared helpers (shims/_common.js).
func ShimSource(name string) (string, bool) {
	file, ok := shimFiles[name]
	if !ok {
		return "", false
	}
	b, err := shimFS.ReadFile("shims/" + file)
	if err != nil {
		return "", false // cannot happen: every file of shimFiles is embedded (tested)
	}
	return string(b), true
}
