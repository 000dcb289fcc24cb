package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/scenarios"
)

// update rewrites the golden frames: go test ./tui -update. (teatest's
// golden package registers its own -update flag, so it is not imported.)
var update = flag.Bool("update", false, "rewrite the golden frames in testdata")

func TestMain(m *testing.M) {
	// Golden frames are compared without colour, so they are the same on
	// every terminal; the UI must read without colour anyway.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// press turns key names into the messages Bubble Tea would send.
func press(keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		switch k {
		case "tab":
			out = append(out, tea.KeyMsg{Type: tea.KeyTab})
		case "enter":
			out = append(out, tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			out = append(out, tea.KeyMsg{Type: tea.KeyEsc})
		case "up":
			out = append(out, tea.KeyMsg{Type: tea.KeyUp})
		case "down":
			out = append(out, tea.KeyMsg{Type: tea.KeyDown})
		case "left":
			out = append(out, tea.KeyMsg{Type: tea.KeyLeft})
		case "right":
			out = append(out, tea.KeyMsg{Type: tea.KeyRight})
		case "space":
			out = append(out, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		case "backspace":
			out = append(out, tea.KeyMsg{Type: tea.KeyBackspace})
		default:
			out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
	return out
}

// harness drives the app with messages, as the Bubble Tea runtime would,
// and runs the commands it returns that produce app messages (open, pick);
// ticks are sent by hand.
type harness struct {
	t *testing.T
	a *app
}

func newHarness(t *testing.T, o Options, w, h int) *harness {
	t.Helper()
	if o.SaveDir == "" {
		o.SaveDir = t.TempDir()
	}
	a, err := newApp(o)
	require.NoError(t, err)
	hs := &harness{t: t, a: a}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

func open(t *testing.T, name string, w, h int) *harness {
	t.Helper()
	s, err := scenarios.Load(name)
	require.NoError(t, err)
	return newHarness(t, Options{Scenario: s}, w, h)
}

func (h *harness) send(msgs ...tea.Msg) tea.Cmd {
	var last tea.Cmd
	for _, msg := range msgs {
		_, cmd := h.a.Update(msg)
		last = cmd
		// While autoplay runs, the command is its next tick, which waits on
		// the wall clock: tests send ticks by hand instead. Any other
		// command returns an app message (open, pick, quit) at once.
		if cmd == nil || (h.a.run != nil && h.a.run.running) {
			continue
		}
		switch next := cmd().(type) {
		case openMsg, pickMsg:
			h.a.Update(next)
		}
	}
	return last
}

func (h *harness) keys(keys ...string) tea.Cmd { return h.send(press(keys...)...) }

func (h *harness) view() string { return h.a.View() }

func (h *harness) run() *runView {
	require.NotNil(h.t, h.a.run)
	return h.a.run
}

func TestStepForwardThenBackGivesTheSameFrame(t *testing.T) {
	for _, name := range []string{"raft/election", "broadcast/partition-heal"} {
		t.Run(name, func(t *testing.T) {
			h := open(t, name, 80, 24)
			h.keys("t") // the timeline, not the teaching text
			frames := []string{h.view()}
			for range 60 {
				h.keys("n")
				frames = append(frames, h.view())
			}
			for i := 60; i > 0; i-- {
				assert.Contains(t, frames[i], fmt.Sprintf("event %d ", i))
				h.keys("b")
				require.Equal(t, frames[i-1], h.view(), "the frame after stepping back to event %d", i-1)
			}
			// Stepping back at the start stays there, and says so.
			h.keys("b")
			assert.Contains(t, h.view(), "event 0 ")
			assert.Contains(t, h.view(), "already at the start")
			h.keys("right", "right", "left")
			assert.Equal(t, frames[1], h.view())

			// Deep into the run, where a rebuild keeps only the events
			// the timeline can show.
			h.keys("g", "6", "0", "0", "enter")
			deep := []string{h.view()}
			for range 5 {
				h.keys("n")
				deep = append(deep, h.view())
			}
			for i := 5; i > 0; i-- {
				h.keys("b")
				require.Equal(t, deep[i-1], h.view(), "the frame after stepping back to event %d", 600+i-1)
			}
		})
	}
}

func TestCrashKeyMarksTheNodeDown(t *testing.T) {
	h := open(t, "raft/election", 80, 24)
	h.keys("t", "g", "4", "0", "enter")
	require.Contains(t, h.view(), "event 40 ")
	assert.Regexp(t, `▸ n1 +up +follower`, h.view(), "the first node is selected at start")
	hashAt40 := h.run().sess.world().Hash()
	h.keys("c")
	frame := h.view()
	assert.Regexp(t, `▸ n1 +DOWN`, frame)
	assert.Contains(t, frame, "fault crash n1")
	assert.Contains(t, frame, `injected "crash n1"`)
	// The event shown before the crash is unchanged: the crash comes after it.
	r := h.run()
	assert.Equal(t, uint64(41), r.sess.event())
	// Exact by construction: with the crash in the schedule, the world run
	// to event 40 is the one shown before the key press, trace hash and all.
	h.keys("b")
	assert.Equal(t, hashAt40, r.sess.world().Hash())
	h.keys("n")

	h.keys("c")
	assert.Contains(t, h.view(), "n1 is already down")
	h.keys("r")
	assert.Contains(t, h.view(), "fault restart n1")
	h.keys("n") // the restarted node's start is the next event
	assert.Regexp(t, `▸ n1 +up +follower`, h.view())
	assert.Contains(t, h.view(), "n1 restart records=4")
	// Isolating a client is refused with a reason.
	h.keys("down", "down", "down", "p")
	assert.Contains(t, h.view(), "c1 is a client")
}

func TestGoToEvent(t *testing.T) {
	h := open(t, "broadcast/partition-heal", 80, 24)
	h.keys("g", "1", "2", "0")
	assert.Contains(t, h.view(), "go to event: 120")
	h.keys("enter")
	assert.Contains(t, h.view(), "event 120 ")
	assert.Equal(t, uint64(120), h.run().sess.event())
	h.keys("g", "7", "backspace", "5", "enter")
	assert.Equal(t, uint64(5), h.run().sess.event())
	h.keys("g", "9", "esc")
	assert.Equal(t, uint64(5), h.run().sess.event())
	assert.NotContains(t, h.view(), "go to event")
	// Past the end: stops at the end, judged.
	h.keys("g", "9", "9", "9", "9", "9", "9", "enter")
	r := h.run()
	require.True(t, r.sess.over())
	assert.Contains(t, h.view(), "the run is over at event")
	assert.Contains(t, h.view(), "RUN OVER: PASS")
}

// A branch saved with s replays with the runner to the same trace hash as
// the UI's own world, run to the same end.
func TestSavedBranchReplays(t *testing.T) {
	for _, tc := range []struct {
		name, bug string
		seed      uint64
		keys      []string
	}{
		{"raft/election", "", 0, []string{"g", "3", "0", "enter", "down", "c", "N", "N", "r", "g", "2", "0", "0", "enter", "p", "tab", "d", "n", "n", "h"}},
		{"broadcast/partition-heal", "", 0, []string{"g", "5", "0", "0", "enter", "down", "c", "tab", "down", "d", "b", "b", "b", "tab", "down", "p"}},
		// Swarm chaos draws its schedule from the seed, on top of the
		// injected faults; a bug variant given by flag is saved in the file.
		{"broadcast/chaos", "", 7, []string{"g", "4", "0", "0", "enter", "c", "g", "9", "0", "0", "enter", "r"}},
		{"broadcast/lossy", "no-retry", 3, []string{"g", "3", "0", "0", "enter", "down", "down", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := scenarios.Load(tc.name)
			require.NoError(t, err)
			h := newHarness(t, Options{Scenario: s, SaveDir: dir, Seed: tc.seed, SeedSet: tc.seed != 0, Bug: tc.bug}, 100, 30)
			h.keys(tc.keys...)
			r := h.run()
			require.NotEmpty(t, r.sess.injected, "the keys injected faults: %s", r.flash)
			h.keys("s")
			require.Contains(t, r.flash, "saved ")
			files, err := filepath.Glob(filepath.Join(dir, "*.scn"))
			require.NoError(t, err)
			require.Len(t, files, 1)
			path := files[0]
			seed := s.Seed
			if tc.seed != 0 {
				seed = tc.seed
			}
			assert.Contains(t, filepath.Base(path), fmt.Sprintf("-seed%d-1.scn", seed))

			// Save twice: a new file, never an overwrite.
			h.keys("s")
			files, _ = filepath.Glob(filepath.Join(dir, "*.scn"))
			assert.Len(t, files, 2)

			// Run the UI's world to the end.
			h.keys("g", "9", "9", "9", "9", "9", "9", "9", "enter")
			require.True(t, r.sess.over())
			ui := r.sess.result

			saved, err := scenarios.Load(path)
			require.NoError(t, err)
			assert.Equal(t, seed, saved.Seed)
			if tc.bug != "" {
				assert.Equal(t, tc.bug, saved.Bug)
			}
			res, err := scenarios.RunScenario(saved, scenarios.RunOptions{Seed: saved.Seed})
			require.NoError(t, err)
			assert.Equal(t, ui.TraceHash, res.TraceHash)
			assert.Equal(t, ui.Events, res.Events)
			assert.Equal(t, ui.Pass, res.Pass)
			src, _ := os.ReadFile(path)
			for _, in := range r.sess.injected {
				assert.Contains(t, string(src), in.fault.String())
			}
		})
	}
}

// Injecting after stepping back discards the injected faults of the old
// future: the schedule is the branch.
func TestInjectAfterSteppingBackBranches(t *testing.T) {
	h := open(t, "raft/election", 80, 24)
	h.keys("g", "1", "0", "0", "enter", "c")
	r := h.run()
	require.Len(t, r.sess.injected, 1)
	crashAt := r.sess.event()
	// Back before the crash and forward again: the crash is still ahead.
	h.keys("g", "5", "0", "enter")
	require.Len(t, r.sess.injected, 1)
	h.keys("g", fmt.Sprint(crashAt), "enter")
	assert.Regexp(t, `▸ n1 +DOWN`, h.view())
	// Back before it, and inject something else: the crash is gone.
	h.keys("g", "5", "0", "enter", "down", "p")
	require.Len(t, r.sess.injected, 1)
	assert.Equal(t, "isolate n2", r.sess.injected[0].fault.String())
	h.keys("g", fmt.Sprint(crashAt+20), "enter")
	assert.Regexp(t, `n1 +up`, h.view())
}

func TestNextStopsAtAChange(t *testing.T) {
	h := open(t, "raft/election", 80, 24)
	h.keys("N") // the nodes' first starts are not changes worth stopping at
	r := h.run()
	assert.Regexp(t, `at event \d+: n\d became candidate \(was follower\); n\d moved to term 1`, r.flash)
	assert.Regexp(t, `candidate +1 `, h.view())
	for range 20 {
		h.keys("N")
		if strings.Contains(r.flash, "became leader") {
			break
		}
	}
	assert.Contains(t, r.flash, "became leader (was candidate)")
	assert.Regexp(t, `leader +1 `, h.view())
	// N, then b, returns to the event before the change.
	at := r.sess.event()
	h.keys("b", "N")
	assert.Equal(t, at, r.sess.event())
}

func TestAutoplay(t *testing.T) {
	h := open(t, "raft/election", 80, 24)
	r := h.run()
	cmd := h.keys("space")
	require.NotNil(t, cmd)
	assert.True(t, r.running)
	assert.Contains(t, h.view(), "running 10 ev/s")
	h.send(tickMsg{gen: r.gen}, tickMsg{gen: r.gen})
	assert.Equal(t, uint64(2), r.sess.event())
	h.send(tickMsg{gen: r.gen - 1}) // a tick from an older loop does nothing
	assert.Equal(t, uint64(2), r.sess.event())
	h.keys("+", "+")
	assert.Contains(t, h.view(), "running 50 ev/s")
	h.send(tickMsg{gen: r.gen})
	assert.Equal(t, uint64(4), r.sess.event(), "50 ev/s is 20 beats of 2 events")
	h.keys("space")
	assert.False(t, r.running)
	assert.Contains(t, h.view(), "paused")
	h.send(tickMsg{gen: r.gen})
	assert.Equal(t, uint64(4), r.sess.event())
	// Stepping by hand pauses autoplay.
	h.keys("space", "n")
	assert.False(t, r.running)
}

func TestDropSelectedMessage(t *testing.T) {
	h := open(t, "raft/election", 80, 24)
	h.keys("g", "1", "3", "enter", "tab")
	frame := h.view()
	require.Contains(t, frame, "RequestVote{term=1")
	h.keys("d")
	r := h.run()
	require.Len(t, r.sess.injected, 1, r.flash)
	assert.Contains(t, r.sess.injected[0].fault.String(), "drop inflight RequestVote n2->")
	assert.Contains(t, h.view(), "DROP")
	h.keys("d")
	assert.Contains(t, r.flash, "already doomed")
}

func TestEveryFrameFitsItsSize(t *testing.T) {
	h := open(t, "raft/election", 80, 24)
	h.keys("g", "2", "0", "0", "enter")
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 40}, {200, 60}, {60, 16}, {80, 12}} {
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for _, k := range []string{"", "t", "tab", "?", "?"} {
			if k != "" {
				h.keys(k)
			}
			lines := strings.Split(h.view(), "\n")
			assert.Len(t, lines, size[1], "%dx%d after %q", size[0], size[1], k)
			for i, l := range lines {
				assert.LessOrEqual(t, ansi.StringWidth(l), size[0], "%dx%d line %d: %q", size[0], size[1], i, l)
			}
		}
	}
}

func TestPicker(t *testing.T) {
	h := newHarness(t, Options{}, 100, 60)
	frame := h.view()
	assert.Contains(t, frame, "broadcast — gossip")
	assert.Contains(t, frame, "partition-heal")
	assert.Contains(t, frame, "A partition splits the cluster")
	h.keys("/", "e", "l", "e", "c")
	assert.Contains(t, h.view(), "filter: elec")
	assert.NotContains(t, h.view(), "partition-heal")
	h.keys("enter") // keeps the filter; the first match is selected
	assert.Regexp(t, `▸ election +Leader election`, h.view())
	assert.Contains(t, h.view(), "raft/election · enter opens it")
	assert.Contains(t, h.view(), "Three servers start as followers", "the selected scenario's teaching text")
	h.keys("enter")
	require.NotNil(t, h.a.run)
	assert.Contains(t, h.view(), "raft/election")
	h.keys("esc")
	assert.Nil(t, h.a.run)
	assert.Contains(t, h.view(), "scenarios")
	// Every row fits, at 80x24 too, and the list scrolls to the selection.
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.keys("esc")
	for range 40 {
		h.keys("j")
	}
	lines := strings.Split(h.view(), "\n")
	assert.Len(t, lines, 24)
	assert.Contains(t, h.view(), "▸ ")
	for _, l := range lines {
		assert.LessOrEqual(t, ansi.StringWidth(l), 80)
	}
}

// Golden frames at 80x24 and at a larger size, without colour. Regenerate
// with go test ./tui -update after an intended change, and look at the diff.
func TestGoldenFrames(t *testing.T) {
	for _, tc := range []struct {
		name, scenario string
		w, h           int
		keys           []string
	}{
		{"start-80x24", "raft/election", 80, 24, nil},
		{"election-80x24", "raft/election", 80, 24, []string{"t", "g", "4", "0", "enter"}},
		{"partition-80x24", "broadcast/partition-heal", 80, 24, []string{"t", "g", "4", "4", "0", "enter", "down", "down", "c"}},
		{"messages-80x24", "raft/election", 80, 24, []string{"t", "g", "1", "5", "enter", "tab"}},
		{"help-80x24", "raft/election", 80, 24, []string{"?"}},
		{"end-80x24", "broadcast/partition-heal", 80, 24, []string{"t", "g", "9", "9", "9", "9", "9", "enter"}},
		{"partition-160x40", "broadcast/partition-heal", 160, 40, []string{"g", "4", "4", "0", "enter", "down", "c"}},
		{"election-120x36", "raft/election", 120, 36, []string{"g", "6", "0", "enter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := open(t, tc.scenario, tc.w, tc.h)
			h.keys(tc.keys...)
			golden(t, tc.name, h.view())
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./tui -update to create it")
	assert.Equal(t, string(want), got)
}

// A scenario opened from a file is saved under the file's base name, next
// to nothing it would overwrite.
func TestSaveNamesFromFile(t *testing.T) {
	src, err := scenarios.BuiltinSource("raft/election")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "my run.scn")
	require.NoError(t, os.WriteFile(path, src, 0o644))
	s, err := scenarios.Load(path)
	require.NoError(t, err)
	ss, err := newSession(s, 9, "")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dsim-my-run-seed9-1.scn"), nil, 0o644))
	got, err := ss.save(dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "dsim-my-run-seed9-2.scn"), got)
	saved, err := scenarios.Load(got)
	require.NoError(t, err)
	assert.Equal(t, uint64(9), saved.Seed)
	assert.Empty(t, saved.Faults)
}

func TestInjectTime(t *testing.T) {
	for _, tc := range []struct{ now, want int64 }{
		{0, 1000},
		{1000, 2000},
		{1001, 3000},
		{153251229, 153253000},
		{999, 2000},
	} {
		assert.Equal(t, tc.want, int64(injectTime(clock.Time(tc.now))), "now %d", tc.now)
	}
}
