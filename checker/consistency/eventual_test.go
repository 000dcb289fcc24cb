package consistency

import (
	"testing"

	"github.com/dsimlab/dsim/checker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type replicas = map[string]map[string]string

func TestEventual(t *testing.T) {
	both := func(state map[string]string) replicas { return replicas{"n1": state, "n2": state} }
	cases := []struct {
		name  string
		h     []Op
		final replicas
		quiet int64
		want  checker.Verdict
		kind  AnomalyKind
	}{
		{
			name:  "converged, reads after quiescence see it",
			h:     []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 20, 30), get("c3", "x", 100, 110, "b")},
			final: both(map[string]string{"x": "b"}), quiet: 50, want: checker.VerdictOK,
		},
		{
			// Eventual consistency promises nothing before quiescence.
			name:  "stale read before quiescence",
			h:     []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 20, 30), get("c3", "x", 40, 45, "a")},
			final: both(map[string]string{"x": "b"}), quiet: 50, want: checker.VerdictOK,
		},
		{
			name:  "stale read after quiescence",
			h:     []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 20, 30), get("c3", "x", 60, 70, "a")},
			final: both(map[string]string{"x": "b"}), quiet: 50, want: checker.VerdictIllegal, kind: KindNotConverged,
		},
		{
			name:  "replicas diverge",
			h:     []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 0, 10)},
			final: replicas{"n1": {"x": "a"}, "n2": {"x": "b"}}, quiet: 50, want: checker.VerdictIllegal, kind: KindDivergence,
		},
		{
			name:  "a missing key is the initial value",
			h:     []Op{get("c1", "y", 60, 70, "")},
			final: replicas{"n1": {}, "n2": {"y": ""}}, quiet: 50, want: checker.VerdictOK,
		},
		{
			name:  "converged to a value nobody wrote",
			h:     []Op{put("c1", "x", "a", 0, 10)},
			final: both(map[string]string{"x": "zz"}), quiet: 50, want: checker.VerdictIllegal, kind: KindBadFinalState,
		},
		{
			name:  "converged to a failed write",
			h:     []Op{failed(put("c1", "x", "a", 0, 10))},
			final: both(map[string]string{"x": "a"}), quiet: 50, want: checker.VerdictIllegal, kind: KindBadFinalState,
		},
		{
			name:  "converged with an append applied twice",
			h:     []Op{app("c1", "x", "c1.1", 0, 10)},
			final: both(map[string]string{"x": "c1.1c1.1"}), quiet: 50, want: checker.VerdictIllegal, kind: KindBadFinalState,
		},
		{
			// No put could have overwritten a: it was lost for good.
			name:  "converged without an acknowledged append",
			h:     []Op{app("c1", "x", "a", 0, 10), app("c2", "x", "b", 20, 30), get("c3", "x", 40, 50, "b")},
			final: both(map[string]string{"x": "b"}), quiet: 35, want: checker.VerdictIllegal, kind: KindLostUpdate,
		},
		{
			// A later put may overwrite an append under some arbitration.
			name:  "an append overwritten by a put",
			h:     []Op{app("c1", "x", "a", 0, 10), put("c2", "x", "p", 20, 30)},
			final: both(map[string]string{"x": "p"}), quiet: 35, want: checker.VerdictOK,
		},
		{
			name:  "an indeterminate write may be missing",
			h:     []Op{indet(app("c1", "x", "a", 0, 0)), app("c2", "x", "b", 20, 30)},
			final: both(map[string]string{"x": "b"}), quiet: 35, want: checker.VerdictOK,
		},
		{
			name: "converged to siblings, read as siblings",
			h: []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 0, 10),
				get("c3", "x", 60, 70, "b", "a")},
			final: both(map[string]string{"x": EncodeSiblings([]string{"a", "b"})}), quiet: 50, want: checker.VerdictOK,
		},
		{
			name:  "converged to siblings, read as one value",
			h:     []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 0, 10), get("c3", "x", 60, 70, "a")},
			final: both(map[string]string{"x": EncodeSiblings([]string{"a", "b"})}), quiet: 50, want: checker.VerdictIllegal, kind: KindNotConverged,
		},
		{
			name: "no final states", h: []Op{put("c1", "x", "a", 0, 10)}, want: checker.VerdictUnknown,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckEventual(tc.h, tc.final, tc.quiet)
			require.NoError(t, r.Err)
			assert.Equal(t, tc.want, r.Verdict, "%s", r)
			if tc.want == checker.VerdictIllegal {
				require.NotNil(t, r.Anomaly)
				assert.Equal(t, tc.kind, r.Anomaly.Kind, "%s", r.Anomaly)
				assert.NotEmpty(t, r.Anomaly.Key)
			}
			if tc.want == checker.VerdictUnknown {
				assert.Contains(t, r.Reason, "no final replica states")
			}
		})
	}
}

func TestEventualRejectsBadSiblingEncoding(t *testing.T) {
	r := CheckEventual(nil, replicas{"n1": {"x": `siblings["a"`}}, 0)
	require.Error(t, r.Err)
	assert.ErrorIs(t, r.Err, checker.ErrInvalidHistory)
	assert.Equal(t, checker.VerdictUnknown, r.Verdict)
}
