package tui

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/scenarios"
)

// The walkthroughs follow three lessons from the terminal UI alone, at
// 100x30, as a student new to Raft and 2PC would: keys in, and the
// narration line (what the event did, in words) and the banner out.

// student drives one scenario.
type student struct {
	t *testing.T
	h *harness
}

func newStudent(t *testing.T, name, bug string) student {
	t.Helper()
	s, err := scenarios.Load(name)
	require.NoError(t, err)
	return student{t: t, h: newHarness(t, Options{Scenario: s, Bug: bug}, 100, 30)}
}

// tell is the narration of the event shown, as one line.
func (s student) tell() string {
	return strings.Join(s.h.run().narration(100_000, 10), " ")
}

// press presses keys and returns the narration; it must also be on the
// screen, under the header.
func (s student) press(keys ...string) string {
	s.t.Helper()
	s.h.keys(keys...)
	tell := s.tell()
	first := s.h.run().narration(100, 1)[0]
	assert.Contains(s.t, s.h.view(), strings.TrimRight(first, " …"), "the narration is on screen")
	return tell
}

// until presses key until the narration contains want, at most limit times.
func (s student) until(key, want string, limit int) string {
	s.t.Helper()
	for range limit {
		if tell := s.press(key); strings.Contains(tell, want) {
			return tell
		}
	}
	s.t.Fatalf("after %d presses of %s, the narration never said %q; it says %q", limit, key, want, s.tell())
	return ""
}

func TestWalkthroughRaftLeaderCrash(t *testing.T) {
	s := newStudent(t, "raft/leader-crash", "")
	assert.Contains(t, s.tell(), "event 0: nothing has happened yet")
	assert.Contains(t, s.press("N"), "n2's election timer fires: it heard from no leader for a whole election timeout, so it becomes a candidate in term 1")
	assert.Contains(t, s.press("N"), "n1 votes for n2 in term 1: its first vote in this term")
	tell := s.until("N", "is the leader of term 1", 20)
	assert.True(t, strings.HasPrefix(tell, "★ "), "a teaching moment: %s", tell)
	assert.Contains(t, tell, "appends a no-op entry of its term")

	assert.Contains(t, s.press("f"), "fault crash leader (the leader is n2) — n2 stops: its volatile state is lost")
	assert.Regexp(t, `n2 +DOWN`, s.h.view())
	assert.Contains(t, s.until("N", "becomes a candidate in term 2", 10), "n3's election timer fires: it heard from no leader")
	assert.Contains(t, s.press("N"), "votes for n3 in term 2")
	assert.Contains(t, s.until("N", "is the leader of term 2", 20), "n3 gets")

	// Stepping back tells the event before, and forward again the same.
	at := s.h.run().sess.event()
	now := s.tell()
	before := s.press("b")
	assert.NotEqual(t, now, before)
	assert.Equal(t, now, s.press("n"))
	assert.Equal(t, at, s.h.run().sess.event())

	assert.Contains(t, s.press("f"), "fault restart all (all is n2) — n2 will start again from its durable records")
	assert.Contains(t, s.press("n"), "n2 restarts from 250 durable records: term 1, vote n2, 249 log entries; it is a follower again")
	assert.Contains(t, s.until("n", "n2 adopts the higher term 2", 50), "from n3's AppendEntries")
	// g lands on an event and tells it too.
	assert.Contains(t, s.press("g", "3", "3", "enter"), "event 33: n2's election timer fires")
	s.press("g", "9", "9", "9", "9", "9", "enter")
	assert.Contains(t, s.h.view(), "RUN OVER: PASS")
}

