package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Report is what an Apply did: counts per kind, the new clients, and each
// failure with its error. It marshals to JSON and prints as the daily
// report with [Report.WriteText].
type Report struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Succeeded, Failed and Skipped count actions per kind. Skipped
	// actions had their effect in place already (as after a crash);
	// reviews are not counted, they are in Plan.
	Succeeded map[Kind]int `json:"succeeded"`
	Failed    map[Kind]int `json:"failed"`
	Skipped   map[Kind]int `json:"skipped"`
	// NewClients is the number of clients created.
	NewClients int `json:"newClients"`
	// Failures lists the failed actions in plan order.
	Failures []Failure `json:"failures"`
	// Plan is the plan that was applied, with its reviews, conflicts,
	// deferred and held actions, and the SeenMissing to pass to the next
	// run.
	Plan *Plan `json:"plan,omitempty"`
}

// Failure is one failed action.
type Failure struct {
	Kind      Kind
	Key       string
	ServiceID string
	// Err says what went wrong. It wraps the cause, so errors.Is finds
	// [ErrStalePlan], [provider.ErrNotSupported], context.Canceled and the
	// like.
	Err error
}

type failureJSON struct {
	Kind      Kind   `json:"kind"`
	Key       string `json:"key"`
	ServiceID string `json:"serviceId,omitempty"`
	Error     string `json:"error"`
}

// MarshalJSON writes the error as its message.
func (f Failure) MarshalJSON() ([]byte, error) {
	msg := ""
	if f.Err != nil {
		msg = f.Err.Error()
	}
	return json.Marshal(failureJSON{f.Kind, f.Key, f.ServiceID, msg})
}

// UnmarshalJSON reads a failure back; Err keeps the message only.
func (f *Failure) UnmarshalJSON(data []byte) error {
	var w failureJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*f = Failure{Kind: w.Kind, Key: w.Key, ServiceID: w.ServiceID, Err: errors.New(w.Error)}
	return nil
}

func newReport(p *Plan) *Report {
	return &Report{
		Succeeded: map[Kind]int{}, Failed: map[Kind]int{}, Skipped: map[Kind]int{},
		Failures: []Failure{}, Plan: p,
	}
}

// Err returns nil when no action failed, and otherwise an error that
// counts the failures and wraps each of them.
func (r *Report) Err() error {
	if len(r.Failures) == 0 {
		return nil
	}
	errs := make([]error, len(r.Failures))
	for i, f := range r.Failures {
		errs[i] = f.Err
	}
	return fmt.Errorf("sync: %d actions failed: %w", len(r.Failures), errors.Join(errs...))
}

// WriteText prints the report for people, as a daily report e-mail would
// show it: when, counts per kind, new clients, failures, then from the plan
// what needs review, the conflicts, and what was deferred or held back.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "Sync report, %s to %s (%s)\n", r.Started.Format("2006-01-02 15:04:05 MST"),
		r.Finished.Format("15:04:05"), r.Finished.Sub(r.Started).Round(time.Second))
	rows := false
	for _, k := range kindOrder() {
		if r.Succeeded[k]+r.Failed[k]+r.Skipped[k] == 0 {
			continue
		}
		if !rows {
			fmt.Fprintln(tw, "\nKIND\tSUCCEEDED\tFAILED\tSKIPPED")
			rows = true
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", k, r.Succeeded[k], r.Failed[k], r.Skipped[k])
	}
	if !rows {
		fmt.Fprintln(tw, "\nNothing was changed.")
	}
	if r.NewClients > 0 {
		fmt.Fprintf(tw, "\nNew clients: %d\n", r.NewClients)
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(tw, "\nFailures (%d):\n", len(r.Failures))
		for _, f := range r.Failures {
			msg := "unknown error"
			if f.Err != nil {
				msg = f.Err.Error()
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Kind, cell(f.Key), cell(msg))
		}
	}
	if p := r.Plan; p != nil {
		var reviews []Action
		for _, a := range p.Actions {
			if a.Kind == KindReview {
				reviews = append(reviews, a)
			}
		}
		if len(reviews) > 0 {
			fmt.Fprintf(tw, "\nNeeds review (%d):\n", len(reviews))
			for _, a := range reviews {
				fmt.Fprintf(tw, "  %s\t%s\n", cell(a.Key), cell(a.Reason))
			}
		}
		if len(p.Conflicts) > 0 {
			fmt.Fprintf(tw, "\nConflicts (%d):\n", len(p.Conflicts))
			for _, c := range p.Conflicts {
				fmt.Fprintf(tw, "  %s\t%s\n", cell(c.Key), cell(c.Reason))
			}
		}
		if len(p.Held) > 0 {
			fmt.Fprintf(tw, "\nHeld back (%d):\n", len(p.Held))
			for _, a := range p.Held {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.Kind, cell(a.Key), cell(a.Reason))
			}
		}
		if len(p.Deferred) > 0 {
			fmt.Fprintf(tw, "\nDeferred to a later run: %s.\n", plural(len(p.Deferred), "action"))
		}
		// The plan ID is the start of the fingerprint that Apply checks
		// (Options.ExpectFingerprint), so a reader can match this report
		// to the plan that was reviewed.
		fmt.Fprintf(tw, "\n%s in sync. Plan ID %.12s (the start of the plan's fingerprint).\n",
			plural(p.InSync, "key"), p.Fingerprint)
	}
	return tw.Flush()
}

// plural writes n and the noun, with an s unless n is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
