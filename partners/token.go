package partners

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// newToken makes a bearer secret that names its network: "<prefix><network>_<secret>".
// The network lets lookups go to one tenant (and one Citus node); the hash of the
// whole string is what is stored.
func newToken(prefix string, network int64) (token string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	token = prefix + strconv.FormatInt(network, 10) + "_" + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

// parseToken returns the network a token names, or false for a malformed token.
func parseToken(prefix, token string) (int64, bool) {
	rest, ok := strings.CutPrefix(token, prefix)
	if !ok || len(token) > 200 {
		return 0, false
	}
	n, secret, ok := strings.Cut(rest, "_")
	if !ok || len(secret) < 20 {
		return 0, false
	}
	id, err := strconv.ParseInt(n, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
