package scenarios

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// What a user types must not make a run run away: these limits turn a
// scenario that cannot make sense into an error before it runs, and a run
// that goes wrong anyway into that seed's failure within seconds. Every
// limit that decides a verdict counts something deterministic (events,
// hashed bytes, entries), never wall time or heap bytes, so a seed fails
// the same way on every machine. docs/architecture.md ("Budgets")
// explains them.

// Limits on a scenario file.
const (
	// MaxFileSize bounds a scenario file, in bytes.
	MaxFileSize = 16 << 20
	// MaxLineSize bounds one line of it.
	MaxLineSize = 1 << 20
	// MaxFaults bounds the faults a file lists (at and byzantine lines). A
	// swarm's own draws are not counted: an hour of the harshest swarm
	// draws about fifty thousand, and they cost nothing to parse.
	MaxFaults = 10_000
)

// The default event budget is a line in (virtual time, events): a run
// may have processed at most EventSlack(s) + EventRate(s) × t events by
// virtual time t, and at most EventBudget(s) in all. A run that outruns
// the line fails at once with event-budget, so a runaway (a client loop
// over a 1us network, a storm of messages) fails within a second or two of
// wall time wherever in the run it starts, and a sane run never does.

// EventsPerNodeSquaredSecond sets EventRate: this many events per virtual
// second for each pair of nodes (servers and clients), since the chattiest
// protocols (PBFT: every replica hears every other) grow with the square
// of the cluster. The built-in protocols reach at most about 210 (PBFT
// with two byzantine replicas 171, Raft under swarm chaos 30).
const EventsPerNodeSquaredSecond = 1_000

// MinEventSlack is the least slack: short runs of few nodes get this much
// for their bursts (a held link released at once, a restart catching up).
// MaxEventBudget caps the whole budget, so that even the longest run of
// the most nodes fails a runaway within seconds. A scenario that needs
// more takes --max-events (RunOptions.MaxEvents), which sets the whole
// budget and lifts the line.
const (
	MinEventSlack  = 200_000
	MaxEventBudget = 10_000_000
)

// HashedBytesPerEvent sizes a run's budget of hashed bytes (what its
// events folded into the trace hash: their fields and the messages they
// carried, the kernel's measure of what its messages moved): this many per
// event of its event budget, at least sim.DefaultMaxHashedBytes. The
// catalogue's runs fold 103 bytes an event on average, Raft's 109, and the
// most, abd/append-not-atomic (whose values grow by design), 316; a run
// whose messages grow without bound (a leader resending its whole log)
// passes the budget long before its count of events does. When the budget
// counted rendered trace text, which comes to 81 bytes an event, it was
// 256 an event: this is that, scaled by the measured ratio.
const HashedBytesPerEvent = 320

// MaxHistory bounds the client operations a run records: a run with
// clients keeps each one for the linearizability check, and a history
// this long comes only from clients looping over a near-zero-latency
// network. An hour of three clients at the canonical settings records
// about 200,000.
const MaxHistory = 1_000_000

// EventRate is how many events per virtual second a run of s with the
// given number of clients may average: EventsPerNodeSquaredSecond per pair
// of nodes.
func EventRate(s *Scenario, clients int) uint64 {
	n := uint64(s.Nodes + max(clients, 0))
	return EventsPerNodeSquaredSecond * n * n
}

// EventSlack is how far ahead of EventRate a run may be: a second's worth,
// at least MinEventSlack.
func EventSlack(s *Scenario, clients int) uint64 {
	return max(EventRate(s, clients), MinEventSlack)
}

// EventBudget returns the default event budget of a run of s with the given
// number of clients: the line at the end of the run (chaos and healing
// phases), at most MaxEventBudget.
func EventBudget(s *Scenario, clients int) uint64 {
	secs := (s.Duration + s.healing()).Seconds()
	budget := float64(EventSlack(s, clients)) + math.Ceil(float64(EventRate(s, clients))*secs)
	return uint64(min(budget, MaxEventBudget))
}

// MinLatency is the smallest mean one-way latency a scenario may give a
// link. With zero latency a message arrives the instant it is sent, so a
// client and a server can trade requests forever without virtual time
// moving; the kernel would stop such a run as a time stall, but a setting
// that can only produce one is refused before the run.
const MinLatency = clock.Microsecond

