package seal_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/seal"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	b, err := seal.New(key)
	require.NoError(t, err)
	plain := []byte(`{"secret":"s3cr3t"}`)
	sealed, err := b.Seal(plain, []byte("row-1"))
	require.NoError(t, err)
	assert.NotContains(t, string(sealed), "s3cr3t")
	again, err := b.Seal(plain, []byte("row-1"))
	require.NoError(t, err)
	assert.NotEqual(t, sealed, again, "a fresh nonce every time")

	got, err := b.Open(sealed, []byte("row-1"))
	require.NoError(t, err)
	assert.Equal(t, plain, got)

	cases := map[string]func() ([]byte, error){
		"other row": func() ([]byte, error) { return b.Open(sealed, []byte("row-2")) },
		"altered": func() ([]byte, error) {
			bad := append([]byte(nil), sealed...)
			bad[len(bad)-1] ^= 1
			return b.Open(bad, []byte("row-1"))
		},
		"other key": func() ([]byte, error) {
			other, err := seal.New(bytes.Repeat([]byte{8}, 32))
			require.NoError(t, err)
			return other.Open(sealed, []byte("row-1"))
		},
		"truncated": func() ([]byte, error) { return b.Open(sealed[:5], []byte("row-1")) },
	}
	for name, open := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := open()
			assert.Error(t, err)
		})
	}
}

func TestNoKey(t *testing.T) {
	b, err := seal.New(nil)
	require.NoError(t, err)
	_, err = b.Seal([]byte("x"), nil)
	assert.ErrorIs(t, err, seal.ErrNoKey)
	_, err = seal.New([]byte("short"))
	assert.Error(t, err)
}
