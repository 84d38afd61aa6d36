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

// planCounts says "3 actions (import 2, create-client 1)".
func planCounts(counts map[acsync.Kind]int, actions int) string {
	var kinds []string
	for _, k := range acsync.Kinds() {
		if n := counts[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	s := plural(actions, "action")
	if len(kinds) > 0 {
		s += " (" + strings.Join(kinds, ", ") + ")"
	}
	return s
}

// maybeReport sends the report when run.report.every has passed since
// the last one (kept in the state directory, so that it holds across
// -once runs).
func (s *syncer) maybeReport(ctx context.Context, f *flags, results []fleet.Result) error {
	every := s.cfg.Run.Report.Every.Or(24 * time.Hour)
	now := s.e.now()
	since := now.Add(-every)
	if last, ok := s.st.lastReport(); ok {
		if now.Sub(last) < every {
			return nil
		}
		since = last
	}
	subject, body, err := s.compose(since, now, results)
	if err != nil {
		return err
	}
	r := s.cfg.Run.Report
	if r.SMTP == "" {
		out := s.e.stdout
		if f.json {
			out = s.e.stderr // stdout is the JSON's alone
		}
		// Without SMTP the report is printed, -quiet or not: it is what
		// cron mails.
		fmt.Fprintf(out, "\nSubject: %s\n\n%s", subject, body)
	} else {
		m := smtpSender{addr: r.SMTP, from: r.From, to: r.To, username: r.Username, password: r.Password}
		if err := m.send(ctx, subject, body); err != nil {
			return fmt.Errorf("send by SMTP to %s: %w", r.SMTP, err)
		}
	}
	if err := s.st.setLastReport(now); err != nil {
		return err
	}
	return s.st.pruneJournal(now)
}

// compose writes the report: each server's state after the latest run,
// what the sync log recorded since the last report, failures, and the
// domains whose nameservers are wrong.
func (s *syncer) compose(since, now time.Time, results []fleet.Result) (string, string, error) {
	entries, err := s.st.entries(since)
	if err != nil {
		return "", "", err
	}
	var b bytes.Buffer
	failing := failedResults(results)
	subject := "accountsync report: " + plural(len(results), "server")
	if failing > 0 {
		subject += fmt.Sprintf(", %d failing", failing)
	}
	fmt.Fprintf(&b, "accountsync report, %s to %s (UTC)\n\n", since.UTC().Format("2006-01-02 15:04"), now.UTC().Format("2006-01-02 15:04"))

	b.WriteString("SERVERS (latest run)\n")
	writeRun(&b, results, false)

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
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
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
		p := r.Plan
		if p == nil {
			continue
		}
		reviews := 0
		for _, a := range p.Actions {
			if a.Kind == acsync.KindReview {
				reviews++
			}
		}
		if len(p.Held)+len(p.Conflicts)+reviews == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nNEEDS A LOOK on %s: %s to review, %s held back, %s\n", r.Name,
			plural(reviews, "action"), plural(len(p.Held), "action"), plural(len(p.Conflicts), "conflict"))
		p.WriteTable(&b)
	}
	return subject, b.String(), nil
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
		return err
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
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	_, err := fmt.Fprintf(w, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		from, strings.Join(to, ", "), oneLine(subject), time.Now().Format(time.RFC1123Z), body)
	return err
}
