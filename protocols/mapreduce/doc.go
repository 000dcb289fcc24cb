// Package mapreduce is MapReduce (Dean & Ghemawat, OSDI 2004) with worker
// failures: a coordinator hands out map and reduce tasks over input splits
// held in a simulated shared file store; workers crash, stall and restart;
// the coordinator re-issues tasks whose workers went quiet and, near the
// end of each phase, runs backup copies of the stragglers. Every output
// file is written to a temporary name and committed by the store's atomic
// rename, so however many times a task runs, a final file holds the output
// of exactly one complete execution.
//
// The servers play three roles: the first is the coordinator, the last is
// the file store, and the ones between are workers. The store is a node
// like the others: workers reach it with Read, Write and Rename messages
// over the same faulty network, and it keeps every file as durable
// records, so it survives its own crashes. The input is a seeded text
// corpus generated from the options, so the checks know the sequential
// result of each job (word count, or an inverted index) and judge every
// file the store ever holds under a final name against it.
//
// Like every protocol package it imports only protocols, clock and the
// standard library.
package mapreduce
