package nsscantest

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// zone is one parsed master file.
type zone struct {
	apex string                         // canonical
	rrs  map[string]map[uint16][]dns.RR // canonical owner -> type -> records
}

// parseZone reads a master file and checks that it has an SOA at its apex
// and that every address in it is a loopback address.
func parseZone(text string) (*zone, error) {
	z := &zone{rrs: map[string]map[uint16][]dns.RR{}}
	p := dns.NewZoneParser(strings.NewReader(text), "", "")
	for rr, ok := p.Next(); ok; rr, ok = p.Next() {
		owner := dns.CanonicalName(rr.Header().Name)
		switch v := rr.(type) {
		case *dns.SOA:
			if z.apex != "" {
				return nil, errors.New("more than one SOA")
			}
			z.apex = owner
		case *dns.A:
			if a, ok := netip.AddrFromSlice(v.A.To4()); !ok || !a.IsLoopback() {
				return nil, fmt.Errorf("%s A %s is not a loopback address; a lab never points outside the machine", owner, v.A)
			}
		case *dns.AAAA:
			if a, ok := netip.AddrFromSlice(v.AAAA); !ok || !a.IsLoopback() {
				return nil, fmt.Errorf("%s AAAA %s is not a loopback address; a lab never points outside the machine", owner, v.AAAA)
			}
		}
		if z.rrs[owner] == nil {
			z.rrs[owner] = map[uint16][]dns.RR{}
		}
		t := rr.Header().Rrtype
		z.rrs[owner][t] = append(z.rrs[owner][t], rr)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if z.apex == "" {
		return nil, errors.New("no SOA record")
	}
	for owner := range z.rrs {
		if !dns.IsSubDomain(z.apex, owner) {
			return nil, fmt.Errorf("%s is outside the zone %s", owner, z.apex)
		}
	}
	return z, nil
}

// zoneFor returns the deepest zone the server serves that holds name.
func (s *labServer) zoneFor(name string) *zone {
	var best *zone
	for _, z := range s.zones {
		if dns.IsSubDomain(z.apex, name) && (best == nil || len(z.apex) > len(best.apex)) {
			best = z
		}
	}
	return best
}

// answer builds the authoritative server's answer to req.
func (s *labServer) answer(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionDesired = req.RecursionDesired
	q := req.Question[0]
	qname := dns.CanonicalName(q.Name)
	z := s.zoneFor(qname)
	if z == nil || q.Qclass != dns.ClassINET {
		m.Rcode = dns.RcodeRefused
		return m
	}
	// A zone cut between the apex and the name (the name included, except
	// for DS) makes the answer a referral.
	labels := dns.SplitDomainName(qname)
	apexLabels := dns.CountLabel(z.apex)
	for i := len(labels) - apexLabels - 1; i >= 0; i-- {
		cut := dns.Fqdn(strings.Join(labels[i:], "."))
		ns := z.rrs[cut][dns.TypeNS]
		if len(ns) == 0 || (cut == qname && q.Qtype == dns.TypeDS) {
			continue
		}
		m.Ns = append(m.Ns, ns...)
		m.Extra = z.glue(ns)
		return m
	}
	m.Authoritative = true
	node := z.rrs[qname]
	if cn := node[dns.TypeCNAME]; len(cn) > 0 && q.Qtype != dns.TypeCNAME {
		m.Answer = append(m.Answer, cn...)
		return m
	}
	if rrs := node[q.Qtype]; len(rrs) > 0 {
		m.Answer = append(m.Answer, rrs...)
		if q.Qtype == dns.TypeNS {
			m.Extra = z.glue(rrs)
		}
		return m
	}
	m.Ns = append(m.Ns, z.rrs[z.apex][dns.TypeSOA]...)
	if node == nil && !z.hasBelow(qname) {
		m.Rcode = dns.RcodeNameError
	}
	return m
}

// glue returns the zone's addresses for the targets of ns.
func (z *zone) glue(ns []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range ns {
		t := dns.CanonicalName(rr.(*dns.NS).Ns)
		out = append(out, z.rrs[t][dns.TypeA]...)
		out = append(out, z.rrs[t][dns.TypeAAAA]...)
	}
	return out
}

// hasBelow reports whether any record lies below name (an empty
// non-terminal exists, so its answer is NODATA, not NXDOMAIN).
func (z *zone) hasBelow(name string) bool {
	for owner := range z.rrs {
		if owner != name && dns.IsSubDomain(name, owner) {
			return true
		}
	}
	return false
}
