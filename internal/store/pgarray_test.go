package store

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binaryArray builds PostgreSQL's binary form of a one-dimensional array;
// a nil element is NULL.
func binaryArray(oid uint32, elems [][]byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, 1)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, oid)
	b = binary.BigEndian.AppendUint32(b, uint32(len(elems)))
	b = binary.BigEndian.AppendUint32(b, 1)
	for _, e := range elems {
		if e == nil {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1
			continue
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(e)))
		b = append(b, e...)
	}
	return b
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func TestBinaryArraysDecode(t *testing.T) {
	ints, err := decodeInt8s(binaryArray(oidInt8, [][]byte{be64(7), be64(math.MaxUint64)}), nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{7, -1}, ints)

	floats, err := decodeFloat8s(binaryArray(oidFloat8, [][]byte{be64(math.Float64bits(2.5)), nil}), nil)
	require.NoError(t, err)
	assert.Equal(t, 2.5, floats[0])
	assert.True(t, math.IsNaN(floats[1]), "NULL reads as NaN")

	at := time.Date(2026, 11, 26, 12, 0, 0, 1000, time.UTC)
	times, err := decodeTimestamptzs(binaryArray(oidTimestamptz, [][]byte{be64(uint64(at.UnixMicro() - pgEpochMicros)), nil}), nil)
	require.NoError(t, err)
	assert.Equal(t, []time.Time{at, {}}, times)

	empty := binary.BigEndian.AppendUint32(nil, 0)
	empty = binary.BigEndian.AppendUint32(empty, 0)
	empty = binary.BigEndian.AppendUint32(empty, oidInt8)
	ints, err = decodeInt8s(empty, ints)
	require.NoError(t, err)
	assert.Empty(t, ints)
}

// TestBinaryArraysRefuseWhatTheyCannotRead: a wrong element type, a NULL
// count, an element of the wrong width, an infinite time and every
// truncation of a valid array are errors, never a panic or a short read.
func TestBinaryArraysRefuseWhatTheyCannotRead(t *testing.T) {
	_, err := decodeInt8s(binaryArray(oidFloat8, [][]byte{be64(1)}), nil)
	assert.ErrorContains(t, err, "element type")
	_, err = decodeInt8s(binaryArray(oidInt8, [][]byte{nil}), nil)
	assert.ErrorContains(t, err, "NULL")
	_, err = decodeInt8s(binaryArray(oidInt8, [][]byte{{1, 2, 3, 4}}), nil)
	assert.ErrorContains(t, err, "4 bytes")
	_, err = decodeTimestamptzs(binaryArray(oidTimestamptz, [][]byte{be64(math.MaxInt64)}), nil)
	assert.ErrorContains(t, err, "infinite")

	valid := binaryArray(oidInt8, [][]byte{be64(1), be64(2), be64(3)})
	for n := range len(valid) {
		_, err := decodeInt8s(valid[:n], nil)
		assert.Error(t, err, "cut to %d bytes", n)
	}
}
