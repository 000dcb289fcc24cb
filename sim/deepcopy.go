package sim

import "reflect"

// deepCopy returns a copy of v that shares no memory with it: slices, maps,
// pointers and the values behind interfaces are all copied. In deep-copy mode
// every message and record goes through it, so a node that mutates what it
// sent, or keeps a pointer into what it received, changes the trace hash.
// Unexported fields are copied too (reflect.Copy of the whole struct value
// keeps them), since protocols rarely export their message internals.
func deepCopy(v any) any {
	if v == nil {
		return nil
	}
	src := reflect.ValueOf(v)
	dst := reflect.New(src.Type()).Elem()
	copyValue(dst, src)
	return dst.Interface()
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		inner := reflect.New(src.Elem().Type()).Elem()
		copyValue(inner, src.Elem())
		dst.Set(inner)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			copyValue(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		iter := src.MapRange()
		for iter.Next() {
			k := reflect.New(iter.Key().Type()).Elem()
			copyValue(k, iter.Key())
			val := reflect.New(iter.Value().Type()).Elem()
			copyValue(val, iter.Value())
			m.SetMapIndex(k, val)
		}
		dst.Set(m)
	case reflect.Struct:
		// Start from a shallow copy, which carries unexported fields, then
		// replace every field that can hold shared memory. Unexported fields
		// are reached through their addresses: protocols rarely export their
		// message internals.
		dst.Set(src)
		tmp := reflect.New(src.Type()).Elem()
		tmp.Set(src)
		for i := 0; i < src.NumField(); i++ {
			sf := tmp.Field(i)
			if !needsCopy(sf.Kind()) {
				continue
			}
			df := dst.Field(i)
			copyValue(reflect.NewAt(df.Type(), df.Addr().UnsafePointer()).Elem(),
				reflect.NewAt(sf.Type(), sf.Addr().UnsafePointer()).Elem())
		}
	case reflect.Array:
		for i := 0; i < src.Len(); i++ {
			copyValue(dst.Index(i), src.Index(i))
		}
	default:
		dst.Set(src)
	}
}

func needsCopy(k reflect.Kind) bool {
	switch k {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map, reflect.Struct, reflect.Array:
		return true
	}
	return false
}
