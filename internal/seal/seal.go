// Package seal encrypts the secrets V-Insight stores (notification channel
// configs) with AES-256-GCM under VINSIGHT_SECRET_KEY.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// version prefixes every sealed value, so that a later format or key can be
// told apart from this one.
const version = 1

// ErrNoKey is returned when no key is configured.
var ErrNoKey = errors.New("VINSIGHT_SECRET_KEY is not set, so secrets cannot be stored or read")

// Box seals and opens values with one key. A nil *Box has no key: every
// call fails with ErrNoKey.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a 32-byte key; an empty key gives a nil Box.
func New(key []byte) (*Box, error) {
	if len(key) == 0 {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("seal.New: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal.New: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal.New: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext bound to aad (the row it belongs to), so a sealed
// value copied into another row does not open.
func (b *Box) Seal(plaintext, aad []byte) ([]byte, error) {
	if b == nil {
		return nil, ErrNoKey
	}
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return b.aead.Seal(out, out[1:], plaintext, aad), nil
}

// Open decrypts what Seal produced with the same aad.
func (b *Box) Open(sealed, aad []byte) ([]byte, error) {
	if b == nil {
		return nil, ErrNoKey
	}
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, errors.New("seal: not a sealed value")
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad)
	if err != nil {
		return nil, errors.New("seal: cannot open (another key, or the value was altered)")
	}
	return plain, nil
}
