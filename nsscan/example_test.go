package nsscan_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
)

// The examples run against an in-process registry on loopback addresses;
// a program checking real domains leaves Config.Roots and Config.Port unset.
func Example() {
	lab, err := nsscantest.Start(nsscantest.Registry()...)
	if err != nil {
		log.Fatal(err)
	}
	defer lab.Close()

	c, err := nsscan.New(nsscan.Config{Roots: lab.Roots(), Port: lab.Port()})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	want := nsscan.Expectation{Nameservers: []string{"ns1.hostco.test", "ns2.hostco.test"}}
	r := c.Check(context.Background(), "good.test", want)
	fmt.Println(r.Status, r.Nameservers)
	fmt.Println(r.Detail)
	// Output:
	// correct [ns1.hostco.test ns2.hostco.test]
	// The registry delegates good.test to 2 of the expected nameservers (1 required); nothing to do.
}

func ExampleChecker_Check() {
	lab, err := nsscantest.Start(nsscantest.Registry()...)
	if err != nil {
		log.Fatal(err)
	}
	defer lab.Close()
	c, err := nsscan.New(lab.Config())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	want := nsscan.Expectation{Nameservers: []string{"ns1.hostco.test", "ns2.hostco.test"}}
	r := c.Check(context.Background(), "elsewhere.test", want)
	fmt.Println(r.Status)
	fmt.Println("delegated to:", r.Nameservers)
	fmt.Println("missing:", r.Missing)
	fmt.Println("queries:", r.Attempts, "(the second registry server confirmed)")
	// Output:
	// incorrect
	// delegated to: [ns1.other.test ns2.other.test]
	// missing: [ns1.hostco.test ns2.hostco.test]
	// queries: 2 (the second registry server confirmed)
}

func ExampleChecker_CheckAll() {
	lab, err := nsscantest.Start(nsscantest.Registry()...)
	if err != nil {
		log.Fatal(err)
	}
	defer lab.Close()
	cfg := lab.Config()
	cfg.Concurrency = 4
	c, err := nsscan.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	domains := []string{"good.test", "Bücher.test", "elsewhere.test", "missing.test", "alias.test", "blog.good.test", "nope.invalidtld"}
	want := nsscan.Expectation{Nameservers: []string{"ns1.hostco.test", "ns2.hostco.test"}}
	// Results arrive as checks complete; sort them for a stable listing.
	var lines []string
	for r := range c.CheckAll(context.Background(), domains, want) {
		lines = append(lines, fmt.Sprintf("%-16s %-9s %-17s zone %s", r.Input, r.Status, r.Category, r.Zone))
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// Bücher.test      correct                     zone xn--bcher-kva.test
	// alias.test       error     alias             zone alias.test
	// blog.good.test   correct                     zone good.test
	// elsewhere.test   incorrect                   zone elsewhere.test
	// good.test        correct                     zone good.test
	// missing.test     error     not-delegated     zone missing.test
	// nope.invalidtld  error     tld-not-supported zone nope.invalidtld
}

func ExampleExpectation_Normalize() {
	want := nsscan.Expectation{Nameservers: []string{"NS2.HostCo.Example.", "ns1.hostco.example", "ns1.bücher.example", "192.0.2.53"}}
	n, err := want.Normalize()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.Nameservers, n.MinMatches)

	_, err = nsscan.Expectation{Nameservers: []string{"ns1.hostco.example"}, MinMatches: 2}.Normalize()
	fmt.Println(err)
	// Output:
	// [192.0.2.53 ns1.hostco.example ns1.xn--bcher-kva.example ns2.hostco.example] 1
	// nsscan: invalid expectation: min matches 2 is not between 1 and 1
}
