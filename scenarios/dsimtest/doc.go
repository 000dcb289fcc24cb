// Package dsimtest fuzzes a protocol from an ordinary Go test: ours or your
// own, with rapid's shrinking or with go test -fuzz.
//
// Describe the world once (servers, clients, checks, how long chaos and
// healing last) and hand it to rapid:
//
//	var world = dsimtest.World{
//		Servers: 3,
//		Server:  mything.New,
//		Checks:  func() dsimtest.Checks { return dsimtest.Checks{Monitors: []protocols.Monitor{mything.NewMonitor()}} },
//	}
//
//	func TestMyThing(t *testing.T) { rapid.Check(t, dsimtest.Property(world)) }
//	func FuzzMyThing(f *testing.F) { f.Fuzz(dsimtest.Fuzz(world)) }
//
// Each case draws a seed and a fault schedule (Schedule), runs the world
// through its chaos phase, a recover, and its healing phase, and fails on
// the first violation. rapid then shrinks the schedule to the few faults that
// matter and prints it as scenario-file lines with the seed. Run replays one
// schedule by hand; FromScenario takes a world from dsim's catalogue, whose
// failures also come with a scenario file for `dsim run`.
//
// A protocol fuzzed this way must be deterministic (docs/architecture.md and
// docs/testing-your-protocol.md list the rules): a run must be a function of
// its seed and schedule, or rapid cannot reproduce, let alone shrink, a
// failure. A failing run is run a second time to check; a protocol that does
// not repeat itself is reported as NOT DETERMINISTIC rather than as rapid's
// "flaky test". Set DSIMTEST_TRACE to a directory to get the trace of a
// failing run, one line per event.
package dsimtest
