package proxmox

import (
	"fmt"
	"slices"
	"strings"
)

// validTag reports whether s matches the Proxmox VE tag format
// ("pve-tag": letters, digits, "_", "-", "+" and "."; not starting with
// "-", "+" or ".").
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
		case (r == '-' || r == '+' || r == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}

// ownerAt replaces "@" in an owner tag: Proxmox VE tags cannot hold "@".
const ownerAt = "_at_"

// encodeOwner writes an e-mail address as the value of an owner tag:
// "Alice@Example.com" gives "alice_at_example.com". Addresses with
// characters a tag cannot hold are refused.
func encodeOwner(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.Contains(domain, "_") {
		return "", fmt.Errorf("e-mail address %q is not user@domain", email)
	}
	v := local + ownerAt + domain
	if !validTag("x" + v) {
		return "", fmt.Errorf("e-mail address %q has characters a Proxmox VE tag cannot hold (letters, digits and _ - + . only)", email)
	}
	return v, nil
}

// decodeOwner reverses encodeOwner. The last "_at_" is the separator,
// because a domain cannot contain "_". A value that already holds "@" is
// taken as it is.
func decodeOwner(v string) string {
	if strings.Contains(v, "@") {
		return v
	}
	i := strings.LastIndex(v, ownerAt)
	if i <= 0 || i+len(ownerAt) >= len(v) {
		return ""
	}
	return v[:i] + "@" + v[i+len(ownerAt):]
}

// tagValue returns the value of the one tag starting with prefix (case
// ignored), "" when there is none, and an error when two tags disagree.
func tagValue(tags []string, prefix string) (string, error) {
	var found string
	for _, t := range tags {
		if len(t) > len(prefix) && strings.EqualFold(t[:len(prefix)], prefix) {
			v := t[len(prefix):]
			if found != "" && !strings.EqualFold(found, v) {
				return "", fmt.Errorf("two %q tags: %q and %q", prefix, prefix+found, t)
			}
			found = v
		}
	}
	return found, nil
}

// hasTag reports whether tags holds tag (case ignored).
func hasTag(tags []string, tag string) bool {
	return slices.ContainsFunc(tags, func(t string) bool { return strings.EqualFold(t, tag) })
}

// withoutTags returns tags minus every tag that drop reports.
func withoutTags(tags []string, drop func(string) bool) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if !drop(t) {
			out = append(out, t)
		}
	}
	return out
}

// hasPrefixFold reports whether s starts with prefix, case ignored.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
