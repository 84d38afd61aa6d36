package nsscan

import (
	"context"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// maxDescent bounds the zones one check asks, the registry's included. Every
// referral followed must lie strictly below the zone that gave it and at or
// above the domain, so a descent cannot loop and ends after at most one zone
// per label; the bound stops a hostile chain of one-label zones sooner.
const maxDescent = 8

// hop is one zone asked on the way down from the registry, and its answer.
type hop struct {
	zone    string   // apex of the zone asked
	servers []server // its servers
	rep     reply    // the answer used (rep.server answered)
}

// descent is the chain of answers from the registry's zone down to the zone
// that answered for the domain itself. Every hop but the last is a referral
// to the next zone.
type descent struct {
	domain string
	hops   []hop
}

// last is the answer that ended the descent.
func (d *descent) last() *hop { return &d.hops[len(d.hops)-1] }

// enclosed reports whether the domain has no zone cut of its own: a server
// of a zone below the registry answered for it (NODATA, NXDOMAIN, an alias)
// instead of referring, so the enclosing zone, the one that server serves,
// is judged.
func (d *descent) enclosed() bool {
	if len(d.hops) < 2 {
		return false
	}
	switch d.last().rep.kind {
	case kReferral, kAuthNS:
		return false
	}
	return true
}

// judged is the answer the verdict rests on: the domain's own delegation, the
// registry's negative answer, or, when the domain has no cut of its own, the
// referral to the enclosing zone.
func (d *descent) judged() *hop {
	if d.enclosed() {
		return &d.hops[len(d.hops)-2]
	}
	return d.last()
}

// used is the set of servers whose answers the descent rests on.
func (d *descent) used() map[netip.AddrPort]bool {
	m := make(map[netip.AddrPort]bool, len(d.hops))
	for _, h := range d.hops {
		m[h.rep.server.addr] = true
	}
	return m
}

// alternative reports whether some zone of the descent has a server other
// than the ones used: only then can a second descent be independent of the
// first anywhere.
func (d *descent) alternative() bool {
	used := d.used()
	for _, h := range d.hops {
		for _, s := range h.servers {
			if !used[s.addr] {
				return true
			}
		}
	}
	return false
}

// outcome is the verdict the descent leads to, for comparing two descents.
func (d *descent) outcome(x *expectation) outcome {
	return outcomeOf(d.judged().rep, x)
}

// steps reports the descent for Result.Path.
func (d *descent) steps() []Step {
	out := make([]Step, len(d.hops))
	for i, h := range d.hops {
		out[i] = Step{Zone: display(h.zone), Server: h.rep.server.String(), Answer: answerText(d.domain, h.rep)}
	}
	return out
}

// answerText says in a few words what a zone's server answered about
// domain.
func answerText(domain string, r reply) string {
	switch r.kind {
	case kReferral:
		if r.owner == domain {
			return "delegates " + display(domain) + " to " + list(displayAll(r.ns))
		}
		return "refers " + display(domain) + " to the zone " + display(r.owner) + " at " + list(displayAll(r.ns))
	case kAuthNS:
		return "serves " + display(domain) + " itself, with nameservers " + list(displayAll(r.ns))
	case kNXDomain:
		return "no such name, so no delegation of " + display(domain)
	case kAlias:
		return display(domain) + " is an alias (CNAME) of " + display(r.target) + ", not a delegation"
	}
	return display(domain) + " exists without a delegation of its own"
}

// noCutReason says briefly how a server's answer shows a name has no zone
// cut of its own.
func noCutReason(r reply) string {
	switch r.kind {
	case kNXDomain:
		return "no such name"
	case kAlias:
		return "an alias of " + display(r.target)
	}
	return "the name exists, with no NS records"
}

// descend asks the registry's servers for domain's NS set with recursion off
// and follows each referral to a zone between the registry and the domain,
// asking that zone's servers in turn, until a server answers for the domain
// itself: a referral whose owner is the domain, an authoritative NS answer,
// or, from a zone below the registry, an authoritative answer without a
// referral, which says the domain has no cut of its own. The registry's own
// NXDOMAIN, NODATA or alias ends the descent at once.
//
// avoid lists servers a confirming descent should not ask again: at each
// zone they are passed over when the zone has any other server. It returns
// the descent so far, the queries sent, and a *stepError when a zone could
// not answer; its zone is then the zone whose servers failed, and the
// descent's hops lead to it.
func (c *Checker) descend(ctx context.Context, domain string, reg *zoneEntry, avoid map[netip.AddrPort]bool) (descent, int, error) {
	dsc := descent{domain: domain}
	queries := 0
	apex, servers := reg.apex, reg.servers
	for {
		if len(dsc.hops) == maxDescent {
			return dsc, queries, &stepError{zone: apex, tooDeep: true, reasons: []string{"more than " + itoa(maxDescent-1) + " referrals below the registry"}}
		}
		var skip map[netip.AddrPort]bool
		for _, s := range servers {
			if !avoid[s.addr] {
				skip = avoid
				break
			}
		}
		rep, n, err := c.ask(ctx, apex, servers, domain, dns.TypeNS, skip)
		queries += n
		if err != nil {
			return dsc, queries, err
		}
		dsc.hops = append(dsc.hops, hop{zone: apex, servers: servers, rep: rep})
		if rep.kind != kReferral || rep.owner == domain {
			return dsc, queries, nil
		}
		// A referral to a zone between this one and the domain: a
		// second-level registry the Public Suffix List does not name, or a
		// parent domain whose own servers may delegate the name further.
		next := c.addresses(ctx, rep, 0, &queries)
		if len(next) == 0 {
			return dsc, queries, &stepError{zone: rep.owner, reasons: []string{"no address for any of its nameservers " + strings.Join(displayAll(rep.ns), ", ")}}
		}
		apex, servers = rep.owner, next
	}
}
