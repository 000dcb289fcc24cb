package checker

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
)

// genConfig shapes a generated history.
type genConfig struct {
	ops, clients, keys int
	indeterminate      float64 // share of ops whose outcome the client never learns
	maxIndeterminate   int     // if > 0, at most this many: each one multiplies the cost of proving a history illegal
	failed             float64 // share of ops the system rejects
	seed               uint64
}

// genHistory returns a history that is linearizable by construction: every
// op that takes effect gets a linearization point inside [Call, Return] and
// the outputs come from applying the ops in that order to a map. Clients are
// closed-loop: one outstanding op each, as in dsim's workloads; an
// indeterminate op takes effect with probability 1/2, possibly after the
// client has given up on it.
func genHistory(cfg genConfig) []Op {
	rng := rand.New(rand.NewPCG(cfg.seed, 0x5eed))
	type planned struct {
		at      int64 // linearization point
		applied bool
	}
	history := make([]Op, 0, cfg.ops)
	plan := make([]planned, 0, cfg.ops)
	next := make([]int64, cfg.clients) // when each client may call again
	pending := 0
	for i := range cfg.ops {
		c := i % cfg.clients
		op := Op{
			Client:  fmt.Sprintf("c%d", c+1),
			Key:     fmt.Sprintf("k%d", rng.IntN(cfg.keys)),
			Call:    next[c] + rng.Int64N(5),
			Outcome: OutcomeOK,
		}
		switch r := rng.IntN(10); {
		case r < 5:
			op.Kind = OpGet
		case r < 8:
			op.Kind, op.Value = OpPut, fmt.Sprintf("%d", i)
		default:
			op.Kind, op.Value = OpAppend, string(rune('a'+i%26))
		}
		dur := 1 + rng.Int64N(20)
		op.Return = op.Call + dur
		p := planned{at: op.Call + rng.Int64N(dur+1), applied: true}
		switch r := rng.Float64(); {
		case r < cfg.indeterminate && (cfg.maxIndeterminate == 0 || pending < cfg.maxIndeterminate):
			pending++
			op.Outcome = OutcomeIndeterminate
			p.applied = rng.IntN(2) == 0
			p.at += rng.Int64N(100) // a late effect: the request was slow, not lost
		case r < cfg.indeterminate+cfg.failed:
			op.Outcome = OutcomeFailed
			p.applied = false
		}
		next[c] = op.Return + 1
		history = append(history, op)
		plan = append(plan, p)
	}
	order := make([]int, len(history))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(plan[a].at, plan[b].at) })
	state := make(map[string]string)
	for _, i := range order {
		op := &history[i]
		if !plan[i].applied {
			continue
		}
		switch op.Kind {
		case OpGet:
			if op.Outcome == OutcomeOK {
				op.Output = state[op.Key]
			}
		case OpPut:
			state[op.Key] = op.Value
		case OpAppend:
			state[op.Key] += op.Value
		}
	}
	for i := range history {
		if history[i].Outcome == OutcomeIndeterminate {
			history[i].Return = 0 // meaningless, and WriteHistory drops it
		}
	}
	return history
}

// hardHistory is n appends, all concurrent on one key, of two values used
// over and over, then a get of a value no order of them can produce.
// Because values repeat it goes to the search, and proving it illegal means
// trying a good share of the 2^n orders of a's and b's: for n around 20 no
// budget a test would use is enough, so the verdict is unknown, every time.
func hardHistory(key string, n int) []Op {
	var h []Op
	for i := range n {
		h = append(h, Op{Client: fmt.Sprintf("c%d", i+1), Kind: OpAppend, Key: key,
			Value: string(rune('a' + i%2)), Call: 0, Return: 1000, Outcome: OutcomeOK})
	}
	return append(h, Op{Client: "c1", Kind: OpGet, Key: key, Output: "!",
		Call: 2000, Return: 2010, Outcome: OutcomeOK})
}

// dsimConfig shapes a history like the ones dsim's KV workload records.
type dsimConfig struct {
	ops, clients, keys int
	// latency is the usual time from call to return (uniform up to
	// it); zero means 30ms. Every 10s the servers are unreachable for
	// 2s, as in raft/canonical: ops called then return only after it
	// heals and a new leader is elected, all of them overlapping.
	latency int64
	// indeterminate is the share of ops whose client gives up on them;
	// each takes effect, or not, at some point after its call.
	indeterminate float64
	// hot is the share of ops on k1, the rest spread evenly; zero means
	// even.
	hot  float64
	seed uint64
}

// genDsim returns a linearizable history in dsim's shape: closed-loop
// clients with no think time, an even mix of get, put and append on a few
// keys, values unique per client and sequence number ("c3.17"), so that
// reads of appends concatenate them ("c1.4c3.17c2.9").
func genDsim(cfg dsimConfig) []Op {
	const ms = int64(1_000_000)
	if cfg.latency == 0 {
		cfg.latency = 30 * ms
	}
	rng := rand.New(rand.NewPCG(cfg.seed, 0xd51))
	type planned struct {
		at      int64
		applied bool
	}
	history := make([]Op, 0, cfg.ops)
	plan := make([]planned, 0, cfg.ops)
	next := make([]int64, cfg.clients)
	seq := make([]int, cfg.clients)
	for len(history) < cfg.ops {
		c := len(history) % cfg.clients
		seq[c]++
		op := Op{
			Client:  fmt.Sprintf("c%d", c+1),
			Key:     fmt.Sprintf("k%d", rng.IntN(cfg.keys)+1),
			Call:    next[c],
			Outcome: OutcomeOK,
		}
		if rng.Float64() < cfg.hot {
			op.Key = "k1"
		}
		switch rng.IntN(3) {
		case 0:
			op.Kind = OpGet
		case 1:
			op.Kind, op.Value = OpPut, fmt.Sprintf("%s.%d", op.Client, seq[c])
		default:
			op.Kind, op.Value = OpAppend, fmt.Sprintf("%s.%d", op.Client, seq[c])
		}
		op.Return = op.Call + 1 + rng.Int64N(cfg.latency)
		if t := op.Call % (10_000 * ms); t < 2_000*ms {
			// An outage: wait for it to heal and for an election.
			op.Return += 2_000*ms - t + 150*ms + rng.Int64N(150*ms)
		}
		p := planned{at: op.Call + rng.Int64N(op.Return-op.Call+1), applied: true}
		if rng.Float64() < cfg.indeterminate {
			op.Outcome = OutcomeIndeterminate
			p.applied = rng.IntN(2) == 0
			p.at += rng.Int64N(cfg.latency) // the request was slow, not lost
		}
		next[c] = op.Return + 1
		history = append(history, op)
		plan = append(plan, p)
	}
	order := make([]int, len(history))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(plan[a].at, plan[b].at) })
	state := make(map[string]string)
	for _, i := range order {
		op := &history[i]
		if !plan[i].applied {
			continue
		}
		switch op.Kind {
		case OpGet:
			if op.Outcome == OutcomeOK {
				op.Output = state[op.Key]
			}
		case OpPut:
			state[op.Key] = op.Value
		case OpAppend:
			state[op.Key] += op.Value
		}
	}
	for i := range history {
		if history[i].Outcome == OutcomeIndeterminate {
			history[i].Return = 0
		}
	}
	return history
}
