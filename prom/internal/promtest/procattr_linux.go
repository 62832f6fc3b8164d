package promtest

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill the child when the test binary dies
// (e.g. on a -timeout panic), so no Prometheus outlives its test run.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
