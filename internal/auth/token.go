package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Token prefixes tell a session token from an API key at a glance (and in
// secret scanners); only their SHA-256 is stored.
const (
	SessionPrefix = "vis_"
	APIKeyPrefix  = "vik_"
	InvitePrefix  = "vii_"
	BadgePrefix   = "vib_"
)

// NewToken returns a random token with the given prefix and its hash.
func NewToken(prefix string) (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how a token is stored and looked up. The tokens carry 256
// bits of randomness, so a fast hash is enough (no password stretching).
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// KeyDisplayPrefix is the part of an API key shown in lists: enough to
// recognise it, useless to an attacker.
func KeyDisplayPrefix(key string) string {
	if len(key) < len(APIKeyPrefix)+8 {
		return key
	}
	return key[:len(APIKeyPrefix)+8]
}

// BearerToken extracts the token of an "Authorization: Bearer" header.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
