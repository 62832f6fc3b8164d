package main

import (
	"os"

	"github.com/stampede-load/stampede/cmd/stampede/version"
	_ "github.com/stampede-load/stampede/js/k6/all" // k6 built-in and extension modules
	k6http "github.com/stampede-load/stampede/js/k6/http"
)

func main() {
	// k6 sends "k6/<version>"; Stampede identifies itself the same way.
	k6http.DefaultUserAgent = "stampede/" + version.Version
	os.Exit(execute(newGlobalState(), os.Args[1:]))
}
