package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// app is one invocation of the command: its streams and environment. Tests
// build one with their own streams and environment and call run.
type app struct {
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	getenv   func(string) string
	readFile func(string) ([]byte, error)

	cfg       *Config      // loaded on first use by config()
	log       *slog.Logger // made on first use by logger()
	actorName string       // overrides the actor of audit events (tests)
}

func newApp(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *app {
	return &app{
		stdin:    stdin,
		stdout:   stdout,
		stderr:   stderr,
		getenv:   getenv,
		readFile: os.ReadFile,
	}
}

// run executes the command line args and returns the exit status.
func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(args)

	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	return a.report(classifyCobra(err))
}

// classifyCobra marks cobra's own command-line errors, which it returns
// untyped, as usage errors.
func classifyCobra(err error) error {
	msg := err.Error()
	prefixes := []string{"unknown command", "accepts ", "requires ", "invalid argument",
		"required flag", "if any flags in the group", "none of the others can be"}
	for _, prefix := range prefixes {
		if strings.HasPrefix(msg, prefix) {
			return &usageError{err: err}
		}
	}
	return err
}

// rootCommand builds the command tree, one file per command group.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "avrdata",
		Short: "Encrypted, expiring, backed-up storage for AVR call data",
		Long:  rootLong,

		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErrorf("%v", err)
	})

	for _, add := range a.commands() {
		root.AddCommand(add())
	}
	return root
}

// commands lists the constructors of the top-level commands.
func (a *app) commands() []func() *cobra.Command {
	return []func() *cobra.Command{
		a.versionCommand,
		a.keygenCommand,
		a.migrateCommand,
		a.putCommand,
		a.getCommand,
		a.lsCommand,
		a.holdCommand,
		a.releaseCommand,
		a.eraseCommand,
		a.purgeCommand,
		a.verifyCommand,
		a.keysCommand,
		a.backupCommand,
		a.restoreCommand,
		a.serveCommand,
	}
}

const rootLong = `avrdata keeps the call data of an AVR deployment (Asterisk recordings and
avr-core transcripts) encrypted in PostgreSQL, deletes it when its retention
period ends, and writes encrypted backups to S3.

Environment:
  DATABASE_URL                     PostgreSQL connection string (required)
  ENCRYPTION_KEY, _FILE            root secret, 32 bytes base64 (required);
                                   make one with "avrdata keygen"
  ENCRYPTION_KEY_PREVIOUS, _FILE   the old root secret, for "keys rotate-root",
                                   and for restoring backups made before it
  DATA_RETENTION_DAYS              retention period in days (default 30)
  AUTO_DELETE                      "true": the daemon purges expired records
  BACKUP_URL                       s3://bucket/prefix or file:///path
  BACKUP_RETENTION_DAYS            backups older than this are pruned
                                   (default DATA_RETENTION_DAYS)
  AWS_*                            the AWS SDK's variables; AWS_ENDPOINT_URL_S3
                                   for S3-compatible servers (path-style)
  LOG_LEVEL, LOG_FORMAT            debug|info|warn|error; text|json
  LOG_SECURITY                     "true": security events in the log too
  LISTEN_ADDR                      the daemon's health and metrics address
                                   (default 127.0.0.1:9470)
  PURGE_INTERVAL, BACKUP_INTERVAL, RESTORE_DRILL_INTERVAL
                                   the daemon's job intervals (1h, 24h, 168h)

Flags override the environment. Secrets are read only from the environment
or files, never from flags.

Exit status: 0 done; 1 the operation failed (including a verify that found a
problem); 2 bad usage or configuration.`
