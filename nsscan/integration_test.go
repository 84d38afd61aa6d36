package nsscan_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
	"github.com/miekg/dns"
)

// The real-server lab: nsd serves the root, knot the TLD test and the
// suffix co.test, a second nsd the hosting company's child zones. Each role
// is its own process, or the servers would answer authoritatively where a
// registry refers. All listen on one free port of their own address.
const (
	realRoot  = "127.0.0.40"
	realTLD   = "127.0.0.41"
	realChild = "127.0.0.42"
)

// findBinary looks in PATH and in the sbin directories Debian installs
// daemons to, which a non-root PATH often lacks.
func findBinary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p
		}
	}
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

type daemonZone struct{ Name, File string }

// startDaemon renders a config template from testdata/lab, copies the zone
// files beside it and runs the server in the foreground until the test
// ends.
func startDaemon(t *testing.T, bin, tmpl, addr string, port int, zones []daemonZone, args ...string) {
	t.Helper()
	dir := t.TempDir()
	for _, z := range zones {
		b, err := os.ReadFile(filepath.Join("testdata", "lab", z.File))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, z.File), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tpl, err := template.ParseFiles(filepath.Join("testdata", "lab", tmpl))
	if err != nil {
		t.Fatal(err)
	}
	var conf bytes.Buffer
	if err := tpl.Execute(&conf, map[string]any{"Dir": dir, "Addr": addr, "Port": port, "Zones": zones}); err != nil {
		t.Fatal(err)
	}
	confPath := filepath.Join(dir, "server.conf")
	if err := os.WriteFile(confPath, conf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, append(args, "-c", confPath)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	// Ready when it answers the SOA of every zone with authority (knot
	// loads zones one after another in the background).
	c := dns.Client{Timeout: time.Second}
	ready := func() bool {
		for _, z := range zones {
			q := new(dns.Msg)
			q.SetQuestion(dns.Fqdn(z.Name), dns.TypeSOA)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			r, _, err := c.ExchangeContext(ctx, q, net.JoinHostPort(addr, strconv.Itoa(port)))
			cancel()
			if err != nil || r.Rcode != dns.RcodeSuccess || !r.Authoritative {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if ready() {
			return
		}
		select {
		case err := <-exited:
			logs, _ := os.ReadFile(filepath.Join(dir, "nsd.log"))
			t.Fatalf("%s exited: %v\n%s%s", bin, err, out.String(), logs)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not answering on %s:%d\n%s", bin, addr, port, out.String())
		}
	}
}

// freePort finds a port free for UDP and TCP on every address.
func freePort(t *testing.T, addrs ...string) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		pc, err := net.ListenPacket("udp4", addrs[0]+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		closers := []interface{ Close() error }{pc}
		ok := true
		for i, a := range addrs {
			hp := net.JoinHostPort(a, strconv.Itoa(port))
			if i > 0 {
				p, err := net.ListenPacket("udp4", hp)
				if err != nil {
					ok = false
					break
				}
				closers = append(closers, p)
			}
			l, err := net.Listen("tcp4", hp)
			if err != nil {
				ok = false
				break
			}
			closers = append(closers, l)
		}
		for _, c := range closers {
			c.Close()
		}
		if ok {
			return port
		}
	}
	t.Fatal("no port free on every lab address")
	return 0
}

func TestAgainstNSDAndKnot(t *testing.T) {
	nsd, knotd := findBinary("nsd"), findBinary("knotd")
	if nsd == "" || knotd == "" {
		t.Skipf("nsd or knotd not installed (nsd=%q knotd=%q); on Debian: apt-get install -y nsd knot", nsd, knotd)
	}
	port := freePort(t, realRoot, realTLD, realChild)
	startDaemon(t, nsd, "nsd.conf.tmpl", realRoot, port, []daemonZone{{".", "root.zone"}}, "-d")
	startDaemon(t, knotd, "knot.conf.tmpl", realTLD, port, []daemonZone{{"test.", "test.zone"}, {"co.test.", "co.test.zone"}})
	startDaemon(t, nsd, "nsd.conf.tmpl", realChild, port,
		[]daemonZone{{"good.test", "good.test.zone"}, {"mismatch.test", "mismatch.test.zone"}, {"bigcorp.test", "bigcorp.test.zone"}}, "-d")

	// Every server of this lab answers, and the timeout is far longer than
	// any delay a loaded machine adds. Real daemons may still drop a UDP
	// packet under load, and asking again is then right: the query counts
	// below are the least each check needs, not an exact figure.
	logs := &syncWriter{w: &bytes.Buffer{}}
	c := newChecker(t, nsscan.Config{
		Roots:         []string{net.JoinHostPort(realRoot, strconv.Itoa(port))},
		Port:          port,
		Timeout:       nsscantest.LabTimeout,
		RatePerServer: -1,
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	// nsd and knot copy the question, random case and all, into their
	// answers: no server of this lab needs the lower-case fallback.
	defer func() {
		if strings.Contains(logs.String(), "does not echo") {
			t.Errorf("a real server did not echo the question's case:\n%s", logs.String())
		}
	}()
	hostcoNS := []string{"ns1.hostco.test", "ns2.hostco.test"}
	var bigNS []string
	for i := range 60 {
		bigNS = append(bigNS, fmt.Sprintf("ns%02d-with-a-rather-long-label-for-size.hostco.test", i))
	}
	tests := []struct {
		name        string
		domain      string
		want        nsscan.Expectation
		status      nsscan.Status
		category    nsscan.Category
		zone        string
		nameservers []string
		attempts    int    // the least number of queries
		parent      string // who delegated, when not the TLD's server
	}{
		{name: "a domain delegated to hostco is correct", domain: "good.test", want: hostco(),
			status: nsscan.StatusCorrect, zone: "good.test", nameservers: hostcoNS, attempts: 1},
		{name: "the registry's view wins over a child zone that lists other servers", domain: "mismatch.test", want: hostco(),
			status: nsscan.StatusCorrect, zone: "mismatch.test", nameservers: hostcoNS, attempts: 1},
		{name: "a lame delegation to hostco is still delegated to hostco", domain: "lame.test", want: hostco(),
			status: nsscan.StatusCorrect, zone: "lame.test", nameservers: hostcoNS, attempts: 1},
		{name: "a domain delegated elsewhere is incorrect (one registry server, nothing to confirm with)", domain: "elsewhere.test", want: hostco(),
			status: nsscan.StatusIncorrect, zone: "elsewhere.test", nameservers: []string{"ns1.other.test", "ns2.other.test"}, attempts: 1},
		{name: "one of two is correct by default", domain: "partial.test", want: hostco(),
			status: nsscan.StatusCorrect, zone: "partial.test", nameservers: []string{"ns1.hostco.test", "ns1.other.test"}, attempts: 1},
		{name: "knot's names in upper case come back lower-cased and match", domain: "upper.test", want: hostco(),
			status: nsscan.StatusCorrect, zone: "upper.test", nameservers: hostcoNS, attempts: 1},
		{name: "an IDN is checked by its A-label", domain: "bücher.test", want: hostco(),
			status: nsscan.StatusCorrect, zone: "xn--bcher-kva.test", nameservers: hostcoNS, attempts: 1},
		{name: "knot's empty truncated referral is read over TCP", domain: "big.test",
			want:   nsscan.Expectation{Nameservers: bigNS[:2], MinMatches: 2},
			status: nsscan.StatusCorrect, zone: "big.test", nameservers: bigNS, attempts: 2},
		{name: "knot's CNAME with the target's referral is an alias", domain: "alias.test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryAlias, zone: "alias.test", attempts: 1},
		{name: "a name with records but no cut is not a zone", domain: "nic.test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryNotAZone, zone: "nic.test", attempts: 1},
		{name: "a name the TLD does not have is not delegated", domain: "missing.test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryNotDelegated, zone: "missing.test", attempts: 1},
		{name: "a domain under the co.test suffix is correct", domain: "shop.co.test", want: hostco(),
			status: nsscan.StatusCorrect, zone: "shop.co.test", nameservers: hostcoNS, attempts: 1},
		{name: "a missing domain under the co.test suffix is not delegated", domain: "gone.co.test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryNotDelegated, zone: "gone.co.test", attempts: 1},
		{name: "a subdomain account is judged by its zone, once the zone's server says it has no cut", domain: "www.good.test", want: hostco(),
			status: nsscan.StatusCorrect, zone: "good.test", nameservers: hostcoNS, attempts: 2},
		{name: "a name a parent domain sub-delegates to hostco is correct", domain: "shop.bigcorp.test", want: hostco(),
			status: nsscan.StatusCorrect, zone: "shop.bigcorp.test", nameservers: hostcoNS, attempts: 2, parent: "ns1.bigcorp.test ("},
		{name: "a name a parent domain sub-delegates elsewhere is incorrect", domain: "away.bigcorp.test", want: hostco(),
			status: nsscan.StatusIncorrect, zone: "away.bigcorp.test", nameservers: []string{"ns1.other.test", "ns2.other.test"}, attempts: 2,
			parent: "ns1.bigcorp.test ("},
		{name: "a name inside a parent domain on other servers is judged by that domain", domain: "www.bigcorp.test", want: hostco(),
			status: nsscan.StatusIncorrect, zone: "bigcorp.test", nameservers: []string{"ns1.bigcorp.test"}, attempts: 2},
		{name: "a TLD the root does not have is not supported", domain: "x.invalidtld", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryTLDNotSupported, zone: "x.invalidtld", attempts: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tcp := c.Stats().TCP
			r := c.Check(context.Background(), tt.domain, tt.want)
			if r.Status != tt.status || r.Category != tt.category || r.Zone != tt.zone || r.Attempts < tt.attempts {
				t.Fatalf("got %s/%q zone %s after %d queries, want %s/%q zone %s after at least %d; detail: %s",
					r.Status, r.Category, r.Zone, r.Attempts, tt.status, tt.category, tt.zone, tt.attempts, r.Detail)
			}
			if tt.nameservers != nil && !slices.Equal(r.Nameservers, tt.nameservers) {
				t.Errorf("nameservers %v, want %v", r.Nameservers, tt.nameservers)
			}
			if parent := cmp.Or(tt.parent, "ns1.nic.test ("+realTLD); tt.attempts > 0 && !strings.HasPrefix(r.ParentServer, parent) {
				t.Errorf("parent server %q, want %s...", r.ParentServer, parent)
			}
			if tt.domain == "big.test" && c.Stats().TCP == tcp {
				t.Error("the truncated referral was not asked again over TCP")
			}
		})
	}
}

// syncWriter serialises writes from the Checker's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
