package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stampede-load/stampede/cmd/stampede/version"
)

func newVersionCmd(gs *globalState) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(gs.stdout, version.Full())
			return err
		},
	}
}
