// Command nsbench measures package nsscan against a real authoritative
// server on loopback and compares it, in the same run, with dnsperf's raw
// query rate against the same server.
//
// It writes a root zone for nsd and a TLD zone with -n delegations for knot
// (or nsd), starts both on loopback addresses with a free port, runs dnsperf
// over the domains' NS queries, then runs nsscan's CheckAll over the same
// domains several times, checking every verdict against the generated
// truth, and finally checks that a per-server rate limit holds.
//
//	go run ./internal/bench/nsbench -n 20000 -rounds 3
//
// It needs nsd, knot and dnsperf (Debian: apt-get install -y nsd knot
// dnsperf) and root or any user allowed to bind 127.0.0.50 and 127.0.0.51.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/miekg/dns"
)

type options struct {
	n           int
	server      string
	workers     int
	concurrency int
	rounds      int
	rate        float64
	rateN       int
	dnsperfQ    int
	dnsperfRuns int
	rootAddr    string
	tldAddr     string
	cpuprofile  string
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 20000, "number of delegations in the TLD zone")
	flag.StringVar(&o.server, "server", "knot", "TLD server: knot or nsd")
	flag.IntVar(&o.workers, "server-workers", 1, "UDP workers (knot) or server-count (nsd) of the TLD server")
	flag.IntVar(&o.concurrency, "c", 64, "nsscan Concurrency")
	flag.IntVar(&o.rounds, "rounds", 3, "CheckAll runs, each with a fresh Checker")
	flag.Float64Var(&o.rate, "rate", 2000, "per-server limit to verify, queries/s (0 to skip)")
	flag.IntVar(&o.rateN, "rate-n", 6000, "domains checked in the rate-limit run")
	flag.IntVar(&o.dnsperfQ, "dnsperf-q", 50, "dnsperf -q (queries outstanding)")
	flag.IntVar(&o.dnsperfRuns, "dnsperf-runs", 3, "dnsperf -n (passes over the query file)")
	flag.StringVar(&o.rootAddr, "root-addr", "127.0.0.50", "loopback address of the root server")
	flag.StringVar(&o.tldAddr, "tld-addr", "127.0.0.51", "loopback address of the TLD server")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the CheckAll rounds to this file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "nsbench:", err)
		os.Exit(1)
	}
}

// verdict is what a generated domain must get.
type verdict struct {
	status   nsscan.Status
	category nsscan.Category
}

// truth says what the zone holds for domain i: nine in ten delegated to
// hostco, one in ten elsewhere, one in fifty not delegated at all.
func truth(i int) verdict {
	switch {
	case i%50 == 7:
		return verdict{nsscan.StatusError, nsscan.CategoryNotDelegated}
	case i%10 == 9:
		return verdict{nsscan.StatusIncorrect, ""}
	}
	return verdict{nsscan.StatusCorrect, ""}
}

