package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dsimlab/dsim/scenarios"
)

// Interrupted is the cause of a context cancelled by a signal (Ctrl-C is
// SIGINT): a command stopped by it exits 128 plus the signal's number, as a
// shell reports a process killed by it, and never 0.
type Interrupted struct{ Signal os.Signal }

func (i Interrupted) Error() string {
	switch i.Signal {
	case os.Interrupt:
		return "interrupted (SIGINT)"
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	}
	return "stopped by " + i.Signal.String()
}

// ExitCode is 128 plus the signal's number: 130 for SIGINT, 143 for SIGTERM.
func (i Interrupted) ExitCode() int {
	if s, ok := i.Signal.(syscall.Signal); ok && s > 0 && s < 64 {
		return 128 + int(s)
	}
	return exitInterrupted
}

// notifySignals returns a context that the first SIGINT or SIGTERM
// cancels, with Interrupted as its cause: every command then stops at its
// next check, finishes its outputs (a trace is marked incomplete) and
// reports what it did. A second signal stops the process at once, removing
// the temporary files of outputs not yet complete.
func notifySignals(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		first := true
		for {
			select {
			case sig := <-ch:
				if first {
					first = false
					fmt.Fprintf(stderr, "%s: %s: stopping (again to stop at once)\n", scenarios.Command, sigName(sig))
					cancel(Interrupted{sig})
					continue
				}
				removeTemporaries()
				fmt.Fprintf(stderr, "%s: %s again: stopped at once\n", scenarios.Command, sigName(sig))
				os.Exit(Interrupted{sig}.ExitCode())
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

func sigName(sig os.Signal) string { return Interrupted{sig}.Error() }

// interrupted returns ctx's cancellation cause, or nil while it runs on.
func interrupted(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}

// flagError turns pflag's parse errors into one line that says what the
// flag wants, instead of the Go function that failed ("strconv.ParseUint:
// parsing "x": invalid syntax").
func flagError(c *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if errors.As(err, &bad) {
		want := "see " + scenarios.Command + " " + c.Name() + " --help"
		switch bad.GetFlag().Value.Type() {
		case "uint64":
			want = "want a whole number from 0 to " + strconv.FormatUint(math.MaxUint64, 10)
		case "int", "int64":
			want = "want a whole number"
		case "bool":
			want = "want true or false"
		case "duration":
			want = "want a duration such as 30s"
		}
		err = fmt.Errorf("--%s %q: %s", bad.GetFlag().Name, bad.GetValue(), want)
	}
	if !c.HasParent() {
		return usageError{fmt.Errorf("%w (see %s --help)", err, scenarios.Command)}
	}
	return usageError{fmt.Errorf("%s: %w (see %s %s --help)", c.Name(), err, scenarios.Command, c.Name())}
}
