package partners

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/partnerhub/partnerhub/internal/apperr"
)

// The password rule follows NIST SP 800-63B (§3.1.1.2): a minimum length, a
// maximum that allows passphrases, no composition rules (no "one digit, one
// symbol"), and a check against values known to be common, repetitive or
// sequential, or taken from the context (the user's email and name, the
// organization's name, the service's). It applies wherever a password is set:
// a new network's first admin, an accepted invitation, a change, a reset.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 200
)

//go:embed passwords/common.txt
var commonPasswordsFile string

// commonPasswords is the embedded list of the 10,000 most common passwords.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 10000)
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			m[strings.ToLower(line)] = struct{}{}
		}
	}
	return m
})

// sequences are runs a password must not be a piece of (either way round).
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "qazwsxedcrfvtgbyhnujmikolp", "azertyuiop", "qwertzuiop",
}

// ValidatePassword checks a new password against the rule; context holds the
// words the password must not be built on (the user's email and name, the
// organization's name). Errors: Invalid, on the field "password".
func ValidatePassword(pw string, context ...string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return apperr.Field("password", "must be at least %d characters long", MinPasswordLength)
	}
	if n > MaxPasswordLength || len(pw) > 4*MaxPasswordLength {
		return apperr.Field("password", "must be at most %d characters long", MaxPasswordLength)
	}
	lower := strings.ToLower(pw)
	if repetitive(lower) || sequential(lower) {
		return apperr.Field("password", "repeats or runs through characters (such as aaaa or 1234): choose another")
	}
	list := commonPasswords()
	if _, ok := list[lower]; ok {
		return apperr.Field("password", "is one of the most common passwords: choose another")
	}
	// A common password with digits or symbols added before or after
	// (password2024!) is as easy to guess as the password.
	if core := trimNonLetters(lower); core != lower {
		if _, ok := list[core]; ok || (core != "" && (repetitive(core) || sequential(core))) || utf8.RuneCountInString(core) < 4 {
			return apperr.Field("password", "is one of the most common passwords: choose another")
		}
	}
	rest := lower
	for _, w := range contextWords(context) {
		rest = strings.ReplaceAll(rest, w, "")
	}
	if rest != lower && utf8.RuneCountInString(trimNonLetters(rest)) < 4 {
		return apperr.Field("password", "is too close to your email, name or organization: choose another")
	}
	return nil
}

// trimNonLetters drops what is not a letter from both ends of s.
func trimNonLetters(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
}

// repetitive reports whether s has fewer than four different characters, or is
// one piece said again (abcabcabc).
func repetitive(s string) bool {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	if len(seen) < 4 {
		return true
	}
	for size := 1; size <= len(s)/2; size++ {
		if len(s)%size == 0 && strings.Repeat(s[:size], len(s)/size) == s {
			return true
		}
	}
	return false
}

// sequential reports whether s is a run of the alphabet, the digits or a
// keyboard row, forwards or backwards, once or said again.
func sequential(s string) bool {
	for _, seq := range sequences {
		rev := reverse(seq)
		for _, q := range []string{seq, rev} {
			// Long inputs run through the sequence more than once (1234567890123).
			long := strings.Repeat(q, len(s)/len(q)+2)
			if strings.Contains(long, s) {
				return true
			}
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// contextWords are the lower-cased words of the context a password must not be
// built on: each whole value, an email's local part and the first label of its
// domain, each word of a name, the name without spaces, and the service's name.
// Words shorter than four characters are left out (they are in everything).
func contextWords(context []string) []string {
	var out []string
	add := func(w string) {
		w = strings.ToLower(strings.TrimSpace(w))
		if utf8.RuneCountInString(w) >= 4 {
			out = append(out, w)
		}
	}
	add("partnerhub")
	for _, c := range context {
		add(c)
		if local, domain, ok := strings.Cut(c, "@"); ok {
			add(local)
			label, _, _ := strings.Cut(domain, ".")
			add(label)
			c = local
		}
		words := strings.FieldsFunc(c, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for _, w := range words {
			add(w)
		}
		add(strings.Join(words, ""))
	}
	// Longer words first, so that a whole name goes before its parts.
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
