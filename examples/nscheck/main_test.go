package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
)

// labArgs starts an in-process registry on loopback and returns the flags
// that point nscheck at it, and only at it.
func labArgs(t *testing.T) []string {
	t.Helper()
	lab, err := nsscantest.Start(nsscantest.Registry()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lab.Close)
	return []string{"-roots", strings.Join(lab.Roots(), ","), "-port", strconv.Itoa(lab.Port()),
		"-timeout", nsscantest.LabTimeout.String(), "-rate", "-1", "-ns", "ns1.hostco.test,ns2.hostco.test"}
}

func TestNscheck(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		stdin   string
		code    int
		stdout  []string // substrings, in this order
		missing []string // substrings that must not appear
	}{
		{name: "correct domains from the arguments exit 0 with a table", args: []string{"good.test", "Bücher.test"},
			code: 0, stdout: []string{"DOMAIN", "good.test", "correct", "xn--bcher-kva.test (bücher.test)", "correct"}},
		{name: "an incorrect domain exits 1", args: []string{"good.test", "elsewhere.test"},
			code: 1, stdout: []string{"good.test", "correct", "elsewhere.test", "incorrect", "ns1.other.test,ns2.other.test"}},
		{name: "errors alone do not exit 1", args: []string{"missing.test", "nope.invalidtld"},
			code: 0, stdout: []string{"missing.test", "not-delegated", "nope.invalidtld", "tld-not-supported"}},
		{name: "domains come from standard input without arguments, comments skipped", stdin: "# accounts\n\nelsewhere.test\ngood.test\n",
			code: 1, stdout: []string{"elsewhere.test", "good.test"}, missing: []string{"accounts"}},
		{name: "results keep the input order and repeats are checked once", args: []string{"partial.test", "alias.test", "partial.test", "blog.good.test"},
			code: 0, stdout: []string{"partial.test", "alias.test", "blog.good.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append(labArgs(t), tt.args...), strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			out := stdout.String()
			rest := out
			for _, s := range tt.stdout {
				i := strings.Index(rest, s)
				if i < 0 {
					t.Fatalf("output lacks %q in order:\n%s", s, out)
				}
				rest = rest[i+len(s):]
			}
			for _, s := range tt.missing {
				if strings.Contains(out, s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
			if strings.Count(out, "\npartial.test ") > 1 {
				t.Errorf("a repeated domain was listed twice:\n%s", out)
			}
			if strings.Contains(stderr.String(), "\r[") {
				t.Errorf("a progress bar was drawn on a non-terminal:\n%q", stderr.String())
			}
			if !strings.Contains(stderr.String(), "checked:") {
				t.Errorf("no summary on stderr: %q", stderr.String())
			}
		})
	}
}

func TestNscheckJSONFromAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "domains.txt")
	if err := os.WriteFile(file, []byte("good.test\nelsewhere.test\nbad name\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append(labArgs(t), "-json", "-min", "2", "-file", file), strings.NewReader(""), &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", code, stderr.String())
	}
	var results []nsscan.Result
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("not a JSON array of results: %v\n%s", err, stdout.String())
	}
	var raw []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw[0]["parentServer"]; !ok {
		t.Errorf("no parentServer key in %v", raw[0])
	}
	if _, ok := raw[0]["durationNs"]; !ok {
		t.Errorf("no durationNs key in %v", raw[0])
	}
	for _, r := range raw {
		for k := range r {
			if strings.Contains(k, "_") {
				t.Errorf("key %q is snake_case; the module writes camelCase", k)
			}
		}
	}
	got := make([]string, len(results))
	for i, r := range results {
		got[i] = r.Input + ":" + string(r.Status) + ":" + string(r.Category)
	}
	want := "good.test:correct: elsewhere.test:incorrect: bad name:error:invalid-domain"
	if strings.Join(got, " ") != want {
		t.Errorf("results %v, want %s", got, want)
	}
	if results[2].Err == nil || results[0].Attempts != 1 {
		t.Errorf("error or attempts lost in JSON: %+v", results)
	}
}

func TestNscheckUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		say  string
	}{
		{name: "no expected nameservers", args: []string{"good.test"}, say: "-ns is required"},
		{name: "an invalid expected nameserver", args: []string{"-ns", "bad name", "good.test"}, say: "invalid expectation"},
		{name: "min above the list", args: []string{"-ns", "ns1.hostco.test", "-min", "2", "good.test"}, say: "min matches"},
		{name: "a root that is not an address", args: []string{"-ns", "ns1.hostco.test", "-roots", "a.root-servers.net", "good.test"}, say: "root"},
		{name: "a missing file", args: []string{"-ns", "ns1.hostco.test", "-file", "/nonexistent/domains.txt"}, say: "no such file"},
		{name: "nothing to check", args: []string{"-ns", "ns1.hostco.test"}, say: "no domains"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tt.say) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.say)
			}
		})
	}
}

func TestProgressBar(t *testing.T) {
	t.Run("a terminal gets a bar that ends with the total", func(t *testing.T) {
		var b bytes.Buffer
		p := &progress{w: &b, total: 4, on: true}
		p.update(1, 0)
		p.update(4, 1)
		p.done()
		out := b.String()
		if !strings.Contains(out, "\r[#######") || !strings.Contains(out, "4/4 checked, 1 incorrect") || !strings.HasSuffix(out, "\n") {
			t.Errorf("bar %q", out)
		}
	})
	t.Run("anything else gets nothing", func(t *testing.T) {
		var b bytes.Buffer
		p := newProgress(&b, 4)
		p.update(4, 0)
		p.done()
		if b.Len() != 0 {
			t.Errorf("wrote %q to a buffer", b.String())
		}
	})
}
