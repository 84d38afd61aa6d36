// Command listbench measures how long each panel client takes to list a big
// server across a WAN, at the client's default settings.
//
// For each panel and each size N it starts that panel's fake (the
// <panel>test package) seeded with N accounts in a child process, puts a
// loopback proxy in front of it that holds every request for -latency
// before passing it on (a WAN round trip), builds the client exactly as a
// user would with only the base URL and credentials set, and lists once.
// It prints one row per run: panel, N, the requests the proxy passed, wall
// time, and the peak heap of this process (the client and the proxy; the
// fake's memory is the child's and is not counted).
//
//	go run ./internal/bench/listbench                       # every panel, 1,000 and 10,000 accounts
//	go run ./internal/bench/listbench -panels cpanel -n 500 -latency 50ms
//	go run ./internal/bench/listbench -panels proxmox -again  # a second listing, same client
//
// A listing that returns anything but the N seeded accounts is reported as
// an error in the row: a fast wrong answer is not a result.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// A panel is one row source: how to serve N accounts and how to build the
// client a user would build.
type panel struct {
	name string
	// serve starts the panel's fake with n generated accounts and returns
	// its base URL and a function that stops it. It runs in the child
	// process.
	serve func(n int) (baseURL string, stop func(), err error)
	// client builds the provider against baseURL with the package's
	// defaults: only the address and the fake's credentials are set.
	client func(baseURL string) (provider.Provider, error)
}

// panels lists every panel the harness knows, in table order. Each lives
// in a file of its own.
func panels() []panel {
	return []panel{
		cpanelPanel(),
		pleskPanel(),
		directadminPanel(),
		solusvmPanel(1),
		solusvmPanel(2),
		openstackPanel(),
		proxmoxPanel(),
	}
}

func main() {
	var (
		serveName = flag.String("serve", "", "internal: serve this panel's fake and print its URL (the child process)")
		sizes     = flag.String("n", "1000,10000", "comma-separated account counts")
		only      = flag.String("panels", "", "comma-separated panels to run (default: all)")
		latency   = flag.Duration("latency", 25*time.Millisecond, "delay the proxy adds to every request")
		timeout   = flag.Duration("timeout", 30*time.Minute, "give up on one listing after this long")
		again     = flag.Bool("again", false, "list a second time with the same client, as a row of its own (\"<panel> again\")")
	)
	flag.Parse()
	if *serveName != "" {
		n, _ := strconv.Atoi(flag.Arg(0))
		if err := serveChild(*serveName, n); err != nil {
			fmt.Fprintln(os.Stderr, "listbench:", err)
			os.Exit(1)
		}
		return
	}
	ns, err := parseSizes(*sizes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listbench:", err)
		os.Exit(2)
	}
	var chosen []panel
	for _, p := range panels() {
		if *only == "" || slices.Contains(strings.Split(*only, ","), p.name) {
			chosen = append(chosen, p)
		}
	}
	if len(chosen) == 0 {
		fmt.Fprintf(os.Stderr, "listbench: no panel matches %q\n", *only)
		os.Exit(2)
	}

	fmt.Printf("latency %s per request, client defaults, GOMAXPROCS %d\n\n", *latency, runtime.GOMAXPROCS(0))
	// Rows are printed as they finish (a slow panel takes minutes), so the
	// columns have fixed widths rather than a tabwriter's.
	const row = "%-16s %7s %9s %10s %10s  %s\n"
	fmt.Printf(row, "panel", "N", "requests", "wall time", "peak heap", "result")
	failed := false
	for _, p := range chosen {
		for _, n := range ns {
			listings := 1
			if *again {
				listings = 2
			}
			for i, r := range measure(p, n, *latency, *timeout, listings) {
				result := "ok"
				if r.err != nil {
					result = r.err.Error()
					failed = true
				}
				name := p.name
				if i > 0 {
					name += " again"
				}
				fmt.Printf(row, name, strconv.Itoa(n), strconv.FormatInt(r.requests, 10),
					r.wall.Round(10*time.Millisecond), mib(r.peakHeap), result)
			}
		}
	}
	if failed {
		os.Exit(1)
	}
}

type run struct {
	requests int64
	wall     time.Duration
	peakHeap uint64
	err      error
}

