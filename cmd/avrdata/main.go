// Command avrdata keeps the call data of AVR deployments (recordings and
// transcripts) encrypted in PostgreSQL, deletes it when its retention period
// ends, and backs it up encrypted to S3. Run "avrdata --help" for the
// commands and the environment they read.
//
// Exit status: 0 done; 1 the operation failed (including a verify that found
// a problem); 2 bad usage or configuration.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := newApp(os.Stdin, os.Stdout, os.Stderr, os.Getenv).run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
