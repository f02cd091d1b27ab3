// Command hindsight checks, links and publishes incident postmortems kept
// as Markdown in git.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hindsight-dev/hindsight/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
