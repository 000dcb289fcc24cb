//go:build !unix

package scenarios

import "time"

// processCPU is unknown here: benchmarks report no per-CPU rate.
func processCPU() time.Duration { return 0 }
