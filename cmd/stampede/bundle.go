package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/stampede-load/stampede/bundle"
	"github.com/stampede-load/stampede/engine"
)

// newBundleCmd returns `stampede bundle`: one self-contained script for
// stock k6 and Grafana Cloud k6 (package bundle).
func newBundleCmd() *cobra.Command {
	var (
		out       string
		minify    bool
		sourceMap bool
	)
	cmd := &cobra.Command{
		Use:   "bundle script.js",
		Short: "Write one self-contained script for stock k6 and Grafana Cloud k6",
		Long: `Bundle a script and its local imports into one file that stock k6 and
Grafana Cloud k6 run as it is.

Local imports (./lib/*.js, TypeScript) are inlined. Imports of k6/x/stripe,
k6/x/prom and k6/x/queue, which stock k6 lacks, are replaced by pure-JS
implementations with the same API, metric names and tags, built on k6's own
modules. Imports of stock k6 modules and of https://jslib.k6.io are left as
they are. Any other k6/x extension is an error.`,
		Example: `  stampede bundle scripts/queue-concurrency.js -o queue-concurrency.bundle.js
  k6 run -e BASE_URL=https://staging.example.com -e STRIPE_WEBHOOK_SECRET=whsec_... queue-concurrency.bundle.js`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("%w: bundle takes exactly one script, got %d arguments", errUsage, len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBundle(cmd, args[0], out, bundle.Options{Minify: minify, SourceMap: sourceMap})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "-", "file to write the bundle to (- is stdout)")
	f.BoolVar(&minify, "minify", false, "minify the bundle")
	f.BoolVar(&sourceMap, "source-map", false, "append an inline source map, so stack traces name the original files")
	return cmd
}

// errOverwriteEntry: -o names the script being bundled.
var errOverwriteEntry = errors.New("the output file is the script being bundled")

func runBundle(cmd *cobra.Command, entry, out string, opts bundle.Options) error {
	if out != "-" && out != "" {
		a, errA := filepath.Abs(entry)
		b, errB := filepath.Abs(out)
		if errA == nil && errB == nil && a == b {
			return fmt.Errorf("bundle: --out %s: %w; choose another file", out, errOverwriteEntry)
		}
	}
	stderr := cmd.ErrOrStderr()
	opts.Warn = func(msg string) { fmt.Fprintf(stderr, "warning: %s\n", msg) }
	code, err := bundle.Bundle(entry, opts)
	if errors.Is(err, bundle.ErrBuild) || errors.Is(err, bundle.ErrUnsupportedModule) {
		// What `stampede run` (and k6) would report as a script error: exit 107.
		return fmt.Errorf("%w: %w", engine.ErrScriptException, err)
	}
	if err != nil {
		return err
	}
	if out == "-" || out == "" {
		if _, err := cmd.OutOrStdout().Write(code); err != nil {
			return fmt.Errorf("bundle: writing to stdout: %w", err)
		}
		return nil
	}
	if err := writeFileAtomic(out, code); err != nil {
		return fmt.Errorf("bundle: --out %s: %w", out, err)
	}
	return nil
}

// writeFileAtomic writes data to name through a temporary file in the same
// directory, so that a failed write never leaves a truncated bundle behind.
func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
