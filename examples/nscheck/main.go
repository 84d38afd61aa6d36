// Command nscheck checks whether domains are delegated to the nameservers
// you expect, asking each domain's registry the way a resolver does (see
// package nsscan).
//
//	nscheck -ns ns1.hostco.example,ns2.hostco.example example.com example.net
//	nscheck -ns ns1.hostco.example,ns2.hostco.example -file domains.txt -json > verdicts.json
//	cut -d, -f2 accounts.csv | nscheck -ns ns1.hostco.example,ns2.hostco.example -min 2
//
// Domains come from the arguments, from -file (one per line; blank lines
// and lines starting with # are skipped; "-" means standard input), or, with
// neither, from standard input. A progress bar is drawn on standard error
// when it is a terminal. Results are printed in input order, as a table or,
// with -json, as a JSON array of nsscan.Result. A summary goes to standard
// error.
//
// Exit status: 0 when no domain is incorrect, 1 when at least one is, 2 on a
// usage or setup error. Domains that could not be checked (status "error")
// are listed with their category but do not change the exit status.
//
// Only DNS is asked unless -rdap or -whois is given; those send queries to
// the registries' RDAP and WHOIS services, which rate-limit heavily.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/accountsync/accountsync/nsscan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command, with its streams passed in so that tests can
// drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nscheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		nsList      = fs.String("ns", "", "expected nameservers, comma-separated host names or IP addresses (required)")
		minMatches  = fs.Int("min", 0, "how many of the expected nameservers must be delegated (0 means 1)")
		file        = fs.String("file", "", `read domains from this file, one per line ("-" for standard input)`)
		asJSON      = fs.Bool("json", false, "print a JSON array instead of a table")
		concurrency = fs.Int("concurrency", nsscan.DefaultConcurrency, "domains checked at once")
		timeout     = fs.Duration("timeout", nsscan.DefaultTimeout, "timeout of one query to one server")
		rate        = fs.Float64("rate", nsscan.DefaultRatePerServer, "queries per second to any one server (negative: no limit)")
		roots       = fs.String("roots", "", "root servers as comma-separated address[:port] (default: the IANA root servers)")
		port        = fs.Int("port", 0, "port of every server contacted (default 53)")
		useRDAP     = fs.Bool("rdap", false, "ask the registries' RDAP services when DNS cannot answer")
		useWhois    = fs.Bool("whois", false, "ask the registries' WHOIS servers when DNS (and RDAP) cannot answer")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nscheck -ns NS1,NS2 [flags] [domain ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *nsList == "" {
		fmt.Fprintln(stderr, "nscheck: -ns is required")
		fs.Usage()
		return 2
	}
	want, err := nsscan.Expectation{Nameservers: splitList(*nsList), MinMatches: *minMatches}.Normalize()
	if err != nil {
		fmt.Fprintln(stderr, "nscheck:", err)
		return 2
	}

	domains := fs.Args()
	if *file != "" || len(domains) == 0 {
		in := stdin
		if *file != "" && *file != "-" {
			f, err := os.Open(*file)
			if err != nil {
				fmt.Fprintln(stderr, "nscheck:", err)
				return 2
			}
			defer f.Close()
			in = f
		} else if isTerminal(stdin) {
			fmt.Fprintln(stderr, "nscheck: no domains given; pass them as arguments, with -file, or on standard input")
			return 2
		}
		more, err := readDomains(in)
		if err != nil {
			fmt.Fprintln(stderr, "nscheck: read domains:", err)
			return 2
		}
		domains = append(domains, more...)
	}
	domains = unique(domains)
	if len(domains) == 0 {
		fmt.Fprintln(stderr, "nscheck: no domains to check")
		return 2
	}

	cfg := nsscan.Config{Port: *port, Timeout: *timeout, Concurrency: *concurrency, RatePerServer: *rate}
	if *roots != "" {
		cfg.Roots = splitList(*roots)
	}
	if *useRDAP {
		cfg.RDAP = &nsscan.RDAPConfig{}
	}
	if *useWhois {
		w, err := nsscan.NewWhois(nsscan.WhoisConfig{})
		if err != nil {
			fmt.Fprintln(stderr, "nscheck:", err)
			return 2
		}
		cfg.Whois = w
	}
	c, err := nsscan.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "nscheck:", err)
		return 2
	}
	defer c.Close()

	bar := newProgress(stderr, len(domains))
	byInput := make(map[string]nsscan.Result, len(domains))
	counts := map[nsscan.Status]int{}
	for r := range c.CheckAll(ctx, domains, want) {
		byInput[r.Input] = r
		counts[r.Status]++
		bar.update(len(byInput), counts[nsscan.StatusIncorrect])
	}
	bar.done()
	results := make([]nsscan.Result, 0, len(domains))
	for _, d := range domains {
		if r, ok := byInput[d]; ok {
			results = append(results, r)
		}
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			fmt.Fprintln(stderr, "nscheck:", err)
			return 2
		}
	} else if err := writeTable(stdout, results); err != nil {
		fmt.Fprintln(stderr, "nscheck:", err)
		return 2
	}
	fmt.Fprintf(stderr, "%d checked: %d correct, %d incorrect, %d could not be checked\n",
		len(results), counts[nsscan.StatusCorrect], counts[nsscan.StatusIncorrect], counts[nsscan.StatusError])
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "nscheck: interrupted; %d of %d domains were not checked\n", len(domains)-len(results), len(domains))
	}
	if counts[nsscan.StatusIncorrect] > 0 {
		return 1
	}
	return 0
}

func writeTable(w io.Writer, results []nsscan.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DOMAIN\tSTATUS\tCATEGORY\tNAMESERVERS\tDETAIL")
	for _, r := range results {
		name := r.Domain
		if name == "" {
			name = strings.TrimSpace(r.Input)
		}
		if r.Unicode != "" && r.Unicode != r.Domain {
			name += " (" + r.Unicode + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, r.Status, orDash(string(r.Category)), orDash(strings.Join(r.Nameservers, ",")), r.Detail)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readDomains reads one domain per line, skipping blank lines and # comments.
func readDomains(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out, sc.Err()
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// unique drops repeated inputs, keeping the first of each.
func unique(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// isTerminal reports whether v is a file attached to a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress draws a bar on a terminal, at most ten times a second, and does
// nothing when the writer is not a terminal.
type progress struct {
	w     io.Writer
	total int
	on    bool
	last  time.Time
	start time.Time
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, on: isTerminal(w), start: time.Now()}
}

func (p *progress) update(done, incorrect int) {
	if !p.on || (done < p.total && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := width * done / p.total
	rate := float64(done) / max(time.Since(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d checked, %d incorrect, %.0f/s ",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, p.total, incorrect, rate)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
