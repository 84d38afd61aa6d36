package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/accountsync/accountsync/provider"
)

// byteSource turns fuzz input into choices; it yields zeros when drained.
type byteSource struct{ b []byte }

func (s *byteSource) next() int {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return int(c)
}

func (s *byteSource) pick(n int) int { return s.next() % n }

var (
	fuzzKeys     = []string{"a.example", "A.EXAMPLE.", "b.example", "bücher.de", "xn--bcher-kva.de", "c.example", "", "-bad.example", "d.example", "e.example", "f.example", " g.example "}
	fuzzEmails   = []string{"x@example.org", "X@Example.org", "y@example.org", "", "not-an-address"}
	fuzzPackages = []string{"silver", "gold", "", "SILVER"}
	fuzzIPs      = []string{"", "192.0.2.1", "192.0.2.2", "::ffff:192.0.2.1"}
	fuzzRemote   = []provider.Status{provider.StatusActive, provider.StatusSuspended, provider.StatusActive, "", "Terminated"}
	fuzzLocal    = []ServiceStatus{ServiceStatusActive, ServiceStatusSuspended, ServiceStatusPending, ServiceStatusTerminated, ServiceStatusCancelled, ServiceStatusFraud, ServiceStatusCompleted, ServiceStatusActive, ServiceStatusSuspended, "Weird"}
)

// fuzzWorld builds listings and options from fuzz input.
func fuzzWorld(data []byte) ([]provider.Account, []Service, Options) {
	s := &byteSource{b: data}
	var remote []provider.Account
	for range s.pick(12) {
		remote = append(remote, provider.Account{
			Domain: fuzzKeys[s.pick(len(fuzzKeys))], Email: fuzzEmails[s.pick(len(fuzzEmails))],
			Username: fmt.Sprintf("u%d", s.pick(4)), Product: fuzzPackages[s.pick(len(fuzzPackages))],
			PrimaryIP: fuzzIPs[s.pick(len(fuzzIPs))], Status: fuzzRemote[s.pick(len(fuzzRemote))],
		})
	}
	var local []Service
	for i := range s.pick(12) {
		id := fmt.Sprint(i + 1)
		switch s.pick(16) {
		case 0:
			id = ""
		case 1:
			id = "1" // repeats the first service's ID
		}
		local = append(local, Service{
			ID: id, Domain: fuzzKeys[s.pick(len(fuzzKeys))], ClientEmail: fuzzEmails[s.pick(len(fuzzEmails))],
			Username: fmt.Sprintf("u%d", s.pick(4)), Package: fuzzPackages[s.pick(len(fuzzPackages))],
			DedicatedIP: fuzzIPs[s.pick(len(fuzzIPs))], Status: fuzzLocal[s.pick(len(fuzzLocal))],
		})
	}
	flags := s.next()
	opts := Options{
		Now:                           testNow,
		TerminateLocal:                flags&1 != 0,
		TerminateRemote:               flags&2 != 0,
		TerminateIncorrectNameservers: flags&4 != 0,
		AllowEmpty:                    flags&8 != 0,
		Force:                         flags&16 != 0,
		Mode:                          Mode(s.pick(3)),
		StatusAuthority:               Side(s.pick(2)),
		ConfirmRuns:                   s.pick(4),
		MaxActions:                    s.pick(5),
		Nameservers:                   map[string]bool{},
		SeenMissing:                   map[string]int{},
	}
	if flags&32 != 0 {
		opts.Clients = map[string]string{"x@example.org": "1"}
	}
	if flags&64 != 0 {
		opts.Products = map[string]string{"silver": "7"}
	}
	valid := []string{"a.example", "b.example", "xn--bcher-kva.de", "c.example", "d.example"}
	for _, k := range valid {
		switch s.pick(4) {
		case 1:
			opts.Nameservers[k] = false
		case 2:
			opts.Nameservers[k] = true
		}
		if n := s.pick(4); n > 0 {
			opts.SeenMissing[k] = n - 1
		}
		if flags&128 != 0 && s.pick(2) == 0 {
			opts.Selection = append(opts.Selection, k)
		}
	}
	return remote, local, opts
}

