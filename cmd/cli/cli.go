package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios"
)

// Exit codes, part of the command-line contract.
const (
	exitPass  = 0
	exitFail  = 1
	exitUsage = 2
	// exitInterrupted is the shell's code for a command stopped by SIGINT
	// (128 + 2): CI must not mistake an interrupted sweep for a pass.
	exitInterrupted = 130
)

// checkFailed is returned by commands whose checks failed: exit 1, with the
// report already printed.
var errCheckFailed = errors.New("a check failed")

// usageError marks bad usage or bad input: exit 2 with its message.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Main is the whole of a command's main function: it registers extra
// protocols beside the built-in ones, runs the command line with the
// process's arguments, and exits with the contract's exit code. The
// program's name (os.Args[0]) is the name repro lines use, so a user's
// `mytool` prints repros that `mytool` runs:
//
//	func main() { cli.Main(mypb.Protocol) }
func Main(extra ...*protocols.Protocol) {
	scenarios.TuneCollector() // GC settings only: they never change what a run does
	if len(os.Args) > 0 {
		if name := filepath.Base(os.Args[0]); name != "" && name != "." {
			scenarios.Command = name
		}
	}
	// Ctrl-C (or SIGTERM) stops any command at the next batch of events,
	// with what it ran so far; a second one stops at once.
	ctx, stop := notifySignals(os.Stderr)
	code := RunIO(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, extra...)
	stop()
	os.Exit(code)
}

// MemoryLimit is the most memory the command line lets Go's collector keep
// (GOMEMLIMIT overrides it): scenarios.MemoryLimit.
const MemoryLimit = scenarios.MemoryLimit

// Run runs the command line with args, extra protocols registered beside
// the built-in ones, and returns the exit code. It never panics on bad
// input: every problem becomes a one-line message. Cancelling ctx stops
// every command promptly: it reports what it did so far and returns 130
// (128 plus the signal's number when ctx was cancelled by Interrupted).
// A file argument "-" reads the process's standard input.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, extra ...*protocols.Protocol) int {
	return RunIO(ctx, args, os.Stdin, stdout, stderr, extra...)
}

// RunIO is Run with standard input given: a scenario or history file
// argument "-" reads it.
func RunIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, extra ...*protocols.Protocol) int {
	for _, p := range extra {
		if q, err := scenarios.Lookup(p.Name); err == nil && q == p {
			continue // registered by an earlier Run in this process
		}
		if err := scenarios.Register(p); err != nil {
			fmt.Fprintf(stderr, "%s: %s\n", scenarios.Command, err)
			return exitUsage
		}
	}
	root := newRoot(stdout, stderr)
	root.SetIn(stdin)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var sig Interrupted
	switch {
	case err == nil:
		return exitPass
	case errors.Is(err, errCheckFailed):
		return exitFail
	case errors.As(err, &sig):
		return sig.ExitCode()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return exitInterrupted
	default:
		fmt.Fprintf(stderr, "%s: %s\n", scenarios.Command, strings.TrimSpace(err.Error()))
		return exitUsage
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "dsim",
		Short: "A deterministic simulator and chaos testbed for distributed protocols",
		Long: `dsim runs distributed protocols (Raft, two-phase commit, gossip, ...) as real Go
code on a seeded virtual network and clock, injects partitions, delays, drops,
crashes, pauses and clock skew, and checks every run: protocol invariants after
every event, linearizability of client histories, liveness after healing.
One seed reproduces one run exactly.

Exit codes: 0 every check passed (or the expected violation was found),
1 a check failed, 2 bad usage or bad input.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Use = scenarios.Command
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(flagError)
	root.SuggestionsMinimumDistance = 2
	root.Args = cobra.ArbitraryArgs
	root.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			if near := c.SuggestionsFor(args[0]); len(near) > 0 {
				return usagef("unknown command %q: did you mean %s? (see dsim --help)", args[0], near[0])
			}
			return usagef("unknown command %q (see dsim --help)", args[0])
		}
		return c.Help()
	}
	root.AddCommand(newList(), newShow(), newRun(), newFuzz(), newCheck(), newTui())
	root.CompletionOptions.HiddenDefaultCmd = true
	return root
}

// exactArgs is cobra.ExactArgs with a usage error that names the command.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s: want %s (see dsim %s --help)", c.Name(), what, c.Name())
		}
		return nil
	}
}
