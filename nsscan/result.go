package nsscan

import (
	"encoding/json"
	"errors"
	"time"
)

// Status is the verdict on one domain.
type Status string

// The three verdicts. Only StatusIncorrect is a finding about the domain;
// StatusError means the check could not decide, and Result.Category says why.
const (
	// StatusCorrect: the delegation has at least MinMatches of the expected
	// nameservers.
	StatusCorrect Status = "correct"
	// StatusIncorrect: the registry delegates the domain, confirmed by a second
	// registry server where there is one, and too few of its nameservers are
	// the expected ones.
	StatusIncorrect Status = "incorrect"
	// StatusError: no verdict; Category and Detail say why.
	StatusError Status = "error"
)

// Category says why a check ended in [StatusError]: a machine-readable
// reason beside the human Detail. Correct and Incorrect results have an
// empty Category.
type Category string

// The categories of an Error result.
const (
	// CategoryInvalidDomain: the input is not a domain name that can be
	// delegated (bad characters, one label, an IP address, a public suffix).
	CategoryInvalidDomain Category = "invalid-domain"
	// CategoryTLDNotSupported: the root zone has no such top-level domain.
	CategoryTLDNotSupported Category = "tld-not-supported"
	// CategoryNotDelegated: the registry answered authoritatively that the
	// name does not exist (expired, on hold, never registered), confirmed by
	// a second registry server where there is one.
	CategoryNotDelegated Category = "not-delegated"
	// CategoryAlias: the registry has a CNAME at the name, not a delegation.
	CategoryAlias Category = "alias"
	// CategoryNotAZone: the name exists inside the registry's zone but is not
	// delegated.
	CategoryNotAZone Category = "not-a-zone"
	// CategoryUnableToCheck: every registry server tried failed (SERVFAIL,
	// REFUSED, lame, malformed or looping answers) and no fallback answered.
	CategoryUnableToCheck Category = "unable-to-check-nameservers"
	// CategoryTimeout: no registry server answered in time, or the check was
	// cancelled, and no fallback answered.
	CategoryTimeout Category = "timeout"
	// CategoryUnableToObtainWhois: DNS could not answer and the configured
	// RDAP and WHOIS fallbacks gave no nameservers either.
	CategoryUnableToObtainWhois Category = "unable-to-obtain-whois"
	// CategoryRateLimited: a per-server rate limit would have delayed the
	// check past its context's deadline, or a registry service refused with a
	// rate-limit answer.
	CategoryRateLimited Category = "rate-limited"
	// CategoryInvalidExpectation: the Expectation itself was invalid; see
	// [Expectation.Normalize]. Every result of the call has it.
	CategoryInvalidExpectation Category = "invalid-expectation"
)

// Source says where the delegation behind a verdict came from.
type Source string

// The sources of a verdict.
const (
	// SourceReferral: a referral from a server of the parent zone.
	SourceReferral Source = "dns-referral"
	// SourceParentAuthoritative: the parent's server is also authoritative
	// for the domain and answered its NS set directly.
	SourceParentAuthoritative Source = "dns-parent-aa"
	// SourceRDAP: the registry's RDAP service.
	SourceRDAP Source = "rdap"
	// SourceWhois: the registry's WHOIS service.
	SourceWhois Source = "whois"
)

// Result is the verdict on one domain and the evidence behind it. Name lists
// hold lower-case A-labels without the final dot, sorted.
type Result struct {
	// Input is the string the caller passed, unchanged.
	Input string `json:"input"`
	// Domain is the normalised A-label form of Input; empty when Input is
	// not a valid name.
	Domain string `json:"domain"`
	// Unicode is Domain with its A-labels shown as U-labels.
	Unicode string `json:"unicode"`
	// Zone is the zone whose delegation was judged: Domain itself, or the
	// enclosing delegated zone when Domain is a name inside it.
	Zone string `json:"zone"`
	// Status is the verdict.
	Status Status `json:"status"`
	// Category says why Status is Error; empty otherwise.
	Category Category `json:"category,omitempty"`
	// Nameservers is the delegation as the source gave it.
	Nameservers []string `json:"nameservers"`
	// Matched are the delegated nameservers that match an expected entry.
	Matched []string `json:"matched"`
	// Missing are the expected entries no delegated nameserver matched.
	Missing []string `json:"missing"`
	// Unexpected are the delegated nameservers that match no expected entry.
	Unexpected []string `json:"unexpected"`
	// Source is where the delegation came from (SourceReferral, ...).
	Source Source `json:"source,omitempty"`
	// ParentServer is the server that gave the verdict, as
	// "name (address:port)" for DNS, the base URL for RDAP and host:port for
	// WHOIS.
	ParentServer string `json:"parentServer,omitempty"`
	// Path lists the DNS answers the verdict rests on when a zone below the
	// registry took part (a second-level registry, or a parent domain on
	// servers of its own), one per zone asked, from the registry's zone
	// down: a referral to each zone between the registry and Domain, then
	// the answer about Domain itself, or the zone whose servers failed.
	// When Zone is an enclosing zone, the last step is the server of that
	// zone that answered Domain has no delegation of its own. Nil when the
	// registry's server answered for Domain directly (ParentServer and
	// Nameservers say it all) or gave no usable answer.
	Path []Step `json:"path,omitempty"`
	// Attempts counts the queries sent for this domain: DNS queries over UDP
	// and TCP, including the confirming one, plus RDAP and WHOIS requests.
	// Queries that find and cache the registry's own servers are shared by
	// every domain and not counted, so the figure does not depend on which
	// check happened to run first.
	Attempts int `json:"attempts"`
	// Duration is the wall time of the check.
	Duration time.Duration `json:"durationNs"`
	// Detail is one sentence a support agent can act on.
	Detail string `json:"detail"`
	// Err is the underlying error of an Error result (nil otherwise). It
	// wraps context errors, [ErrInvalidExpectation], [ErrNotRegistered] and
	// [ErrRateLimited] where they apply. JSON carries its text as "error".
	Err error `json:"-"`
}

// Step is one answer on the way from a domain's registry down to the
// domain.
type Step struct {
	// Zone is the zone whose server was asked.
	Zone string `json:"zone"`
	// Server is the server that answered, as "name (address:port)".
	Server string `json:"server"`
	// Answer says what it answered about the domain, in a few words.
	Answer string `json:"answer"`
}

// MarshalJSON encodes the result with Err as its message in "error".
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	out := struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain: plain(r)}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes what MarshalJSON encodes; "error" becomes an opaque
// error with the same message.
func (r *Result) UnmarshalJSON(b []byte) error {
	type plain Result
	var in struct {
		plain
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*r = Result(in.plain)
	if in.Error != "" {
		r.Err = errors.New(in.Error)
	}
	return nil
}
