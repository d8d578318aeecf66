package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

func (a *app) keysCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys rotate [--rewrap] | keys rotate-root",
		Short: "Rotate the record keys, or re-seal them under a new ENCRYPTION_KEY",
		Long: `keys rotates keys without re-encrypting any recording:

  rotate        adds a new primary key for new records' data keys;
                with --rewrap, every stored data key is re-wrapped under it
  rotate-root   re-seals the keys under a new ENCRYPTION_KEY, the old one
                given as ENCRYPTION_KEY_PREVIOUS

  avrdata keys rotate --rewrap`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usageErrorf(`keys: say what to do: "keys rotate" or "keys rotate-root"`)
		},
	}
	cmd.AddCommand(a.rotateCommand(), a.rotateRootCommand())
	return cmd
}

func (a *app) rotateCommand() *cobra.Command {
	var rewrap bool
	cmd := &cobra.Command{
		Use:   "rotate [--rewrap]",
		Short: "Add a new primary record key; with --rewrap, re-wrap every data key under it",
		Long: `rotate adds a new primary key to the keyset that wraps the records' data keys.
New records use it at once; old keys stay and keep decrypting. Other avrdata
processes pick the new key up by themselves.

With --rewrap, every record's and call's data key is then re-wrapped under
the new primary key. No recording is re-encrypted, so it is quick, but it
touches every record row; progress goes to stderr every few seconds. It can
be run again after an interruption.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE).

  avrdata keys rotate --rewrap`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.rotate(cmd.Context(), rewrap)
		},
	}
	cmd.Flags().BoolVar(&rewrap, "rewrap", false,
		"re-wrap every stored data key under the new primary key")
	return cmd
}

func (a *app) rotate(ctx context.Context, rewrap bool) error {
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	stop := func() {}
	if rewrap {
		stop = a.tick("re-wrapping data keys")
	}
	rot, err := s.RotateKeys(ctx, rewrap)
	stop()
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}

	fmt.Fprintf(a.stdout, "new primary key %d\n", rot.PrimaryKeyID)
	if rewrap {
		fmt.Fprintf(a.stdout, "re-wrapped %s under it; %s already were\n",
			plural(rot.Rewrapped, "data key"), plural(rot.Unchanged, "data key"))
	}
	return nil
}

// tick logs what is being done, with the time elapsed, every
// progressInterval until the returned function is called.
func (a *app) tick(what string) (stop func()) {
	log := a.logger()
	start := time.Now()
	ticker := time.NewTicker(progressInterval)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case now := <-ticker.C:
				log.Info(what, "elapsed", now.Sub(start).Round(time.Second).String())
			}
		}
	}()
	return func() {
		ticker.Stop()
		close(done)
		<-stopped
	}
}

func (a *app) rotateRootCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate-root",
		Short: "Re-seal the keys under a new ENCRYPTION_KEY (old one in ENCRYPTION_KEY_PREVIOUS)",
		Long: `rotate-root changes the root secret: it re-seals the stored keysets, sealed
under ENCRYPTION_KEY_PREVIOUS, under ENCRYPTION_KEY, and recomputes the
callers' blind indexes, in one transaction. No record is re-encrypted.
Afterwards the previous key is refused: restart every other avrdata process
(the daemon, scheduled jobs) with the new ENCRYPTION_KEY. Running it again
after it succeeded changes nothing.

Keep the previous key while backups made before the rotation exist: their
keys are still sealed under it.

Environment: DATABASE_URL; ENCRYPTION_KEY (or _FILE), the new key;
ENCRYPTION_KEY_PREVIOUS (or _FILE), the key in use until now.

  avrdata keygen > /run/secrets/avrdata_key.new
  ENCRYPTION_KEY_PREVIOUS_FILE=/run/secrets/avrdata_key \
  ENCRYPTION_KEY_FILE=/run/secrets/avrdata_key.new avrdata keys rotate-root`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.rotateRoot(cmd.Context())
		},
	}
}

func (a *app) rotateRoot(ctx context.Context) error {
	previous := a.previousKey()
	current, _ := a.rootKey("ENCRYPTION_KEY", true)
	pool, err := a.connect(ctx, "ENCRYPTION_KEY_PREVIOUS", "ENCRYPTION_KEY")
	if err != nil {
		return err
	}
	defer pool.Close()

	err = store.RotateRoot(ctx, pool, previous, current, store.Options{
		Actor: a.actor(), Logger: a.logger(), Events: a.securityLog(),
	})
	if err != nil {
		return fmt.Errorf("keys rotate-root: %w", err)
	}

	fmt.Fprintln(a.stdout, "re-sealed the keys under the new ENCRYPTION_KEY")
	fmt.Fprintln(a.stderr, "The previous key is now refused. Restart every other avrdata process "+
		"(the daemon, scheduled jobs) with the new ENCRYPTION_KEY, then unset "+
		"ENCRYPTION_KEY_PREVIOUS. Keep the previous key safe while backups made "+
		"before now exist.")
	return nil
}

// previousKey loads ENCRYPTION_KEY_PREVIOUS (or _FILE), which rotate-root
// requires; a problem with it goes to the configuration's problems.
func (a *app) previousKey() crypto.RootKey {
	const v = "ENCRYPTION_KEY_PREVIOUS"
	key, ok := a.rootKey(v, false)
	if !ok && a.getenv(v) == "" && a.getenv(v+"_FILE") == "" {
		a.config().addProblem(v, "not set; set it (or "+v+"_FILE) to the key in use until now")
	}
	return key
}
