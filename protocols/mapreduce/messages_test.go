package mapreduce

import (
	"strings"
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message hashes exactly what its trace line shows: changing any
// one field it shows changes its hash, and changing one it leaves out
// (listed here) changes neither. Lines show as themselves when few and
// short and as a count and checksum otherwise, so both are checked.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	task, attempt := TaskID{Job: 1, Phase: MapPhase, Index: 3}, Attempt{Epoch: 1, N: 4}
	id := ReqID{Inc: 1, N: 5}
	short := []string{"a 1", "b 2"}
	long := []string{strings.Repeat("a 1 ", 8), strings.Repeat("b 2 ", 8)}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{GetTask{Inc: 1, Ask: 3}, nil},
		{Assign{Inc: 1, Ask: 3, Task: task, Attempt: attempt, Backup: true}, nil},
		{Wait{Inc: 1, Ask: 3, Finished: true}, nil},
		{Heartbeat{Task: task, Attempt: attempt}, nil},
		{Done{Task: task, Attempt: attempt}, nil},
		{DoneAck{Task: task, Attempt: attempt}, nil},
		{Read{ID: id, Path: "j1/split-3"}, nil},
		{Write{ID: id, Path: "j1/tmp/mr-3-0@1.4", Chunk: 0, Lines: short}, nil},
		{Write{ID: id, Path: "j1/tmp/mr-3-0@1.4", Chunk: 1, Lines: long}, nil},
		{Rename{ID: id, From: "j1/tmp/mr-3-0@1.4", To: "j1/mr-3-0", Lines: 7, Sum: 0x1a2b3c}, nil},
		{FileReply{ID: id, Status: FileOK, Lines: short}, nil},
		{FileReply{ID: id, Status: FileOK, Lines: long}, nil},
		{FileReply{ID: id, Status: FileNotFound}, nil},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}

// Lines that join alike show alike, so they hash alike; and short lines
// hash without allocating.
func TestLinesHashAsTheyJoin(t *testing.T) {
	hash := func(m protocols.Message) uint64 {
		var h protocols.Hash
		h.Message(m)
		return h.Sum64()
	}
	a, b := Write{Lines: []string{"a|b"}}, Write{Lines: []string{"a", "b"}}
	if a.String() != b.String() || hash(a) != hash(b) {
		t.Errorf("%s and %s: render and hash alike expected", a, b)
	}
	var h protocols.Hash
	if n := testing.AllocsPerRun(100, func() { b.AppendHash(&h) }); n != 0 {
		t.Errorf("AppendHash of %s allocates %v times", b, n)
	}
}
