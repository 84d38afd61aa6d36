package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/solusvm"
	acsync "github.com/accountsync/accountsync/sync"
)

const checkUsage = `usage: accountsync check [flags]

Checks each configured server and the billing side, changing nothing:
  config        what the configuration made of the entry: panel, key field, URL
  reachable     the name resolves and the port answers
  tls           the certificate is trusted, or matches its certSHA256 pin
                (when it is not, check prints the pin to add)
  credentials   a listing is accepted, and how many accounts it holds
  permissions   what the panel lets this client do (list packages; create,
                suspend, terminate, set passwords)
  billing       WHMCS answers and knows each server's ID, with the same
                host and module, and lists its services; or the SQLite
                store opens (it is created, empty, when missing)
Exit status 1 when any check failed; warnings (plain http, verification
off) do not fail.

Example:
  accountsync check
  accountsync check -server web1 -json
`

// checkRow is one check of one target.
type checkRow struct {
	Target string `json:"target"`
	Check  string `json:"check"`
	// Result is "ok", "warning", "FAILED" or "skipped".
	Result string `json:"result"`
	Detail string `json:"detail"`
}

const (
	resultOK      = "ok"
	resultWarning = "warning"
	resultFailed  = "FAILED"
	resultSkipped = "skipped"
)

func runCheck(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "check", checkUsage, true, false)
	timeout := f.Duration("timeout", 30*time.Second, "bound of each check")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.noArgs(); err != nil {
		return err
	}
	cfg, servers, err := f.loadServers()
	if err != nil {
		return err
	}
	log := f.logger(slog.LevelError)
	var rows []checkRow
	add := func(target, check, result, detail string) {
		rows = append(rows, checkRow{target, check, result, oneLine(detail)})
	}
	for _, s := range servers {
		checkServer(ctx, s, *timeout, log, add)
	}
	checkBilling(ctx, cfg, servers, *timeout, log, add)

	failed := 0
	for _, r := range rows {
		if r.Result == resultFailed {
			failed++
		}
	}
	if f.json {
		if err := writeJSON(e.stdout, rows); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "TARGET\tCHECK\tRESULT\tDETAIL")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Target, r.Check, r.Result, r.Detail)
		}
		tw.Flush()
	}
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%s failed", plural(failed, "check"))}
	}
	return nil
}

// defaultPorts are the panels' ports over https and http, as their
// FromServer functions use them.
func defaultPorts(s config.Server) (secure, plain int) {
	switch s.Type {
	case "cpanel":
		return cpanel.SecurePort, cpanel.PlainPort
	case "directadmin":
		return directadmin.DefaultPort, directadmin.DefaultPort
	case "plesk":
		return plesk.DefaultPort, plesk.DefaultPlainPort
	case "proxmox":
		return proxmox.DefaultPort, proxmox.DefaultPort
	case "solusvm":
		if s.Params["api_version"] == "2" {
			return 443, 80
		}
		return solusvm.DefaultSecurePort, solusvm.DefaultPlainPort
	case "openstack":
		return 5000, 5000 // Keystone
	}
	return 443, 80
}