func domain(i int) string { return fmt.Sprintf("d%06d.test", i) }

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "nsbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	port, err := freePort(o.rootAddr, o.tldAddr)
	if err != nil {
		return err
	}
	if err := writeZones(dir, o); err != nil {
		return err
	}
	var daemons []*exec.Cmd
	defer func() {
		for _, d := range daemons {
			d.Process.Signal(syscall.SIGTERM)
			d.Wait()
		}
	}()
	root, err := startServer(ctx, "nsd", filepath.Join(dir, "root"), o.rootAddr, port, ".", 1)
	if err != nil {
		return err
	}
	daemons = append(daemons, root)
	tld, err := startServer(ctx, o.server, filepath.Join(dir, "tld"), o.tldAddr, port, "test.", o.workers)
	if err != nil {
		return err
	}
	daemons = append(daemons, tld)

	fmt.Printf("machine: %d CPUs, GOMAXPROCS %d, load average before: %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), loadavg())
	fmt.Printf("fixture: %s (%d UDP workers) serving %d delegations in test. on %s:%d; nsd root on %s\n\n",
		o.server, o.workers, o.n, o.tldAddr, port, o.rootAddr)

	domains := make([]string, o.n)
	for i := range domains {
		domains[i] = domain(i)
	}
	want := nsscan.Expectation{Nameservers: []string{"ns1.hostco.test", "ns2.hostco.test"}}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	// dnsperf and nsscan take turns, so that each nsscan round is compared
	// with a dnsperf run under the same load from the rest of the machine.
	var ratios []float64
	for round := 1; round <= o.rounds; round++ {
		perf, err := dnsperf(ctx, dir, o, port)
		if err != nil {
			fmt.Printf("dnsperf: %v\n", err)
		} else {
			fmt.Printf("dnsperf -q %d -n %d: %.0f queries/s, CPU %v/query, lost %s\n", o.dnsperfQ, o.dnsperfRuns, perf.qps,
				perf.cpuPerQuery.Round(100*time.Nanosecond), perf.lost)
		}
		s, err := checkAll(ctx, o, port, domains, want, -1)
		if err != nil {
			return err
		}
		fmt.Printf("nsscan CheckAll round %d: %d domains in %v = %.0f checks/s, %.3f queries/domain, p50 %v p99 %v, CPU %v/check, peak heap %.1f MiB, wrong verdicts %d\n",
			round, o.n, s.elapsed.Round(time.Millisecond), s.rate, s.queriesPerDomain, s.p50.Round(time.Microsecond), s.p99.Round(time.Microsecond),
			s.cpuPerCheck.Round(100*time.Nanosecond), float64(s.peakHeap)/(1<<20), s.wrong)
		if s.wrong > 0 {
			fmt.Printf("  wrong by outcome: %v; first: %s\n", s.wrongBy, s.firstWrong)
		}
		if perf.qps > 0 {
			ratios = append(ratios, s.rate/perf.qps)
			fmt.Printf("  ratio to the dnsperf run before it: %.2f\n", s.rate/perf.qps)
		}
	}
	pprof.StopCPUProfile()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("process max RSS: %.1f MiB\n", float64(ru.Maxrss)/1024)
	if len(ratios) > 0 {
		slices.Sort(ratios)
		fmt.Printf("nsscan/dnsperf rate ratio: median %.2f, range %.2f-%.2f over %d rounds (goal >= 0.50)\n",
			ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1], len(ratios))
	}

	if o.rate > 0 {
		n := min(o.rateN, o.n)
		s, err := checkAll(ctx, o, port, domains[:n], want, o.rate)
		if err != nil {
			return err
		}
		// With a burst of one, n queries to one server take (n-1)/rate.
		achieved := float64(s.tldQueries-1) / s.elapsed.Seconds()
		fmt.Printf("\nrate limit %.0f q/s per server: %d queries to the TLD server in %v = %.1f q/s (%+.2f%%), wrong verdicts %d\n",
			o.rate, s.tldQueries, s.elapsed.Round(time.Millisecond), achieved, 100*(achieved-o.rate)/o.rate, s.wrong)
	}
	fmt.Printf("load average after: %s\n", loadavg())
	return nil
}

type stats struct {
	elapsed          time.Duration
	rate             float64
	queriesPerDomain float64
	tldQueries       int
	p50, p99         time.Duration
	peakHeap         uint64
	wrong            int
	firstWrong       string
	wrongBy          map[string]int
	cpuPerCheck      time.Duration
}

