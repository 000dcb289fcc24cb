package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dsimlab/dsim/tui"
)

// newTui is `dsim tui`: the terminal UI. It parses flags and hands over to
// package tui, the only package that knows Bubble Tea.
func newTui() *cobra.Command {
	var (
		seed uint64
		bug  string
		keys string
		size string
	)
	c := &cobra.Command{
		Use:   "tui [SCENARIO|FILE] [--seed N] [--bug NAME]",
		Short: "Step through a scenario in the terminal: forward, back, inject faults, save",
		Long: `Open a scenario in the terminal UI and step through its run event by event.
Step back in time, inject crashes, partitions and message drops by key press,
and save the run (with every fault you injected) as a scenario file that
dsim run replays exactly. Without a scenario, pick one from the catalogue.

  dsim tui                          the catalogue
  dsim tui raft/election            one scenario, with its own seed
  dsim tui my.scn --seed 7          a file, with another seed
  dsim tui raft/election --keys "n n N" --size 100x30
                                    no terminal: press those keys and print
                                    the last frame (for scripts and CI)

Inside, the line under the header tells each event in words; N stops at the
next change or teaching moment; v draws the space-time diagram; e explains
the selected node or message; after a violation, n goes on to show the harm.
Press ? inside for every key and the protocol's words.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("tui: want at most one scenario name or file (see dsim tui --help)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o := tui.Options{Seed: seed, SeedSet: c.Flags().Changed("seed"), Bug: bug, In: os.Stdin, Out: c.OutOrStdout()}
			if len(args) == 1 {
				s, err := loadScenario(args[0], c.InOrStdin())
				if err != nil {
					return usageError{err}
				}
				o.Scenario = s
			}
			if err := tui.Validate(o); err != nil {
				return usageError{err}
			}
			if c.Flags().Changed("keys") || c.Flags().Changed("size") {
				var w, h int
				if _, err := fmt.Sscanf(size, "%dx%d", &w, &h); err != nil || w < 20 || h < 8 || w > 1000 || h > 1000 {
					return usagef("tui: --size %q: want WIDTHxHEIGHT, as in 100x30, from 20x8 to 1000x1000", size)
				}
				frame, err := tui.LastFrame(o, w, h, strings.Fields(keys)...)
				if err != nil {
					return usageError{err}
				}
				_, err = fmt.Fprintln(c.OutOrStdout(), frame)
				return err
			}
			err := tui.Run(o)
			if errors.Is(err, tui.ErrNoTerminal) {
				return usageError{err}
			}
			if stop := interrupted(c.Context()); err != nil && stop != nil {
				return stop // SIGTERM: the UI closed itself, restoring the terminal
			}
			return err
		},
	}
	c.Flags().Uint64Var(&seed, "seed", 0, "the run's seed (default: the scenario's own)")
	c.Flags().StringVar(&bug, "bug", "", "build in the bug variant `NAME` (see dsim list --bugs)")
	c.Flags().StringVar(&keys, "keys", "", "without a terminal: press these `KEYS` (space-separated: n b N g enter ...) and print the last frame")
	c.Flags().StringVar(&size, "size", "100x30", "the frame size for --keys, `WxH`")
	return c
}
