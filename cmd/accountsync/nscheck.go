package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/nsscan"
)

const nscheckUsage = `usage: accountsync nscheck [flags] [domain ...]

Checks whether domains are delegated to the nameservers you expect, asking
each domain's registry the way a resolver does (package nsscan). The
expected nameservers are policy.nameservers of the configuration (per
server), or -ns.

Domains come from the arguments, from -file (one per line; # comments;
"-" is standard input), or, with neither, from the servers: every
account's domain on each configured server (-server to pick).

The table is as wide as a terminal; -json has every detail. Exit status:
0 when no domain is incorrect, 1 when one is (or a server could not be
listed), 2 on bad usage. Domains that could not be checked are listed but
do not change the exit status.

Example:
  accountsync nscheck -server web1
  accountsync nscheck -ns ns1.hostco.example,ns2.hostco.example example.com example.net
  accountsync nscheck -file domains.txt -json > verdicts.json
`

// Column widths of the table: a domain, its delegation and the detail
// are cut to these, so that the table fits a terminal whatever the data.
const (
	widthDomain      = 40
	widthNameservers = 40
	widthDetail      = 70
)

func runNscheck(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "nscheck", nscheckUsage, true, false)
	var ns nsFlags
	ns.register(f)
	var want listFlag
	f.Var(&want, "ns", "expected nameservers, comma-separated names or IPs (default policy.nameservers)")
	minMatches := f.Int("min", 0, "how many must be delegated (default policy.nameserverMinMatches, else 1)")
	file := f.String("file", "", `read domains from this file ("-" for standard input)`)
	timeout := f.Duration("timeout", nsscan.DefaultTimeout, "timeout of one query to one server")
	if err := f.parse(args); err != nil {
		return err
	}
	domains := f.Args()
	if *file != "" {
		in := e.stdin
		if *file != "-" {
			fh, err := os.Open(*file)
			if err != nil {
				return usageError("-file: %v", err)
			}
			defer fh.Close()
			in = fh
		}
		more, err := readDomains(in)
		if err != nil {
			return fmt.Errorf("read domains: %w", err)
		}
		domains = append(domains, more...)
	}

	type job struct {
		label   string
		domains []string
		expect  nsscan.Expectation
	}
	var jobs []job
	failed := 0
	if len(domains) > 0 && len(f.servers) > 0 {
		return usageError("-server checks the domains of a server's accounts; it does not go with domains given")
	}
	if len(domains) > 0 {
		exp := nsscan.Expectation{Nameservers: want, MinMatches: *minMatches}
		if len(want) == 0 {
			cfg, err := f.load()
			if err != nil {
				return usageError("no -ns, and no configuration to take policy.nameservers from: %v", err)
			}
			var ok bool
			if exp, ok = cfg.Expectation(""); !ok {
				return usageError("no expected nameservers: pass -ns or set policy.nameservers in %s", cfg.File)
			}
		}
		jobs = append(jobs, job{domains: unique(domains), expect: exp})
	} else {
		if *file != "" {
			return usageError("no domains in %s", *file)
		}
		cfg, servers, err := f.loadServers()
		if err != nil {
			return err
		}
		log := f.logger(slog.LevelWarn)
		for _, s := range servers {
			exp, ok := cfg.Expectation(s.Name)
			if len(want) > 0 {
				exp, ok = nsscan.Expectation{Nameservers: want, MinMatches: *minMatches}, true
			}
			if !ok {
				fmt.Fprintf(e.stderr, "accountsync nscheck: %s: no policy.nameservers; skipped\n", s.Name)
				continue
			}
			d, err := serverDomains(ctx, s, log)
			if err != nil {
				failed++
				fmt.Fprintf(e.stderr, "accountsync nscheck: %s: %v\n", s.Name, oneLine(err.Error()))
				continue
			}
			jobs = append(jobs, job{label: s.Name, domains: d, expect: exp})
		}
		if len(jobs) == 0 && failed == 0 {
			return usageError("nothing to check: no server has policy.nameservers; pass -ns or domains")
		}
	}
	for i := range jobs {
		exp, err := jobs[i].expect.Normalize()
		if err != nil {
			return usageError("expected nameservers: %v", err)
		}
		jobs[i].expect = exp
	}

	c, err := nsscan.New(nsscan.Config{Roots: ns.roots, Port: ns.port, Timeout: *timeout, Logger: f.logger(slog.LevelWarn)})
	if err != nil {
		return err
	}
	defer c.Close()
	var all []nsscan.Result
	counts := map[nsscan.Status]int{}
	total := 0
	for _, j := range jobs {
		total += len(j.domains)
	}
	bar := newProgress(e, total)
	for _, j := range jobs {
		byInput := map[string]nsscan.Result{}
		for r := range c.CheckAll(ctx, j.domains, j.expect) {
			byInput[r.Input] = r
			counts[r.Status]++
			bar.update(len(all)+len(byInput), counts[nsscan.StatusIncorrect])
		}
		for _, d := range j.domains {
			if r, ok := byInput[d]; ok {
				all = append(all, r)
			}
		}
	}
	bar.done()
	if f.json {
		if all == nil {
			all = []nsscan.Result{}
		}
		if err := writeJSON(e.stdout, all); err != nil {
			return err
		}
	} else {
		writeNSTable(e.stdout, all)
	}
	fmt.Fprintf(e.stderr, "%s checked: %d correct, %d incorrect, %d could not be checked\n",
		plural(len(all), "domain"), counts[nsscan.StatusCorrect], counts[nsscan.StatusIncorrect], counts[nsscan.StatusError])
	if ctx.Err() != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("interrupted; %d of %d domains were not checked", total-len(all), total)}
	}
	if counts[nsscan.StatusIncorrect] > 0 || failed > 0 {
		return silent(exitFailed)
	}
	return nil
}

// serverDomains lists a server's accounts' domains.
func serverDomains(ctx context.Context, s config.Server, log *slog.Logger) ([]string, error) {
	p, err := config.NewProvider(s, log)
	if err != nil {
		return nil, err
	}
	accounts, err := p.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range accounts {
		if a.Domain != "" {
			out = append(out, a.Domain)
		}
	}
	return unique(out), nil
}

// writeNSTable writes one line per domain, each column cut to its width.
func writeNSTable(w io.Writer, results []nsscan.Result) {
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", clip(name, widthDomain), r.Status, orDash(string(r.Category)),
			clip(orDash(strings.Join(r.Nameservers, ",")), widthNameservers), clip(oneLine(r.Detail), widthDetail))
	}
	tw.Flush()
}

// clip cuts s to n characters, marking the cut; tabs and newlines, which
// would break the table, become spaces.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readDomains reads one domain per line, skipping blank lines and #
// comments.
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

// progress draws a bar on a terminal, at most ten times a second, and
// nothing otherwise.
type progress struct {
	w     io.Writer
	total int
	on    bool
	last  time.Time
}

func newProgress(e *env, total int) *progress {
	return &progress{w: e.stderr, total: total, on: e.stderrTerminal && total > 0}
}

func (p *progress) update(done, incorrect int) {
	if !p.on || (done < p.total && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := width * done / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d checked, %d incorrect ", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, p.total, incorrect)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
