package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// The analytics statement returns its buckets as one-dimensional arrays of
// int8, float8 and timestamptz, hundreds of thousands of elements for a
// dashboard. They are read here straight from PostgreSQL's binary array
// format: a header (dimensions, has-nulls flag, element type, then size and
// lower bound per dimension) and each element as a length (-1 for NULL) and
// its bytes. pgx's generic array codec costs a reflective scan plan per
// element, most of the CPU a dashboard request spent in Go.

// Element type oids of the arrays read here.
const (
	oidInt8        = 20
	oidFloat8      = 701
	oidTimestamptz = 1184
)

// pgEpochMicros is PostgreSQL's timestamp epoch (2000-01-01 UTC) in Unix
// microseconds.
const pgEpochMicros = 946_684_800_000_000

// arrayElems checks the header of a binary one-dimensional array of oid
// elements and returns its element count and the element data.
func arrayElems(src []byte, oid uint32) (int, []byte, error) {
	if len(src) < 12 {
		return 0, nil, fmt.Errorf("binary array: %d bytes of header", len(src))
	}
	dims := binary.BigEndian.Uint32(src)
	if got := binary.BigEndian.Uint32(src[8:]); got != oid {
		return 0, nil, fmt.Errorf("binary array: element type %d, want %d", got, oid)
	}
	switch dims {
	case 0:
		return 0, nil, nil
	case 1:
	default:
		return 0, nil, fmt.Errorf("binary array: %d dimensions", dims)
	}
	if len(src) < 20 {
		return 0, nil, fmt.Errorf("binary array: %d bytes of header", len(src))
	}
	n := int(int32(binary.BigEndian.Uint32(src[12:])))
	data := src[20:]
	// Every element is its length word plus its bytes, or a bare -1 for
	// NULL: a slice shorter than n of those is corrupt.
	if n < 0 || len(data) < 4*n {
		return 0, nil, fmt.Errorf("binary array: %d elements in %d bytes", n, len(data))
	}
	return n, data, nil
}

// decodeArray reads a one-dimensional array of 8-byte oid elements into
// dst, reusing its storage; elem turns an element's bytes (nil for NULL)
// into a value.
func decodeArray[T any](src []byte, oid uint32, dst []T, elem func([]byte) (T, error)) ([]T, error) {
	n, data, err := arrayElems(src, oid)
	if err != nil {
		return dst, err
	}
	dst = dst[:0]
	for range n {
		if len(data) < 4 {
			return dst, fmt.Errorf("binary array: truncated")
		}
		size := int32(binary.BigEndian.Uint32(data))
		data = data[4:]
		var v []byte
		if size != -1 {
			if size != 8 || len(data) < 8 {
				return dst, fmt.Errorf("binary array: element of %d bytes, want 8", size)
			}
			v, data = data[:8], data[8:]
		}
		x, err := elem(v)
		if err != nil {
			return dst, err
		}
		dst = append(dst, x)
	}
	return dst, nil
}

// decodeInt8s reads an int8[] without NULLs into dst, reusing its storage.
func decodeInt8s(src []byte, dst []int64) ([]int64, error) {
	return decodeArray(src, oidInt8, dst, func(v []byte) (int64, error) {
		if v == nil {
			return 0, fmt.Errorf("binary array: NULL in a count")
		}
		return int64(binary.BigEndian.Uint64(v)), nil
	})
}

// decodeFloat8s reads a float8[] into dst; a NULL element reads as NaN.
func decodeFloat8s(src []byte, dst []float64) ([]float64, error) {
	return decodeArray(src, oidFloat8, dst, func(v []byte) (float64, error) {
		if v == nil {
			return math.NaN(), nil
		}
		return math.Float64frombits(binary.BigEndian.Uint64(v)), nil
	})
}

// decodeTimestamptzs reads a timestamptz[] into dst as UTC times; a NULL
// element reads as the zero time.
func decodeTimestamptzs(src []byte, dst []time.Time) ([]time.Time, error) {
	return decodeArray(src, oidTimestamptz, dst, func(v []byte) (time.Time, error) {
		if v == nil {
			return time.Time{}, nil
		}
		us := int64(binary.BigEndian.Uint64(v))
		if us == math.MaxInt64 || us == math.MinInt64 {
			return time.Time{}, fmt.Errorf("binary array: infinite bucket")
		}
		return time.UnixMicro(us + pgEpochMicros).UTC(), nil
	})
}
