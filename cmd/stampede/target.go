package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/stampede-load/stampede/target"
)

// targetSecretEnv is the environment variable read for the webhook secret
// when --webhook-secret is not given.
const targetSecretEnv = "STRIPE_WEBHOOK_SECRET"

// targetShutdownTimeout bounds the graceful shutdown after SIGINT/SIGTERM.
const targetShutdownTimeout = 10 * time.Second

// targetGetenv reads the environment; a seam for tests.
var targetGetenv = os.Getenv

// newTargetCmd returns the `stampede target` command, which serves the
// reference staging API (shared/spec/staging-api.md) until SIGINT or SIGTERM,
// then shuts down gracefully.
func newTargetCmd() *cobra.Command {
	var (
		addr     string
		secret   string
		hold     time.Duration
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "target",
		Short: "Serve the reference staging API (the embedded target)",
		Long: `Serve the reference implementation of the staging API that the scenarios
load-test: anonymous users, token purchases through signed Stripe webhooks,
a matchmaking queue with its matching worker, /healthz and /metrics.

The webhook secret comes from --webhook-secret, else from $` + targetSecretEnv + `;
without either, a random one is generated and printed once at start so that
you can sign events for this run.

Runs until SIGINT or SIGTERM, then finishes in-flight requests and exits.`,
		Example: `  stampede target
  stampede target --addr 127.0.0.1:9090 --session-hold 10s
  ` + targetSecretEnv + `=whsec_... stampede target`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTarget(cmd, addr, target.Secret(secret), hold, interval)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address host:port (empty host = 127.0.0.1, port 0 = any free port)")
	f.StringVar(&secret, "webhook-secret", "", "Stripe webhook endpoint secret (whsec_...); default $"+targetSecretEnv+", else generated")
	f.DurationVar(&hold, "session-hold", target.DefaultSessionHold, "how long a session lasts unless a join asks for sessionSeconds")
	f.DurationVar(&interval, "match-interval", target.DefaultMatchInterval, "period of the matching worker")
	return cmd
}

// runTarget serves the staging API until the command's context is done or a
// SIGINT/SIGTERM arrives.
func runTarget(cmd *cobra.Command, addr string, secret target.Secret, hold, interval time.Duration) error {
	generated := false
	if secret.IsZero() {
		secret = target.Secret(targetGetenv(targetSecretEnv))
	}
	if secret.IsZero() {
		secret, generated = target.GenerateSecret(), true
	}
	if hold <= 0 || interval <= 0 {
		return errors.New("target: --session-hold and --match-interval must be positive")
	}

	srv, err := target.New(target.Config{
		Addr:          addr,
		WebhookSecret: secret,
		SessionHold:   hold,
		MatchInterval: interval,
		Logger:        slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)),
	})
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}

	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if _, err := srv.Start(ctx); err != nil {
		_ = srv.Shutdown(context.Background()) // stops the matching worker
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "staging API listening on %s\n", srv.URL())
	if generated {
		// Printed once, on purpose: the user needs it to sign events.
		fmt.Fprintf(out, "webhook secret (generated for this run): %s\n", secret.Reveal())
	}

	<-ctx.Done()
	stop() // a second Ctrl-C now kills the process
	sctx, cancel := context.WithTimeout(context.Background(), targetShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	return nil
}
