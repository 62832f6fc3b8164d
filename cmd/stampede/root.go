package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/stampede-load/stampede/cmd/stampede/version"
)

// globalFlags are the flags of every command.
type globalFlags struct {
	logOutput string
	logFormat string
	noColor   bool
	verbose   bool
	quiet     bool
}

// newRootCmd builds the command tree.
func newRootCmd(gs *globalState) *cobra.Command {
	gf := &globalFlags{}
	root := &cobra.Command{
		Use:   "stampede",
		Short: "A k6-compatible load-testing engine",
		Long: "Stampede runs k6-style JavaScript and TypeScript load tests: `stampede run script.js`\n" +
			"takes k6's options, flags, K6_* environment variables and exit codes.",
		Version:       version.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return configureLogger(gs, gf)
		},
	}
	root.SetVersionTemplate(version.Full() + "\n")
	pf := root.PersistentFlags()
	pf.StringVar(&gf.logOutput, "log-output", envOr(gs, "K6_LOG_OUTPUT", "stderr"), `where logs go: "stderr", "stdout", "none" or "file=./path.log"`)
	pf.StringVar(&gf.logFormat, "log-format", envOr(gs, "K6_LOG_FORMAT", "text"), `log format: "text", "json" or "raw" (the message only)`)
	pf.BoolVar(&gf.noColor, "no-color", envBool(gs, "K6_NO_COLOR") || gs.env["NO_COLOR"] != "", "disable colored output")
	pf.BoolVarP(&gf.verbose, "verbose", "v", envBool(gs, "K6_VERBOSE"), "enable debug logging")
	pf.BoolVarP(&gf.quiet, "quiet", "q", envBool(gs, "K6_QUIET"), "disable the progress display and banner")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w: %w", errUsage, err)
	})

	root.AddCommand(newRunCmd(gs, gf), newInspectCmd(gs), newVersionCmd(gs), newTargetCmd())
	root.AddCommand(newBundleCmd())
	root.AddCommand(newControlCmds(gs)...)
	return root
}

func envOr(gs *globalState, key, def string) string {
	if v := gs.env[key]; v != "" {
		return v
	}
	return def
}

func envBool(gs *globalState, key string) bool {
	switch strings.ToLower(gs.env[key]) {
	case "1", "t", "true", "yes", "on":
		return true
	}
	return false
}

// configureLogger applies --log-output, --log-format, --no-color and -v.
func configureLogger(gs *globalState, gf *globalFlags) error {
	l := gs.logger
	l.SetLevel(logrus.InfoLevel)
	if gf.verbose {
		l.SetLevel(logrus.DebugLevel)
	}
	var (
		out io.Writer
		tty bool
	)
	switch {
	case gf.logOutput == "stderr" || gf.logOutput == "":
		out, tty = gs.stderr, gs.stderrTTY
	case gf.logOutput == "stdout":
		out, tty = gs.stdout, gs.stdoutTTY
	case gf.logOutput == "none":
		out = io.Discard
	case strings.HasPrefix(gf.logOutput, "file="):
		path := strings.TrimPrefix(gf.logOutput, "file=")
		if i := strings.IndexByte(path, ','); i >= 0 {
			path = path[:i] // k6 allows ",level=..." after the path
		}
		if path == "" {
			return fmt.Errorf("%w: --log-output %q: expected file=PATH", errUsage, gf.logOutput)
		}
		p := resolvePath(gs, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("--log-output: %w", err)
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("--log-output: %w", err)
		}
		gs.logFile, out = f, f
	default:
		return fmt.Errorf("%w: --log-output %q: allowed: stderr, stdout, none, file=PATH", errUsage, gf.logOutput)
	}
	l.SetOutput(out)
	switch gf.logFormat {
	case "text", "":
		l.SetFormatter(&logrus.TextFormatter{
			ForceColors: tty && !gf.noColor, DisableColors: !tty || gf.noColor,
			FullTimestamp: !tty,
		})
	case "json":
		l.SetFormatter(&logrus.JSONFormatter{})
	case "raw":
		l.SetFormatter(rawFormatter{})
	default:
		return fmt.Errorf("%w: --log-format %q: allowed: text, json, raw", errUsage, gf.logFormat)
	}
	return nil
}

// rawFormatter prints only the message.
type rawFormatter struct{}

func (rawFormatter) Format(e *logrus.Entry) ([]byte, error) { return []byte(e.Message + "\n"), nil }

func resolvePath(gs *globalState, p string) string {
	if p == "" || p[0] == '/' || gs.cwd == "" {
		return p
	}
	return gs.cwd + "/" + p
}

// execute runs the command line args and returns the exit code. A Go panic
// is logged with its stack and exits 109.
func execute(gs *globalState, args []string) (code int) {
	defer func() {
		if p := recover(); p != nil {
			gs.logger.WithField("stack", string(debug.Stack())).Errorf("Go panic: %v", p)
			code = exitGoPanic
		}
	}()
	root := newRootCmd(gs)
	root.SetArgs(args)
	root.SetOut(gs.stdout)
	root.SetErr(gs.stderr)
	err := root.ExecuteContext(gs.ctx)
	if err != nil {
		reportError(gs, err)
	}
	if gs.logFile != nil {
		_ = gs.logFile.Close()
		gs.logFile = nil
	}
	return exitCode(err)
}

// reportError logs err, one line per joined problem.
func reportError(gs *globalState, err error) {
	var lines []string
	if j, ok := err.(interface{ Unwrap() []error }); ok && isJoin(err) {
		for _, e := range j.Unwrap() {
			lines = append(lines, e.Error())
		}
	} else {
		lines = []string{err.Error()}
	}
	for _, l := range lines {
		gs.logger.Error(l)
	}
}

// isJoin reports whether err is an errors.Join result (its message is the
// parts' messages on separate lines).
func isJoin(err error) bool {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return false
	}
	var parts []string
	for _, e := range j.Unwrap() {
		parts = append(parts, e.Error())
	}
	return err.Error() == strings.Join(parts, "\n") && len(parts) > 1
}
