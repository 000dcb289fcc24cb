package prototest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/dsimlab/dsim/protocols"
)

// CheckHash holds a message's AppendHash (protocols.HashAppender) to its
// contract, one field at a time: changing any field that String shows must
// change the message's hash, and a field String leaves out, which the
// caller lists in hidden, must change neither its text nor its hash.
//
// Every field is changed in turn, found by reflection down through
// structs, slices, pointers and interfaces, so a field added to a message
// later must be shown and hashed, or listed. A field is named by its path
// from the message: "Term", "Entries[0].Term", and "Entries" for a slice's
// length; a hidden path hides everything under it, but "len(Entries)"
// hides the slice's length alone (a slice String reads only as far as
// another is long, its items shown). A field String shows
// only in some cases (a reply's hints shown only on failure) is checked
// with one message of each case, each with its own hidden list.
//
//	prototest.CheckHash(t, raft.AppendEntriesReply{Term: 2, Index: 5, Success: true}, "XTerm", "XIndex", "XLen")
func CheckHash(t testing.TB, m protocols.Message, hidden ...string) {
	t.Helper()
	if _, ok := m.(protocols.HashAppender); !ok {
		t.Fatalf("%T does not implement protocols.HashAppender", m)
	}
	text, hash := m.String(), hashOf(m)
	used := make([]bool, len(hidden))
	isHidden := func(path string) bool {
		for i, h := range hidden {
			if slice, ok := strings.CutPrefix(h, "len("); ok && path+")" == slice {
				used[i] = true
				return true
			}
			if path == h || strings.HasPrefix(path, h+".") || strings.HasPrefix(path, h+"[") {
				used[i] = true
				return true
			}
		}
		return false
	}
	vary(reflect.ValueOf(m), "", func(path string, v reflect.Value, why string) {
		if why != "" {
			if !isHidden(path) {
				t.Errorf("%T.%s: cannot change it (%s) to check that the hash follows it; list it as hidden if String does not show it", m, path, why)
			}
			return
		}
		changed := v.Interface().(protocols.Message)
		shows, hashes := changed.String() != text, hashOf(changed) != hash
		switch {
		case isHidden(path) && shows:
			t.Errorf("%T.%s is listed as hidden, but String shows it: %s becomes %s", m, path, text, changed)
		case isHidden(path) && hashes:
			t.Errorf("%T.%s: AppendHash folds it, but String does not show it: messages that render alike must hash alike", m, path)
		case isHidden(path):
		case !shows:
			t.Errorf("%T.%s: String does not show it (%s either way); list it as hidden", m, path, text)
		case !hashes:
			t.Errorf("%T.%s: AppendHash misses it: %s and %s hash alike", m, path, text, changed)
		}
	})
	for i, h := range hidden {
		if !used[i] {
			t.Errorf("%T has no field %s to hide", m, h)
		}
	}
}

func hashOf(m protocols.Message) uint64 {
	var h protocols.Hash
	h.Message(m)
	return h.Sum64()
}

// vary calls emit with a copy of v for each field under it changed alone,
// named by its path; or with why, for a field it cannot change. It never
// changes v: each copy shares what it did not change.
func vary(v reflect.Value, path string, emit func(path string, changed reflect.Value, why string)) {
	at := func(sep, name string) string {
		if path == "" {
			return name
		}
		return path + sep + name
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c := reflect.New(v.Type()).Elem()
		c.SetInt(v.Int() + 1)
		emit(path, c, "")
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		c := reflect.New(v.Type()).Elem()
		c.SetUint(v.Uint() + 1)
		emit(path, c, "")
	case reflect.Float32, reflect.Float64:
		c := reflect.New(v.Type()).Elem()
		c.SetFloat(v.Float() + 1)
		emit(path, c, "")
	case reflect.Bool:
		c := reflect.New(v.Type()).Elem()
		c.SetBool(!v.Bool())
		emit(path, c, "")
	case reflect.String:
		c := reflect.New(v.Type()).Elem()
		c.SetString(v.String() + "x")
		emit(path, c, "")
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name := at(".", f.Name)
			if !f.IsExported() {
				emit(name, reflect.Value{}, "unexported")
				continue
			}
			vary(v.Field(i), name, func(p string, changed reflect.Value, why string) {
				if why != "" {
					emit(p, changed, why)
					return
				}
				c := reflect.New(v.Type()).Elem()
				c.Set(v)
				c.Field(i).Set(changed)
				emit(p, c, "")
			})
		}
	case reflect.Slice:
		longer := reflect.Append(clone(v), reflect.Zero(v.Type().Elem()))
		emit(path, longer, "")
		for i := range min(v.Len(), 1) {
			vary(v.Index(i), fmt.Sprintf("%s[%d]", path, i), func(p string, changed reflect.Value, why string) {
				if why != "" {
					emit(p, changed, why)
					return
				}
				c := clone(v)
				c.Index(i).Set(changed)
				emit(p, c, "")
			})
		}
	case reflect.Pointer:
		if v.IsNil() {
			emit(path, reflect.New(v.Type().Elem()), "")
			return
		}
		vary(v.Elem(), path, func(p string, changed reflect.Value, why string) {
			if why != "" {
				emit(p, changed, why)
				return
			}
			c := reflect.New(v.Type().Elem())
			c.Elem().Set(changed)
			emit(p, c, "")
		})
	case reflect.Interface:
		if v.IsNil() {
			emit(path, reflect.Value{}, "a nil interface")
			return
		}
		vary(v.Elem(), path, func(p string, changed reflect.Value, why string) {
			if why != "" {
				emit(p, changed, why)
				return
			}
			c := reflect.New(v.Type()).Elem()
			c.Set(changed)
			emit(p, c, "")
		})
	default:
		emit(path, reflect.Value{}, "a "+v.Kind().String())
	}
}

// clone copies a slice's elements into a new one of the same length.
func clone(v reflect.Value) reflect.Value {
	c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	reflect.Copy(c, v)
	return c
}
