package sync

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// normalizer turns a key field's value into the form both sides are
// matched on: surrounding space trimmed, lower case, one trailing dot
// dropped, and IDNA (UTS #46, non-transitional) mapped to ASCII, so that
// "Example.COM." and "example.com", and "bücher.de" and "xn--bcher-kva.de",
// give the same key.
//
// For the "domain" field the value must be a host name: letters, digits and
// hyphens in labels of 1 to 63 octets, at most 253 in all, no label starting
// or ending with a hyphen. Usernames and custom identifiers get the same
// mapping with the host-name rules relaxed (underscores, "@" and double
// hyphens are fine) but no control characters. A value that fails is
// invalid, and the engine reports its record as a conflict.
type normalizer struct {
	domain  bool
	profile *idna.Profile
}

func newNormalizer(keyField string) normalizer {
	if keyField == "domain" {
		return normalizer{domain: true, profile: idna.New(
			idna.MapForLookup(), idna.Transitional(false), idna.BidiRule(), idna.VerifyDNSLength(true),
		)}
	}
	return normalizer{profile: idna.New(
		idna.MapForLookup(), idna.Transitional(false), idna.BidiRule(),
		idna.StrictDomainName(false), idna.CheckHyphens(false),
	)}
}

var errEmptyKey = errors.New("empty")

// key returns the normalised form of s, or an error saying why s cannot be
// a key.
func (n normalizer) key(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", errEmptyKey
	}
	if n.canonical(s) {
		return s, nil // the common case: no allocation
	}
	if lower, ok := asciiLower(s); ok && n.canonical(lower) {
		return lower, nil
	}
	k, err := n.profile.ToASCII(s)
	if err != nil {
		return "", err
	}
	k = strings.TrimSuffix(k, ".") // a mapped full-width dot may end it
	if k == "" {
		return "", errEmptyKey
	}
	if !n.domain {
		for _, r := range k {
			if unicode.IsControl(r) {
				return "", fmt.Errorf("control character %U", r)
			}
		}
	}
	return k, nil
}

// canonical reports whether s is certainly its own normal form, by a scan
// that accepts a subset of what the IDNA profile maps to itself: lower-case
// ASCII letters, digits, hyphens and dots (and underscores outside domains),
// with no label that IDNA would decode or reject.
func (n normalizer) canonical(s string) bool {
	if n.domain && len(s) > 253 {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			c := s[i]
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
				continue
			case c == '_' && !n.domain:
				continue
			case c != '.':
				return false
			}
		}
		label := s[start:i]
		start = i + 1
		if len(label) >= 4 && label[2] == '-' && label[3] == '-' {
			return false // "xn--" and other reserved forms take the slow path
		}
		if n.domain && (label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-') {
			return false
		}
	}
	return true
}

// asciiLower lower-cases s if it is all ASCII.
func asciiLower(s string) (string, bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return "", false
		}
		upper = upper || (c >= 'A' && c <= 'Z')
	}
	if !upper {
		return s, true
	}
	return strings.ToLower(s), true
}

// normalizeEmail is how e-mail addresses are compared: trimmed and lower
// case.
func normalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if l, ok := asciiLower(s); ok {
		return l
	}
	return strings.ToLower(s)
}

// validEmail reports whether a normalised address has the shape
// local@domain with no spaces.
func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}
