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

// nextElem reads one element of width bytes from data: its bytes (nil for
// NULL) and the rest of data.
func nextElem(data []byte, width int) ([]byte, []byte, error) {
	if len(data) < 4 {
		return nil, nil, fmt.Errorf("binary array: truncated")
	}
	size := int32(binary.BigEndian.Uint32(data))
	data = data[4:]
	if size == -1 {
		return nil, data, nil
	}
	if int(size) != width || len(data) < width {
		return nil, nil, fmt.Errorf("binary array: element of %d bytes, want %d", size, width)
	}
	return data[:width], data[width:], nil
}

// decodeInt8s reads an int8[] without NULLs into dst, reusing its storage.
func decodeInt8s(src []byte, dst []int64) ([]int64, error) {
	n, data, err := arrayElems(src, oidInt8)
	if err != nil {
		return dst, err
	}
	dst = dst[:0]
	for range n {
		var v []byte
		if v, data, err = nextElem(data, 8); err != nil {
			return dst, err
		}
		if v == nil {
			return dst, fmt.Errorf("binary array: NULL in a count")
		}
		dst = append(dst, int64(binary.BigEndian.Uint64(v)))
	}
	return dst, nil
}

// decodeFloat8s reads a float8[] into dst; a NULL element reads as NaN.
func decodeFloat8s(src []byte, dst []float64) ([]float64, error) {
	n, data, err := arrayElems(src, oidFloat8)
	if err != nil {
		return dst, err
	}
	dst = dst[:0]
	for range n {
		var v []byte
		if v, data, err = nextElem(data, 8); err != nil {
			return dst, err
		}
		f := math.NaN()
		if v != nil {
			f = math.Float64frombits(binary.BigEndian.Uint64(v))
		}
		dst = append(dst, f)
	}
	return dst, nil
}

// decodeTimestamptzs reads a timestamptz[] into dst as UTC times; a NULL
// element reads as the zero time.
func decodeTimestamptzs(src []byte, dst []time.Time) ([]time.Time, error) {
	n, data, err := arrayElems(src, oidTimestamptz)
	if err != nil {
		return dst, err
	}
	dst = dst[:0]
	for range n {
		var v []byte
		if v, data, err = nextElem(data, 8); err != nil {
			return dst, err
		}
		var t time.Time
		if v != nil {
			us := int64(binary.BigEndian.Uint64(v))
			if us == math.MaxInt64 || us == math.MinInt64 {
				return dst, fmt.Errorf("binary array: infinite bucket")
			}
			t = time.UnixMicro(us + pgEpochMicros).UTC()
		}
		dst = append(dst, t)
	}
	return dst, nil
}
