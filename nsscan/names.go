package nsscan

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Names inside the package are lower-case A-labels in fully qualified form
// ("good.test.", "." for the root); results show them without the final dot.

// normalizeName turns user input (U-labels or A-labels, any case, with or
// without a trailing dot, surrounded by spaces) into a lower-case FQDN A-label
// and its U-label form without the final dot. minLabels is 2 for a domain to
// check and 1 for a host name a caller expects. The error says why the
// name is rejected, without repeating it.
func normalizeName(input string, minLabels int) (fqdn, unicode string, err error) {
	s := strings.TrimSpace(input)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", "", errors.New("empty name")
	}
	if _, perr := netip.ParseAddr(s); perr == nil {
		return "", "", errors.New("an IP address, not a name")
	}
	if plainLDH(s) {
		// Lower-case letters, digits and hyphens only, with no A-label:
		// IDNA would return the name unchanged, so skip its cost.
		return checkLabels(s, minLabels)
	}
	ascii, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "", "", err
	}
	fqdn, _, err = checkLabels(ascii, minLabels)
	if err != nil {
		return "", "", err
	}
	unicode, uerr := idna.Lookup.ToUnicode(ascii)
	if uerr != nil {
		unicode = ascii
	}
	return fqdn, unicode, nil
}

// plainLDH reports whether s holds only lower-case letters, digits, hyphens
// and dots, with no label that starts or ends with a hyphen or has hyphens
// in its third and fourth places (the "xn--" form).
func plainLDH(s string) bool {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		l := s[start:i]
		if l != "" && (l[0] == '-' || l[len(l)-1] == '-' || len(l) >= 4 && l[2] == '-' && l[3] == '-') {
			return false
		}
		start = i + 1
	}
	return true
}

// checkLabels applies the length and label rules to an A-label name and
// returns it fully qualified, with itself as the U-label form.
func checkLabels(ascii string, minLabels int) (fqdn, unicode string, err error) {
	if len(ascii) > 253 {
		return "", "", errors.New("longer than 253 characters")
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < minLabels {
		return "", "", fmt.Errorf("needs at least %d labels", minLabels)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", "", errors.New("has an empty or over-long label")
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", "", errors.New("has a numeric top-level label")
	}
	return ascii + ".", ascii, nil
}

// display returns name without its final dot; the root stays ".".
func display(name string) string {
	if name == "." {
		return name
	}
	return strings.TrimSuffix(name, ".")
}

// canonical lower-cases a name from the wire and makes it fully qualified.
func canonical(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// atOrBelow reports whether name equals zone or lies inside it. Both are
// canonical.
func atOrBelow(name, zone string) bool {
	return zone == "." || name == zone || strings.HasSuffix(name, "."+zone)
}

// below reports whether name lies strictly inside zone.
func below(name, zone string) bool {
	return name != zone && atOrBelow(name, zone)
}

// parentName returns the name one label up; the parent of a TLD is the root.
func parentName(name string) string {
	if name == "." {
		return "."
	}
	i := strings.IndexByte(name, '.')
	if i == len(name)-1 {
		return "."
	}
	return name[i+1:]
}

// registryChain lists the registry-level zones above domain, shallowest
// first: its top-level domain, then every public suffix (ICANN or private
// section of the embedded Public Suffix List) down to the domain's own
// suffix. "x.shop.co.uk." gives ["uk.", "co.uk."]; "good.test." gives
// ["test."] because the list's "*" rule makes any unknown TLD a suffix.
// The domain itself is never in the chain: isSuffix reports that case.
func registryChain(domain string) (chain []string, isSuffix bool) {
	bare := strings.TrimSuffix(domain, ".")
	ps, _ := publicsuffix.PublicSuffix(bare)
	if ps == bare {
		return nil, true
	}
	// Walk from the suffix up to the TLD, keeping the suffix itself and every
	// ancestor the list names as a suffix of its own.
	var rev []string
	for a := ps; a != ""; {
		if a == ps || !strings.Contains(a, ".") {
			rev = append(rev, a+".")
		} else if s, _ := publicsuffix.PublicSuffix(a); s == a {
			rev = append(rev, a+".")
		}
		i := strings.IndexByte(a, '.')
		if i < 0 {
			break
		}
		a = a[i+1:]
	}
	for i := len(rev) - 1; i >= 0; i-- {
		chain = append(chain, rev[i])
	}
	return chain, false
}

// registrable returns the registrable domain (eTLD+1) of domain, the name a
// registry's RDAP or WHOIS service knows. Canonical in, canonical out.
func registrable(domain string) string {
	e, err := publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(domain, "."))
	if err != nil {
		return domain
	}
	return e + "."
}
