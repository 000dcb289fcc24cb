package multiprimary

// KeyRecord is a key's versions after a change, synced before any reply
// or push leaves. On restart the latest record per key is its state.
type KeyRecord struct {
	Key      string
	Versions []Version
}

// String renders the record as Key{k1 [c1:7]="c1.7"}.
func (r KeyRecord) String() string {
	s := "Key{" + r.Key
	for _, v := range r.Versions {
		s += " " + v.String()
	}
	return s + "}"
}
