// Package prototest drives protocol nodes by hand, for script tests in the
// style of etcd raft's interaction tests: the test is the scheduler. It
// decides which in-flight message is delivered, dropped or duplicated, which
// timer fires, and when a node crashes or restarts, and it prints every
// effect, so a datadriven script pins a protocol's behaviour message by
// message.
//
// It sees only the node contract (package protocols), never the simulator:
// messages are delivered exactly when the script says so, with no latency and
// no randomness except each node's own stream.
package prototest