// measure lists one fake of n accounts through the latency proxy, the
// given number of times with the same client, and returns one run per
// listing (fewer when one fails).
func measure(p panel, n int, latency, timeout time.Duration, listings int) []run {
	child, target, err := startChild(p.name, n)
	if err != nil {
		return []run{{err: err}}
	}
	defer child.stop()

	proxy, err := newLatencyProxy(target, latency)
	if err != nil {
		return []run{{err: err}}
	}
	defer proxy.Close()

	prov, err := p.client(proxy.URL())
	if err != nil {
		return []run{{err: fmt.Errorf("client: %w", err)}}
	}
	var runs []run
	for range listings {
		runtime.GC()
		before := proxy.requests.Load()
		peak := startHeapSampler()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		start := time.Now()
		accounts, err := prov.ListAccounts(ctx)
		wall := time.Since(start)
		cancel()
		r := run{requests: proxy.requests.Load() - before, wall: wall, peakHeap: peak()}
		switch {
		case err != nil:
			r.err = err
		case len(accounts) != n:
			r.err = fmt.Errorf("listed %d accounts, want %d", len(accounts), n)
		}
		runs = append(runs, r)
		if r.err != nil {
			break
		}
	}
	return runs
}

// startHeapSampler samples the live heap every few milliseconds until the
// returned function is called, which returns the largest value seen.
func startHeapSampler() func() uint64 {
	var (
		stop = make(chan struct{})
		done = make(chan uint64)
	)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(stop); return <-done }
}

// child is a fake running in a process of its own, so that its memory and
// CPU are not counted as the client's.
type child struct {
	cmd *exec.Cmd
}

func (c *child) stop() {
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}

func startChild(name string, n int) (*child, string, error) {
	cmd := exec.Command(os.Args[0], "-serve", name, strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	c := &child{cmd: cmd}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		c.stop()
		return nil, "", fmt.Errorf("start %s fake: %w", name, err)
	}
	return c, strings.TrimSpace(line), nil
}

// serveChild runs in the child: it serves the fake, prints its URL on one
// line and waits to be killed.
func serveChild(name string, n int) error {
	for _, p := range panels() {
		if p.name == name {
			u, stop, err := p.serve(n)
			if err != nil {
				return err
			}
			defer stop()
			fmt.Println(u)
			select {}
		}
	}
	return fmt.Errorf("unknown panel %q", name)
}

// latencyProxy forwards every request to one fake after a fixed delay and
// counts them. Redirects and errors pass through unchanged: the client
// must cope with what the fake says.
type latencyProxy struct {
	srv      *http.Server
	url      string
	addr     string
	requests atomic.Int64
	wg       sync.WaitGroup
}

func newLatencyProxy(target string, latency time.Duration) (*latencyProxy, error) {
	tu, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := listenLoopback()
	if err != nil {
		return nil, err
	}
	p := &latencyProxy{addr: ln.Addr().String()}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(tu)
			r.Out.Host = r.In.Host
		},
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 256,
			// The fakes speak TLS with a self-signed certificate where the
			// panel insists on https; the proxy is the client's only peer.
			TLSClientConfig: insecureTLS(),
		},
		// An OpenStack token's service catalog names the compute endpoint
		// by its absolute URL, the fake's own; point it at the proxy, as a
		// real cloud's catalog points at its public endpoint, so that the
		// listing itself crosses the WAN too.
		ModifyResponse: func(resp *http.Response) error {
			if !strings.HasSuffix(resp.Request.URL.Path, "/auth/tokens") {
				return nil
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			b = bytes.ReplaceAll(b, []byte(strings.TrimSuffix(target, "/")), []byte("http://"+p.addr))
			resp.Body = io.NopCloser(bytes.NewReader(b))
			resp.ContentLength = int64(len(b))
			resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
			return nil
		},
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
		rp.ServeHTTP(w, r)
	})
	p.srv = &http.Server{Handler: handler}
	p.url = "http://" + p.addr + tu.Path
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "listbench: proxy:", err)
		}
	}()
	return p, nil
}

func (p *latencyProxy) URL() string { return p.url }

func (p *latencyProxy) Close() {
	_ = p.srv.Close()
	p.wg.Wait()
}

func parseSizes(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad -n value %q", f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
