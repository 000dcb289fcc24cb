package kv

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// Workload documents the workload lines ReadClientOptions reads, for
// protocols' descriptions.
var Workload = []protocols.Option{
	{Name: "keys", Default: "3", Help: "keys k1..kN; few keys make operations contend"},
	{Name: "mix", Default: "1:1:1", Help: "get:put:append weights"},
	{Name: "timeout", Default: "100ms", Help: "retry at another server after this long without an answer"},
	{Name: "backoff", Default: "50ms", Help: "wait after a not-leader reply that names no leader"},
	{Name: "think", Default: "0s", Help: "pause between a client's operations"},
	{Name: "ops", Default: "0", Help: "stop after this many operations per client (0: no limit)"},
	{Name: "give-up", Default: "0", Help: "abandon an operation after this many timeouts, leaving it indeterminate (0: never)"},
	{Name: "target", Default: "leader", Help: "which server a new operation goes to first: leader (the last that answered), random, key (each key pinned to a server), sticky (a home server, kept across timeouts) or mixed (clients take the modes in turn)"},
	{Name: "rate", Default: "closed", Help: "open loop: operations arrive at N/s per client (Poisson; N/s fixed for even gaps) whatever completes, and wait their turn; latency counts from arrival"},
	{Name: "backlog", Default: "100", Help: "open loop: arrivals waiting at a client at most; one more is given up at once"},
	{Name: "retry", Default: "immediate", Help: "after a timeout or an overloaded answer: immediate, or backoff BASE CAP [JITTER] (exponential, capped; JITTER none, full, equal or decorrelated, full by default)"},
	{Name: "retry-budget", Default: "off", Help: "P% [TOKENS]: each completed operation earns P% of a retry, each retry spends one, the bucket holds TOKENS (10); a failed attempt with none left gives its operation up"},
	{Name: "deadline", Default: "off", Help: "D [propagate]: the client gives an operation up D after it arrives; with propagate every attempt carries the deadline, and servers with a service model drop it unprocessed once past"},
	{Name: "breaker", Default: "off", Help: "N D: a circuit breaker opens after N failed attempts in a row and fails operations fast for D, then lets one through (half-open)"},
}

// ReadClientOptions reads the generic client's workload lines (see
// Workload); malformed values are reported through s.
func ReadClientOptions(s protocols.Settings) ClientOptions {
	o := ClientOptions{
		Keys:        s.Int("keys", 0, 1, 1000),
		Timeout:     s.Duration("timeout", 0),
		Backoff:     s.Duration("backoff", 0),
		ThinkTime:   s.Duration("think", 0),
		MaxOps:      s.Int("ops", 0, 0, 1_000_000),
		GiveUpAfter: s.Int("give-up", 0, 0, 1_000_000),
		Target:      Target(s.Word("target", string(TargetLeader), targetNames()...)),
	}
	if raw, ok := s.Raw("mix"); ok {
		m, err := ParseMix(raw)
		if err != nil {
			s.Fail("mix", "%v", err)
		}
		o.Mix = m
	}
	readLoadOptions(s, &o)
	return o
}

// readLoadOptions reads the load workload lines (load.go).
func readLoadOptions(s protocols.Settings, o *ClientOptions) {
	o.Backlog = s.Int("backlog", 0, 1, 1_000_000)
	read := func(name string, parse func(string) error) {
		if raw, ok := s.Raw(name); ok && raw != "off" && raw != "closed" {
			if err := parse(raw); err != nil {
				s.Fail(name, "%v", err)
			}
		}
	}
	read("rate", func(v string) (err error) { o.Rate, err = ParseRate(v); return })
	read("retry", func(v string) (err error) { o.Retry, err = ParseRetry(v); return })
	read("retry-budget", func(v string) (err error) { o.Budget, err = ParseRetryBudget(v); return })
	read("breaker", func(v string) (err error) { o.Breaker, err = ParseBreaker(v); return })
	read("deadline", func(v string) (err error) { o.Deadline, err = ParseDeadline(v); return })
}

// ParseMix parses GET:PUT:APPEND weights, as in 2:1:1.
func ParseMix(s string) (Mix, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return Mix{}, fmt.Errorf("want GET:PUT:APPEND weights, as in 2:1:1, got %q", s)
	}
	var w [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 1000 {
			return Mix{}, fmt.Errorf("want GET:PUT:APPEND weights from 0 to 1000, got %q", s)
		}
		w[i] = v
	}
	if w == [3]int{} {
		return Mix{}, fmt.Errorf("the weights %q are all zero", s)
	}
	return Mix{Get: w[0], Put: w[1], Append: w[2]}, nil
}

func targetNames() []string {
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = string(t)
	}
	return names
}

// ClientRole is the role the generic client reports, for protocols'
// display hints.
var ClientRole = protocols.Role{Name: "client", Kind: protocols.RoleClient, Help: "issues get, put and append operations one at a time, retrying until a server answers"}

// Replica is implemented by servers that hold a copy of the KV state, so
// that the end-of-run eventual-convergence check can compare the copies
// (key → value; a key holding siblings is written as
// checker/consistency.EncodeSiblings writes it). A server that does not
// implement it is not compared.
type Replica interface {
	KVState() map[string]string
}

// PartialReplica is a Replica that holds only some keys, as a Dynamo
// server holds the keys it is a home replica of: eventual convergence then
// compares each key across the live servers that hold it.
type PartialReplica interface {
	Replica
	HoldsKey(key string) bool
}
