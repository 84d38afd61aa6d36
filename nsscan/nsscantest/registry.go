package nsscantest

import (
	"fmt"
	"strings"
)

// Addresses of the servers in [Registry].
const (
	// AddrRoot serves the root zone.
	AddrRoot = "127.0.0.10"
	// AddrTest1 and AddrTest2 both serve the zones test and co.test, as
	// ns1.nic.test and ns2.nic.test.
	AddrTest1 = "127.0.0.11"
	AddrTest2 = "127.0.0.12"
	// AddrUK serves the zone uk, which delegates co.uk to AddrCoUK.
	AddrUK = "127.0.0.13"
	// AddrCoUK serves the zone co.uk.
	AddrCoUK = "127.0.0.14"
	// AddrHostco1 and AddrHostco2 are the hosting company's own servers,
	// ns1.hostco.test and ns2.hostco.test. They serve good.test, so that a
	// check of a name inside it (blog.good.test) can ask them whether the
	// name is delegated further.
	AddrHostco1 = "127.0.0.20"
	AddrHostco2 = "127.0.0.21"
	// AddrBigcorp1 and AddrBigcorp2 serve bigcorp.test, a customer's parent
	// domain on servers of its own, as ns1.bigcorp.test and
	// ns2.bigcorp.test. It sub-delegates shop.bigcorp.test to the hosting
	// company and away.bigcorp.test to another provider.
	AddrBigcorp1 = "127.0.0.30"
	AddrBigcorp2 = "127.0.0.31"
	// AddrSLD serves sld.test, a second-level registry that the Public
	// Suffix List does not name, as ns1.nic.sld.test.
	AddrSLD = "127.0.0.32"
)

// HostcoNameservers returns the nameservers of the fictitious hosting
// company whose domains the [Registry] lab delegates.
func HostcoNameservers() []string { return []string{"ns1.hostco.test", "ns2.hostco.test"} }

// BigNameservers is how many nameservers big.test has: enough that its
// referral does not fit in 1232 bytes and comes back truncated over UDP.
const BigNameservers = 60

// Registry returns the servers of a small registry hierarchy: a root, a
// top-level domain "test" on two servers with a second-level suffix co.test
// served by the same servers, and "uk" with co.uk delegated to a server of
// its own, which the Public Suffix List knows as a registry-level suffix.
// Below the registries, three zones have servers of their own: good.test on
// the hosting company's servers, bigcorp.test on a customer's, and sld.test,
// a registry the Public Suffix List does not know. The other provider's
// servers (127.0.0.22 and .23) are never started: a check that has to ask
// them gets no answer.
//
// The test zone delegates, among others:
//
//	good.test        ns1, ns2.hostco.test                   correct
//	partial.test     ns1.hostco.test, ns1.other.test        one of two
//	elsewhere.test   ns1, ns2.other.test                    incorrect
//	upper.test       NS1.HOSTCO.TEST, Ns2.HostCo.Test       correct, case differs
//	xn--bcher-kva    ns1, ns2.hostco.test                   bücher.test
//	vanity.test      ns1, ns2.vanity.test, glue .20 and .21 hostco's addresses
//	big.test         60 names in hostco.test                truncated over UDP
//	served.test      ns1, ns2.hostco.test, and the registry's
//	                 servers serve the zone too             authoritative answer
//	alias.test       CNAME good.test                        alias
//	nic.test         an address, no delegation              not a zone
//	bigcorp.test     ns1, ns2.bigcorp.test                  a customer's own servers
//	sld.test         ns1.nic.sld.test                       an unlisted registry
//	cyc1.test        ns.cyc2.test, no glue                  a delegation loop:
//	cyc2.test        ns.cyc1.test, no glue                  neither can be reached
//	shop.co.test     ns1, ns2.hostco.test                   correct
//	example.co.uk    ns1, ns2.hostco.test                   correct
//
// and nothing else: any other name under test is NXDOMAIN. Below them:
//
//	www, blog.good.test       addresses in good.test     no cut: good.test is judged
//	shop.bigcorp.test         ns1, ns2.hostco.test       correct, delegated by bigcorp.test
//	away.bigcorp.test         ns1, ns2.other.test        incorrect, delegated by bigcorp.test
//	www.bigcorp.test          an address in bigcorp.test no cut: bigcorp.test is judged
//	example.sld.test          ns1, ns2.hostco.test       correct, delegated by sld.test
//	moved.sld.test            ns1, ns2.other.test        incorrect, delegated by sld.test
func Registry() []Server {
	return []Server{
		{Addr: AddrRoot, Zones: []string{rootZone}},
		{Addr: AddrTest1, Zones: []string{TestZone(), coTestZone, servedZone}},
		{Addr: AddrTest2, Zones: []string{TestZone(), coTestZone, servedZone}},
		{Addr: AddrUK, Zones: []string{ukZone}},
		{Addr: AddrCoUK, Zones: []string{coUKZone}},
		{Addr: AddrHostco1, Zones: []string{goodZone}},
		{Addr: AddrHostco2, Zones: []string{goodZone}},
		{Addr: AddrBigcorp1, Zones: []string{bigcorpZone}},
		{Addr: AddrBigcorp2, Zones: []string{bigcorpZone}},
		{Addr: AddrSLD, Zones: []string{sldZone}},
	}
}