func checkServer(ctx context.Context, s config.Server, timeout time.Duration, log *slog.Logger, add func(target, check, result, detail string)) {
	name := s.Name
	p, err := config.NewProvider(s, log)
	if err != nil {
		add(name, "config", resultFailed, err.Error())
		for _, c := range []string{"reachable", "tls", "credentials", "permissions"} {
			add(name, c, resultSkipped, "the entry does not make a provider")
		}
		return
	}
	md := p.Metadata()
	base, err := s.Provider().BaseURL(defaultPorts(s))
	if err != nil {
		add(name, "config", resultFailed, err.Error())
		return
	}
	add(name, "config", resultOK, fmt.Sprintf("%s at %s; accounts keyed by %s, package in %s", md.DisplayName, base, md.UniqueIdentifierField, md.ProductField))

	u, err := url.Parse(base)
	if err != nil {
		add(name, "reachable", resultFailed, err.Error())
		return
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(cctx, "tcp", u.Host)
	if err != nil {
		add(name, "reachable", resultFailed, err.Error())
		add(name, "tls", resultSkipped, "not reachable")
		add(name, "credentials", resultSkipped, "not reachable")
		add(name, "permissions", resultSkipped, "not reachable")
		return
	}
	add(name, "reachable", resultOK, fmt.Sprintf("%s answered", conn.RemoteAddr()))
	switch {
	case u.Scheme != "https":
		conn.Close()
		add(name, "tls", resultWarning, `plain http: credentials travel unencrypted; set "secure": true`)
	default:
		tlsOK := true
		checkTLS(cctx, conn, u.Hostname(), s, func(result, detail string) {
			tlsOK = result != resultFailed
			add(name, "tls", result, detail)
		})
		if !tlsOK {
			add(name, "credentials", resultSkipped, "the TLS check failed")
			add(name, "permissions", resultSkipped, "the TLS check failed")
			return
		}
	}

	accounts, err := p.ListAccounts(cctx)
	if err != nil {
		what := "the listing failed: "
		if errors.Is(err, provider.ErrUnauthorized) {
			what = "refused: "
		}
		add(name, "credentials", resultFailed, what+err.Error())
		add(name, "permissions", resultSkipped, "no accepted credentials")
		return
	}
	add(name, "credentials", resultOK, fmt.Sprintf("accepted; the server holds %s", plural(len(accounts), "account")))

	var can []string
	if _, ok := p.(provider.Creator); ok {
		can = append(can, "create")
	}
	if _, ok := p.(provider.Suspender); ok {
		can = append(can, "suspend")
	}
	if _, ok := p.(provider.Terminator); ok {
		can = append(can, "terminate")
	}
	if _, ok := p.(provider.PasswordSetter); ok {
		can = append(can, "set passwords")
	}
	detail := "the client can " + strings.Join(can, ", ")
	if len(can) == 0 {
		detail = "the client can only list"
	}
	if pl, ok := p.(provider.PackageLister); ok {
		pkgs, err := pl.ListPackages(cctx)
		if err != nil {
			add(name, "permissions", resultFailed, "list packages: "+err.Error())
			return
		}
		detail += fmt.Sprintf("; %s listed", plural(len(pkgs), "package"))
	}
	add(name, "permissions", resultOK, detail)
}

// checkTLS checks the certificate on conn: trusted by the system, or
// matching the pin.
func checkTLS(ctx context.Context, conn net.Conn, host string, s config.Server, report func(result, detail string)) {
	// Verification is done below, by hand, so that check can say why a
	// certificate fails and print the pin it would need.
	tc := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true})
	defer tc.Close()
	if err := tc.HandshakeContext(ctx); err != nil {
		report(resultFailed, "TLS handshake: "+err.Error())
		return
	}
	certs := tc.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		report(resultFailed, "the server sent no certificate")
		return
	}
	leaf := certs[0]
	sum := sha256.Sum256(leaf.Raw)
	pin := hex.EncodeToString(sum[:])
	if s.CertSHA256 != "" {
		want := strings.ToLower(strings.ReplaceAll(s.CertSHA256, ":", ""))
		if want == pin {
			report(resultOK, fmt.Sprintf("the certificate matches certSHA256 (expires %s)", leaf.NotAfter.Format("2006-01-02")))
		} else {
			report(resultFailed, fmt.Sprintf("the certificate does not match certSHA256: the server's is %s; if the panel's certificate was renewed, update the pin", pin))
		}
		return
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Intermediates: inter})
	switch {
	case err == nil:
		report(resultOK, fmt.Sprintf("trusted certificate for %s, issued by %s, expires %s", host, leaf.Issuer.CommonName, leaf.NotAfter.Format("2006-01-02")))
	case s.InsecureSkipVerify:
		report(resultWarning, fmt.Sprintf("verification is off (insecureSkipVerify) and the certificate is not trusted (%v); pin it instead: \"certSHA256\": %q", err, pin))
	default:
		report(resultFailed, fmt.Sprintf("the certificate is not trusted (%v); if it is the panel's own certificate, pin it: \"certSHA256\": %q", err, pin))
	}
}

