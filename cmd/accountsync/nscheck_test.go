package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

func TestNscheck(t *testing.T) {
	lab, err := nsscantest.Start(nsscantest.Registry()...)
	if err != nil {
		t.Skipf("cannot start the DNS lab on loopback: %v", err)
	}
	defer lab.Close()
	srv := cpaneltest.NewServer(t, account("good", "good.test"), account("away", "elsewhere.test"))
	ns, _ := json.Marshal(nsscantest.HostcoNameservers())
	h := newHarness(t, cpanelConfig(srv, fmt.Sprintf(`"policy": {"nameservers": %s},`, ns)))
	nsFlag := strings.Join(nsscantest.HostcoNameservers(), ",")
	lab1 := append([]string{"nscheck"}, labFlags(lab)...)

	t.Run("the servers' domains are checked against the policy", func(t *testing.T) {
		r := h.run(lab1...)
		r.want(t, exitFailed, "DOMAIN", "good.test", "correct", "elsewhere.test", "incorrect", "2 domains checked: 1 correct, 1 incorrect")
	})
	t.Run("domains from the arguments with -ns, correct ones exit 0", func(t *testing.T) {
		h.run(append(lab1, "-ns", nsFlag, "good.test", "Bücher.test")...).want(t, exitOK, "xn--bcher-kva.test (bücher.test)")
	})
	t.Run("domains from a file on standard input", func(t *testing.T) {
		h.stdin = "# accounts\n\nelsewhere.test\ngood.test\n"
		defer func() { h.stdin = "" }()
		r := h.run(append(lab1, "-file", "-")...)
		r.want(t, exitFailed, "elsewhere.test", "good.test")
		if strings.Contains(r.stdout, "accounts") {
			t.Errorf("a comment was checked:\n%s", r)
		}
	})
	t.Run("the table stays as wide as a terminal, whatever the data", func(t *testing.T) {
		long := strings.Repeat("a", 60) + ".good.test"
		r := h.run(append(lab1, "-ns", nsFlag, long, "missing.test", "nope.invalidtld")...)
		limit := widthDomain + len("incorrect") + len("unable-to-check-nameservers") + widthNameservers + widthDetail + 4*2
		for _, line := range strings.Split(r.stdout, "\n") {
			if n := utf8.RuneCountInString(line); n > limit {
				t.Errorf("a line of %d characters (limit %d): %q", n, limit, line)
			}
		}
		if !strings.Contains(r.stdout, "…") {
			t.Errorf("nothing was cut:\n%s", r)
		}
	})
	t.Run("-json is pure JSON with every detail", func(t *testing.T) {
		r := h.run(append(lab1, "-json", "-ns", nsFlag, "elsewhere.test")...)
		var out []nsscan.Result
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out) != 1 || out[0].Status != nsscan.StatusIncorrect {
			t.Fatalf("%v %+v\n%s", err, out, r)
		}
	})
	t.Run("-server with domains is bad usage", func(t *testing.T) {
		h.run("nscheck", "-server", "web1", "good.test").want(t, exitRefused, "it does not go with domains given")
	})
	t.Run("no expected nameservers is bad usage", func(t *testing.T) {
		h2 := newHarness(t, cpanelConfig(srv, ""))
		h2.run("nscheck", "good.test").want(t, exitRefused, "no expected nameservers: pass -ns or set policy.nameservers")
	})
}
