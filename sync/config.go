package sync

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// config is Options checked and normalised once per Diff.
type config struct {
	Options
	keyField    string
	norm        normalizer // for keys
	dom         normalizer // for comparing domains when the key is not the domain
	selection   map[string]bool
	clients     map[string]string
	productsCI  map[string]string // lower-case package -> product ID, "" when ambiguous
	nameservers map[string]bool
	seen        map[string]int
	limits      Limits
	cycle       string
	nextDue     time.Time

	// Order-independent digests of the maps, for the fingerprint.
	// Clients needs none: every lookup it answers shows in the plan, as a
	// client ID or a CreateClient action.
	selectionDigest, productDigest, verdictDigest, seenDigest digest
}

func resolve(opts Options) (*config, error) {
	c := &config{Options: opts, keyField: opts.KeyField}
	if c.keyField == "" {
		c.keyField = "domain"
	}
	c.norm = newNormalizer(c.keyField)
	c.dom = newNormalizer("domain")
	if opts.Mode < ModeSynchronize || opts.Mode > ModeExportOnly {
		return nil, fmt.Errorf("sync: diff: unknown mode %d", int(opts.Mode))
	}
	if opts.StatusAuthority != SideRemote && opts.StatusAuthority != SideLocal {
		return nil, fmt.Errorf("sync: diff: unknown status authority %d", int(opts.StatusAuthority))
	}
	if opts.ConfirmRuns < 0 || opts.MaxActions < 0 || opts.Billing.NextDueInDays < 0 {
		return nil, fmt.Errorf("sync: diff: ConfirmRuns, MaxActions and Billing.NextDueInDays must not be negative")
	}
	l := opts.Limits
	for _, f := range []float64{l.MaxTerminateFraction, l.MaxImportFraction, l.MaxExportFraction, l.MaxUpdateFraction} {
		if math.IsNaN(f) {
			return nil, fmt.Errorf("sync: diff: a Limits fraction is NaN")
		}
	}
	c.limits = l.withDefaults()

	if len(opts.Selection) > 0 {
		c.selection = make(map[string]bool, len(opts.Selection))
		for _, s := range opts.Selection {
			k, err := c.norm.key(s)
			if err != nil {
				return nil, fmt.Errorf("sync: diff: selection: invalid key %q: %w", s, err)
			}
			if !c.selection[k] {
				c.selectionDigest.add(hashPair(seedSelection, k, ""))
			}
			c.selection[k] = true
		}
	}
	// Callers usually pass normalised addresses; then the map is used as
	// it is, since copying a client list per run is not free.
	c.clients = opts.Clients
	for e, id := range opts.Clients {
		if id == "" {
			return nil, fmt.Errorf("sync: diff: clients: empty client ID for %q", e)
		}
		if normalizeEmail(e) != e {
			c.clients = nil
			break
		}
	}
	if c.clients == nil {
		c.clients = make(map[string]string, len(opts.Clients))
		for e, id := range opts.Clients {
			n := normalizeEmail(e)
			if id == "" {
				return nil, fmt.Errorf("sync: diff: clients: empty client ID for %q", e)
			}
			if old, ok := c.clients[n]; ok {
				if old != id {
					return nil, fmt.Errorf("sync: diff: clients: %q has two client IDs", n)
				}
				continue
			}
			c.clients[n] = id
		}
	}
	for pkg, id := range opts.Products {
		if id == "" {
			return nil, fmt.Errorf("sync: diff: products: empty product ID for package %q", pkg)
		}
		c.productDigest.add(hashPair(seedProduct, pkg, id))
	}
	c.productsCI = make(map[string]string, len(opts.Products))
	for pkg, id := range opts.Products {
		l := strings.ToLower(strings.TrimSpace(pkg))
		if old, ok := c.productsCI[l]; ok && old != id {
			id = "" // two products differ only in case: no guessing
		}
		c.productsCI[l] = id
	}
	c.nameservers = make(map[string]bool, len(opts.Nameservers))
	for k, ok := range opts.Nameservers {
		n, err := c.norm.key(k)
		if err != nil {
			return nil, fmt.Errorf("sync: diff: nameservers: invalid key %q: %w", k, err)
		}
		if old, dup := c.nameservers[n]; dup {
			if old != ok {
				return nil, fmt.Errorf("sync: diff: nameservers: two verdicts for %q", n)
			}
			continue
		}
		c.nameservers[n] = ok
		c.verdictDigest.add(hashPair(seedVerdict, n, strconv.FormatBool(ok)))
	}
	c.seen = make(map[string]int, len(opts.SeenMissing))
	for k, v := range opts.SeenMissing {
		n, err := c.norm.key(k)
		if err != nil {
			return nil, fmt.Errorf("sync: diff: seen missing: invalid key %q: %w", k, err)
		}
		if v < 0 {
			return nil, fmt.Errorf("sync: diff: seen missing: negative count for %q", n)
		}
		if old, dup := c.seen[n]; dup {
			if old != v {
				return nil, fmt.Errorf("sync: diff: seen missing: two counts for %q", n)
			}
			continue
		}
		c.seen[n] = v
		c.seenDigest.add(hashPair(seedSeen, n, strconv.Itoa(v)))
	}

	c.cycle = strings.TrimSpace(opts.Billing.Cycle)
	if c.cycle == "" {
		c.cycle = "Monthly"
	}
	if opts.Billing.Free {
		c.cycle = "Free Account"
	} else if !opts.Now.IsZero() {
		y, m, d := opts.Now.Date()
		c.nextDue = time.Date(y, m, d+opts.Billing.NextDueInDays, 0, 0, 0, 0, opts.Now.Location())
	}
	return c, nil
}

// product returns the product of a package: the exact entry of Products,
// or else the one entry that differs only in case and space, since
// packages are compared that way.
func (c *config) product(pkg string) (string, bool) {
	if id, ok := c.Products[pkg]; ok {
		return id, true
	}
	id := c.productsCI[strings.ToLower(strings.TrimSpace(pkg))]
	return id, id != ""
}
