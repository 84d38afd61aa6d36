package nsscan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Errors wrapped by Result.Err, for errors.Is.
var (
	// ErrInvalidDomain: the input is not a domain name that can be checked.
	ErrInvalidDomain = errors.New("nsscan: invalid domain")
	// ErrNotRegistered: the registry has no such domain. WhoisClient
	// implementations return it for "no match" answers.
	ErrNotRegistered = errors.New("nsscan: domain is not registered")
	// ErrRateLimited: a registry service refused for now, or a per-server
	// limit would have delayed a query past the deadline. WhoisClient
	// implementations return it for rate-limit answers.
	ErrRateLimited = errors.New("nsscan: rate limited")
)

// Check judges one domain's delegation against want. It asks a server of the
// domain's registry (found by walking from the roots, then cached) for the
// domain's NS set with recursion off, and reads the referral. A negative
// verdict (Incorrect, not-delegated) is confirmed by a second registry
// server. When DNS cannot answer and Config enables them, RDAP and then WHOIS
// are asked. Check never fails: problems are reported in the Result, whose
// Status is Error with a Category. It is safe to call concurrently.
func (c *Checker) Check(ctx context.Context, domain string, want Expectation) Result {
	x, err := compileExpectation(want)
	if err != nil {
		return invalidExpectation(domain, err)
	}
	return c.check(ctx, domain, x)
}

// CheckAll checks every domain against want with Config.Concurrency workers
// and yields each Result as soon as it is complete, so results arrive in
// completion order; Result.Input says which input each belongs to. Breaking
// out of the loop stops the workers. When ctx ends, no new check starts and
// the checks in flight are yielded with Status Error and an Err wrapping the
// context's error; the domains never started are not yielded. An invalid
// expectation yields one Error result per domain with Category
// "invalid-expectation" and sends nothing.
func (c *Checker) CheckAll(ctx context.Context, domains []string, want Expectation) iter.Seq[Result] {
	return func(yield func(Result) bool) {
		x, err := compileExpectation(want)
		if err != nil {
			for _, d := range domains {
				if !yield(invalidExpectation(d, err)) {
					return
				}
			}
			return
		}
		if len(domains) == 0 {
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		workers := min(c.concurrency, len(domains))
		out := make(chan Result, workers)
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= len(domains) || ctx.Err() != nil {
						return
					}
					out <- c.check(ctx, domains[i], x)
				}
			}()
		}
		go func() {
			wg.Wait()
			close(out)
		}()
		for r := range out {
			if !yield(r) {
				cancel()
				break
			}
		}
		for range out {
			// Drain so that every worker can finish.
		}
	}
}

func invalidExpectation(input string, err error) Result {
	return Result{
		Input: input, Status: StatusError, Category: CategoryInvalidExpectation, Err: err,
		Detail: "The expected nameservers are invalid (" + err.Error() + "); fix the expectation and run the check again.",
	}
}

// check is Check with a compiled expectation.
func (c *Checker) check(ctx context.Context, input string, x *expectation) (r Result) {
	start := time.Now()
	r.Input = input
	defer func() { r.Duration = time.Since(start) }()

	d, unicode, err := normalizeName(input, 2)
	if err != nil {
		r.fail(CategoryInvalidDomain, fmt.Errorf("%w %q: %w", ErrInvalidDomain, input, err),
			fmt.Sprintf("%q is not a valid domain name (%v); correct the domain on the account.", strings.TrimSpace(input), err))
		return r
	}
	r.Domain, r.Unicode, r.Zone = display(d), unicode, display(d)
	chain, isSuffix := registryChain(d)
	if isSuffix {
		r.fail(CategoryInvalidDomain, fmt.Errorf("%w: %s is a public suffix", ErrInvalidDomain, r.Domain),
			r.Domain+" is a public suffix run by a registry, not a domain anyone registers; correct the domain on the account.")
		return r
	}

	e, err := c.zone(ctx, chain[len(chain)-1])
	if err != nil {
		c.dnsFailed(ctx, &r, x, d, err)
		return r
	}
	if e.missing {
		if tld := c.zones.get(chain[0], time.Now()); tld != nil && tld.missing {
			r.fail(CategoryTLDNotSupported, fmt.Errorf("nsscan: top-level domain %s does not exist", display(chain[0])),
				"The top-level domain ."+display(chain[0])+" does not exist in the root zone; check the domain name for a typo.")
			return r
		}
		r.fail(CategoryNotDelegated, fmt.Errorf("nsscan: suffix %s does not exist", display(e.key)),
			"The registry zone "+display(e.key)+" does not exist, so "+r.Domain+" cannot be delegated; check the domain name for a typo.")
		return r
	}

	first, n, err := c.descend(ctx, d, e, nil)
	r.Attempts += n
	if err != nil {
		c.descentFailed(ctx, &r, x, d, first, err)
		return r
	}
	if out := first.outcome(x); (out == outcomeIncorrect || out == outcomeMissing) && first.alternative() {
		// A negative verdict can end in a termination: descend again, past
		// other servers wherever a zone has them, and condemn only if the
		// two agree.
		second, n, err := c.descend(ctx, d, e, first.used())
		r.Attempts += n
		var se *stepError
		switch {
		case err == nil && (second.outcome(x) != out || second.judged().rep.owner != first.judged().rep.owner):
			a, b := first.last(), second.last()
			r.ParentServer = first.judged().rep.server.String()
			if len(first.hops) > 1 {
				r.Path = first.steps()
			}
			r.fail(CategoryUnableToCheck, fmt.Errorf("nsscan: servers disagree about %s", r.Domain),
				fmt.Sprintf("The servers asked disagree about %s (%s: %s; %s: %s); check again later, once they have synchronised.",
					r.Domain, a.rep.server, answerText(d, a.rep), b.rep.server, answerText(d, b.rep)))
			return r
		case errors.As(err, &se) && se.ctxErr != nil:
			r.fail(CategoryTimeout, se, "The check of "+r.Domain+" was cancelled before a second server confirmed the answer; run it again.")
			return r
		}
		// Agreement, or no second server could answer: the first
		// authoritative answer stands.
	}
	c.verdict(ctx, &r, x, d, e.apex, &first)
	return r
}

