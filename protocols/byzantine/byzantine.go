// Package byzantine holds the generic byzantine strategies: ways a node can
// misbehave that make sense for any protocol, because they change only
// whether and where the node's honest messages go. A protocol adds its own
// strategies (a PBFT primary that equivocates, a replica that lies to
// clients) in its description; scenarios offer both.
//
// Every strategy wraps an honest node of the protocol: the wrapper steps the
// honest node and then edits what it is about to send. It draws from a
// random stream of its own, so a run with a byzantine node is as
// reproducible as any other, and it holds only what the node itself holds
// (its own keys, the messages it saw): it can withhold, redirect and replay,
// never forge another node's signature.
//
// byzantine imports only protocols and the standard library.
package byzantine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// Generic lists the strategies every protocol gets.
var Generic = []protocols.Strategy{
	{
		Name: "silent",
		Help: "sends nothing at all, but keeps stepping (and persisting) as if it did",
		New:  noArgs(func(w *wrapper) { w.silent = true }),
	},
	{
		Name: "crash-like",
		Args: "[AFTER]",
		Help: "behaves honestly for AFTER messages (drawn from 1 to 50 if not given), then goes silent mid-protocol while looking alive",
		New: func(args []string) (protocols.Wrapper, error) {
			after, err := optionalCount(args, "crash-like")
			if err != nil {
				return nil, err
			}
			return wrap(func(w *wrapper) {
				w.budget = after
				if w.budget == 0 {
					w.budget = 1 + w.rand.IntN(50)
				}
			}), nil
		},
	},
	{
		Name: "selective",
		Args: "[PEER...]",
		Help: "sends only to the peers named (to a random half of them if none are), so some nodes hear it and others do not",
		New: func(args []string) (protocols.Wrapper, error) {
			to := make([]protocols.NodeID, len(args))
			for i, a := range args {
				to[i] = protocols.NodeID(a)
			}
			return wrap(func(w *wrapper) { w.only = to; w.selective = true }), nil
		},
	},
	{
		Name: "replay",
		Args: "[PERCENT]",
		Help: "besides its honest messages, sends again, to a random node, an old message it sent or received (with the probability given, 20% if not)",
		New: func(args []string) (protocols.Wrapper, error) {
			p := 20
			if len(args) > 1 {
				return nil, fmt.Errorf("replay: want at most one argument, a percentage")
			}
			if len(args) == 1 {
				v, err := strconv.Atoi(trimPercent(args[0]))
				if err != nil || v < 0 || v > 100 {
					return nil, fmt.Errorf("replay %s: want a percentage from 0%% to 100%%", args[0])
				}
				p = v
			}
			return wrap(func(w *wrapper) { w.replay = p }), nil
		},
	},
}

// Lookup finds a strategy by name among the protocol's own and the
// generic ones (the protocol's first), and makes its wrapper from args.
func Lookup(own []protocols.Strategy, name string, args []string) (protocols.Wrapper, error) {
	all := slices.Concat(own, Generic)
	for _, s := range all {
		if s.Name == name {
			return s.New(args)
		}
	}
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
	}
	return nil, fmt.Errorf("unknown byzantine strategy %q (want %s)", name, join(names))
}

func join(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	out := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			out += " or "
		default:
			out += ", "
		}
		out += n
	}
	return out
}

func noArgs(setup func(*wrapper)) func([]string) (protocols.Wrapper, error) {
	return func(args []string) (protocols.Wrapper, error) {
		if len(args) > 0 {
			return nil, fmt.Errorf("this strategy takes no arguments")
		}
		return wrap(setup), nil
	}
}

func optionalCount(args []string, name string) (int, error) {
	switch len(args) {
	case 0:
		return 0, nil
	case 1:
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 || n > 1_000_000 {
			return 0, fmt.Errorf("%s %s: want a count from 1 to 1000000", name, args[0])
		}
		return n, nil
	}
	return 0, fmt.Errorf("%s: want at most one argument", name)
}

func trimPercent(s string) string {
	if len(s) > 0 && s[len(s)-1] == '%' {
		return s[:len(s)-1]
	}
	return s
}

// wrap makes a Wrapper whose node is configured by setup.
func wrap(setup func(*wrapper)) protocols.Wrapper {
	return func(honest protocols.Node, cfg protocols.Config) protocols.Node {
		w := &wrapper{honest: honest, rand: cfg.Rand, peers: cfg.Peers}
		setup(w)
		if w.selective && len(w.only) == 0 {
			w.only = randomHalf(w.rand, cfg.Peers)
		}
		return w
	}
}

// wrapper is a byzantine node: an honest node whose sends it edits.
type wrapper struct {
	honest protocols.Node
	rand   *rand.Rand
	peers  []protocols.NodeID

	silent    bool               // sends nothing
	budget    int                // crash-like: honest sends left before going silent; -1 once silent
	selective bool               // sends only to only
	only      []protocols.NodeID // selective's audience
	replay    int                // percent chance per step of replaying an old message
	seen      []protocols.Message
}

func (w *wrapper) Step(in protocols.Input, out *protocols.Effects) {
	w.honest.Step(in, out)
	if in.Kind == protocols.Receive && w.replay > 0 {
		w.remember(in.Msg)
	}
	switch {
	case w.silent || w.budget < 0:
		clear(out.Sends)
		out.Sends = out.Sends[:0]
	case w.budget > 0:
		if len(out.Sends) >= w.budget {
			clear(out.Sends[w.budget:])
			out.Sends = out.Sends[:w.budget]
			w.budget = -1
		} else {
			w.budget -= len(out.Sends)
		}
	case w.selective:
		kept := out.Sends[:0]
		for _, s := range out.Sends {
			if slices.Contains(w.only, s.To) {
				kept = append(kept, s)
			}
		}
		clear(out.Sends[len(kept):])
		out.Sends = kept
	case w.replay > 0:
		for _, s := range out.Sends {
			w.remember(s.Msg)
		}
		if len(w.seen) > 0 && len(w.peers) > 0 && w.rand.IntN(100) < w.replay {
			old := w.seen[w.rand.IntN(len(w.seen))]
			out.Send(w.peers[w.rand.IntN(len(w.peers))], old)
		}
	}
}

// remember keeps a bounded sample of messages to replay.
func (w *wrapper) remember(m protocols.Message) {
	const keep = 64
	if len(w.seen) < keep {
		w.seen = append(w.seen, m)
		return
	}
	w.seen[w.rand.IntN(keep)] = m
}

// Status implements protocols.Node: the honest node's, so the UI shows what
// the node believes (it is marked byzantine separately).
func (w *wrapper) Status() protocols.Status { return w.honest.Status() }

// Unwrap implements protocols.Unwrapper.
func (w *wrapper) Unwrap() protocols.Node { return w.honest }

func randomHalf(r *rand.Rand, peers []protocols.NodeID) []protocols.NodeID {
	p := slices.Clone(peers)
	r.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
	return protocols.SortIDs(p[:(len(p)+1)/2])
}
