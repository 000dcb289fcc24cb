package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dsimlab/dsim/checker"
)

func newCheck() *cobra.Command {
	var html string
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "check HISTORY.json [--html FILE] [--timeout 10s]",
		Short: "Check a recorded KV history for linearizability",
		Long: `Check a recorded key-value history (format: docs/history-format.md) for
linearizability with porcupine. Histories from real systems work too.

Exit codes: 0 linearizable; 1 not linearizable, or the search timed out
(unknown is never a pass); 2 the file is missing or malformed.`,
		Args: exactArgs(1, "one history file"),
		RunE: func(c *cobra.Command, args []string) error {
			if timeout < 0 {
				return usagef("check: --timeout %s is negative (0 means no limit)", timeout)
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageError{err}
			}
			defer f.Close()
			ops, err := checker.ParseHistory(f)
			if err != nil {
				return usageError{fmt.Errorf("%s: %w", args[0], err)}
			}
			res := checker.CheckKV(ops, timeout)
			if res.Err != nil {
				if errors.Is(res.Err, checker.ErrInvalidHistory) {
					return usageError{fmt.Errorf("%s: %w", args[0], res.Err)}
				}
				return res.Err
			}
			out := c.OutOrStdout()
			fmt.Fprintf(out, "%s: %d operations, linearizable: %s\n", args[0], len(ops), res.Verdict)
			if len(res.IllegalKeys) > 0 {
				fmt.Fprintf(out, "keys with no linearization: %s\n", strings.Join(res.IllegalKeys, " "))
			}
			if len(res.UnknownKeys) > 0 {
				fmt.Fprintf(out, "keys whose search timed out after %s: %s\n", timeout, strings.Join(res.UnknownKeys, " "))
			}
			if html != "" {
				hf, err := os.Create(html)
				if err != nil {
					return usageError{fmt.Errorf("--html: %w", err)}
				}
				if _, err := checker.WriteHTML(hf, ops, nil, timeout); err != nil {
					hf.Close()
					return err
				}
				if err := hf.Close(); err != nil {
					return err
				}
				fmt.Fprintf(c.ErrOrStderr(), "visualization written to %s\n", html)
			}
			if res.Verdict != checker.VerdictOK {
				return errCheckFailed
			}
			return nil
		},
	}
	c.Flags().StringVar(&html, "html", "", "write porcupine's visualization to `FILE`")
	c.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "give up the search after this long (reported as unknown); 0 means no limit")
	return c
}