func checkAll(ctx context.Context, o options, port int, domains []string, want nsscan.Expectation, limit float64) (stats, error) {
	c, err := nsscan.New(nsscan.Config{
		Roots:         []string{net.JoinHostPort(o.rootAddr, strconv.Itoa(port))},
		Port:          port,
		Concurrency:   o.concurrency,
		RatePerServer: limit,
	})
	if err != nil {
		return stats{}, err
	}
	defer c.Close()
	runtime.GC()
	stopSampling := make(chan struct{})
	peak := make(chan uint64)
	go samplePeakHeap(stopSampling, peak)

	var s stats
	durations := make([]time.Duration, 0, len(domains))
	cpu0 := cpuTime()
	start := time.Now()
	for r := range c.CheckAll(ctx, domains, want) {
		durations = append(durations, r.Duration)
		i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.Domain, "d"), ".test"))
		if v := truth(i); r.Status != v.status || r.Category != v.category {
			s.wrong++
			if s.wrongBy == nil {
				s.wrongBy = map[string]int{}
			}
			s.wrongBy[string(r.Status)+"/"+string(r.Category)]++
			if s.firstWrong == "" {
				s.firstWrong = fmt.Sprintf("%s: %s/%s, want %s/%s: %s", r.Domain, r.Status, r.Category, v.status, v.category, r.Detail)
			}
		}
	}
	s.elapsed = time.Since(start)
	s.cpuPerCheck = (cpuTime() - cpu0) / time.Duration(len(domains))
	close(stopSampling)
	s.peakHeap = <-peak
	if err := ctx.Err(); err != nil {
		return s, err
	}
	if len(durations) != len(domains) {
		return s, fmt.Errorf("%d results for %d domains", len(durations), len(domains))
	}
	slices.Sort(durations)
	s.p50 = durations[len(durations)/2]
	s.p99 = durations[len(durations)*99/100]
	s.rate = float64(len(domains)) / s.elapsed.Seconds()
	q := c.Stats().Queries
	s.queriesPerDomain = float64(q) / float64(len(domains))
	s.tldQueries = int(q) - 1 // one query went to the root
	return s, nil
}

// samplePeakHeap reports the largest live heap seen until stop closes.
func samplePeakHeap(stop <-chan struct{}, out chan<- uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(sample)
		peak = max(peak, sample[0].Value.Uint64())
		select {
		case <-stop:
			out <- peak
			return
		case <-t.C:
		}
	}
}

func writeZones(dir string, o options) error {
	for _, d := range []string{"root", "tld"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	root := fmt.Sprintf(`$ORIGIN .
$TTL 86400
@ SOA a.root-servers.lab. hostmaster.root-servers.lab. 1 1800 900 604800 86400
@ NS a.root-servers.lab.
a.root-servers.lab. A %s
test. NS ns1.nic.test.
ns1.nic.test. A %s
`, o.rootAddr, o.tldAddr)
	if err := os.WriteFile(filepath.Join(dir, "root", "root.zone"), []byte(root), 0o644); err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `$ORIGIN test.
$TTL 3600
@ SOA ns1.nic.test. hostmaster.nic.test. 1 7200 3600 1209600 300
@ NS ns1.nic.test.
ns1.nic A %s
hostco NS ns1.hostco
hostco NS ns2.hostco
ns1.hostco A 127.0.0.52
ns2.hostco A 127.0.0.53
other NS ns1.other
ns1.other A 127.0.0.54
`, o.tldAddr)
	for i := range o.n {
		switch truth(i).status {
		case nsscan.StatusCorrect:
			fmt.Fprintf(&b, "%s. NS ns1.hostco.test.\n%s. NS ns2.hostco.test.\n", domain(i), domain(i))
		case nsscan.StatusIncorrect:
			fmt.Fprintf(&b, "%s. NS ns1.other.test.\n", domain(i))
		}
	}
	return os.WriteFile(filepath.Join(dir, "tld", "test.zone"), b.Bytes(), 0o644)
}

var (
	nsdConf = template.Must(template.New("nsd").Parse(`server:
    ip-address: {{.Addr}}@{{.Port}}
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "{{.Dir}}"
    database: ""
    pidfile: "{{.Dir}}/nsd.pid"
    logfile: "{{.Dir}}/nsd.log"
    xfrdfile: "{{.Dir}}/xfrd.state"
    zonelistfile: "{{.Dir}}/zone.list"
    server-count: {{.Workers}}
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "{{.Zone}}"
    zonefile: "{{.File}}"
`))
	knotConf = template.Must(template.New("knot").Parse(`server:
    rundir: "{{.Dir}}"
    listen: {{.Addr}}@{{.Port}}
    udp-workers: {{.Workers}}
    tcp-workers: 1
    background-workers: 1
control:
    listen: "{{.Dir}}/knot.sock"
log:
  - target: stderr
    any: warning
database:
    storage: "{{.Dir}}/db"
template:
  - id: default
    storage: "{{.Dir}}"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: {{.Zone}}
`))
)

