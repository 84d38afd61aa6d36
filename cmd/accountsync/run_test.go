package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/nsscan/nsscantest"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

// smtpListener is a tiny SMTP server on loopback that keeps each message.
type smtpListener struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func startSMTP(t *testing.T) *smtpListener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpListener{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *smtpListener) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) { fmt.Fprintf(conn, "%s\r\n", line) }
	say("220 mail.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 mail.test")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, msg.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func (s *smtpListener) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

// twoServers is web1 (three accounts, one of whose domains points
// elsewhere) and web2, which refuses the credentials, with nameserver
// checks against the lab and the report going to mail.
func twoServers(t *testing.T, mail *smtpListener) (*harness, *cpaneltest.Server) {
	web1 := cpaneltest.NewServer(t, account("good", "good.test"), account("away", "elsewhere.test"), account("half", "partial.test"))
	web2 := cpaneltest.NewServer(t)
	web2.SetFault(cpaneltest.FaultUnauthorized)
	ns, _ := json.Marshal(nsscantest.HostcoNameservers())
	h := newHarness(t, fmt.Sprintf(`{
  "servers": [
    {"type": "cpanel", "name": "web1", "hostname": %q, "accessHash": "${WHM_TOKEN}"},
    {"type": "cpanel", "name": "web2", "hostname": %q, "accessHash": "${WHM_TOKEN}"},
  ],
  "billing": {"sqlite": {"path": "billing.db"}},
  "policy": {"nameservers": %s},
  "run": {"report": {"smtp": %q, "from": "sync@hostco.test", "to": ["ops@hostco.test"]}},
}`, web1.URL, web2.URL, ns, mail.ln.Addr().String()))
	return h, web1
}

func labFlags(lab *nsscantest.Lab) []string {
	return []string{"-ns-roots", strings.Join(lab.Roots(), ","), "-ns-port", fmt.Sprint(lab.Port())}
}

func TestRunOnceDryThenWet(t *testing.T) {
	lab, err := nsscantest.Start(nsscantest.Registry()...)
	if err != nil {
		t.Skipf("cannot start the DNS lab on loopback: %v", err)
	}
	defer lab.Close()
	mail := startSMTP(t)
	h, web1 := twoServers(t, mail)

	t.Run("a dry run plans, changes nothing and sends nothing", func(t *testing.T) {
		r := h.run(append([]string{"run", "-once", "-dry-run"}, labFlags(lab)...)...)
		r.want(t, exitFailed, "web1", "planned", "7 actions (create-product 1, create-client 3, import 3) would run",
			"nameservers: 3 checked, 1 incorrect", "web2", "FAILED", "HTTP 403", "Dry run: nothing was changed.", "1 server of 2 failed")
		if n := h.services("web1"); n != 0 {
			t.Errorf("a dry run imported %d services", n)
		}
		if n := len(mail.messages()); n != 0 {
			t.Errorf("a dry run sent %d reports", n)
		}
	})
	t.Run("a wet run syncs, reports by mail, and names the failing server", func(t *testing.T) {
		r := h.run(append([]string{"run", "-once"}, labFlags(lab)...)...)
		r.want(t, exitFailed, "web1", "done", "web2", "FAILED")
		if n := h.services("web1"); n != 3 {
			t.Errorf("web1 has %d services in billing, want 3", n)
		}
		msgs := mail.messages()
		if len(msgs) != 1 {
			t.Fatalf("%d report mails, want 1\n%s", len(msgs), r)
		}
		for _, want := range []string{
			"Subject: accountsync report: 2 servers, 1 failing", "To: ops@hostco.test",
			"web2", "FAILED", "HTTP 403", "web1  import          succeeded  3",
			"NAMESERVERS on web1: 3 checked, 1 incorrect", "elsewhere.test:",
		} {
			if !strings.Contains(msgs[0], want) {
				t.Errorf("the report lacks %q:\n%s", want, msgs[0])
			}
		}
		if strings.Contains(msgs[0]+r.stdout+r.stderr, cpaneltest.Token) {
			t.Error("the token leaked into the report or the log")
		}
	})
	t.Run("-quiet still names the failing server", func(t *testing.T) {
		h.run(append([]string{"run", "-once", "-quiet"}, labFlags(lab)...)...).want(t, exitFailed, "web2", "FAILED")
	})
	t.Run("the next run within the day sends no second report", func(t *testing.T) {
		h.run(append([]string{"run", "-once"}, labFlags(lab)...)...).want(t, exitFailed, "in sync, nothing to do")
		if n := len(mail.messages()); n != 1 {
			t.Errorf("%d report mails, want still 1", n)
		}
		if got := len(web1.Accounts()); got != 3 {
			t.Errorf("web1 has %d accounts, want its 3 untouched", got)
		}
	})
}

