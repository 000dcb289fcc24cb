// Package net is dsim's virtual network, as data: per-link latency
// distributions, loss and duplication; partitions as sets of cut directed
// links, with constructors for the shapes people use (isolate a node,
// majority/minority, random halves, bridge, ring, one-way); clogged and held
// links whose messages wait and are then released; and targeted rules that
// drop or delay the next N messages matching a sender, receiver and type.
//
// The network decides; it does not deliver. The simulator asks it, at send
// time, what becomes of a message (lost, duplicated, how late), and at
// arrival time whether the link is cut or clogged. Every random choice draws
// from the stream the simulator hands it, so a run is a function of its seed.
//
// net imports only clock, protocols (for node IDs) and the standard library.
package net
