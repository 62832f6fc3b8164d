// Package version holds Stampede's version, set at build time:
//
//	go build -ldflags "-X github.com/stampede-load/stampede/cmd/stampede/version.Version=v1.2.3"
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release version; "dev" for builds without ldflags.
var Version = "dev"

// Full returns the version line `stampede version` prints:
// "stampede v1.2.3 (commit abc1234, go1.26.8, linux/amd64)".
func Full() string {
	commit := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 7 {
				commit = "commit " + s.Value[:7] + ", "
			}
		}
	}
	return fmt.Sprintf("stampede %s (%s%s, %s/%s)", Version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
