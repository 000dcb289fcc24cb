package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
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
func press(keys ...string) []tea.Msg { return keyMsgs(keys...) }

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
	// The restart is one event and the node's start the next: r steps
	// past both, so the frame shows the node up, and says so.
	assert.Contains(t, h.view(), "fault restart n1")
	assert.Contains(t, h.view(), "n1 restart records=4")
	assert.Regexp(t, `▸ n1 +up +follower`, h.view())
	assert.Regexp(t, `injected "restart n1" at event \d+; n1 started again at event \d+ and is up`, r.flash)
	require.Len(t, r.sess.injected, 2)
	assert.Equal(t, r.sess.injected[1].applied+1, r.sess.event(), "the fault's event is recorded, not the start's")
	// Isolating a client is refused with a reason.
	h.keys("down", "down", "down", "p")
	assert.Contains(t, h.view(), "c1 is a client")
}

func TestGoToEvent(t *testing.T) {
	h := open(t, "broadcast/partition-heal", 80, 24)
	h.keys("g", "1", "2", "0")
	assert.Contains(t, h.view(), "go to event or time: 120")
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
	assert.Contains(t, r.flash, "will already never arrive")
}

func TestEveryFrameFitsItsSize(t *testing.T) {
	h := open(t, "raft/election", 80, 24)
	h.keys("g", "2", "0", "0", "enter")
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 40}, {200, 60}, {60, 16}, {80, 12}} {
		h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for _, k := range []string{"", "t", "tab", "?", "?", "g", "1234567890123.5ms", "esc", "N"} {
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

// The catalogue is the learning path: numbered, in order, open on the
// first lesson; a filter starts at its first match, whatever was selected.
func TestPickerIsTheLearningPath(t *testing.T) {
	h := newHarness(t, Options{}, 100, 30)
	lessons, err := scenarios.Lessons()
	require.NoError(t, err)
	assert.Regexp(t, `▸ +1 `+strings.TrimPrefix(lessons[0].Name, lessons[0].Protocol+"/")+` `, h.view(), "opens on the first lesson")
	assert.Contains(t, h.view(), lessons[0].Name+" · enter opens it")
	h.keys("down", "/", "e", "l", "e", "c", "enter", "enter")
	require.NotNil(t, h.a.run)
	assert.Equal(t, "raft/election", h.run().sess.base.Name, "the filter's first match, not the old row number")
	// esc goes back to the catalogue, on the scenario just left.
	h.keys("esc")
	require.Nil(t, h.a.run)
	assert.Regexp(t, `▸ +\d+ election `, h.view())
	// From a scenario given on the command line too.
	s, err := scenarios.Load("raft/figure8")
	require.NoError(t, err)
	h = newHarness(t, Options{Scenario: s}, 100, 30)
	h.keys("esc")
	require.Nil(t, h.a.run, "esc reaches the catalogue")
	assert.Regexp(t, `▸ +\d+ figure8 `, h.view())
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
	assert.Regexp(t, `▸ +\d+ election +Leader election`, h.view())
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
		bug            string
	}{
		// The teaching views, at the size the issue tried: the harm of
		// Figure 8's bug, a blocked 2PC participant, the space-time
		// diagram with heartbeats hidden, a node explained, the words of
		// a protocol, the catalogue in learning order.
		{name: "figure8-harm-100x30", scenario: "raft/figure8", w: 100, h: 30, keys: []string{"g", "2608", "enter", "t"}, bug: "commit-old-term"},
		{name: "blocked-100x30", scenario: "2pc/coordinator-crash-blocks", w: 100, h: 30, keys: []string{"f", "f", "N"}},
		{name: "diagram-100x30", scenario: "raft/leader-crash", w: 100, h: 30, keys: []string{"g", "3319", "enter", "v", "H", "C"}},
		{name: "explain-100x30", scenario: "raft/election", w: 100, h: 30, keys: []string{"g", "60", "enter", "e"}},
		{name: "words-100x30", scenario: "3pc/partition-unsafe", w: 100, h: 30, keys: []string{"?", "]"}},
		{name: "catalogue-100x30", w: 100, h: 30},
		{name: "start-80x24", scenario: "raft/election", w: 80, h: 24},
		{name: "election-80x24", scenario: "raft/election", w: 80, h: 24, keys: []string{"t", "g", "4", "0", "enter"}},
		{name: "partition-80x24", scenario: "broadcast/partition-heal", w: 80, h: 24, keys: []string{"t", "g", "4", "4", "0", "enter", "down", "down", "c"}},
		{name: "messages-80x24", scenario: "raft/election", w: 80, h: 24, keys: []string{"t", "g", "1", "5", "enter", "tab"}},
		{name: "help-80x24", scenario: "raft/election", w: 80, h: 24, keys: []string{"?"}},
		{name: "end-80x24", scenario: "broadcast/partition-heal", w: 80, h: 24, keys: []string{"t", "g", "9", "9", "9", "9", "9", "enter"}},
		{name: "partition-160x40", scenario: "broadcast/partition-heal", w: 160, h: 40, keys: []string{"g", "4", "4", "0", "enter", "down", "c"}},
		{name: "election-120x36", scenario: "raft/election", w: 120, h: 36, keys: []string{"g", "6", "0", "enter"}},
		{name: "figure8-160x45", scenario: "raft/figure8", w: 160, h: 45, keys: []string{"g", "1", "s", "enter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o Options
			if tc.scenario != "" {
				s, err := scenarios.Load(tc.scenario)
				require.NoError(t, err)
				o = Options{Scenario: s, Bug: tc.bug}
			}
			h := newHarness(t, o, tc.w, tc.h)
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

// f steps from fault to fault: the schedule's own and the healing phase's
// recover, then to the end of the run.
func TestNextFault(t *testing.T) {
	h := open(t, "raft/leader-isolated", 80, 24)
	r := h.run()
	h.keys("f")
	assert.Equal(t, r.sess.lastFaultN, r.sess.event())
	assert.Equal(t, "2.000000s", showTime(r.sess.world().Now()))
	assert.Regexp(t, `^\d+ events on, at event \d+ \(2\.000000s\): fault isolate leader \(the leader is n\d\)$`, r.flash)
	h.keys("f")
	assert.Contains(t, r.flash, "(5.000000s): fault heal")
	h.keys("f")
	assert.Contains(t, r.flash, "(8.000000s): fault recover")
	h.keys("f")
	assert.True(t, r.sess.over())
	assert.Contains(t, r.flash, "no fault before the end: the run is over at event")
	h.keys("f")
	assert.Contains(t, r.flash, "the run is over at event")
	// f is in the help bar and in the full help.
	h.keys("g", "1", "0", "enter")
	assert.Contains(t, h.view(), "f fault")
	h.keys("?")
	assert.Contains(t, h.view(), "f     next fault")
}

// f stops at a violation when no fault comes first.
func TestNextFaultStopsAtAViolation(t *testing.T) {
	h := open(t, "3pc/partition-unsafe", 80, 24)
	r := h.run()
	for range 10 {
		h.keys("f")
		if r.sess.atViolation() {
			break
		}
	}
	require.True(t, r.sess.atViolation())
	assert.Contains(t, r.flash, "no fault before the violation at event")
	assert.Contains(t, h.view(), "VIOLATION atomicity")
	assert.False(t, r.sess.over(), "the run goes on past the violation")
	// n shows the harm: the run continues, and the banner stays.
	at := r.sess.event()
	h.keys("n")
	assert.Equal(t, at+1, r.sess.event())
	assert.Contains(t, h.view(), "VIOLATION atomicity")
}

// g takes a virtual time with a unit: the first event at or after it.
func TestGoToTime(t *testing.T) {
	h := open(t, "raft/leader-isolated", 80, 24)
	r := h.run()
	at := func(in string) {
		t.Helper()
		h.keys("g")
		h.keys(strings.Split(in, "")...)
		h.keys("enter")
		d, err := clock.ParseDuration(in)
		require.NoError(t, err)
		want := clock.Time(d)
		n := r.sess.event()
		require.GreaterOrEqual(t, r.sess.world().Now(), want, in)
		assert.Equal(t, fmt.Sprintf("event %d, at %s, is the first at or after %s", n, showTime(r.sess.world().Now()), in), r.flash)
		if n == 1 {
			return
		}
		// The event before is earlier than the time asked for.
		prev, err := newSession(r.sess.base, r.sess.seed, "")
		require.NoError(t, err)
		require.NoError(t, prev.goTo(n-1))
		assert.Less(t, prev.world().Now(), want, "event %d is before %s", n-1, in)
	}
	at("2s") // forward
	assert.Contains(t, h.view(), "event "+fmt.Sprint(r.sess.event())+" · 2.000000s")
	at("1.5s")  // back, beyond the recent events: rebuilt from the start
	at("1.49s") // back, within them
	at("250ms")
	at("250ms") // already there
	at("0s")
	assert.Equal(t, uint64(1), r.sess.event())
	// Plain numbers stay event numbers.
	h.keys("g", "2", "enter")
	assert.Equal(t, uint64(2), r.sess.event())
	// A number with a decimal point but no unit is neither: say so.
	h.keys("g", "1", ".", "5", "enter")
	assert.Equal(t, uint64(2), r.sess.event())
	assert.Contains(t, r.flash, `go to "1.5": want an event number (120) or a time with a unit (2s, 1.5s, 250ms)`)
	// Past the end.
	h.keys("g", "1", "h", "enter")
	assert.True(t, r.sess.over())
	assert.Contains(t, r.flash, "no event at or after 1h: the run is over")
}

// The last action's message has lines of its own: the title stays, and the
// message is whole, wrapped at words.
func TestFlashHasItsOwnLines(t *testing.T) {
	h := open(t, "raft/leader-isolated", 80, 24)
	h.keys("N")
	r := h.run()
	require.Greater(t, len(r.flash), 80, "a message longer than a line: %s", r.flash)
	lines := strings.Split(h.view(), "\n")
	assert.True(t, strings.HasPrefix(lines[0], "dsim raft/leader-isolated seed 1 — "), lines[0])
	var shown []string
	for _, l := range lines[len(lines)-3 : len(lines)-1] {
		shown = append(shown, strings.TrimSpace(l))
	}
	assert.Equal(t, r.flash, strings.Join(shown, " "))
	assert.Len(t, lines, 24)

	for _, tc := range []struct {
		text string
		w, n int
		want []string
	}{
		{"one two three", 20, 2, []string{"one two three"}},
		{"one two three four five", 9, 2, []string{"one two", "three …"}},
		{"alpha beta gamma delta", 12, 1, []string{"alpha beta …"}},
	} {
		assert.Equal(t, tc.want, wrapAtMost(tc.text, tc.w, tc.n), tc.text)
	}
}

// esc with injected faults not yet saved asks first; a second esc goes.
func TestEscAsksBeforeDiscardingFaults(t *testing.T) {
	h := newHarness(t, Options{}, 80, 24)
	h.keys("/", "e", "l", "e", "c", "enter", "enter")
	r := h.run()
	h.keys("g", "4", "0", "enter", "c")
	require.Len(t, r.sess.injected, 1)
	h.keys("esc")
	require.NotNil(t, h.a.run, "one esc keeps the run")
	assert.Equal(t, "esc again goes to the catalogue and discards 1 injected fault not saved; s saves it first", h.run().flash)
	assert.Contains(t, h.view(), "esc again goes to the catalogue")
	h.keys("n", "esc") // any other key disarms it
	require.NotNil(t, h.a.run)
	h.keys("esc")
	assert.Nil(t, h.a.run, "the second esc in a row goes back to the catalogue")

	// Saved faults are not lost: one esc goes.
	h.keys("enter", "g", "4", "0", "enter", "c", "down", "c", "s")
	require.Len(t, h.run().sess.injected, 2)
	h.keys("esc")
	assert.Nil(t, h.a.run)
	// Injecting after the save asks again, in the plural.
	h.keys("enter", "g", "4", "0", "enter", "c", "s", "down", "c", "esc")
	require.NotNil(t, h.a.run)
	assert.Equal(t, "esc again goes to the catalogue and discards 2 injected faults not saved; s saves them first", h.run().flash)

	// q asks the same way; a second q quits.
	h.keys("n")
	cmd := h.keys("q")
	assert.Nil(t, cmd, "one q keeps the run")
	assert.Contains(t, h.run().flash, "q again quits and discards 2 injected faults not saved")
	cmd = h.keys("q")
	require.NotNil(t, cmd)
	_, quit := cmd().(tea.QuitMsg)
	assert.True(t, quit)
}

// d acts on the message list only when it has the focus, and the list shows
// no selection until then.
func TestDropNeedsTheMessageFocus(t *testing.T) {
	h := open(t, "raft/election", 80, 24)
	h.keys("t", "g", "1", "3", "enter")
	r := h.run()
	assert.NotRegexp(t, `▸ n\d→`, h.view(), "no selection in an unfocused message list")
	h.keys("d")
	assert.Empty(t, r.sess.injected)
	assert.Equal(t, "select a message first: tab, then ↑/↓", r.flash)
	h.keys("tab")
	assert.Regexp(t, `▸ n\d→n\d`, h.view())
	h.keys("d")
	require.Len(t, r.sess.injected, 1, r.flash)
}

// Log tails are cut between entries, never inside one.
func TestLogTailsCutAtEntries(t *testing.T) {
	words := []string{"|"}
	for i := 1; i <= 56; i++ {
		words = append(words, fmt.Sprintf("%d/1", i))
	}
	assert.Equal(t, "… 55/1 56/1", fitTail(words, false, 12))
	assert.Equal(t, "… 55/1 56/1", fitTail(words, false, 13))
	assert.Equal(t, "… 54/1 55/1 56/1", fitTail(words, false, 16))
	assert.Equal(t, "| 1/1 2/1", fitTail(words[:3], false, 20))
	assert.Equal(t, "… 1/1 2/1", fitTail(words[1:3], true, 20))
	assert.Equal(t, "…", fitTail([]string{"123456/7"}, true, 5))

	h := open(t, "raft/election", 60, 16)
	h.keys("t", "g", "4", "0", "0", "enter")
	tail := regexp.MustCompile(`… (\S+)`)
	for _, l := range strings.Split(h.view(), "\n")[4:7] { // under the header and the narration
		m := tail.FindStringSubmatch(l)
		require.NotNil(t, m, l)
		assert.Regexp(t, `^(\d+/\d+|\|)$`, m[1], "the first entry after … is whole: %q", l)
	}
}

// Rows that do not fit are counted, never dropped silently.
func TestHiddenRowsAreCounted(t *testing.T) {
	for _, tc := range []struct {
		total, rows, sel int
		first, n         int
		more             string
	}{
		{3, 5, 0, 0, 3, ""},
		{8, 5, 0, 0, 4, "… 4 more below"},
		{8, 5, 7, 4, 4, "… 4 more above"},
		{8, 5, 5, 2, 4, "… 4 more: 2 above, 2 below"},
		{8, 5, -1, 0, 4, "… 4 more below"},
		{8, 1, 0, 0, 0, "… 8 not shown"},
	} {
		first, n, more := window(tc.total, tc.rows, tc.sel)
		assert.Equal(t, []any{tc.first, tc.n, tc.more}, []any{first, n, more}, "%+v", tc)
	}

	// Eight nodes in a small terminal: the table says how many it hides.
	h := open(t, "raft/leader-isolated", 80, 12)
	h.keys("t", "g", "5", "0", "enter")
	assert.Regexp(t, `… \d more below · ↑↓ scrolls`, h.view())
	for range 7 {
		h.keys("down")
	}
	assert.Regexp(t, `▸ c3 `, h.view(), "the table scrolls to the selection")
	assert.Regexp(t, `… \d more above · ↑↓ scrolls`, h.view())
	// More messages than rows: the in-flight list says how many more.
	h = open(t, "broadcast/partition-heal", 80, 24)
	h.keys("t", "g", "4", "4", "0", "enter")
	assert.Regexp(t, `in flight: 10 messages · … \d more below \(tab, then ↓ scrolls\)`, h.view())
	h.send(tea.WindowSizeMsg{Width: 80, Height: 40})
	assert.Regexp(t, `\n  … \d more below · tab, then ↓ scrolls`, h.view())
	// One message more than the rows is counted too.
	h = open(t, "broadcast/partition-heal", 80, 24)
	h.keys("t", "g", "2", "s", "enter")
	require.Len(t, h.run().sess.world().InFlight(), 3)
	assert.Contains(t, h.view(), "in flight: 3 messages · … 1 more below (tab, then ↓ scrolls)")
	first, n, more := windowOf(3, 2, -1)
	assert.Equal(t, []any{0, 2, "… 1 more below"}, []any{first, n, more})
}

// Protocols without terms have no term column; the commit column is named
// for what Status.Commit means there.
func TestColumnsFollowTheProtocol(t *testing.T) {
	for _, tc := range []struct {
		scenario, heading, row string
	}{
		{"raft/election", `node state  role         term commit  side  log \(index/term`, `n1   up     follower        0      0  `},
		{"broadcast/basic", `node state  role         values  side  values received`, `n1   up     gossiper          0  `},
		{"2pc/commit", `node state  role        commits  side  status`, `c1   up     client            0  `},
		{"3pc/coordinator-crash", `node state  role        commits  side  status`, `n1   up     coordinator       0  `},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			h := open(t, tc.scenario, 80, 24)
			h.keys("t")
			for range 6 {
				h.keys("n")
			}
			assert.Regexp(t, tc.heading, h.view())
			assert.Regexp(t, tc.row, h.view())
		})
	}
	// Raft's term column shows the term from the start: 0, then 1, never "-".
	h := open(t, "raft/election", 80, 24)
	h.keys("t", "g", "3", "enter")
	assert.Regexp(t, `n1   up     follower        0 `, h.view())
	assert.Regexp(t, `c1   -      not started     - `, h.view())
}

// Side letters follow the partition fault's groups: its first group is A.
func TestSidesFollowThePartitionFault(t *testing.T) {
	servers := []protocols.NodeID{"n1", "n2", "n3", "n4", "n5"}
	cuts := func(groups ...[]protocols.NodeID) []net.Link {
		links, err := net.Split(groups...)
		require.NoError(t, err)
		return links
	}
	a, b := []protocols.NodeID{"n1", "n2"}, []protocols.NodeID{"n3", "n4", "n5"}
	p := sides(servers, nil, cuts(a, b), [][]protocols.NodeID{a, b})
	assert.Equal(t, map[protocols.NodeID]string{"n1": "A", "n2": "A", "n3": "B", "n4": "B", "n5": "B"}, p.label)
	p = sides(servers, nil, cuts(b, a), [][]protocols.NodeID{b, a})
	assert.Equal(t, "A", p.label["n3"])
	assert.Equal(t, "B", p.label["n1"])
	// Without a partition fault (an isolation), the largest side is A.
	p = sides(servers, nil, cuts(a, b), nil)
	assert.Equal(t, "B", p.label["n1"])
	assert.Equal(t, "A", p.label["n3"])
	// A fault whose groups the cut does not follow is no guide.
	p = sides(servers, nil, cuts(a, b), [][]protocols.NodeID{{"n1", "n3"}, {"n2", "n4", "n5"}})
	assert.Equal(t, "B", p.label["n1"])

	h := open(t, "broadcast/partition-heal", 80, 24)
	h.keys("t", "g", "2", "s", "enter")
	assert.Regexp(t, `n1   up     gossiper +\d+  A `, h.view())
	assert.Regexp(t, `n3   up     gossiper +\d+  B `, h.view())
	h.keys("g", "5", "s", "enter") // healed: no sides
	assert.Regexp(t, `n1   up     gossiper +\d+        `, h.view())
}

// The timeline keeps its columns: event numbers right-aligned, times with
// six decimals.
func TestTimelineColumnsStayPut(t *testing.T) {
	h := open(t, "raft/election", 80, 24)
	h.keys("t", "g", "1", "0", "4", "enter")
	row := regexp.MustCompile(`^(?:▶ | {2})[^0-9]*? +(\d+) (\d+\.\d+s) `)
	var at []int
	for _, l := range strings.Split(h.view(), "\n") {
		m := row.FindStringSubmatchIndex(l)
		if m == nil {
			continue
		}
		time := l[m[4]:m[5]]
		assert.Regexp(t, `^\d+\.\d{6}s$`, time)
		at = append(at, ansi.StringWidth(l[:m[4]]))
	}
	require.Greater(t, len(at), 3)
	for _, a := range at {
		assert.Equal(t, at[0], a, "every time starts in the same column")
	}
	assert.Contains(t, h.view(), "   100 0.363189s n1 recv")
	assert.Contains(t, h.view(), "   101 0.365062s n2 recv")

	assert.Equal(t, "1.004000s", showTime(1_004_000_000))
	assert.Equal(t, "0.151000s", showTime(151*clock.Time(clock.Millisecond)))
	assert.Equal(t, "1.062578s", showTime(1_062_578_713))
	assert.Equal(t, "+507.2ms", signedDuration(507_200_002))
	assert.Equal(t, "-1s", signedDuration(-clock.Second))
	assert.Equal(t, "+0s", signedDuration(0))

	// When the teaching text takes the timeline's place, its title says t
	// brings the timeline back; t is "teaching text" wherever it is named.
	h = open(t, "raft/election", 80, 24)
	assert.NotContains(t, h.view(), "── timeline")
	assert.Contains(t, h.view(), "── teaching text · t shows the timeline instead")
	assert.Contains(t, h.view(), " t text ")
	h.keys("t")
	assert.Contains(t, h.view(), "── timeline")
	h.send(tea.WindowSizeMsg{Width: 160, Height: 45})
	h.keys("t")
	assert.Contains(t, h.view(), "── teaching text · t hides it")
	h.keys("?")
	assert.Contains(t, h.view(), "t   teaching text")
}

// A saved branch says what it is: its title names the scenario and seed it
// branches from, its text lists the injected faults, and the message shows
// where the file is.
func TestSavedBranchSaysWhatItIs(t *testing.T) {
	dir := t.TempDir()
	s, err := scenarios.Load("raft/election")
	require.NoError(t, err)
	h := newHarness(t, Options{Scenario: s, SaveDir: dir}, 80, 24)
	h.keys("g", "4", "0", "enter", "c", "g", "1", "0", "0", "enter", "r", "s")
	r := h.run()
	files, _ := filepath.Glob(filepath.Join(dir, "*.scn"))
	require.Len(t, files, 1)
	assert.Contains(t, r.flash, "saved "+files[0]+" · dsim run "+files[0]+" replays this run exactly")
	saved, err := scenarios.Load(files[0])
	require.NoError(t, err)
	assert.Equal(t, "Branch of raft/election (seed 1): Leader election: randomized timeouts elect one leader, who then stays", saved.Title)
	text := strings.Join(saved.Text, " ")
	assert.Contains(t, text, "Injected by hand: at 225.997ms crash n1; at ")
	assert.Contains(t, text, "restart n1.")
	assert.Contains(t, text, "Three servers start as followers", "the original text follows")

	assert.Equal(t, "./x.scn", showPath("x.scn"))
	assert.Equal(t, "./out/x.scn", showPath(filepath.Join("out", "x.scn")))
	assert.Equal(t, "../x.scn", showPath("../x.scn"))
	assert.Equal(t, "/tmp/x.scn", showPath("/tmp/x.scn"))
}

// Counts agree with their nouns.
func TestPlurals(t *testing.T) {
	assert.Equal(t, "1 event", count(1, "event"))
	assert.Equal(t, "0 events", count(0, "event"))
	h := open(t, "raft/election", 80, 24)
	r := h.run()
	for range 3 {
		h.keys("-")
	}
	assert.Equal(t, "speed 1 event/s", r.flash)
	h.keys("+")
	assert.Equal(t, "speed 2 events/s", r.flash)
	h.keys("g", "1", "2", "enter", "N")
	assert.Regexp(t, `^1 event on, at event 13: `, r.flash)
	assert.NotContains(t, h.view(), "(s)")
}

// Frames drives the UI headless, as a user's CI would: the frames follow
// the keys.
func TestFramesHeadless(t *testing.T) {
	s, err := scenarios.Load("raft/election")
	require.NoError(t, err)
	frames, err := Frames(Options{Scenario: s}, 100, 30, "n", "n", "n")
	require.NoError(t, err)
	require.Len(t, frames, 4)
	assert.Contains(t, frames[0], "event 0")
	assert.Contains(t, frames[3], "event 3")
	_, err = Frames(Options{Scenario: s, Bug: "no-such"}, 100, 30)
	assert.Error(t, err)
}

// The small bugs of the teaching issue, each pinned.
func TestTeachingIssueBugs(t *testing.T) {
	// c before a node has started says so, rather than "already down".
	h := open(t, "raft/election", 100, 30)
	h.keys("c")
	assert.Equal(t, "n1 has not started yet: every node starts at time 0, one event each; n steps to its start", h.run().flash)

	// A message dropped by hand is labelled so, in the detail pane and on
	// the timeline.
	h = open(t, "raft/election", 100, 30)
	h.keys("t", "g", "1", "3", "enter", "tab", "d", "e")
	assert.Contains(t, h.view(), "dropped by hand (d, saved as drop inflight)")
	h.keys("e")
	for range 10 {
		h.keys("n")
	}
	assert.Contains(t, h.view(), "(dropped by hand)")
	assert.NotContains(t, h.view(), "(dropped by rule)")

	// A branch says what it discards.
	h = open(t, "raft/election", 100, 30)
	h.keys("g", "1", "0", "0", "enter", "c", "g", "5", "0", "enter", "down", "c")
	assert.Contains(t, h.run().flash, "this is a new branch: it discards 1 fault you injected later on the old one (crash n1 at ")

	// The speed shows while paused.
	assert.Contains(t, h.view(), "paused (space: 10 ev/s)")

	// A calm scenario does not speak of chaos.
	assert.NotContains(t, open(t, "raft/election", 100, 30).view(), "chaos")
	assert.Contains(t, open(t, "raft/election", 100, 30).view(), "no faults scheduled · checks at 4s")
}

// ? lists the protocol's words; e explains each field of the selected
// node or message; ] and [ scroll; the teaching text scrolls too.
func TestGlossaryExplainAndScroll(t *testing.T) {
	h := open(t, "3pc/partition-unsafe", 100, 30)
	h.keys("?")
	for range 5 {
		h.keys("]")
	}
	screen := strings.Join(strings.Fields(h.view()), " ")
	assert.Contains(t, screen, "term/TX: a participant's termination timer for a transaction (not a Raft term)")
	h.keys("?", "g", "2", "0", "enter", "down", "down", "e")
	screen = strings.Join(strings.Fields(h.view()), " ")
	assert.Contains(t, screen, "explain node n3")
	assert.Contains(t, screen, "in-doubt c1.1:uncertain")
	assert.Contains(t, screen, "timer term/c1.1")
	assert.Contains(t, screen, "(not a Raft term)")
	h.keys("esc", "tab", "e")
	screen = strings.Join(strings.Fields(h.view()), " ")
	assert.Contains(t, screen, "explain the selected message")

	// The teaching text scrolls when it does not fit.
	h = open(t, "raft/figure8", 100, 30)
	assert.Contains(t, h.view(), "lines 1–")
	h.keys("]")
	assert.NotContains(t, h.view(), "lines 1–")
	h.keys("[")
	assert.Contains(t, h.view(), "lines 1–")
}

// The space-time diagram draws a message from its send to its receive;
// C hides the clients' columns, o one node's messages only.
func TestSpaceTimeDiagram(t *testing.T) {
	h := open(t, "raft/election", 100, 30)
	h.keys("g", "1", "6", "enter", "v")
	view := h.view()
	assert.Contains(t, view, "── space-time diagram")
	assert.Regexp(t, `\n +n1 +n2 +n3 +c1 +event`, view)
	assert.Contains(t, view, "o sent  > < received")
	h.keys("C")
	assert.NotRegexp(t, `\n +n1 +n2 +n3 +c1 `, h.view())
	assert.Contains(t, h.view(), "clients hidden (C)")
	h.keys("o")
	assert.Contains(t, h.view(), "only n1's messages")
	h.keys("v")
	assert.NotContains(t, h.view(), "space-time diagram")
}
