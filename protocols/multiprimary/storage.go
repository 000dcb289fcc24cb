package multiprimary

import "strconv"

// KeyRecord is a key's versions after a change, synced before any reply
// or push leaves. On restart the latest record per key is its state.
type KeyRecord struct {
	Key      string
	Versions []Version
}

// String renders the record as Key{k1 [n1:3]="c1.7"}.
func (r KeyRecord) String() string {
	s := "Key{" + r.Key
	for _, v := range r.Versions {
		s += " " + v.String()
	}
	return s + "}"
}

// Counter is the highest counter this server has put in a version vector,
// synced with the write that used it, so a restarted server never reuses
// one (two different writes with one version would both survive nowhere).
type Counter struct{ N uint64 }

// String renders the record as Counter{7}.
func (r Counter) String() string { return "Counter{" + strconv.FormatUint(r.N, 10) + "}" }
