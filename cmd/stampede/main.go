package main

import (
	"os"

	_ "github.com/stampede-load/stampede/js/k6/all" // k6 built-in and extension modules
)

func main() {
	os.Exit(execute(newGlobalState(), os.Args[1:]))
}
