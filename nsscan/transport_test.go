package nsscan_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
)

// The margin against forged answers: queries leave from several random,
// short-lived source ports, with random IDs and, where a server echoes it,
// random case; an answer that misses any of them is not used.

// checkMany checks good.test n times and returns the results.
func checkMany(t *testing.T, c *nsscan.Checker, n int) []nsscan.Result {
	t.Helper()
	var out []nsscan.Result
	for r := range c.CheckAll(context.Background(), slices.Repeat([]string{"good.test"}, n), hostco()) {
		out = append(out, r)
	}
	return out
}

// udpPorts counts the queries the server at addr received over UDP from
// each source port.
func udpPorts(lab *nsscantest.Lab, addr string) map[uint16]int {
	ports := map[uint16]int{}
	for _, q := range lab.Requests(addr) {
		if !q.TCP {
			ports[q.From.Port()]++
		}
	}
	return ports
}

func TestQueriesLeaveFromManySourcePorts(t *testing.T) {
	t.Run("one server's queries spread over its pool of ports", func(t *testing.T) {
		lab := startLab(t)
		cfg := lab.Config()
		cfg.Concurrency = 8
		c := newChecker(t, cfg)
		for _, r := range checkMany(t, c, 200) {
			if r.Status != nsscan.StatusCorrect {
				t.Fatalf("%s/%s: %s", r.Status, r.Category, r.Detail)
			}
		}
		for _, a := range []string{nsscantest.AddrTest1, nsscantest.AddrTest2} {
			if n := len(lab.Requests(a)); n > 0 && len(udpPorts(lab, a)) < min(n, nsscan.PortsPerServer) {
				t.Errorf("%s got %d queries from %d ports %v, want the %d of the pool", a, n, len(udpPorts(lab, a)), udpPorts(lab, a), nsscan.PortsPerServer)
			}
		}
	})
	t.Run("sockets are replaced by new ones on other ports", func(t *testing.T) {
		const every = 10
		defer nsscan.SetRotateQueries(every)()
		lab := startLab(t)
		cfg := lab.Config()
		cfg.Concurrency = 4
		c := newChecker(t, cfg)
		checkMany(t, c, 300)
		total, ports := 0, map[uint16]int{}
		for _, a := range []string{nsscantest.AddrTest1, nsscantest.AddrTest2} {
			for p, n := range udpPorts(lab, a) {
				ports[p] += n
				total += n
			}
		}
		if len(ports) < total/(2*every) {
			t.Errorf("%d queries came from %d ports; with a new socket every %d queries, want at least %d", total, len(ports), every, total/(2*every))
		}
		for p, n := range ports {
			// A few queries may pick a socket while another replaces it.
			if n > every+cfg.Concurrency {
				t.Errorf("port %d sent %d queries, more than the %d a socket may", p, n, every)
			}
		}
	})
	t.Run("a server that finds the pools full gets a socket per query", func(t *testing.T) {
		defer nsscan.SetMaxPooledSockets(0)()
		lab := startLab(t)
		c := newChecker(t, lab.Config())
		for _, r := range checkMany(t, c, 40) {
			if r.Status != nsscan.StatusCorrect {
				t.Fatalf("%s/%s: %s", r.Status, r.Category, r.Detail)
			}
		}
		n := len(lab.Requests(nsscantest.AddrTest1)) + len(lab.Requests(nsscantest.AddrTest2))
		ports := len(udpPorts(lab, nsscantest.AddrTest1)) + len(udpPorts(lab, nsscantest.AddrTest2))
		// Ephemeral ports are drawn at random, so two may meet now and then.
		if ports < n*3/4 {
			t.Errorf("%d queries from %d ports, want about one port each", n, ports)
		}
	})
}

