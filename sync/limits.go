package sync

import (
	"fmt"
	"strings"
)

// judge checks the plan against Options.ExpectFingerprint and, unless
// Options.Force, the limits.
func (d *differ) judge(p *Plan) error {
	if want := strings.TrimSpace(d.cfg.ExpectFingerprint); want != "" && !strings.EqualFold(want, p.Fingerprint) {
		return fmt.Errorf("sync: diff: %w: the inputs now give fingerprint %.12s, not the approved %.12s", ErrStalePlan, p.Fingerprint, want)
	}
	if !d.cfg.Force {
		return d.checkLimits(p)
	}
	return nil
}

// keep marks the sorted actions that fit Options.MaxActions, or returns
// nil when there is no cap. Reviews are always kept, and a CreateProduct or
// CreateClient is kept exactly when a kept action needs it.
func (d *differ) keep() []bool {
	max := d.cfg.MaxActions
	if max <= 0 {
		return nil
	}
	keep := make([]bool, len(d.actions))
	products, clients := map[string]bool{}, map[string]bool{}
	work := 0
	for i := range d.actions {
		a := &d.actions[i]
		switch a.Kind {
		case KindReview:
			keep[i] = true
		case KindCreateProduct, KindCreateClient:
		default:
			if work < max {
				keep[i] = true
				work++
				if p, ok := a.needsProduct(); ok {
					products[p] = true
				}
				if c, ok := a.needsClient(); ok {
					clients[c] = true
				}
			}
		}
	}
	for i := range d.actions {
		switch a := &d.actions[i]; a.Kind {
		case KindCreateProduct:
			keep[i] = products[a.Key]
		case KindCreateClient:
			keep[i] = clients[a.Key]
		}
	}
	return keep
}

// judgeImports decides whether the imports may exceed
// Limits.MaxImportFraction of the population, and says why in a sentence
// for Plan.Imports ("" when they are within it).
//
// The import limit is there for a server whose known accounts suddenly
// look unknown to billing: a wrong key field or a wrong server gives a
// billing listing whose services the server does not list, beside a
// server listing whose accounts billing does not know, and importing them
// would give every customer a second service. A server billing has never
// seen, or one imported in MaxActions batches, has the second half of that
// picture but not the first: the services billing holds for it are on it.
// So imports beyond the fraction are allowed when billing has no live
// service for the server (a first import), or when no more than
// MaxImportFraction of its live services are missing from the server; and
// refused otherwise. What the rule cannot see is a billing listing cut
// short: a Store must return an error rather than part of a listing.
func (d *differ) judgeImports(p *Plan) (note string, held bool) {
	l := d.cfg.limits
	n := p.Counts[KindImport]
	if d.population < l.MinPopulation || d.population == 0 || float64(n) <= l.MaxImportFraction*float64(d.population) {
		return "", false
	}
	known, found := d.liveLocal, d.liveFound
	switch {
	case known == 0:
		return fmt.Sprintf("%d imports are not limited: billing has no live service on this server, so this is its first import", n), false
	case float64(known-found) <= l.MaxImportFraction*float64(known):
		return fmt.Sprintf("%d imports are not limited: %d of billing's %d live services are on the server, so the accounts billing lacks are new to it", n, found, known), false
	}
	note = fmt.Sprintf("%d imports are held: only %d of billing's %d live services are on the server, so the accounts billing lacks may be ones it knows under another key; check the key field and the server", n, found, known)
	if d.cfg.Force {
		note += " (forced)"
	}
	return note, true
}

func (d *differ) checkLimits(p *Plan) error {
	l := d.cfg.limits
	classes := []struct {
		name  string
		count int
		max   float64
	}{
		{"terminations", p.Counts[KindTerminateLocal] + p.Counts[KindTerminateRemote], l.MaxTerminateFraction},
		{"imports", p.Counts[KindImport], l.MaxImportFraction},
		{"exports", p.Counts[KindExport], l.MaxExportFraction},
		{"updates", p.Counts[KindUpdateLocal] + p.Counts[KindSuspendLocal] + p.Counts[KindUnsuspendLocal] +
			p.Counts[KindSuspendRemote] + p.Counts[KindUnsuspendRemote], l.MaxUpdateFraction},
	}
	for i, c := range classes {
		if i == 0 && l.MaxTerminations >= 0 && c.count > l.MaxTerminations {
			return &UnsafePlanError{Class: c.name, Count: c.count, Population: d.population, MaxCount: l.MaxTerminations, Plan: p}
		}
		if c.name == "imports" {
			if d.importsHeld {
				return &UnsafePlanError{Class: c.name, Count: c.count, Population: d.population, MaxFraction: c.max, Detail: p.Imports, Plan: p}
			}
			continue // within the fraction, or allowed past it (judgeImports)
		}
		if d.population >= l.MinPopulation && d.population > 0 && float64(c.count) > c.max*float64(d.population) {
			return &UnsafePlanError{Class: c.name, Count: c.count, Population: d.population, MaxFraction: c.max, Plan: p}
		}
	}
	return nil
}