const rootZone = `$ORIGIN .
$TTL 86400
@                   SOA a.root-servers.lab. hostmaster.root-servers.lab. 1 1800 900 604800 86400
@                   NS  a.root-servers.lab.
a.root-servers.lab. A   127.0.0.10
test.               NS  ns1.nic.test.
test.               NS  ns2.nic.test.
ns1.nic.test.       A   127.0.0.11
ns2.nic.test.       A   127.0.0.12
uk.                 NS  ns1.nic.uk.
ns1.nic.uk.         A   127.0.0.13
`

// TestZone returns the master file of the zone test as [Registry] serves
// it; tests build variants of it (for parent servers that disagree) with
// strings.Replace.
func TestZone() string {
	var b strings.Builder
	b.WriteString(`$ORIGIN test.
$TTL 3600
@              SOA ns1.nic.test. hostmaster.nic.test. 1 7200 3600 1209600 300
@              NS  ns1.nic.test.
@              NS  ns2.nic.test.
ns1.nic        A   127.0.0.11
ns2.nic        A   127.0.0.12
nic            A   127.0.0.11
co             NS  ns1.nic.test.
co             NS  ns2.nic.test.
hostco         NS  ns1.hostco
hostco         NS  ns2.hostco
ns1.hostco     A   127.0.0.20
ns2.hostco     A   127.0.0.21
other          NS  ns1.other
other          NS  ns2.other
ns1.other      A   127.0.0.22
ns2.other      A   127.0.0.23
good           NS  ns1.hostco.test.
good           NS  ns2.hostco.test.
partial        NS  ns1.hostco.test.
partial        NS  ns1.other.test.
elsewhere      NS  ns1.other.test.
elsewhere      NS  ns2.other.test.
upper          NS  NS1.HOSTCO.TEST.
upper          NS  Ns2.HostCo.Test.
xn--bcher-kva  NS  ns1.hostco.test.
xn--bcher-kva  NS  ns2.hostco.test.
vanity         NS  ns1.vanity
vanity         NS  ns2.vanity
ns1.vanity     A   127.0.0.20
ns2.vanity     A   127.0.0.21
alias          CNAME good.test.
served         NS  ns1.hostco.test.
served         NS  ns2.hostco.test.
bigcorp        NS  ns1.bigcorp
bigcorp        NS  ns2.bigcorp
ns1.bigcorp    A   127.0.0.30
ns2.bigcorp    A   127.0.0.31
sld            NS  ns1.nic.sld
ns1.nic.sld    A   127.0.0.32
cyc1           NS  ns.cyc2.test.
cyc2           NS  ns.cyc1.test.
`)
	for i := range BigNameservers {
		fmt.Fprintf(&b, "big            NS  ns%02d-with-a-rather-long-label-for-size.hostco.test.\n", i)
	}
	return b.String()
}

const coTestZone = `$ORIGIN co.test.
$TTL 3600
@              SOA ns1.nic.test. hostmaster.nic.test. 1 7200 3600 1209600 300
@              NS  ns1.nic.test.
@              NS  ns2.nic.test.
shop           NS  ns1.hostco.test.
shop           NS  ns2.hostco.test.
`

// servedZone is a child zone the registry's own servers also serve, so
// they answer its NS set with authority instead of referring.
const servedZone = `$ORIGIN served.test.
$TTL 3600
@              SOA ns1.nic.test. hostmaster.nic.test. 1 7200 3600 1209600 300
@              NS  ns1.hostco.test.
@              NS  ns2.hostco.test.
@              A   127.0.0.20
`

const ukZone = `$ORIGIN uk.
$TTL 3600
@              SOA ns1.nic.uk. hostmaster.nic.uk. 1 7200 3600 1209600 300
@              NS  ns1.nic.uk.
ns1.nic        A   127.0.0.13
co             NS  ns1.nic.co.uk.
ns1.nic.co     A   127.0.0.14
`

const coUKZone = `$ORIGIN co.uk.
$TTL 3600
@              SOA ns1.nic.co.uk. hostmaster.nic.co.uk. 1 7200 3600 1209600 300
@              NS  ns1.nic.co.uk.
ns1.nic        A   127.0.0.14
example        NS  ns1.hostco.test.
example        NS  ns2.hostco.test.
`

// goodZone is good.test as the hosting company's servers serve it.
const goodZone = `$ORIGIN good.test.
$TTL 3600
@              SOA ns1.hostco.test. hostmaster.hostco.test. 1 7200 3600 1209600 300
@              NS  ns1.hostco.test.
@              NS  ns2.hostco.test.
@              A   127.0.0.20
www            A   127.0.0.20
blog           A   127.0.0.20
`

// bigcorpZone is a customer's parent domain that sub-delegates names.
const bigcorpZone = `$ORIGIN bigcorp.test.
$TTL 3600
@              SOA ns1.bigcorp.test. hostmaster.bigcorp.test. 1 7200 3600 1209600 300
@              NS  ns1
@              NS  ns2
ns1            A   127.0.0.30
ns2            A   127.0.0.31
www            A   127.0.0.30
shop           NS  ns1.hostco.test.
shop           NS  ns2.hostco.test.
away           NS  ns1.other.test.
away           NS  ns2.other.test.
`

// sldZone is a second-level registry the Public Suffix List does not name.
const sldZone = `$ORIGIN sld.test.
$TTL 3600
@              SOA ns1.nic.sld.test. hostmaster.nic.sld.test. 1 7200 3600 1209600 300
@              NS  ns1.nic
ns1.nic        A   127.0.0.32
example        NS  ns1.hostco.test.
example        NS  ns2.hostco.test.
moved          NS  ns1.other.test.
moved          NS  ns2.other.test.
`
