package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/accountsync/accountsync/internal/fleet"
	acsync "github.com/accountsync/accountsync/sync"
)

const lastReportKey = "cron.last-report"

// maybeReport sends the report when -report-every has passed since the
// last one (kept in the store, so it holds across -once runs).
func (j *job) maybeReport(ctx context.Context, results []fleet.Result) error {
	now := j.now()
	since := now.Add(-j.cfg.reportEvery)
	if v, ok, err := j.db.Meta(ctx, lastReportKey); err != nil {
		return err
	} else if ok {
		last, err := time.Parse(time.RFC3339Nano, v)
		if err == nil {
			if now.Sub(last) < j.cfg.reportEvery {
				return nil
			}
			since = last
		}
	}
	subject, body, err := j.compose(ctx, since, now, results)
	if err != nil {
		return err
	}
	if j.mail == nil {
		fmt.Fprintf(j.out, "Subject: %s\n\n%s", subject, body)
	} else if err := j.mail.send(ctx, subject, body); err != nil {
		return fmt.Errorf("send report: %w", err)
	}
	return j.db.SetMeta(ctx, lastReportKey, now.UTC().Format(time.RFC3339Nano))
}

// compose writes the report: each server's state after the latest run,
// what the sync log recorded since the last report, failures, and the
// domains whose nameservers are wrong.
func (j *job) compose(ctx context.Context, since, now time.Time, results []fleet.Result) (string, string, error) {
	entries, err := j.db.Journal(ctx, since)
	if err != nil {
		return "", "", err
	}
	var b bytes.Buffer
	failing := failedServers(results)
	subject := fmt.Sprintf("accountsync report: %d servers", len(results))
	if failing > 0 {
		subject += fmt.Sprintf(", %d failing", failing)
	}
	fmt.Fprintf(&b, "accountsync report, %s to %s (UTC)\n\n", since.UTC().Format("2006-01-02 15:04"), now.UTC().Format("2006-01-02 15:04"))

	b.WriteString("SERVERS (latest run)\n")
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	for _, r := range results {
		switch {
		case r.Err != nil:
			fmt.Fprintf(tw, "%s\t%s\tFAILED\t%s\n", r.Name, r.Type, oneLine(r.Err.Error()))
		default:
			p := r.Report.Plan
			fmt.Fprintf(tw, "%s\t%s\tok\t%d in sync, %d actions (%d failed), %d deferred, %d held, %d conflicts\n",
				r.Name, r.Type, p.InSync, len(p.Actions), len(r.Report.Failures), len(p.Deferred), len(p.Held), len(p.Conflicts))
		}
	}
	tw.Flush()

	fmt.Fprintf(&b, "\nACTIONS since the last report (%d)\n", len(entries))
	type row struct {
		server  string
		kind    acsync.Kind
		outcome acsync.Outcome
	}
	counts := map[row]int{}
	var failures []string
	for _, e := range entries {
		counts[row{e.Server, e.Kind, e.Outcome}]++
		if e.Outcome == acsync.OutcomeFailed {
			failures = append(failures, fmt.Sprintf("%s %s %s %s: %s", e.Time.UTC().Format("01-02 15:04"), e.Server, e.Kind, e.Key, oneLine(e.Message)))
		}
	}
	rows := make([]row, 0, len(counts))
	for r := range counts {
		rows = append(rows, r)
	}
	sort.Slice(rows, func(a, b int) bool {
		x, y := rows[a], rows[b]
		if x.server != y.server {
			return x.server < y.server
		}
		if x.kind != y.kind {
			return x.kind < y.kind
		}
		return x.outcome < y.outcome
	})
	tw = tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", r.server, r.kind, r.outcome, counts[r])
	}
	tw.Flush()
	if len(failures) > 0 {
		fmt.Fprintf(&b, "\nFAILED ACTIONS (%d)\n%s\n", len(failures), strings.Join(failures, "\n"))
	}

	for _, r := range results {
		if r.NSChecked == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nNAMESERVERS on %s: %d checked, %d incorrect, %d could not be checked\n", r.Name, r.NSChecked, len(r.Incorrect), len(r.NSErrors))
		for _, x := range r.Incorrect {
			fmt.Fprintf(&b, "  %s: %s\n", x.Input, x.Detail)
		}
		for _, x := range r.NSErrors {
			fmt.Fprintf(&b, "  %s (%s): %s\n", x.Input, x.Category, x.Detail)
		}
	}

	for _, r := range results {
		if r.Report == nil || r.Report.Plan == nil {
			continue
		}
		p := r.Report.Plan
		if len(p.Held)+len(p.Conflicts)+countReviews(p) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nNEEDS A LOOK on %s\n", r.Name)
		r.Report.WriteText(&b)
	}
	return subject, b.String(), nil
}

func countReviews(p *acsync.Plan) int {
	n := 0
	for _, a := range p.Actions {
		if a.Kind == acsync.KindReview {
			n++
		}
	}
	return n
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// sender delivers the report.
type sender interface {
	send(ctx context.Context, subject, body string) error
}

// smtpSender sends with net/smtp: STARTTLS when the server offers it,
// PLAIN authentication when a username is set (net/smtp refuses it without
// TLS except to localhost).
type smtpSender struct {
	addr, from         string
	to                 []string
	username, password string
}

func (s smtpSender) send(ctx context.Context, subject, body string) error {
	host, _, err := net.SplitHostPort(s.addr)
	if err != nil {
		return fmt.Errorf("smtp address %q: %w", s.addr, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	// net/smtp has no context; a deadline on the connection bounds it.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if s.username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.username, s.password, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from); err != nil {
		return err
	}
	for _, rcpt := range s.to {
		if err := c.Rcpt(rcpt); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if err := writeMessage(w, s.from, s.to, subject, body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func writeMessage(w io.Writer, from string, to []string, subject, body string) error {
	_, err := fmt.Fprintf(w, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		from, strings.Join(to, ", "), oneLine(subject), time.Now().Format(time.RFC1123Z), body)
	return err
}
