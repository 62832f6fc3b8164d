package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stampede-load/stampede/api"
)

// controlTimeout bounds each request of the control commands.
const controlTimeout = 10 * time.Second

// newControlCmds are the commands that talk to the REST API of a running
// test, as k6's: status, pause, resume, scale and stats.
func newControlCmds(gs *globalState) []*cobra.Command {
	return []*cobra.Command{
		newControlCmd(gs, controlSpec{
			use: "status", short: "Show the status of a running test",
			long: "Print the status of the test running at --address, one `key: value` per line:\n" +
				"status (k6's execution status number: 7 is running), paused, vus, vus-max,\n" +
				"stopped, running and tainted (a threshold is crossed).",
			run: func(c *controlCall) error {
				st, err := c.client.Status(c.cmd.Context())
				if err != nil {
					return c.fail(err)
				}
				return writeStatus(c.gs.stdout, st)
			},
		}),
		newControlCmd(gs, controlSpec{
			use: "pause", short: "Pause a running test",
			long: "Pause the test running at --address and print its new status (as `status` does).\n" +
				"A run can be paused before it starts; once started, only externally-controlled\n" +
				"scenarios can be.",
			run: func(c *controlCall) error { return c.patch(api.StatusPatch{Paused: ptr(true)}) },
		}),
		newControlCmd(gs, controlSpec{
			use: "resume", short: "Resume a paused test",
			long: "Resume the test paused at --address (for example one started with `stampede run\n" +
				"--paused`) and print its new status (as `status` does).",
			run: func(c *controlCall) error { return c.patch(api.StatusPatch{Paused: ptr(false)}) },
		}),
		newScaleCmd(gs),
		newControlCmd(gs, controlSpec{
			use: "stats", short: "Show the metrics of a running test",
			long: "Print the metrics of the test running at --address, sorted by name, one per line:\n\n" +
				"  name: type (contains) key=value ...\n\n" +
				"type is counter, gauge, rate or trend; contains is default, time (milliseconds) or\n" +
				"data (bytes). The values are counter count and rate (per second), gauge value,\n" +
				"rate rate (0 to 1), trend avg, min, med, max, p(90) and p(95). A metric with\n" +
				"thresholds ends with tainted=true when one of them is crossed, else tainted=false.",
			run: func(c *controlCall) error {
				ms, err := c.client.Metrics(c.cmd.Context())
				if err != nil {
					return c.fail(err)
				}
				return writeMetrics(c.gs.stdout, ms)
			},
		}),
	}
}

// controlSpec describes one control command.
type controlSpec struct {
	use, short, long string
	run              func(*controlCall) error
}

// controlCall is one invocation of a control command.
type controlCall struct {
	gs     *globalState
	cmd    *cobra.Command
	client *api.Client
}

// newControlCmd builds a command with -a/--address (default $K6_ADDRESS,
// else localhost:6565) that calls spec.run with a client for it.
func newControlCmd(gs *globalState, spec controlSpec) *cobra.Command {
	var address string
	cmd := &cobra.Command{
		Use:   spec.use,
		Short: spec.short,
		Long:  spec.long,
		Args:  cobra.NoArgs,
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		client, err := api.NewClient(address, controlTimeout)
		if err != nil {
			return fmt.Errorf("%w: --address: %w", errUsage, err)
		}
		return spec.run(&controlCall{gs: gs, cmd: cmd, client: client})
	}
	cmd.Flags().StringVarP(&address, "address", "a", envOr(gs, "K6_ADDRESS", api.DefaultAddress),
		"`host:port` (or http:// URL) of the running test's REST API, as given to stampede run --address; $K6_ADDRESS when not given")
	return cmd
}

// newScaleCmd is `stampede scale --vus N --max M`.
func newScaleCmd(gs *globalState) *cobra.Command {
	var vus, maxVUs int64
	var cmd *cobra.Command
	cmd = newControlCmd(gs, controlSpec{
		use: "scale", short: "Scale a running test",
		long: "Set the VUs (--vus) and the most VUs (--max) of the externally-controlled scenario\n" +
			"of the test running at --address, and print its new status (as `status` does).\n" +
			"Give at least one of them.",
		run: func(c *controlCall) error {
			var p api.StatusPatch
			if c.cmd.Flags().Changed("vus") {
				p.VUs = ptr(vus)
			}
			if c.cmd.Flags().Changed("max") {
				p.VUsMax = ptr(maxVUs)
			}
			if p.VUs == nil && p.VUsMax == nil {
				return fmt.Errorf("%w: scale needs --vus or --max (or both)", errUsage)
			}
			return c.patch(p)
		},
	})
	cmd.Flags().Int64VarP(&vus, "vus", "u", 0, "the number of VUs to run")
	cmd.Flags().Int64VarP(&maxVUs, "max", "m", 0, "the most VUs; more are initialised at once")
	return cmd
}

// patch sends p and prints the new status.
func (c *controlCall) patch(p api.StatusPatch) error {
	st, err := c.client.SetStatus(c.cmd.Context(), p)
	if err != nil {
		return c.fail(err)
	}
	return writeStatus(c.gs.stdout, st)
}

// fail words a client error for the command line: an unreachable address
// says which run to start, an error answer gives the API's explanation.
func (c *controlCall) fail(err error) error {
	addr := c.client.Address()
	var apiErr *api.Error
	switch {
	case errors.Is(err, api.ErrUnreachable):
		return fmt.Errorf("%w (is `stampede run --address %s` running?)", err, addr)
	case errors.As(err, &apiErr):
		return fmt.Errorf("the REST API at %s answered %w", addr, err)
	}
	return err
}

// writeStatus prints a status one `key: value` per line, as k6's YAML.
func writeStatus(w io.Writer, st api.Status) error {
	_, err := fmt.Fprintf(w, "status: %d\npaused: %t\nvus: %d\nvus-max: %d\nstopped: %t\nrunning: %t\ntainted: %t\n",
		st.Status, st.Paused, st.VUs, st.VUsMax, st.Stopped, st.Running, st.Tainted)
	return err
}

// sampleOrder is the order of the values of a metric line; others follow
// sorted by name.
var sampleOrder = []string{"count", "rate", "value", "avg", "min", "med", "max", "p(90)", "p(95)"}

// writeMetrics prints one line per metric: `name: type (contains) key=value ...`.
func writeMetrics(w io.Writer, ms []api.Resource[api.Metric]) error {
	var b strings.Builder
	for _, m := range ms {
		a := m.Attributes
		fmt.Fprintf(&b, "%s: %s (%s)", m.ID, a.Type, a.Contains)
		keys := make([]string, 0, len(a.Sample))
		for k := range a.Sample {
			keys = append(keys, k)
		}
		rank := func(k string) int {
			for i, o := range sampleOrder {
				if o == k {
					return i
				}
			}
			return len(sampleOrder)
		}
		sort.Slice(keys, func(i, j int) bool {
			ri, rj := rank(keys[i]), rank(keys[j])
			if ri != rj {
				return ri < rj
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			b.WriteString(" " + k + "=" + strconv.FormatFloat(a.Sample[k], 'f', -1, 64))
		}
		if a.Tainted != nil {
			b.WriteString(" tainted=" + strconv.FormatBool(*a.Tainted))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func ptr[T any](v T) *T { return &v }
