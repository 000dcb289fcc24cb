// Package scenarios is where everything meets: the scenario file format and
// the built-in catalogue, the wiring of each protocol into a simulated world
// (servers, clients, monitors, end-of-run checks), the runner with its chaos
// and healing phases, and the result of a run as people and machines read it.
//
// It is the only package that imports every other part of dsim.
package scenarios
