package raft

import (
	"os"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv/kvtest"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// The Figure 2 scripts are crafted so that changing the rule each one pins
// changes its output, even where random schedules would rarely reach the
// difference. The bug variants that break one of those rules show it: run
// with the bug switched on, the script's output is no longer its golden
// output.
func TestFigure2ScriptsCatchTheirRuleBroken(t *testing.T) {
	for script, bug := range map[string]string{
		"fig2-vote-2-grant":         BugVoteWithoutLogCheck,
		"fig2-append-4-new-entries": BugStaleAppendTruncates,
		"fig2-leaders-commit":       BugCommitOldTerm,
		"fig2-servers-term":         BugIgnoreHigherTerm,
	} {
		t.Run(script, func(t *testing.T) {
			golden, got := runScript(t, "testdata/"+script+".txt", "")
			require.Equal(t, golden, got, "the script as it is matches its golden output")
			_, mutated := runScript(t, "testdata/"+script+".txt", bug)
			require.NotEqual(t, golden, mutated, "with %s the script's output must change", bug)
		})
	}
}

// runScript runs a datadriven script's commands, with bug added to its
// cluster line, and returns its golden output and the output it produced.
func runScript(t *testing.T, path, bug string) (golden, got string) {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	w := &world{h: prototest.New(1), disks: map[protocols.NodeID][]protocols.Record{}, cx: kvtest.NewClient()}
	var want, have strings.Builder
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") || i+1 >= len(lines) || lines[i+1] != "----" {
			continue
		}
		if bug != "" && strings.HasPrefix(line, "cluster ") {
			line += " bug=" + bug
		}
		for i += 2; i < len(lines) && lines[i] != ""; i++ {
			want.WriteString(lines[i] + "\n")
		}
		cmd, args, err := datadriven.ParseLine(line)
		require.NoError(t, err)
		d := &datadriven.TestData{Pos: path, Cmd: cmd, CmdArgs: args}
		if c, ok := scriptCommands[cmd]; ok {
			have.WriteString(c(t, w.h, w, d) + w.h.Output())
			continue
		}
		out, err := w.h.Exec(d)
		require.NoError(t, err)
		have.WriteString(out)
	}
	return want.String(), have.String()
}
