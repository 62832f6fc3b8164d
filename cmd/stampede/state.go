package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/sirupsen/logrus"
)

// globalState is the command's outside world: streams, environment,
// signals and process exit, injected so tests run the command in-process.
type globalState struct {
	ctx                  context.Context
	stdout, stderr       io.Writer
	stdoutTTY, stderrTTY bool
	// env is the process environment (K6_* settings and, unless disabled,
	// the script's __ENV).
	env map[string]string
	cwd string
	// signals subscribes to SIGINT and SIGTERM; stop unsubscribes.
	signals func() (ch <-chan os.Signal, stop func())
	// exit ends the process at once (the second signal).
	exit func(code int)
	// ttyProgressEvery and plainProgressEvery are how often progress is
	// redrawn on a terminal and printed as plain lines otherwise.
	ttyProgressEvery, plainProgressEvery time.Duration

	// logger is configured from the global flags before a command runs.
	logger *logrus.Logger
	// logFile is the --log-output file, closed when the command ends.
	logFile *os.File
}

func newGlobalState() *globalState {
	env := make(map[string]string)
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	cwd, _ := os.Getwd()
	logger := logrus.New()
	logger.SetOutput(os.Stderr)
	return &globalState{
		ctx:    context.Background(),
		stdout: os.Stdout, stderr: os.Stderr,
		stdoutTTY: isTTY(os.Stdout), stderrTTY: isTTY(os.Stderr),
		env: env, cwd: cwd,
		signals: func() (<-chan os.Signal, func()) {
			ch := make(chan os.Signal, 2)
			signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
			return ch, func() { signal.Stop(ch) }
		},
		exit:               os.Exit,
		ttyProgressEvery:   200 * time.Millisecond,
		plainProgressEvery: 10 * time.Second,
		logger:             logger,
	}
}

func isTTY(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
