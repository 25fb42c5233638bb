package partners

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters (RFC 9106 second recommended option, with 64 MiB).
const (
	argonTime    = 2
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns the PHC string of an argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argonKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC string hash.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	verifications.Add(1)
	got := argonKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// argonSlots bounds how many argon2id hashes run at once: each takes 64 MiB, so
// a burst of sign-ins (or of password changes) would otherwise grow the heap by
// 64 MiB a request (the soak saw hundreds of MiB). The work is CPU-bound, so
// more hashes at once than cores finish no sooner; the others wait their turn.
var argonSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// argonRunning and argonPeak count the hashes running, for the test.
var argonRunning, argonPeak atomic.Int64

// argonKey is argon2.IDKey within a slot.
func argonKey(pw, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	now := argonRunning.Add(1)
	defer argonRunning.Add(-1)
	for {
		peak := argonPeak.Load()
		if now <= peak || argonPeak.CompareAndSwap(peak, now) {
			break
		}
	}
	return argon2.IDKey(pw, salt, t, m, p, n)
}

// verifications counts argon2id verifications, so a test can check that every
// failed sign-in costs the same number of them.
var verifications atomic.Int64

// dummyHash makes a failed lookup cost as much as a wrong password, so timing does
// not tell whether an email is registered. It is made on first use, not at start:
// every run of the program (an `edi validate` too) would otherwise pay one
// argon2id hash, about 0.35 s and 64 MiB.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("timing-equaliser")
	return h
})