func FuzzDiff(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x05\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x01\x00\x00\x00\x00"))
	f.Add(bytes.Repeat([]byte{7, 3, 1, 2, 9, 4, 255, 0, 13}, 20))
	f.Add(bytes.Repeat([]byte{11, 5, 3, 1, 6, 2, 1, 0}, 30))
	f.Fuzz(func(t *testing.T, data []byte) {
		remote, local, opts := fuzzWorld(data)
		p, err := Diff(remote, local, opts)
		var unsafe *UnsafePlanError
		switch {
		case errors.As(err, &unsafe):
			if opts.Force {
				t.Fatalf("Force set, yet %v", err)
			}
			p = unsafe.Plan
		case err != nil:
			t.Fatalf("Diff: %v", err)
		}
		checkPlan(t, remote, local, opts, p)

		// The same inputs in another order give the same bytes.
		want, _ := json.Marshal(p)
		r, l := slices.Clone(remote), slices.Clone(local)
		slices.Reverse(r)
		slices.Reverse(l)
		q, err := Diff(r, l, opts)
		if errors.As(err, &unsafe) {
			q = unsafe.Plan
		}
		if got, _ := json.Marshal(q); !bytes.Equal(got, want) {
			t.Fatalf("reversed inputs give another plan:\n got %s\nwant %s", got, want)
		}
		var back Plan
		if err := json.Unmarshal(want, &back); err != nil {
			t.Fatalf("the plan does not read back: %v", err)
		}
	})
}