// Figure 8, correct: the old-term entries commit only with the new
// leader's no-op. With the bug, the run stops at the broken rule, and n
// goes on to the harm: a committed entry overwritten.
func TestWalkthroughRaftFigure8(t *testing.T) {
	s := newStudent(t, "raft/figure8", "")
	assert.Contains(t, s.press("f", "f", "f"), "fault partition n1 n2 c1 | n3 n4 n5 c2 — no message crosses between the groups")
	assert.Contains(t, s.until("N", "n5 is the leader of term 2", 30), "n5 gets")
	assert.Contains(t, s.until("f", "fault heal", 5), "every cut link is repaired")
	assert.Contains(t, s.until("N", "n1 is the leader of term 5", 40), "appends a no-op entry of its term")
	tell := s.until("N", "of its own term, so it commits", 20)
	assert.Contains(t, tell, "entry 189 is now on a majority")
	assert.True(t, strings.HasPrefix(tell, "★ "), "commit by the no-op is a teaching moment: %s", tell)
	s.press("g", "9", "9", "9", "9", "9", "enter")
	assert.Contains(t, s.h.view(), "RUN OVER: PASS")

	s = newStudent(t, "raft/figure8", "commit-old-term")
	s.press("+", "+", "+", "+", "+", "+", "space") // 1000 events a second
	for range 400 {
		if s.h.run().running {
			s.h.send(tickMsg{gen: s.h.run().gen})
		}
	}
	// Autoplay stopped at the broken rule.
	r := s.h.run()
	require.False(t, r.running)
	require.True(t, r.sess.atViolation(), "autoplay stops at the violation, event %d", r.sess.event())
	assert.Equal(t, uint64(2366), r.sess.event())
	tell = s.tell()
	assert.Contains(t, tell, "entry 187 (of term 1, an EARLIER term) is on a majority, and this buggy leader commits it by counting replicas")
	assert.Contains(t, tell, "✗ this event breaks commit-current-term")
	assert.Contains(t, s.h.view(), "VIOLATION commit-current-term at event 2366")
	assert.Contains(t, s.h.view(), "n goes on, to show the harm")
	// n goes on; N stops at the harm.
	s.press("n")
	assert.Equal(t, uint64(2367), r.sess.event())
	tell = s.until("N", "breaks leader-completeness", 60)
	assert.Contains(t, tell, "n5 is the leader of term 9")
	assert.Contains(t, s.until("N", "breaks state-machine-safety", 30), "leader n5 learns n3's log matches its own up to 183")
	screen := strings.Join(strings.Fields(s.h.view()), " ") // the banner wraps
	assert.Contains(t, screen, "then leader-completeness at event 2595")
	assert.Contains(t, screen, "then state-machine-safety at event 2608")
	assert.Regexp(t, `n3 +up +follower +9 +187 +… .*183/2`, s.h.view(), "n3's committed 183/1 is gone, overwritten by 183/2")
}

// 2PC blocks when its coordinator dies: the participants say so.
func TestWalkthrough2PCBlocks(t *testing.T) {
	s := newStudent(t, "2pc/coordinator-crash-blocks", "")
	assert.Contains(t, s.press("f", "f"), "fault crash n1 — n1 stops")
	tell := s.press("N")
	assert.Contains(t, tell, "n2 asks coordinator n1 about c1.30 (3rd time), c1.31 (3rd time), never answered: n2 is BLOCKED")
	assert.Contains(t, s.h.view(), "BLOCKED=c1.30,c1.31")
	assert.Contains(t, s.h.run().flash, "★ n2 is now BLOCKED: prepared, and its coordinator is silent")
	assert.Contains(t, s.press("N"), "n3 is BLOCKED")
	assert.Contains(t, s.press("f"), "fault heal")
	assert.Contains(t, s.press("f"), "fault restart n1")
	assert.Contains(t, s.press("n"), "coordinator n1 restarts and reads its log: transactions without a decision record are aborted (presumed abort)")
	assert.Contains(t, s.until("N", "participant n2 learns the decision: it commits c1.30", 10), "releases its locks")
	s.press("g", "9", "9", "9", "9", "9", "enter")
	assert.Contains(t, s.h.view(), "RUN OVER: PASS (probe blocked-prepared found)")
}
