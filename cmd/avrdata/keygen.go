package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/crypto"
)

func (a *app) keygenCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "keygen",
		Short: "Print a new ENCRYPTION_KEY (32 random bytes, base64)",
		Long: `keygen prints a new root key, 32 random bytes in base64, and nothing else on
stdout. Keep it in a secret store: every record is sealed under keys derived
from it, and without it nothing can be read back, backups included.

  avrdata keygen > /run/secrets/avrdata_key   # then ENCRYPTION_KEY_FILE=...`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			key, err := crypto.GenerateRootKey()
			if err != nil {
				return fmt.Errorf("keygen: %w", err)
			}
			fmt.Fprintln(a.stdout, key)
			return nil
		},
	}
}
