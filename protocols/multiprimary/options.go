package multiprimary

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
)

// Resolution says how a key's concurrent writes are reconciled.
type Resolution string

// The resolutions.
const (
	LWW   Resolution = "lww"   // last writer wins, by the accepting server's clock
	VVs   Resolution = "vv"    // version vectors; concurrent versions kept as siblings
	Mixed Resolution = "mixed" // odd-numbered keys (k1, k3, ...) vv, even-numbered lww
)

// Options configures a multi-primary cluster. The zero value resolves by
// LWW, pushes every write at once and runs anti-entropy every 300ms.
type Options struct {
	// Resolve is how concurrent writes are reconciled; zero means LWW.
	Resolve Resolution
	// SyncEvery is how often a server sends its state to one peer. Zero
	// means 300ms.
	SyncEvery clock.Duration
	// NoPush leaves replication to anti-entropy alone (no Update on a
	// write), which widens the window for conflicts.
	NoPush bool
	// Bug switches on one of the named bug variants in Bugs.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("multiprimary: bad options")

// Validate reports options that cannot work.
func (o Options) Validate() error {
	switch {
	case o.Resolve != "" && o.Resolve != LWW && o.Resolve != VVs && o.Resolve != Mixed:
		return fmt.Errorf("%w: unknown resolution %q", ErrBadOptions, o.Resolve)
	case o.SyncEvery < 0:
		return fmt.Errorf("%w: negative sync interval", ErrBadOptions)
	}
	if _, err := parseBug(o.Bug); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Resolve == "" {
		o.Resolve = LWW
	}
	if o.SyncEvery == 0 {
		o.SyncEvery = 300 * clock.Millisecond
	}
	return o
}

// usesVV reports whether key resolves by version vectors.
func (o Options) usesVV(key string) bool {
	switch o.Resolve {
	case VVs:
		return true
	case Mixed:
		n, err := strconv.Atoi(strings.TrimLeft(key, "abcdefghijklmnopqrstuvwxyz"))
		return err == nil && n%2 == 1
	}
	return false
}
