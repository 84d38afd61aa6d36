package sync

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// The fingerprint is SHA-256 over a canonical encoding: a version string,
// the options that shape the plan, then every key in sorted order with its
// records (each field length-prefixed, times as instant and UTC offset),
// several records of one key sorted by their encoding. So it does not
// depend on input order, and two inputs that could give different plans
// never share an encoding.

const fingerprintVersion = "accountsync/sync plan v1"

type hashWriter struct {
	h   hash.Hash
	buf []byte
}

func (w *hashWriter) flushIfFull() {
	if len(w.buf) >= 32<<10 {
		w.h.Write(w.buf)
		w.buf = w.buf[:0]
	}
}

func (w *hashWriter) str(s string) { w.buf = appendStr(w.buf, s) }
func (w *hashWriter) num(n int)    { w.buf = binary.AppendVarint(w.buf, int64(n)) }
func (w *hashWriter) flag(b bool) {
	if b {
		w.buf = append(w.buf, 1)
	} else {
		w.buf = append(w.buf, 0)
	}
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	_, off := t.Zone()
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

// appendAccount encodes every field of a that appears in its JSON form.
func appendAccount(b []byte, a *provider.Account) []byte {
	b = appendStr(b, a.Email)
	b = appendStr(b, a.Username)
	b = appendStr(b, a.Domain)
	b = appendStr(b, a.UniqueIdentifier)
	b = appendStr(b, a.Product)
	b = appendStr(b, a.PrimaryIP)
	b = appendTime(b, a.Created)
	return appendStr(b, string(a.Status))
}

// appendService encodes every field of s.
func appendService(b []byte, s *Service) []byte {
	b = appendStr(b, s.ID)
	b = appendStr(b, s.ClientID)
	b = appendStr(b, s.ClientEmail)
	b = appendStr(b, s.ProductID)
	b = appendStr(b, s.Package)
	b = appendStr(b, s.Domain)
	b = appendStr(b, s.Username)
	b = appendStr(b, s.UniqueIdentifier)
	b = appendStr(b, string(s.Status))
	b = appendStr(b, s.DedicatedIP)
	b = appendTime(b, s.RegDate)
	b = appendTime(b, s.NextDueDate)
	return appendStr(b, s.BillingCycle)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendOptions encodes what of the options shapes the plan. Limits and
// Force only decide whether the plan is returned, so they are left out, as
// is ExpectFingerprint.
func (c *config) appendOptions(w *hashWriter) {
	w.str(c.keyField)
	w.num(int(c.Mode))
	w.num(int(c.StatusAuthority))
	w.flag(c.TerminateLocal)
	w.flag(c.TerminateRemote)
	w.num(len(c.selection))
	for _, k := range sortedKeys(c.selection) {
		w.str(k)
	}
	w.num(len(c.clients))
	for _, k := range sortedKeys(c.clients) {
		w.str(k)
		w.str(c.clients[k])
	}
	w.num(len(c.Products))
	for _, k := range sortedKeys(c.Products) {
		w.str(k)
		w.str(c.Products[k])
	}
	w.str(c.cycle)
	w.buf = appendTime(w.buf, c.nextDue)
	w.flag(c.ResetPassword)
	w.flag(c.Emails.Welcome)
	w.flag(c.Emails.HostingDetails)
	w.num(len(c.nameservers))
	for _, k := range sortedKeys(c.nameservers) {
		w.str(k)
		w.flag(c.nameservers[k])
	}
	w.flag(c.TerminateIncorrectNameservers)
	w.flag(c.AllowEmpty)
	w.num(len(c.seen))
	for _, k := range sortedKeys(c.seen) {
		w.str(k)
		w.num(c.seen[k])
	}
	w.num(c.ConfirmRuns)
	w.num(c.MaxActions)
}

// fingerprint hashes the options and the indexed inputs. It sorts
// d.entries, so it runs after classification.
func (d *differ) fingerprint() string {
	w := &hashWriter{h: sha256.New(), buf: make([]byte, 0, 40<<10)}
	w.str(fingerprintVersion)
	d.cfg.appendOptions(w)
	slices.SortFunc(d.entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	w.num(len(d.entries))
	for i := range d.entries {
		e := &d.entries[i]
		w.str(e.key)
		w.num(int(e.nr))
		if e.nr == 1 {
			w.buf = appendAccount(w.buf, &d.remote[e.r])
		} else {
			for _, a := range d.remoteOf(e) {
				w.buf = appendAccount(w.buf, a)
			}
		}
		w.num(int(e.nl))
		if e.nl == 1 {
			w.buf = appendService(w.buf, &d.local[e.l])
		} else {
			for _, s := range d.localOf(e) {
				w.buf = appendService(w.buf, s)
			}
		}
		w.flushIfFull()
	}
	w.h.Write(w.buf)
	return hex.EncodeToString(w.h.Sum(nil))
}