// A server billing has never seen is imported by scheduled runs alone,
// policy.maxActions a run.
func TestRunImportsAFreshServerInBatches(t *testing.T) {
	var accounts []provider.Account
	for i := range 30 {
		accounts = append(accounts, account(fmt.Sprintf("u%02d", i), fmt.Sprintf("site%02d.test", i)))
	}
	srv := cpaneltest.NewServer(t, accounts...)
	h := newHarness(t, cpanelConfig(srv, `"policy": {"maxActions": 10}, "run": {"report": {"every": "1ns"}},`))
	for run, want := range []int{10, 20, 30, 30} {
		r := h.run("run", "-once")
		r.want(t, exitOK, "Subject: accountsync report: 1 server\n")
		if n := h.services("web1"); n != want {
			t.Fatalf("run %d: %d services, want %d\n%s", run+1, n, want, r)
		}
	}
}

// A run stopped by SIGTERM (here its context, cancelled while the server
// is still answering) still writes its report, naming the stopped server.
func TestAStoppedRunStillReports(t *testing.T) {
	slow := cpaneltest.New(cpaneltest.Options{Accounts: []provider.Account{account("a", "a.test")}, Latency: time.Minute})
	defer slow.Close()
	h := newHarness(t, cpanelConfig(slow, ""))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for slow.Calls("listaccts") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"run", "-once", "-config", h.config}, h.env(&stdout, &stderr))
	out := stdout.String()
	if code != exitFailed || !strings.Contains(out, "Subject: accountsync report: 1 server, 1 failing") || !strings.Contains(out, "context canceled") {
		t.Fatalf("exit %d; no report for the stopped run:\nstdout: %s\nstderr: %s", code, out, stderr.String())
	}
}

// A server whose policy mode is report is planned and reported by runs,
// and refused by apply; the others are synced.
func TestRunQuietPrintsNothingWhenAllIsWell(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"))
	h := newHarness(t, cpanelConfig(srv, `"run": {"report": {"smtp": "127.0.0.1:1", "from": "a@b.test", "to": ["c@d.test"], "every": "1000h"}},`))
	st, err := openState(h.env(&bytes.Buffer{}, &bytes.Buffer{}), "")
	if err != nil {
		t.Fatal(err)
	}
	st.setLastReport(time.Now()) // the report is not due
	r := h.run("run", "-once", "-quiet")
	r.want(t, exitOK)
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("-quiet printed:\n%s", r)
	}
	if n := h.services("web1"); n != 1 {
		t.Errorf("%d services, want the import done", n)
	}
}

func TestReportModeChangesNothing(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"))
	h := newHarness(t, cpanelConfig(srv, `"policy": {"servers": {"web1": {"mode": "report"}}},`))
	h.run("run", "-once").want(t, exitOK, "report only", "3 actions (create-product 1, create-client 1, import 1) would run")
	h.run("plan").want(t, exitOK, "The policy's mode is report: apply and run leave this server unchanged.")
	h.run("apply", "-yes").want(t, exitOK, "web1: the policy's mode is report; not applied", "Nothing to do.")
	if n := h.services("web1"); n != 0 {
		t.Errorf("a report-only server got %d services", n)
	}
}

// Without -once, run syncs at once and then every interval until it is
// stopped, which ends it with exit 0.
func TestRunAsAServiceStopsCleanly(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"))
	h := newHarness(t, cpanelConfig(srv, ""))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	report := filepath.Join(h.dir, ".local", "state", "accountsync", "report.json")
	go func() {
		// The first run has reported: stop the service.
		for {
			if _, err := os.Stat(report); err == nil {
				cancel()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"run", "-config", h.config, "-interval", "1h"}, h.env(&stdout, &stderr))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if n := h.services("web1"); n != 1 {
		t.Errorf("%d services after the first run, want 1", n)
	}
}
