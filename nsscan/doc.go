// Package nsscan checks, for many domains at once, whether each is delegated
// to the nameservers a hosting company expects, the way a resolver learns a
// delegation: from the registry's own servers.
//
//	c, err := nsscan.New(nsscan.Config{})
//	want := nsscan.Expectation{Nameservers: []string{"ns1.hostco.example", "ns2.hostco.example"}}
//	for r := range c.CheckAll(ctx, domains, want) {
//		fmt.Println(r.Domain, r.Status, r.Category, r.Detail)
//	}
//
// Package nsscan imports nothing else of this module. It is built on
// github.com/miekg/dns, golang.org/x/net/idna and publicsuffix,
// golang.org/x/time/rate, and, for the optional WHOIS fallback,
// github.com/likexian/whois and github.com/likexian/whois-parser.
//
// # Delegation from the parent
//
// A domain's delegation is the NS set its registry publishes in the parent
// zone. A [Checker] walks from the root servers to the registry's servers
// (the TLD, or a public suffix such as co.uk from the embedded Public Suffix
// List), caches those registry-level zone cuts for up to a day, and asks one
// registry server for the domain's NS set with recursion off. Concurrent
// checks under one TLD share one lookup of its servers.
//
// The answer is read strictly (Zonemaster's BASIC01 classes): a referral
// whose owner is the domain is its delegation; an authoritative NS answer
// means the registry's server also serves the domain; authoritative
// NXDOMAIN is category "not-delegated"; NODATA is "not-a-zone"; a CNAME is
// "alias", whatever referral comes beside it.
//
// # Zones between the registry and the domain
//
// A referral to a zone between the registry and the domain is followed:
// a second-level registry the Public Suffix List does not name, or a
// parent domain on servers of its own that may sub-delegate the name (the
// hosting company serves shop.bigcorp.example, which bigcorp.example
// delegates). That zone's servers are asked in turn, and so on, until a
// server answers for the domain itself: a referral whose owner is the
// domain, or an authoritative answer that it has no cut of its own. Only
// then is the enclosing zone judged (a subdomain account such as
// blog.example.com); Result.Zone names it, and Result.Detail and
// Result.Path name the server that said so. Each referral must lie strictly
// below the zone that gave it and at or above the domain, so the descent
// cannot loop; it stops after eight zones, and glueless nameservers are
// looked up at most three levels deep. A zone below the registry whose
// servers all fail, time out, are lame or refer elsewhere ends the check
// as an Error naming that zone, never as Incorrect: nobody has said how
// the name is delegated.
//
// A truncated answer is asked again over TCP at the same server, once (knot
// truncates large referrals to nothing at all, which must not read as "no
// nameservers"). SERVFAIL, REFUSED, a timeout, an answer to another
// question, an upward or sideways referral and a lame answer each move on
// to the next server of the zone, up to Config.Attempts queries; a zone
// with fewer servers than that has its silent servers asked again. Servers
// are tried in an order that depends only on the domain's name, so a check
// gives the same answer from the same servers however many run beside it.
//
// Which zone cuts belong to a registry, and are cached, comes from the
// Public Suffix List embedded in golang.org/x/net/publicsuffix (ICANN and
// private sections). A second-level registry missing from that snapshot is
// not cached: each check below it descends through it.
//
// A recursive resolver is never used: it would return the child zone's own
// NS set, which can differ from the registry's and hide exactly the
// problems this package looks for.
//
// # Verdicts
//
// An [Expectation] lists the expected nameservers by name or by address and
// how many must match. The [Result] is [StatusCorrect], [StatusIncorrect]
// or [StatusError]. A negative finding, Incorrect or "not-delegated", is
// asked again along other servers: a second descent from the registry that
// avoids the servers of the first wherever a zone has others; if the two
// disagree (a registry in mid-update, or a forged answer), the result is
// an Error of category "unable-to-check-nameservers" rather than a verdict
// someone might act on. Every Result carries the delegated,
// matched, missing and unexpected nameservers, the server that answered,
// the number of queries sent, the time taken and one sentence a support
// agent can act on. Names are compared as lower-case A-labels without the
// final dot, so case, trailing dots and U-labels never cause a false
// Incorrect.
//
// # Fallback to RDAP and WHOIS
//
// When DNS cannot say (every registry server failed or timed out), a
// Checker can ask the registry's RDAP service and then its WHOIS server.
// Both are off unless Config enables them: a nil Config.RDAP sends no RDAP
// request and a nil Config.Whois no WHOIS query. [NewWhois] builds the
// default [WhoisClient], which wraps likexian/whois with a context, its
// panics with recover, asks IANA once per TLD, never follows registrar
// referrals and paces each server to one query a second. With RDAP on, a
// missing delegation is also explained with the registry's status codes
// (for example "client hold"). The fallbacks know only a registrable
// domain's delegation, not whether its zone delegates a name below it
// further, so they never decide a check of such a name, and they are not
// asked when a zone below the registry fails.
//
// # Rate limits and concurrency
//
// Every query passes a per-server limiter (Config.RatePerServer, 100 a
// second by default, shared by all checks of a Checker). When the wait
// would pass the context's deadline the check fails at once with category
// "rate-limited". [Checker.CheckAll] runs Config.Concurrency workers,
// yields results as they complete and stops when its context ends or the
// caller stops ranging.
//
// # Forged answers
//
// Verdicts can end in terminations, so an answer must be hard to forge.
// Each server's queries leave from a small pool of connected UDP sockets,
// each on a port the kernel draws at random, picked at random per query
// and replaced by a socket on a new port after 1024 queries or 5 seconds;
// the kernel drops packets from any other address or port. Each query has
// a random ID, and the letters of its name are in random case (DNS 0x20):
// an answer whose question does not echo that case is not used. A server
// that does not preserve case is asked again in lower case, and in lower
// case from then on, so the check goes on without that margin. Sockets
// are written and read in batches; late answers to earlier queries are
// recognised by ID and dropped. A negative verdict is confirmed along
// other servers, so one forged answer cannot condemn a domain alone.
// [Checker.Close] releases the sockets.
//
// # Testing on loopback
//
// Config.Roots and Config.Port point a Checker at a lab instead of the real
// root servers: delegations carry no ports, so every server of a lab listens
// on its own 127.0.0.x address and all share one port. Package
// [github.com/accountsync/accountsync/nsscan/nsscantest] runs such a lab
// in-process, with faults on demand; the integration test runs nsd and knot
// the same way from testdata/lab. Leave Roots empty only in programs meant
// to query the Internet.
package nsscan
