package consistency

import "github.com/dsimlab/dsim/checker"

// Terse constructors for hand-written histories. Times are [call, return].

func put(c, k, v string, call, ret int64) Op {
	return Op{Client: c, Kind: checker.OpPut, Key: k, Value: v, Call: call, Return: ret, Outcome: checker.OutcomeOK}
}

func app(c, k, v string, call, ret int64) Op {
	return Op{Client: c, Kind: checker.OpAppend, Key: k, Value: v, Call: call, Return: ret, Outcome: checker.OutcomeOK}
}

func get(c, k string, call, ret int64, values ...string) Op {
	return Op{Client: c, Kind: checker.OpGet, Key: k, Values: values, Call: call, Return: ret, Outcome: checker.OutcomeOK}
}

func indet(o Op) Op {
	o.Outcome, o.Return, o.Values = checker.OutcomeIndeterminate, 0, nil
	return o
}

func failed(o Op) Op {
	o.Outcome, o.Values = checker.OutcomeFailed, nil
	return o
}
