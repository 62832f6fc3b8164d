//go:build !linux

package promtest

import "os/exec"

// killWithParent is a no-op where Pdeathsig does not exist; TestMain still
// stops the server on a normal exit.
func killWithParent(*exec.Cmd) {}
