// Package all imports every built-in Stampede module so that one blank import
// (`_ "github.com/stampede-load/stampede/js/k6/all"`) makes them all
// importable by scripts. Each module package registers itself in its init.
package all
