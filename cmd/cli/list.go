package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/dsimlab/dsim/scenarios"
)

type listEntry struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Title    string `json:"title"`
	Lesson   int    `json:"lesson"` // its place in the learning path, from 1
}

func newList() *cobra.Command {
	var asJSON, bugs, protos bool
	c := &cobra.Command{
		Use:   "list [--json] [--bugs | --protocols]",
		Short: "List the built-in scenarios (or, with --bugs, the bug variants; with --protocols, the protocols)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			out := c.OutOrStdout()
			if bugs && protos {
				return usagef("list: --bugs and --protocols are two different lists: ask for one")
			}
			if protos {
				rows := protocolRows()
				if asJSON {
					return writeJSON(out, rows)
				}
				var cells [][]string
				for _, r := range rows {
					c := r.Consistency
					if c == "" {
						c = "-"
					}
					cells = append(cells, []string{r.Name, wrap(r.Summary, 56), c, fmt.Sprint(r.Bugs), fmt.Sprint(r.Scenarios)})
				}
				return table(out, []string{"protocol", "what it is", "history", "bugs", "scenarios"}, cells)
			}
			if bugs {
				all := scenarios.AllBugs()
				if asJSON {
					return writeJSON(out, all)
				}
				rows := make([][]string, len(all))
				for i, b := range all {
					rows[i] = []string{b.Protocol, b.Name, wrap(b.Description, 64)}
				}
				return table(out, []string{"protocol", "bug", "what it breaks"}, rows)
			}
			// The learning path: take them in this order (docs/scenarios.md).
			all, err := scenarios.Lessons()
			if err != nil {
				return err
			}
			entries := make([]listEntry, len(all))
			rows := make([][]string, len(all))
			for i, s := range all {
				entries[i] = listEntry{Name: s.Name, Protocol: s.Protocol, Title: s.Title, Lesson: i + 1}
				rows[i] = []string{fmt.Sprint(i + 1), s.Name, s.Title}
			}
			if asJSON {
				return writeJSON(out, entries)
			}
			return table(out, []string{"#", "scenario (in learning order)", "what it teaches"}, rows)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	c.Flags().BoolVar(&bugs, "bugs", false, "list the bug variants that --bug can switch on")
	c.Flags().BoolVar(&protos, "protocols", false, "list the protocols (dsim show PROTOCOL describes one)")
	return c
}

func newShow() *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Print a built-in scenario file to copy and edit, or describe a protocol",
		Long: `Print a built-in scenario file, comments and all. Save it, edit it, and run
the copy with: dsim run FILE

Given a protocol's name (dsim list --protocols), describe the protocol: its
options and workload lines with their defaults, roles, bug variants, message
kinds and scenarios.`,
		Args: exactArgs(1, "one scenario or protocol name"),
		RunE: func(c *cobra.Command, args []string) error {
			if p, err := scenarios.Lookup(args[0]); err == nil {
				describe(c.OutOrStdout(), p)
				return nil
			}
			src, err := scenarios.BuiltinSource(args[0])
			if err != nil {
				return usageError{err}
			}
			_, err = c.OutOrStdout().Write(src)
			return err
		},
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table renders rows under a header (none if nil), the house style for people.
func table(w io.Writer, header []string, rows [][]string) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
	)
	if header != nil {
		t.Header(header)
	}
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return t.Render()
}

// wrap breaks text into lines of at most width characters, at spaces, so
// that long descriptions keep a table narrow enough for a terminal.
func wrap(text string, width int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}