func checkBilling(ctx context.Context, cfg *config.Config, servers []config.Server, timeout time.Duration, log *slog.Logger, add func(target, check, result, detail string)) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := cfg.OpenBilling(cctx, log)
	if err != nil {
		add("billing", "open", resultFailed, err.Error())
		return
	}
	defer b.Close()
	if db := b.DB(); db != nil {
		add("billing", "open", resultOK, "SQLite store "+cfg.SQLitePath())
		for _, s := range servers {
			p, err := config.NewProvider(s, log)
			if err != nil {
				continue // reported with the server
			}
			st, err := b.Store(cctx, s.Name, p.Metadata())
			if err == nil {
				var svcs int
				if list, lerr := st.Services(cctx); lerr == nil {
					svcs = len(list)
				} else {
					err = lerr
				}
				if err == nil {
					add("billing", s.Name, resultOK, fmt.Sprintf("%s for this server", plural(svcs, "service")))
					continue
				}
			}
			add("billing", s.Name, resultFailed, err.Error())
		}
		return
	}
	w := cfg.Billing.WHMCS
	known, err := b.WHMCS().Servers(cctx)
	if err != nil {
		what := "WHMCS at " + w.URL + ": "
		if errors.Is(err, provider.ErrUnauthorized) {
			what += "refused: "
		}
		add("billing", "credentials", resultFailed, what+err.Error())
		return
	}
	add("billing", "credentials", resultOK, fmt.Sprintf("WHMCS at %s accepted the API credentials; it has %s", w.URL, plural(len(known), "server")))
	for _, s := range servers {
		id := w.Servers[s.Name]
		var info *struct{ name, host, ip, module string }
		for _, k := range known {
			if k.ID == id {
				info = &struct{ name, host, ip, module string }{k.Name, k.Hostname, k.IP, k.Module}
			}
		}
		if info == nil {
			add("billing", s.Name, resultFailed, fmt.Sprintf("WHMCS has no server with ID %s (Setup » Servers)", id))
			continue
		}
		var problems []string
		if info.module != "" && info.module != s.Type {
			problems = append(problems, fmt.Sprintf("its module is %q, not %q", info.module, s.Type))
		}
		hostMatches := s.Hostname != "" && strings.EqualFold(strings.TrimSuffix(info.host, "."), hostOf(s.Hostname)) ||
			s.IP != "" && (info.ip == s.IP || info.host == s.IP) || s.Hostname != "" && info.ip == hostOf(s.Hostname)
		if !hostMatches {
			problems = append(problems, fmt.Sprintf("it is %s (%s), not %s", orDash(info.host), orDash(info.ip), strings.Trim(s.Hostname+" "+s.IP, " ")))
		}
		if len(problems) > 0 {
			add("billing", s.Name, resultFailed, fmt.Sprintf("WHMCS server %s %q: %s", id, info.name, strings.Join(problems, "; ")))
			continue
		}
		// The API role must allow the reads of a plan; listing the
		// server's services exercises them.
		p, err := config.NewProvider(s, log)
		if err != nil {
			continue // reported with the server
		}
		st, err := b.Store(cctx, s.Name, p.Metadata())
		var svcs []acsync.Service
		if err == nil {
			svcs, err = st.Services(cctx)
		}
		if err != nil {
			add("billing", s.Name, resultFailed, fmt.Sprintf("WHMCS server %s %q: listing its services: %v", id, info.name, err))
			continue
		}
		add("billing", s.Name, resultOK, fmt.Sprintf("WHMCS server %s %q, module %s; %s listed", id, info.name, info.module, plural(len(svcs), "service")))
	}
}

// hostOf returns the host of a hostname that may be written as a URL.
func hostOf(h string) string {
	if strings.Contains(h, "://") {
		if u, err := url.Parse(h); err == nil {
			return u.Hostname()
		}
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}