// outcome is the verdict a reply leads to, for comparing two servers.
type outcome int

const (
	outcomeCorrect outcome = iota
	outcomeIncorrect
	outcomeMissing
	outcomeNotAZone
	outcomeAlias
)

func outcomeOf(r reply, x *expectation) outcome {
	switch r.kind {
	case kReferral, kAuthNS:
		if x.judge(r.ns, r.glue).correct {
			return outcomeCorrect
		}
		return outcomeIncorrect
	case kNXDomain:
		return outcomeMissing
	case kAlias:
		return outcomeAlias
	}
	return outcomeNotAZone
}

// verdict fills r from a descent that ended in a usable answer.
func (c *Checker) verdict(ctx context.Context, r *Result, x *expectation, d, apex string, dsc *descent) {
	if len(dsc.hops) > 1 {
		r.Path = dsc.steps()
	}
	j := dsc.judged()
	rep := j.rep
	r.ParentServer = rep.server.String()
	r.Source = SourceReferral
	switch rep.kind {
	case kReferral, kAuthNS:
		if rep.kind == kAuthNS {
			r.Source = SourceParentAuthoritative
		}
		parent := ""
		if j.zone != apex {
			parent = j.zone
		}
		note := ""
		if dsc.enclosed() {
			r.Zone = display(rep.owner)
			said := dsc.last()
			note = fmt.Sprintf("The server %s of %s answered that %s has no delegation of its own (%s), so the enclosing zone %s was judged: ",
				said.rep.server, r.Zone, r.Domain, noCutReason(said.rep), r.Zone)
		}
		r.judge(x, rep.ns, rep.glue, note, parent)
	case kNXDomain:
		detail := "The registry has no delegation for " + r.Domain + " (expired, on hold or never registered); check the registration with the registrar."
		if reg := registrable(d); reg != d {
			detail = "The registry has no delegation for " + r.Domain + " or its registrable domain " + display(reg) + " (expired, on hold or never registered); check the registration with the registrar."
		}
		if c.rdap != nil {
			why, n := c.rdap.explain(ctx, registrable(d))
			r.Attempts += n
			if why != "" {
				detail = "The registry has no delegation for " + r.Domain + " and " + why + "; check the registration with the registrar."
			}
		}
		r.fail(CategoryNotDelegated, fmt.Errorf("nsscan: %s is not delegated", r.Domain), detail)
	case kAlias:
		r.fail(CategoryAlias, fmt.Errorf("nsscan: %s is an alias of %s", r.Domain, display(rep.target)),
			"The registry has "+r.Domain+" as an alias (CNAME) of "+display(rep.target)+", not as a delegated zone; check the domain name on the account.")
	default:
		r.fail(CategoryNotAZone, fmt.Errorf("nsscan: %s is not a zone cut", r.Domain),
			"The name "+r.Domain+" exists inside the registry zone "+display(apex)+" but is not delegated to any nameservers; check the domain name on the account.")
	}
}

