package jslib

import (
	_ "embed"
	"net/url"
	"strings"
)

//go:embed k6-utils.js
var k6Utils string

//go:embed k6-summary.js
var k6Summary string

// Host is the host of the jslib modules.
const Host = "jslib.k6.io"

// lib returns the embedded source for u's library, or "".
func lib(u *url.URL) string {
	if u == nil || u.Host != Host || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(parts) != 3 || parts[1] == "" || parts[2] != "index.js" {
		return ""
	}
	switch parts[0] {
	case "k6-utils":
		return k6Utils
	case "k6-summary":
		return k6Summary
	}
	return ""
}

// Has reports whether u names an embedded module
// (https://jslib.k6.io/<k6-utils|k6-summary>/<version>/index.js).
func Has(u *url.URL) bool { return lib(u) != "" }

// Source returns the ES-module source served for u and whether there is one.
func Source(u *url.URL) (string, bool) {
	s := lib(u)
	return s, s != ""
}
