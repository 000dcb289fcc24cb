package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dsimlab/dsim/checker"
	"github.com/dsimlab/dsim/checker/consistency"
)

func newCheck() *cobra.Command {
	var html, model string
	var budget int64
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "check HISTORY.json [--model MODEL] [--html FILE] [--budget STEPS]",
		Short: "Check a recorded KV history for linearizability (or another consistency model)",
		Long: `Check a recorded key-value history (format: docs/history-format.md) for
linearizability. Histories from real systems work too.

A key whose written values are all distinct (dsim's clients write values
like c1.7) is decided without search, however long its history. Other keys
are searched, with at most --budget steps each; the verdict never depends
on how fast the machine is. A key that needs more is unknown: raise
--budget to decide it.

With --model, judge the history against another rung of the consistency
ladder instead: sequential, causal, session (all four session guarantees),
ryw, monotonic-reads, monotonic-writes, writes-follow-reads. The output
names the strongest rung the history reaches and, for the chosen model, the
smallest anomaly found (the operations, in order, that prove it).

A file "-" is read from standard input. The file is read as it is parsed:
a file that is not JSON is refused at its first wrong byte, and one over
512 MiB is refused too.

Exit codes: 0 the history keeps the model; 1 it does not, or it is unknown
(unknown is never a pass); 2 the file is missing or malformed; 130
interrupted.`,
		Args: exactArgs(1, "one history file"),
		RunE: func(c *cobra.Command, args []string) error {
			if c.Flags().Changed("timeout") {
				fmt.Fprintln(c.ErrOrStderr(), "dsim: check: --timeout is ignored: verdicts no longer depend on time; use --budget STEPS")
			}
			if budget <= 0 {
				return usagef("check: --budget %d: want at least 1 step", budget)
			}
			m, err := consistency.ParseModel(model)
			if err != nil {
				return usagef("check: --model: %v", err)
			}
			if m == consistency.Eventual {
				return usagef("check: --model eventual needs the replicas' final states, which a history file does not hold; use dsim run")
			}
			name := args[0]
			if name == "-" {
				name = "stdin"
			}
			if err := checkOutputs(map[string]string{"the history": args[0]}, [2]string{"--html", html}); err != nil {
				return err
			}
			if html != "" {
				if err := checkWritable("--html", html); err != nil {
					return err
				}
			}
			// Reading and checking cannot stop half way, so they run aside
			// and Ctrl-C stops waiting for them.
			var ops []checker.Op
			var res checker.Result
			err = aside(c.Context(), func() error {
				var err error
				if ops, err = readHistoryFile(args[0], c.InOrStdin()); err != nil {
					return err
				}
				res = checker.CheckKV(ops, checker.Budget(budget))
				return nil
			})
			if err != nil {
				if stop := interrupted(c.Context()); stop != nil {
					fmt.Fprintf(c.ErrOrStderr(), "%s: interrupted before the check was done\n", name)
				}
				return err
			}
			if res.Err != nil {
				if errors.Is(res.Err, checker.ErrInvalidHistory) {
					return usageError{fmt.Errorf("%s: %w", name, res.Err)}
				}
				return res.Err
			}
			out := c.OutOrStdout()
			fmt.Fprintf(out, "%s: %d operations, linearizable: %s\n", name, len(ops), res.Verdict)
			searched, steps := 0, int64(0)
			for _, k := range res.Keys {
				if k.Method == checker.MethodSearch {
					searched++
					steps = max(steps, k.Steps)
				}
			}
			fmt.Fprintf(out, "keys: %d decided by their unique values, %d by search", len(res.Keys)-searched, searched)
			if searched > 0 {
				fmt.Fprintf(out, " (at most %d of %d steps per key)", steps, res.Budget)
			}
			fmt.Fprintln(out)
			if len(res.IllegalKeys) > 0 {
				fmt.Fprintf(out, "keys with no linearization: %s\n", strings.Join(res.IllegalKeys, " "))
			}
			for _, k := range res.Keys {
				if k.Verdict != checker.VerdictIllegal {
					continue
				}
				smallest := "a smallest set"
				if !k.WitnessMinimal {
					smallest = "a set (not shrunk to the smallest: out of budget)"
				}
				fmt.Fprintf(out, "%s: %s of %d of its %d ops with no linearization:\n", k.Key, smallest, len(k.Witness), k.Ops)
				for _, i := range k.Witness {
					fmt.Fprintf(out, "  ops[%d] %s\n", i, ops[i])
				}
			}
			if len(res.UnknownKeys) > 0 {
				fmt.Fprintf(out, "keys undecided within the budget of %d steps: %s (raise it with --budget)\n", res.Budget, strings.Join(res.UnknownKeys, " "))
			}
			if html != "" {
				if err := writeOutput("--html", html, func(w io.Writer) error { return checker.WriteHTML(w, ops, res, nil) }); err != nil {
					return err
				}
				fmt.Fprintf(c.ErrOrStderr(), "visualization written to %s\n", html)
			}
			if m == consistency.Linearizable {
				if res.Verdict != checker.VerdictOK {
					return errCheckFailed
				}
				return nil
			}
			return aside(c.Context(), func() error { return checkModel(out, ops, m, checker.Budget(budget)) })
		},
	}
	c.Flags().StringVar(&html, "html", "", "write porcupine's visualization to `FILE`")
	c.Flags().StringVar(&model, "model", "linearizable", "judge the history against `MODEL` (linearizable, sequential, causal, session, ryw, monotonic-reads, monotonic-writes, writes-follow-reads)")
	c.Flags().Int64Var(&budget, "budget", int64(checker.DefaultBudget), "search at most this many `STEPS` per key before calling it unknown")
	// --timeout used to stop the search after a wall-clock time, which made
	// the verdict depend on the machine. Scripts that pass it still work.
	c.Flags().DurationVar(&timeout, "timeout", 0, "no longer used: the search is bounded by --budget")
	if err := c.Flags().MarkHidden("timeout"); err != nil {
		panic(err)
	}
	return c
}

// aside runs f on another goroutine and waits for it or for ctx, whichever
// is first: for work that cannot stop half way (parsing a file, checking a
// history), so that Ctrl-C still stops the command at once. The process
// exits soon after, leaving f unfinished.
func aside(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// checkModel judges a history against one rung of the ladder and says
// where it stands on the whole ladder.
func checkModel(out io.Writer, ops []checker.Op, m consistency.Model, budget checker.Budget) error {
	h, err := consistency.FromChecker(ops)
	if err != nil {
		return usageError{err}
	}
	ladder := consistency.Ladder(h, consistency.Options{Budget: consistency.Budget{Linearizability: budget}})
	strongest := string(ladder.Strongest)
	if strongest == "" {
		strongest = "no rung (eventual needs the replicas' final states)"
	}
	fmt.Fprintf(out, "strongest rung reached: %s\n", strongest)
	res := ladder.Result(m)
	fmt.Fprintf(out, "%s\n", res)
	if !res.OK() {
		return errCheckFailed
	}
	return nil
}