// judge fills the lists, the status and the detail from a delegation made
// by the registry, or, when parent is not "", by the zone parent below it.
func (r *Result) judge(x *expectation, ns []string, glue map[string][]netip.Addr, note, parent string) {
	by, fix := "the registry", "at their registrar"
	if parent != "" {
		by, fix = "the parent zone "+display(parent), "in the zone "+display(parent)
	}
	v := x.judge(ns, glue)
	r.Nameservers = displayAll(ns)
	r.Matched, r.Missing, r.Unexpected = v.matched, v.missing, v.unexpected
	if v.correct {
		r.Status = StatusCorrect
		extra := ""
		if len(v.unexpected) > 0 {
			extra = " and also to " + list(v.unexpected)
		}
		r.Detail = fmt.Sprintf("%s%s delegates %s to %d of the expected nameservers (%d required)%s; nothing to do.",
			note, by, r.Zone, len(v.matched), x.min, extra)
	} else {
		r.Status = StatusIncorrect
		r.Detail = fmt.Sprintf("%s%s delegates %s to %s, %d of them expected (%d required); ask the customer to set the nameservers to %s %s.",
			note, by, r.Zone, list(r.Nameservers), len(v.matched), x.min, strings.Join(x.public.Nameservers, ", "), fix)
	}
	r.Detail = upperFirst(r.Detail)
}

// list joins names for a sentence, shortening long lists.
func list(names []string) string {
	const show = 4
	if len(names) <= show {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:show], ", ") + " and " + itoa(len(names)-show) + " more"
}

// fail makes r an Error result.
func (r *Result) fail(category Category, err error, detail string) {
	r.Status, r.Category, r.Err, r.Detail = StatusError, category, err, detail
}

// descentFailed handles a descent that stopped at a zone whose servers could
// not answer. At the registry's zone the configured fallbacks may still
// answer; below it they cannot (they know only the registrable domain's
// delegation, not whether the zone below delegates the name further), so
// the check ends as an Error naming the zone, never as a verdict.
func (c *Checker) descentFailed(ctx context.Context, r *Result, x *expectation, d string, dsc descent, err error) {
	if len(dsc.hops) == 0 {
		c.dnsFailed(ctx, r, x, d, err)
		return
	}
	r.Path = dsc.steps()
	ref := dsc.last()
	r.ParentServer = ref.rep.server.String()
	var se *stepError
	if !errors.As(err, &se) {
		se = &stepError{zone: ref.rep.owner, reasons: []string{err.Error()}}
	}
	cat := se.category()
	lead := fmt.Sprintf("The server %s of %s refers %s to the zone %s", ref.rep.server, displayZone(ref.zone), r.Domain, display(se.zone))
	var detail string
	switch {
	case se.ctxErr != nil:
		detail = "The check of " + r.Domain + " was cancelled or ran out of time before the zone " + display(se.zone) + " answered; run it again."
	case cat == CategoryRateLimited:
		detail = "The per-server query limit would have delayed the check of " + r.Domain + " past its deadline; lower the concurrency or allow more time."
	case se.tooDeep:
		detail = fmt.Sprintf("The delegation of %s runs through more than %d zones below the registry (the last one asked: %s); a chain that deep is taken for a misconfiguration or an attack, so %s was not judged.",
			r.Domain, maxDescent-1, display(ref.zone), r.Domain)
	case cat == CategoryTimeout:
		detail = fmt.Sprintf("%s, but none of its servers answered within %s (%d queries), so whether %s is delegated further is unknown; try again later.",
			lead, c.timeout, len(se.reasons), r.Domain)
	default:
		detail = lead + ", but every server of that zone that was tried failed (" + strings.Join(se.reasons, "; ") + "), so whether " + r.Domain +
			" is delegated further is unknown; try again later, and tell the owner of " + display(se.zone) + " if it persists."
	}
	r.fail(cat, se, detail)
}

// displayZone names a zone for a sentence; the root is "the root".
func displayZone(z string) string {
	if z == "." {
		return "the root"
	}
	return display(z)
}

