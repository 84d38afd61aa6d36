package nsscan

import (
	"net/netip"
	"slices"

	"github.com/miekg/dns"
)

// replyKind sorts a usable answer from a zone's server (Zonemaster's
// BASIC01 response sets).
type replyKind int

const (
	// kReferral: NS records in the authority section whose owner lies
	// strictly inside the asked zone and at or above the question name.
	kReferral replyKind = iota + 1
	// kAuthNS: an authoritative answer holding the question name's NS set
	// (the parent's server also serves the child).
	kAuthNS
	// kAnswer: an authoritative answer with addresses of the question name.
	kAnswer
	// kNXDomain: an authoritative "no such name".
	kNXDomain
	// kNoData: an authoritative "the name exists, but has no such records".
	kNoData
	// kAlias: a CNAME at the question name.
	kAlias
)

// reply is a classified answer.
type reply struct {
	kind      replyKind
	owner     string                  // referral owner, or the question name
	ns        []string                // canonical NS names, sorted, unique
	glue      map[string][]netip.Addr // addresses for names in ns
	addrs     []netip.Addr            // kAnswer
	target    string                  // kAlias
	ttl       uint32                  // NS set TTL, or the negative TTL
	server    server                  // who answered
	transport string
}

// classify reads resp, the answer to (qname, qtype) from a server of zone.
// It returns the reply, or a short reason why the answer is no use, in which
// case the next server is asked.
func classify(resp *wireMsg, zone, qname string, qtype uint16) (reply, string) {
	if len(resp.question) != 1 || resp.question[0].name != qname ||
		resp.question[0].qtype != qtype || resp.question[0].qclass != dns.ClassINET {
		return reply{}, "answered a different question"
	}
	if resp.truncated {
		return reply{}, "truncated answer even over TCP"
	}
	switch resp.rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return reply{}, dns.RcodeToString[resp.rcode]
	}
	for _, rr := range resp.answer {
		if rr.rtype == dns.TypeCNAME && rr.name == qname {
			return reply{kind: kAlias, owner: qname, target: rr.target}, ""
		}
	}
	if resp.rcode == dns.RcodeNameError {
		if !resp.authoritative {
			return reply{}, "non-authoritative NXDOMAIN"
		}
		return reply{kind: kNXDomain, owner: qname, ttl: negativeTTL(resp)}, ""
	}

	var r reply
	for _, rr := range resp.answer {
		if rr.name != qname || rr.rtype != qtype {
			continue
		}
		r.ttl = minTTL(r.ttl, rr.ttl)
		switch rr.rtype {
		case dns.TypeNS:
			r.ns = append(r.ns, rr.target)
		case dns.TypeA, dns.TypeAAAA:
			r.addrs = append(r.addrs, rr.addr)
		}
	}
	if len(r.ns) > 0 || len(r.addrs) > 0 {
		if !resp.authoritative {
			return reply{}, "non-authoritative answer"
		}
		r.owner = qname
		if len(r.ns) > 0 {
			r.kind = kAuthNS
			r.ns = uniqueSorted(r.ns)
			r.glue = glue(resp, zone, r.ns)
		} else {
			r.kind = kAnswer
		}
		return r, ""
	}

	// No answer: a referral, an authoritative NODATA, or a broken server.
	owner := ""
	sawNS := ""
	for _, rr := range resp.ns {
		if rr.rtype != dns.TypeNS {
			continue
		}
		o := rr.name
		sawNS = o
		if atOrBelow(qname, o) && len(o) > len(owner) {
			owner = o
		}
	}
	if owner != "" && below(owner, zone) {
		r = reply{kind: kReferral, owner: owner}
		for _, rr := range resp.ns {
			if rr.rtype == dns.TypeNS && rr.name == owner {
				r.ns = append(r.ns, rr.target)
				r.ttl = minTTL(r.ttl, rr.ttl)
			}
		}
		r.ns = uniqueSorted(r.ns)
		r.glue = glue(resp, zone, r.ns)
		return r, ""
	}
	if resp.authoritative {
		return reply{kind: kNoData, owner: qname, ttl: negativeTTL(resp)}, ""
	}
	switch {
	case owner != "":
		return reply{}, "referral upward to " + display(owner)
	case sawNS != "":
		return reply{}, "referral sideways to " + display(sawNS)
	default:
		return reply{}, "not authoritative and no referral (lame)"
	}
}

// glue collects the addresses the additional section gives for names, from
// records inside the responding server's zone only (anything else could be
// a poisoning attempt).
func glue(resp *wireMsg, zone string, names []string) map[string][]netip.Addr {
	var g map[string][]netip.Addr
	for _, rr := range resp.ex {
		if (rr.rtype != dns.TypeA && rr.rtype != dns.TypeAAAA) || !rr.addr.IsValid() || !atOrBelow(rr.name, zone) {
			continue
		}
		if _, want := slices.BinarySearch(names, rr.name); !want {
			continue
		}
		if g == nil {
			g = map[string][]netip.Addr{}
		}
		if !slices.Contains(g[rr.name], rr.addr) {
			g[rr.name] = append(g[rr.name], rr.addr)
		}
	}
	return g
}

// negativeTTL is how long a negative answer may be cached (RFC 2308: the
// smaller of the SOA's TTL and its MINIMUM field).
func negativeTTL(resp *wireMsg) uint32 {
	for _, rr := range resp.ns {
		if rr.rtype == dns.TypeSOA {
			return min(rr.ttl, rr.soaMin)
		}
	}
	return 0
}

func minTTL(a, b uint32) uint32 {
	if a == 0 || b < a {
		return b
	}
	return a
}

func uniqueSorted(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
