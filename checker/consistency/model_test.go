package consistency

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseModel(t *testing.T) {
	for _, m := range append(Models(), Session) {
		got, err := ParseModel(string(m))
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	for _, bad := range []string{"", "Linearizable", " causal", "read-your-writes", "strong"} {
		_, err := ParseModel(bad)
		require.Error(t, err, "%q", bad)
		assert.True(t, errors.Is(err, ErrUnknownModel))
		assert.Equal(t, `unknown consistency model "`+bad+`" (known: linearizable, sequential, causal, ryw, monotonic-reads, monotonic-writes, writes-follow-reads, eventual, session)`, err.Error())
	}
}

func TestModelsAreInLadderOrder(t *testing.T) {
	assert.Equal(t, []Model{Linearizable, Sequential, Causal, WritesFollowReads, MonotonicWrites, MonotonicReads, ReadYourWrites, Eventual}, Models())
}

func TestImplies(t *testing.T) {
	yes := [][2]Model{
		{Linearizable, Sequential}, {Linearizable, ReadYourWrites}, {Sequential, Causal}, {Causal, Session},
		{Causal, WritesFollowReads}, {Session, MonotonicReads}, {Eventual, Eventual}, {ReadYourWrites, ReadYourWrites},
	}
	no := [][2]Model{
		{Sequential, Linearizable}, {Causal, Sequential}, {Session, Causal}, {ReadYourWrites, MonotonicReads},
		{MonotonicReads, Session}, {Linearizable, Eventual}, {Eventual, ReadYourWrites}, {Causal, Eventual},
	}
	for _, p := range yes {
		assert.True(t, p[0].Implies(p[1]), "%s ⇒ %s", p[0], p[1])
	}
	for _, p := range no {
		assert.False(t, p[0].Implies(p[1]), "%s ⇏ %s", p[0], p[1])
	}
}