// dnsFailed handles a check whose DNS step failed: it asks the configured
// fallbacks, or reports the DNS failure.
func (c *Checker) dnsFailed(ctx context.Context, r *Result, x *expectation, d string, err error) {
	var se *stepError
	if !errors.As(err, &se) {
		se = &stepError{reasons: []string{err.Error()}}
	}
	cat := se.category()
	var dnsDetail string
	switch cat {
	case CategoryTimeout:
		if se.ctxErr != nil {
			dnsDetail = "The check of " + r.Domain + " was cancelled or ran out of time before the registry answered; run it again."
		} else {
			dnsDetail = fmt.Sprintf("No server of the %s registry answered within %s (%d queries); try again later, and check this host's DNS connectivity if it keeps happening.",
				display(se.zone), c.timeout, len(se.reasons))
		}
	case CategoryRateLimited:
		dnsDetail = "The per-server query limit would have delayed the check of " + r.Domain + " past its deadline; lower the concurrency or allow more time."
	default:
		dnsDetail = "Every server of the " + display(se.zone) + " registry that was tried failed (" + strings.Join(se.reasons, "; ") + "); try again later."
	}
	if cat == CategoryRateLimited || se.ctxErr != nil || (c.rdap == nil && c.whois == nil) {
		r.fail(cat, se, dnsDetail)
		return
	}
	c.fallback(ctx, r, x, d, se)
}

// fallback asks RDAP, then WHOIS, for the registrable domain's nameservers.
func (c *Checker) fallback(ctx context.Context, r *Result, x *expectation, d string, dnsErr error) {
	name := registrable(d)
	note := "DNS could not answer (" + dnsErr.Error() + "); "
	var errs []error
	limited := false
	if c.rdap != nil {
		ns, base, n, err := c.rdap.nameservers(ctx, name)
		r.Attempts += n
		switch {
		case err == nil:
			r.Source, r.ParentServer, r.Zone = SourceRDAP, base, display(name)
			c.judgeFallback(r, x, d, name, ns, note, "the registry's RDAP service", dnsErr)
			return
		case errors.Is(err, ErrNotRegistered):
			r.Source, r.ParentServer, r.Zone = SourceRDAP, base, display(name)
			r.fail(CategoryNotDelegated, err, "The registry's RDAP service has no registration for "+display(name)+"; check the registration with the registrar.")
			return
		case errors.Is(err, ErrRateLimited):
			limited = true
		}
		errs = append(errs, err)
	}
	if c.whois != nil {
		r.Attempts++
		rec, err := callWhois(ctx, c.whois, strings.TrimSuffix(name, "."))
		switch {
		case err == nil && len(rec.Nameservers) > 0:
			var ns []string
			for _, n := range rec.Nameservers {
				if fq, _, nerr := normalizeName(n, 1); nerr == nil {
					ns = append(ns, fq)
				}
			}
			if len(ns) > 0 {
				r.Source, r.ParentServer, r.Zone = SourceWhois, rec.Server, display(name)
				c.judgeFallback(r, x, d, name, uniqueSorted(ns), note, "the registry's WHOIS", dnsErr)
				return
			}
			err = fmt.Errorf("nsscan: whois %s: no valid nameserver names", display(name))
		case err == nil:
			err = fmt.Errorf("nsscan: whois %s: no nameservers in the answer", display(name))
		case errors.Is(err, ErrNotRegistered):
			r.Source, r.ParentServer, r.Zone = SourceWhois, rec.Server, display(name)
			r.fail(CategoryNotDelegated, err, "The registry's WHOIS has no registration for "+display(name)+"; check the registration with the registrar.")
			return
		case errors.Is(err, ErrRateLimited):
			limited = true
		}
		errs = append(errs, err)
	}
	all := errors.Join(append([]error{dnsErr}, errs...)...)
	if limited {
		r.fail(CategoryRateLimited, all, "DNS could not answer for "+r.Domain+" and the registry's RDAP or WHOIS service refused with a rate limit; try again later.")
		return
	}
	r.fail(CategoryUnableToObtainWhois, all, "DNS could not answer for "+r.Domain+" and neither RDAP nor WHOIS gave its nameservers ("+joinErrs(errs)+"); check the domain at its registrar.")
}

// judgeFallback judges the nameservers a registry service gave for name,
// d's registrable domain. When d lies below name, they cannot decide: the
// zone name may delegate d further, which only its DNS servers can tell, so
// the check ends as an Error with the DNS failure's category.
func (c *Checker) judgeFallback(r *Result, x *expectation, d, name string, ns []string, note, service string, dnsErr error) {
	if d == name {
		r.judge(x, ns, nil, note+"according to "+service+", ", "")
		return
	}
	cat := CategoryUnableToCheck
	var se *stepError
	if errors.As(dnsErr, &se) {
		cat = se.category()
	}
	r.Nameservers, r.Source, r.ParentServer = nil, "", ""
	r.fail(cat, dnsErr, fmt.Sprintf("DNS could not answer for %s (%v); %s lists %s's nameservers as %s, but whether %s is delegated further below %s only DNS can tell; try again later.",
		r.Domain, dnsErr, service, display(name), list(displayAll(ns)), r.Domain, display(name)))
	r.Zone = r.Domain
}

func joinErrs(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
