package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/metrics"
)

// newInspectCmd is `stampede inspect script.js [flags]`: the consolidated
// options (script < K6_* env < flags, scenarios derived) as JSON. It takes
// run's option flags; the system environment is not passed to __ENV unless
// --include-system-env-vars is given (k6's default for inspect).
func newInspectCmd(gs *globalState) *cobra.Command {
	var flags optionFlags
	cmd := &cobra.Command{
		Use:   "inspect [flags] script",
		Short: "Print a script's consolidated options as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cli, cliErr := flags.layer(cmd.Flags())
			envLayer, envErr := config.FromEnv(gs.env)
			scriptEnv, scriptEnvErr := flags.scriptEnv(gs, cmd.Flags())
			file, fileErr := flags.loadFileLayer(gs, cmd.Flags())
			if err := errors.Join(cliErr, envErr, scriptEnvErr, fileErr); err != nil {
				return err
			}
			reg := metrics.NewRegistry()
			runner, err := loadScript(cmd.Context(), gs, args[0], scriptEnv, reg, metrics.RegisterBuiltins(reg))
			if err != nil {
				return err
			}
			cons, err := consolidate(gs, file, runner.Options(), envLayer, cli)
			if err != nil {
				return err
			}
			b, err := cons.JSON()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(gs.stdout, string(b))
			return err
		},
	}
	flags.register(cmd.Flags(), false)
	return cmd
}