// TimerFloorDivisor relates the shortest duration an option or workload
// line may set to the network: a timer below the mean one-way latency
// divided by this fires thousands of times per message on the wire, and a
// run would spend its event budget on nothing else (a 1ns heartbeat over a
// 1-10ms network sends millions of messages and delivers dozens).
const TimerFloorDivisor = 1000

// meanLatency is the mean one-way delay a latency distribution yields.
func meanLatency(l net.Latency) clock.Duration {
	switch l.Dist {
	case net.Uniform:
		return l.Min + (l.Max-l.Min)/2
	case net.Exponential:
		return l.Min + l.Mean
	}
	return l.Min
}

// checkLatency refuses a latency with which virtual time can stand still.
func checkLatency(l net.Latency) error {
	if meanLatency(l) < MinLatency {
		return fmt.Errorf("net latency %s: with (almost) no latency nodes can trade messages forever while virtual time stands still; give links a mean latency of at least %s",
			l, clock.FormatDuration(MinLatency))
	}
	return nil
}

// checkNetwork refuses link latencies, initial or scheduled, with which
// virtual time can stand still.
func checkNetwork(s *Scenario) error {
	if err := checkLatency(s.Link.Latency); err != nil {
		return fmt.Errorf("%s: %w", s.label(), err)
	}
	for i, f := range s.Faults {
		if f.Kind == sim.NetSet && f.Field == sim.FieldLatency {
			if err := checkLatency(f.Lat); err != nil {
				return fmt.Errorf("%s:%d: %w", s.label(), s.Line(i), err)
			}
		}
	}
	return nil
}

// timerFloor is the shortest positive duration an option or workload line
// may set in a scenario whose links start out as s.Link says.
func timerFloor(s *Scenario) clock.Duration {
	return meanLatency(s.Link.Latency) / TimerFloorDivisor
}

// GenericViolations are the violation kinds any run may report, whatever
// its protocol declares: the runner's own checks (linearizability, client
// liveness, a scenario's goodput expectation), the shared checks protocols
// build on (protocols.Convergence, the kv service's exactly-once and
// stale-read) and the kernel's failures.
var GenericViolations = []string{
	"linearizability", "linearizability-unknown", "liveness", "goodput", "convergence", "exactly-once", "stale-read",
	"event-budget", "time-stall", "memory-budget", "panic", "bad-effect", "final-check", "violation",
}

// ViolationKinds returns the violation kinds a run of p may report (an
// expect line may name): those p declares and the generic ones; nil when p
// declares none (Protocol.Violations is nil), and any kind goes.
func ViolationKinds(p *protocols.Protocol) []string {
	if p.Violations == nil {
		return nil
	}
	var kinds []string
	for _, k := range slices.Concat(p.Violations, GenericViolations) {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// checkExpect refuses an expect line that names a violation kind or a probe
// the protocol can never report: such a scenario could never pass, and the
// run's "expected ..., not found" would blame the protocol for a typo.
func checkExpect(s *Scenario, p *protocols.Protocol) error {
	e := s.Expect
	where := s.label()
	if s.expectLine > 0 {
		where = fmt.Sprintf("%s:%d", where, s.expectLine)
	}
	switch e.Kind {
	case "violation":
		known := ViolationKinds(p)
		if known != nil && !slices.Contains(known, e.Name) {
			return fmt.Errorf("%s: expect violation %s: %s never reports it (its kinds: %s)", where, e.Name, p.Name, strings.Join(known, ", "))
		}
	case "probe":
		if !slices.Contains(p.Probes, e.Name) {
			if len(p.Probes) == 0 {
				return fmt.Errorf("%s: expect probe %s: %s declares no probes", where, e.Name, p.Name)
			}
			return fmt.Errorf("%s: expect probe %s: %s has no such probe (its probes: %s)", where, e.Name, p.Name, strings.Join(p.Probes, ", "))
		}
	}
	return nil
}

// label is how messages name the scenario: its name, or "stdin" for one
// read from standard input (named "-" so that its repro reads it again).
func (s *Scenario) label() string { return label(s.Name) }

func label(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

// writeFileAtomic writes a file whole or not at all: to a temporary file
// beside it, renamed into place, so that a run killed while writing never
// leaves a half-written file that looks whole.
func writeFileAtomic(path string, data []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return os.WriteFile(path, data, 0o644) // a device or a pipe
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