// startServer writes a config and runs nsd or knot in the foreground, and
// waits until it answers.
func startServer(ctx context.Context, kind, dir, addr string, port int, zone string, workers int) (*exec.Cmd, error) {
	file := "test.zone"
	if zone == "." {
		file = "root.zone"
	}
	data := map[string]any{"Dir": dir, "Addr": addr, "Port": port, "Zone": zone, "File": file, "Workers": workers}
	var conf bytes.Buffer
	var cmd *exec.Cmd
	confPath := filepath.Join(dir, kind+".conf")
	switch kind {
	case "nsd":
		nsdConf.Execute(&conf, data)
		cmd = exec.CommandContext(ctx, binary("nsd"), "-d", "-c", confPath)
	case "knot":
		knotConf.Execute(&conf, data)
		cmd = exec.CommandContext(ctx, binary("knotd"), "-c", confPath)
	default:
		return nil, fmt.Errorf("unknown server %q", kind)
	}
	if err := os.WriteFile(confPath, conf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", kind, err)
	}
	q := new(dns.Msg)
	q.SetQuestion(zone, dns.TypeSOA)
	cl := dns.Client{Timeout: 300 * time.Millisecond}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		qctx, cancel := context.WithTimeout(ctx, 400*time.Millisecond)
		r, _, err := cl.ExchangeContext(qctx, q, net.JoinHostPort(addr, strconv.Itoa(port)))
		cancel()
		if err == nil && r.Rcode == dns.RcodeSuccess {
			return cmd, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	logs, _ := os.ReadFile(filepath.Join(dir, "nsd.log"))
	return nil, fmt.Errorf("%s on %s:%d did not answer: %s%s", kind, addr, port, out.String(), logs)
}

func binary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return filepath.Join("/usr/sbin", name)
}

type perfResult struct {
	qps         float64
	lost        string
	cpuPerQuery time.Duration
}

var (
	qpsRx  = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
	lostRx = regexp.MustCompile(`Queries lost:\s+(\S+ \([^)]*\))`)
)

// dnsperf runs dnsperf over the domains' NS queries against the TLD server.
func dnsperf(ctx context.Context, dir string, o options, port int) (perfResult, error) {
	bin, err := exec.LookPath("dnsperf")
	if err != nil {
		return perfResult{}, errors.New("not installed (Debian package dnsperf)")
	}
	var b bytes.Buffer
	for i := range o.n {
		fmt.Fprintf(&b, "%s NS\n", domain(i))
	}
	file := filepath.Join(dir, "queries.txt")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		return perfResult{}, err
	}
	cmd := exec.CommandContext(ctx, bin, "-s", o.tldAddr, "-p", strconv.Itoa(port), "-d", file,
		"-q", strconv.Itoa(o.dnsperfQ), "-n", strconv.Itoa(o.dnsperfRuns), "-t", "2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return perfResult{}, fmt.Errorf("%w: %s", err, out)
	}
	m := qpsRx.FindSubmatch(out)
	if m == nil {
		return perfResult{}, fmt.Errorf("no rate in output: %s", out)
	}
	r := perfResult{}
	r.qps, _ = strconv.ParseFloat(string(m[1]), 64)
	if l := lostRx.FindSubmatch(out); l != nil {
		r.lost = string(l[1])
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		r.cpuPerQuery = cpu / time.Duration(o.n*o.dnsperfRuns)
	}
	return r, nil
}

// freePort finds a port free for UDP and TCP on every address.
func freePort(addrs ...string) (int, error) {
	for try := 0; try < 50; try++ {
		pc, err := net.ListenPacket("udp4", addrs[0]+":0")
		if err != nil {
			return 0, err
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
			return port, nil
		}
	}
	return 0, errors.New("no port free on every address")
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
