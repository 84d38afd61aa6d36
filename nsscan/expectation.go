package nsscan

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// ErrInvalidExpectation is wrapped by the error [Expectation.Normalize]
// returns, and by Result.Err when a check was given an invalid expectation.
var ErrInvalidExpectation = errors.New("nsscan: invalid expectation")

// Expectation says which nameservers a domain should be delegated to.
//
// Each entry of Nameservers is a host name ("ns1.example.net", any case, with
// or without a final dot, U-labels allowed) or an IP address. A delegated
// nameserver matches a name entry when the names are equal after
// normalisation, and matches an address entry when the registry's referral
// carries glue for it and any glue address equals the entry: that catches
// white-label names such as ns1.customer.example that point at the hosting
// company's servers. A nameserver the registry lists without glue can only
// match by name.
//
// A domain is [StatusCorrect] when at least MinMatches of its delegated nameservers
// match an entry. Zero means 1; otherwise MinMatches must lie between 1 and
// the number of distinct entries.
type Expectation struct {
	Nameservers []string `json:"nameservers"`
	MinMatches  int      `json:"minMatches"`
}

// Normalize returns the expectation with every name lower-cased, converted to
// its A-label and stripped of its final dot, every address in canonical form,
// duplicates removed, the entries sorted and MinMatches made explicit. It
// returns an error wrapping [ErrInvalidExpectation] when the list is empty,
// an entry is neither a host name nor an address, or MinMatches is out of
// range. Checks normalise their expectation themselves; call Normalize to
// reject bad input early or to show what will be compared.
func (e Expectation) Normalize() (Expectation, error) {
	n, err := compileExpectation(e)
	if err != nil {
		return Expectation{}, err
	}
	return n.public, nil
}

// expectation is a validated Expectation ready for matching.
type expectation struct {
	public Expectation
	names  map[string]bool     // canonical FQDN host names
	addrs  map[netip.Addr]bool // expected addresses
	index  map[string]int      // FQDN name or address text -> position in public.Nameservers
	min    int
}

func compileExpectation(e Expectation) (*expectation, error) {
	x := &expectation{names: map[string]bool{}, addrs: map[netip.Addr]bool{}}
	for _, raw := range e.Nameservers {
		s := strings.TrimSpace(raw)
		if a, err := netip.ParseAddr(s); err == nil {
			x.addrs[a.Unmap()] = true
			continue
		}
		name, _, err := normalizeName(s, 1)
		if err != nil {
			return nil, fmt.Errorf("%w: nameserver %q: %w", ErrInvalidExpectation, raw, err)
		}
		x.names[name] = true
	}
	total := len(x.names) + len(x.addrs)
	if total == 0 {
		return nil, fmt.Errorf("%w: no nameservers given", ErrInvalidExpectation)
	}
	x.min = e.MinMatches
	if x.min == 0 {
		x.min = 1
	}
	if x.min < 1 || x.min > total {
		return nil, fmt.Errorf("%w: min matches %d is not between 1 and %d", ErrInvalidExpectation, e.MinMatches, total)
	}
	list := make([]string, 0, total)
	for n := range x.names {
		list = append(list, display(n))
	}
	for a := range x.addrs {
		list = append(list, a.String())
	}
	slices.Sort(list)
	x.public = Expectation{Nameservers: list, MinMatches: x.min}
	x.index = map[string]int{}
	for i, e := range list {
		if _, err := netip.ParseAddr(e); err == nil {
			x.index[e] = i
		} else {
			x.index[e+"."] = i
		}
	}
	return x, nil
}

// verdict is the outcome of comparing a delegation with an expectation.
type verdict struct {
	matched, missing, unexpected []string
	correct                      bool
}

// judge compares delegated nameservers (canonical names, with the glue the
// referral carried) with the expectation.
func (x *expectation) judge(ns []string, glue map[string][]netip.Addr) verdict {
	var v verdict
	// Which expected entries were met, in the order of x.public.Nameservers.
	met := make([]bool, len(x.public.Nameservers))
	for _, n := range ns {
		ok := false
		if x.names[n] {
			met[x.index[n]] = true
			ok = true
		}
		for _, a := range glue[n] {
			if x.addrs[a] {
				met[x.index[a.String()]] = true
				ok = true
			}
		}
		if ok {
			v.matched = append(v.matched, display(n))
		} else {
			v.unexpected = append(v.unexpected, display(n))
		}
	}
	for i, e := range x.public.Nameservers {
		if !met[i] {
			v.missing = append(v.missing, e)
		}
	}
	// ns is sorted, so matched and unexpected are too.
	v.correct = len(v.matched) >= x.min
	return v
}