// checkPlan asserts the invariants every plan must hold.
func checkPlan(t *testing.T, remote []provider.Account, local []Service, opts Options, p *Plan) {
	t.Helper()
	norm := newNormalizer("domain")
	conflicted := map[string]bool{}
	for _, c := range p.Conflicts {
		conflicted[c.Key] = true
	}
	planned := slices.Concat(p.Actions, p.Deferred)
	all := slices.Concat(planned, p.Held)

	// Order: kind order, then key; nothing destructive before the rest.
	for _, list := range [][]Action{p.Actions, p.Deferred, p.Held} {
		for i := 1; i < len(list); i++ {
			a, b := list[i-1], list[i]
			if a.Kind.rank() > b.Kind.rank() || (a.Kind == b.Kind && a.Key > b.Key) {
				t.Fatalf("actions out of order: %s %s before %s %s", a.Kind, a.Key, b.Kind, b.Key)
			}
		}
	}

	counts := map[Kind]int{}
	for _, a := range planned {
		counts[a.Kind]++
	}
	if !mapsEqual(counts, p.Counts) {
		t.Fatalf("Counts %v, want %v", p.Counts, counts)
	}

	// Records per key, computed here rather than taken from the plan.
	type side struct {
		remote []provider.Account
		local  []Service
	}
	keys := map[string]*side{}
	at := func(k string) *side {
		if keys[k] == nil {
			keys[k] = &side{}
		}
		return keys[k]
	}
	for _, a := range remote {
		if k, err := norm.key(a.Domain); err == nil {
			at(k).remote = append(at(k).remote, a)
		}
	}
	for _, s := range local {
		if k, err := norm.key(s.Domain); err == nil {
			at(k).local = append(at(k).local, s)
		}
	}
	acted := map[string]bool{}
	for _, a := range all {
		if a.Kind != KindCreateClient && a.Kind != KindCreateProduct {
			acted[a.Key] = true
		}
	}
	liveLocal := 0
	for _, s := range local {
		if s.Status.live() {
			liveLocal++
		}
	}

	for _, a := range all {
		if a.Kind == KindCreateClient || a.Kind == KindCreateProduct {
			continue
		}
		if conflicted[a.Key] {
			t.Fatalf("%s planned for conflicted key %q", a.Kind, a.Key)
		}
	}

	// A service ID held by two services makes both keys conflicts.
	ids := map[string]int{}
	for _, s := range local {
		if s.ID != "" {
			ids[s.ID]++
		}
	}
	for _, s := range local {
		if k, err := norm.key(s.Domain); err == nil && ids[s.ID] > 1 && !conflicted[k] {
			t.Fatalf("service ID %s is repeated, yet key %q is not a conflict", s.ID, k)
		}
	}
	for _, a := range planned {
		switch a.Kind {
		case KindTerminateLocal:
			if !opts.TerminateLocal {
				t.Fatalf("terminate-local %s without TerminateLocal", a.Key)
			}
			if n := p.SeenMissing[a.Key]; n < opts.ConfirmRuns {
				t.Fatalf("terminate-local %s after %d of %d runs", a.Key, n, opts.ConfirmRuns)
			}
		case KindTerminateRemote:
			if !opts.TerminateRemote {
				t.Fatalf("terminate-remote %s without TerminateRemote", a.Key)
			}
			if a.Local == nil {
				t.Fatalf("terminate-remote %s for an account billing does not know", a.Key)
			}
			if a.Local.Status.open() && !(opts.TerminateIncorrectNameservers && opts.Nameservers[a.Key] == false) {
				t.Fatalf("terminate-remote %s for open service %s without an incorrect-nameserver verdict", a.Key, a.Local.ID)
			}
		case KindImport:
			if len(keys[a.Key].local) > 0 {
				t.Fatalf("import %s though billing has the key", a.Key)
			}
		}
		if (a.Kind == KindExport || a.Kind.Destructive()) && len(remote) == 0 && liveLocal > 0 && !opts.AllowEmpty {
			t.Fatalf("%s %s planned against an empty server listing", a.Kind, a.Key)
		}
	}

	// MaxActions caps the work; the needed products and clients come along.
	work := 0
	products, clients := map[string]bool{}, map[string]bool{}
	for _, a := range p.Actions {
		switch a.Kind {
		case KindCreateProduct:
			products[a.Key] = true
		case KindCreateClient:
			clients[a.Key] = true
		case KindReview:
		default:
			work++
		}
	}
	if opts.MaxActions > 0 && (work > opts.MaxActions || (len(p.Deferred) > 0 && work < opts.MaxActions && hasWork(p.Deferred))) {
		t.Fatalf("%d actions kept with MaxActions %d and %d deferred", work, opts.MaxActions, len(p.Deferred))
	}
	for i := range p.Actions {
		if pkg, ok := p.Actions[i].needsProduct(); ok && !products[pkg] {
			t.Fatalf("%s %s needs product %q, which the run does not create", p.Actions[i].Kind, p.Actions[i].Key, pkg)
		}
		if c, ok := p.Actions[i].needsClient(); ok && !clients[c] {
			t.Fatalf("%s %s needs client %q, which the run does not create", p.Actions[i].Kind, p.Actions[i].Key, c)
		}
	}

	// Every key is in sync or acted on; a key that differs is acted on.
	if opts.Mode != ModeSynchronize || len(opts.Selection) > 0 {
		return
	}
	valid := 0
	for k, sd := range keys {
		if conflicted[k] {
			continue
		}
		valid++
		var open, ended []Service
		for _, s := range sd.local {
			if s.Status.open() {
				open = append(open, s)
			} else {
				ended = append(ended, s)
			}
		}
		var holder *Service
		switch {
		case len(open) == 1:
			holder = &open[0]
		case len(open) == 0 && len(ended) == 1:
			holder = &ended[0]
		}
		differs := false
		switch {
		case len(sd.remote) == 1 && len(sd.local) == 0:
			differs = true // import or review
		case len(sd.remote) == 0 && holder != nil && holder.Status.live():
			differs = true // export or terminate-local
		case len(sd.remote) == 1 && holder != nil:
			switch holder.Status {
			case ServiceStatusPending, ServiceStatusTerminated, ServiceStatusCancelled, ServiceStatusFraud:
				differs = true
			case ServiceStatusActive, ServiceStatusSuspended:
				differs = ServiceStatus(sd.remote[0].Status) != holder.Status
			}
		}
		if differs && !acted[k] {
			t.Fatalf("key %q differs but the plan neither acts on it nor holds it", k)
		}
	}
	if p.InSync+len(acted) != valid {
		t.Fatalf("%d in sync + %d acted on != %d valid keys", p.InSync, len(acted), valid)
	}
}

func hasWork(as []Action) bool {
	return slices.ContainsFunc(as, func(a Action) bool {
		return a.Kind != KindReview && a.Kind != KindCreateClient && a.Kind != KindCreateProduct
	})
}

func mapsEqual(a, b map[Kind]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
