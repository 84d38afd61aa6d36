package sync

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/accountsync/accountsync/provider"
)

// Plan is the result of [Diff]: what to do, what waits, and what a person
// must look at. It marshals to JSON (the artefact a reviewer approves) and
// prints as a table with [Plan.WriteTable].
//
// Lists are sorted by kind (in the order of [Kinds]) and then by key, so the
// same inputs in any order give the same plan, byte for byte.
type Plan struct {
	// Fingerprint is a hex SHA-256 over the plan's own content, which
	// carries every field of every record it acts on or reports, and over
	// 64-bit digests of the options that shape it (not Limits, Force or
	// ExpectFingerprint) and of the normalised keys of both listings. Equal
	// fingerprints mean equal plans, and, short of a collision of those
	// 64-bit digests, the same keys and options; Options.ExpectFingerprint
	// uses it to apply only what was reviewed.
	Fingerprint string `json:"fingerprint"`
	// KeyField is the key field the plan was made with; the executor
	// matches records the same way.
	KeyField string `json:"keyField"`
	// InSync counts the keys in scope that need nothing.
	InSync int `json:"inSync"`
	// Counts holds the number of Actions and Deferred per kind.
	Counts map[Kind]int `json:"counts"`
	// Actions is what this run does.
	Actions []Action `json:"actions"`
	// Deferred is what Options.MaxActions left for later runs, in plan
	// order. Later runs recompute it from fresh listings, so a run picks up
	// where the last one stopped.
	Deferred []Action `json:"deferred"`
	// Held lists actions the policy holds back, each Reason saying why:
	// a termination switch that is off, a key not yet seen missing often
	// enough (Options.ConfirmRuns), or an empty server listing.
	Held []Action `json:"held"`
	// Conflicts lists keys the engine will not guess about: keys shared by
	// two records on one side, and records with an empty or invalid key,
	// unknown status, or no ID or one that another service also has.
	// Nothing else is planned for them.
	Conflicts []Conflict `json:"conflicts"`
	// SeenMissing is Options.SeenMissing for the next run: the keys missing
	// or judged incorrect in this run with their count of consecutive runs.
	SeenMissing map[string]int `json:"seenMissing"`
	// Imports says why imports beyond Limits.MaxImportFraction of the
	// population are allowed (billing has no live service on the server,
	// so this is its first import; or billing's live services are on the
	// server, so the accounts it lacks are new to it) or held (they are
	// not, so a wrong key field or server is likely, and Diff returned an
	// [*UnsafePlanError]). It is empty when the imports are within the
	// fraction.
	Imports string `json:"imports,omitempty"`

	source *source // the listing of Executor.Plan, for the first Apply
}

// Conflict is a key the engine will not act on, with every record that has
// it.
type Conflict struct {
	// Key is the normalised key; for an invalid key, the trimmed, lower-case
	// value as given.
	Key    string             `json:"key"`
	Reason string             `json:"reason"`
	Remote []provider.Account `json:"remote,omitempty"`
	Local  []Service          `json:"local,omitempty"`
}

// UnmarshalJSON reads a conflict back. Unlike [provider.Account], it
// accepts accounts with an unknown status or a malformed date: such records
// are often the reason for the conflict.
func (c *Conflict) UnmarshalJSON(data []byte) error {
	var w struct {
		Key    string            `json:"key"`
		Reason string            `json:"reason"`
		Remote []json.RawMessage `json:"remote"`
		Local  []Service         `json:"local"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*c = Conflict{Key: w.Key, Reason: w.Reason, Local: w.Local}
	for _, raw := range w.Remote {
		var a provider.Account
		if err := json.Unmarshal(raw, &a); err != nil {
			var loose struct {
				Email            string          `json:"email"`
				Username         string          `json:"username"`
				Domain           string          `json:"domain"`
				UniqueIdentifier string          `json:"uniqueIdentifier"`
				Product          string          `json:"product"`
				PrimaryIP        string          `json:"primaryip"`
				Created          string          `json:"created"`
				Status           provider.Status `json:"status"`
			}
			if err := json.Unmarshal(raw, &loose); err != nil {
				return fmt.Errorf("sync: conflict %q: %w", w.Key, err)
			}
			created, _ := provider.ParseCreated(loose.Created, nil)
			a = provider.Account{
				Email: loose.Email, Username: loose.Username, Domain: loose.Domain,
				UniqueIdentifier: loose.UniqueIdentifier, Product: loose.Product,
				PrimaryIP: loose.PrimaryIP, Created: created, Status: loose.Status,
			}
		}
		c.Remote = append(c.Remote, a)
	}
	return nil
}

// Empty reports whether the plan has nothing to do and nothing to report:
// no actions, deferred or held actions, and no conflicts.
func (p *Plan) Empty() bool {
	return len(p.Actions) == 0 && len(p.Deferred) == 0 && len(p.Held) == 0 && len(p.Conflicts) == 0
}

// WriteTable prints the plan for people: one line per action (kind, key,
// changes and reason), then the deferred and held actions and the
// conflicts, then a summary line.
func (p *Plan) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	section := func(title string, actions []Action) {
		if len(actions) == 0 {
			return
		}
		if title != "" {
			fmt.Fprintf(tw, "\n%s (%d):\n", title, len(actions))
		}
		fmt.Fprintln(tw, "KIND\tKEY\tDETAIL")
		for i := range actions {
			a := &actions[i]
			fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Kind, cell(a.Key), cell(a.detail()))
		}
	}
	section("", p.Actions)
	if len(p.Actions) == 0 {
		fmt.Fprintln(tw, "No actions.")
	}
	section("Deferred to a later run", p.Deferred)
	section("Held back", p.Held)
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(tw, "\nConflicts (%d):\nKEY\tRECORDS\tREASON\n", len(p.Conflicts))
		for _, c := range p.Conflicts {
			fmt.Fprintf(tw, "%s\t%d remote, %d local\t%s\n", cell(c.Key), len(c.Remote), len(c.Local), cell(c.Reason))
		}
	}
	if p.Imports != "" {
		fmt.Fprintf(tw, "\nImports: %s.\n", p.Imports)
	}
	fmt.Fprintf(tw, "\n%d in sync, %d actions, %d deferred, %d held, %d conflicts.\n",
		p.InSync, len(p.Actions), len(p.Deferred), len(p.Held), len(p.Conflicts))
	return tw.Flush()
}

// detail is the changes, if any, followed by the reason.
func (a *Action) detail() string {
	if len(a.Changes) == 0 {
		return a.Reason
	}
	var b strings.Builder
	for i, c := range a.Changes {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %q -> %q", c.Field, c.Old, c.New)
	}
	b.WriteString("; ")
	b.WriteString(a.Reason)
	return b.String()
}

// cell keeps a value on one table line.
func cell(s string) string {
	if s == "" {
		return `""`
	}
	if strings.ContainsAny(s, "\t\r\n") {
		q := fmt.Sprintf("%q", s)
		return q[1 : len(q)-1]
	}
	return s
}
