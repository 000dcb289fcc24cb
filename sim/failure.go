package sim

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// Failure is what stopped a run early: a node panicked, a monitor found a
// violation, or the event budget ran out.
type Failure struct {
	Kind   string // "panic", "event-budget", "bad-effect", or a monitor's violation kind
	Seq    uint64 // the event at which it happened
	Time   clock.Time
	Node   protocols.NodeID // the node stepping, when there was one
	Detail string
}

func (f *Failure) Error() string {
	where := ""
	if f.Node != "" {
		where = " at " + string(f.Node)
	}
	return fmt.Sprintf("%s at event %d (%s)%s: %s", f.Kind, f.Seq, f.Time, where, f.Detail)
}

// panicSite returns the function and line where a recovered panic was
// raised, for a report that stays the same from run to run (a full stack
// would carry goroutine IDs and addresses).
func panicSite() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	sawPanic := false
	for {
		fr, more := frames.Next()
		if strings.HasPrefix(fr.Function, "runtime.") {
			sawPanic = true
		} else if sawPanic {
			file := fr.File
			if i := strings.LastIndex(file, "/"); i >= 0 {
				if j := strings.LastIndex(file[:i], "/"); j >= 0 {
					file = file[j+1:]
				}
			}
			return fmt.Sprintf("%s (%s:%d)", fr.Function, file, fr.Line)
		}
		if !more {
			return "unknown site"
		}
	}
}
