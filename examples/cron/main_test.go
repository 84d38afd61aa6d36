package main

import (
	"bufio"
	"bytes"
	"context"
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

func account(user, domain string) provider.Account {
	return provider.Account{Email: user + "@mail.test", Username: user, Domain: domain, UniqueIdentifier: domain,
		Product: "default", Created: time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC), Status: provider.StatusActive}
}

// Two servers, one of which refuses the credentials: the good one is
// synced and its nameservers checked, the bad one is named in the report,
// and the report goes out by SMTP once per -report-every.
func TestCronOnceWithAFailingServer(t *testing.T) {
	lab, err := nsscantest.Start(nsscantest.Registry()...)
	if err != nil {
		t.Skipf("cannot start the DNS lab on loopback: %v", err)
	}
	defer lab.Close()
	web1 := cpaneltest.New(cpaneltest.Options{Accounts: []provider.Account{
		account("good", "good.test"), account("away", "elsewhere.test"), account("half", "partial.test"),
	}})
	defer web1.Close()
	web2 := cpaneltest.New(cpaneltest.Options{})
	defer web2.Close()
	web2.SetFault(cpaneltest.FaultUnauthorized)

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "servers.json")
	servers := fmt.Sprintf(`[
		{"type":"cpanel","name":"web1","hostname":%q,"username":"root","accessHash":"${WEB_TOKEN}"},
		{"type":"cpanel","name":"web2","hostname":%q,"username":"root","accessHash":"${WEB_TOKEN}"}
	]`, web1.URL, web2.URL)
	if err := os.WriteFile(cfgPath, []byte(servers), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WEB_TOKEN", cpaneltest.Token)
	mail := startSMTP(t)
	args := []string{
		"-once", "-config", cfgPath, "-db", filepath.Join(dir, "billing.db"),
		"-ns", strings.Join(nsscantest.HostcoNameservers(), ","),
		"-ns-roots", strings.Join(lab.Roots(), ","), "-ns-port", fmt.Sprint(lab.Port()),
		"-smtp", mail.ln.Addr().String(), "-smtp-from", "sync@hostco.test", "-smtp-to", "ops@hostco.test",
	}
	getenv := func(string) string { return "" }

	var stdout, stderr bytes.Buffer
	err = run(context.Background(), args, &stdout, &stderr, getenv)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 servers failed") {
		t.Fatalf("run = %v, want one failed server\n%s", err, stderr.String())
	}
	msgs := mail.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d report mails, want 1\n%s", len(msgs), stderr.String())
	}
	report := msgs[0]
	for _, want := range []string{
		"Subject: accountsync report: 2 servers, 1 failing",
		"To: ops@hostco.test",
		"web2", "FAILED", "HTTP 403",
		"web1", "import", "succeeded  3",
		"NAMESERVERS on web1: 3 checked, 1 incorrect",
		"elsewhere.test:",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, cpaneltest.Token) || strings.Contains(stderr.String(), cpaneltest.Token) {
		t.Error("the token leaked into the report or the log")
	}

	// An hour later the next tick syncs again but sends no second report.
	stdout.Reset()
	run(context.Background(), args, &stdout, &stderr, getenv)
	if n := len(mail.messages()); n != 1 {
		t.Errorf("%d report mails after a second run within the day, want still 1", n)
	}
	if got := len(web1.Accounts()); got != 3 {
		t.Errorf("web1 has %d accounts, want its 3 untouched", got)
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "SMTP without a sender is refused", args: []string{"-smtp", "mail:25", "-smtp-to", "a@b"}, want: "-smtp needs"},
		{name: "terminating on nameservers needs the remote switch", args: []string{"-ns", "ns1.x", "-terminate-incorrect-ns"}, want: "needs -terminate-remote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, &bytes.Buffer{}, func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// A run stopped by SIGTERM (here its context, cancelled while the server
// is still answering) still writes its report, naming the stopped server.
func TestCronStoppedStillReports(t *testing.T) {
	slow := cpaneltest.New(cpaneltest.Options{Accounts: []provider.Account{account("a", "a.test")}, Latency: 5 * time.Second})
	defer slow.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "servers.json")
	servers := fmt.Sprintf(`[{"type":"cpanel","name":"slow1","hostname":%q,"username":"root","accessHash":%q}]`, slow.URL, cpaneltest.Token)
	if err := os.WriteFile(cfgPath, []byte(servers), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Stop once the listing is under way.
		for slow.Calls("listaccts") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	var stdout, stderr bytes.Buffer
	run(ctx, []string{"-once", "-config", cfgPath, "-db", filepath.Join(dir, "billing.db")}, &stdout, &stderr, func(string) string { return "" })
	out := stdout.String()
	if !strings.Contains(out, "Subject: accountsync report: 1 servers") || !strings.Contains(out, "slow1") || !strings.Contains(out, "context canceled") {
		t.Fatalf("no report for the stopped run:\nstdout: %s\nstderr: %s", out, stderr.String())
	}
}

// A server billing has never seen is imported by the scheduled sync alone,
// -max-actions accounts a run, without any way to force it.
func TestCronImportsAFreshServerInBatches(t *testing.T) {
	var accounts []provider.Account
	for i := range 30 {
		accounts = append(accounts, account(fmt.Sprintf("u%02d", i), fmt.Sprintf("site%02d.test", i)))
	}
	srv := cpaneltest.New(cpaneltest.Options{Accounts: accounts})
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "servers.json")
	servers := fmt.Sprintf(`[{"type":"cpanel","name":"fresh","hostname":%q,"username":"root","accessHash":%q}]`, srv.URL, cpaneltest.Token)
	if err := os.WriteFile(cfgPath, []byte(servers), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "billing.db")
	for run := 1; run <= 4; run++ {
		var stdout, stderr bytes.Buffer
		args := []string{"-once", "-config", cfgPath, "-db", db, "-max-actions", "10", "-report-every", "1ns"}
		if err := runOnce(t, args, &stdout, &stderr); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, stderr.String())
		}
		// Each run imports 10 (with their clients and, first, the product).
		want := fmt.Sprintf("fresh  cpanel  ok  %d in sync, ", 10*(run-1))
		if run == 4 {
			want += "0 actions"
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("run %d: the report does not say %q:\n%s", run, want, stdout.String())
		}
	}
}

func runOnce(t *testing.T, args []string, stdout, stderr *bytes.Buffer) error {
	t.Helper()
	return run(context.Background(), args, stdout, stderr, func(string) string { return "" })
}