func TestForgedAnswersAreNotUsed(t *testing.T) {
	tests := []struct {
		name  string
		fault nsscantest.Fault
	}{
		{name: "an answer with another message ID", fault: nsscantest.FaultSpoofID},
		{name: "an answer from another source port", fault: nsscantest.FaultSpoofPort},
	}
	for _, tt := range tests {
		for _, pooled := range []bool{true, false} {
			name := tt.name + " is dropped"
			if !pooled {
				name += ", also on a socket of its own"
			}
			t.Run(name, func(t *testing.T) {
				if !pooled {
					defer nsscan.SetMaxPooledSockets(0)()
				}
				lab := startLab(t)
				lab.SetFault(nsscantest.AddrTest1, tt.fault)
				lab.SetFault(nsscantest.AddrTest2, tt.fault)
				cfg := lab.Config()
				cfg.Timeout, cfg.Attempts = silentTimeout, 3
				c := newChecker(t, cfg)
				r := c.Check(context.Background(), "good.test", hostco())
				// The servers answer nothing else, so every query must time
				// out: the forged answer delegates good.test elsewhere.
				if r.Status != nsscan.StatusError || r.Category != nsscan.CategoryTimeout {
					t.Fatalf("%s/%s, want a timeout; nameservers %v; detail: %s", r.Status, r.Category, r.Nameservers, r.Detail)
				}
				if c.Stats().Timeouts != 3 {
					t.Errorf("%d queries timed out, want all 3", c.Stats().Timeouts)
				}
			})
		}
	}
}

func TestQuestionCase(t *testing.T) {
	t.Run("queries carry random case, and servers that echo it keep getting it", func(t *testing.T) {
		lab := startLab(t)
		c := newChecker(t, lab.Config())
		checkMany(t, c, 20)
		mixed := 0
		for _, a := range []string{nsscantest.AddrTest1, nsscantest.AddrTest2} {
			for _, q := range lab.Requests(a) {
				if !q.TCP && q.Name != strings.ToLower(q.Name) {
					mixed++
				}
			}
		}
		// good.test has eight letters: a query in lower case by chance is
		// one in 256.
		if mixed < 15 {
			t.Errorf("%d of 20 queries had upper-case letters", mixed)
		}
	})
	t.Run("an answer in the wrong case is not used, and the server is asked again in lower case", func(t *testing.T) {
		lab := startLab(t)
		first := firstServer(t, "good.test")
		lab.SetFault(first, nsscantest.FaultSpoofCase)
		c := newChecker(t, lab.Config())
		r := c.Check(context.Background(), "good.test", hostco())
		if r.Status != nsscan.StatusCorrect || !slices.Equal(r.Nameservers, nsscantest.HostcoNameservers()) {
			t.Fatalf("%s/%s %v: the forged delegation to ns.forged.lab was used? %s", r.Status, r.Category, r.Nameservers, r.Detail)
		}
		qs := lab.Requests(first)
		if len(qs) != 2 || qs[0].Name == strings.ToLower(qs[0].Name) || qs[1].Name != "good.test." || r.Attempts != 2 {
			t.Errorf("queries %+v, attempts %d: want one in mixed case, then one in lower case", qs, r.Attempts)
		}
	})
	t.Run("a server that does not preserve case is asked in lower case, and checks go on", func(t *testing.T) {
		lab := startLab(t)
		lab.SetFault(nsscantest.AddrTest1, nsscantest.FaultLowerCase)
		lab.SetFault(nsscantest.AddrTest2, nsscantest.FaultLowerCase)
		c := newChecker(t, lab.Config())
		for _, r := range checkMany(t, c, 20) {
			if r.Status != nsscan.StatusCorrect {
				t.Fatalf("%s/%s: %s", r.Status, r.Category, r.Detail)
			}
		}
		for _, a := range []string{nsscantest.AddrTest1, nsscantest.AddrTest2} {
			qs := lab.Requests(a)
			mixed := 0
			for _, q := range qs {
				if q.Name != strings.ToLower(q.Name) {
					mixed++
				}
			}
			// Checks that ran at once may each have met the server's
			// lower case before any marked it; after that, lower case only.
			if len(qs) > 0 && (mixed == 0 || qs[len(qs)-1].Name != "good.test.") {
				t.Errorf("%s: %d of %d queries in mixed case, last %q", a, mixed, len(qs), qs[len(qs)-1].Name)
			}
		}
	})
}
