package sync

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"slices"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// The fingerprint is SHA-256 over a canonical binary encoding of
//
//   - a version string and the options that shape the plan (not Limits,
//     Force or ExpectFingerprint, which only decide whether it is
//     returned; Clients enters through the plan, which shows every client
//     ID it supplied). The maps among them (Selection, Products,
//     Nameservers, SeenMissing) go in as order-independent digests: the
//     count of entries and the sum of a 64-bit hash of each;
//   - the normalised key of every record, per side, as such a digest;
//   - the plan itself, in full: key field, in-sync count, every action,
//     deferred and held action, conflict and seen-missing count, with every
//     field of the records they carry.
//
// So two plans that differ in any byte have different fingerprints (as
// far as SHA-256 keeps its promise), and what a fingerprint approves is
// exactly one plan. The inputs are held to a weaker promise: listings or
// option maps that differ give different fingerprints unless their 64-bit
// digests collide. By chance that is about one in 2^64; but the hash is not
// cryptographic, and someone who controls keys on both sides could make
// two sets of keys collide. That cannot get another plan applied, since the
// plan is covered in full: at worst it hides a change of keys that changed
// nothing in the plan, and the plan, made afresh from the new listings, is
// right for them.
//
// A field of a record the plan does not act on (say, the creation date of
// an account in sync) is left out: it cannot change the plan, and reading
// every field of every record costs more than the rest of Diff together,
// because it touches every string of the input where a diff touches only
// the keys. The digests are sums, so input order does not matter and no
// sort is needed.

const fingerprintVersion = "accountsync/sync plan v3"

// hash64 is a small, fast 64-bit hash (MurmurHash3-style mixing of 8-byte
// words) for the digests. It is not cryptographic (see above); it is
// written out here rather than taken from hash/maphash because a
// fingerprint must come out the same in every process, and maphash's seeds
// are random.
type hash64 struct{ h uint64 }

func mix(h, k uint64) uint64 {
	k *= 0x87c37b91114253d5
	k = bits.RotateLeft64(k, 31)
	k *= 0x4cf5ad432745937f
	h ^= k
	return bits.RotateLeft64(h, 27)*5 + 0x52dce729
}

func (x *hash64) str(s string) { x.h = mixString(x.h, s) }

func mixString(h uint64, s string) uint64 {
	h = mix(h, uint64(len(s)))
	for ; len(s) >= 8; s = s[8:] {
		h = mix(h, uint64(s[0])|uint64(s[1])<<8|uint64(s[2])<<16|uint64(s[3])<<24|
			uint64(s[4])<<32|uint64(s[5])<<40|uint64(s[6])<<48|uint64(s[7])<<56)
	}
	if len(s) > 0 {
		var k uint64
		for i := range len(s) {
			k |= uint64(s[i]) << (8 * i)
		}
		h = mix(h, k)
	}
	return h
}

func (x *hash64) sum() uint64 {
	h := x.h
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// Seeds keep the digests of different things apart.
const (
	seedRemote uint64 = 0x9e3779b97f4a7c15 + iota
	seedLocal
	seedSelection
	seedProduct
	seedVerdict
	seedSeen
)

// hashKey hashes a normalised key for a side's digest.
func hashKey(seed uint64, k string) uint64 {
	x := hash64{seed}
	x.str(k)
	return x.sum()
}

// hashPair hashes one map entry for an order-independent map digest.
func hashPair(seed uint64, k, v string) uint64 {
	x := hash64{seed}
	x.str(k)
	x.str(v)
	return x.sum()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// digest is an order-independent digest of a multiset.
type digest struct{ n, sum uint64 }

func (d *digest) add(h uint64) { d.n++; d.sum += h }

// The canonical encoding: strings length-prefixed, numbers as varints,
// times as instant and UTC offset.

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendNum(b []byte, n uint64) []byte { return binary.AppendUvarint(b, n) }

func appendFlag(b []byte, f bool) []byte {
	if f {
		return append(b, 1)
	}
	return append(b, 0)
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

func appendAction(b []byte, a *Action) []byte {
	b = appendStr(b, string(a.Kind))
	b = appendStr(b, a.Key)
	b = appendStr(b, a.Reason)
	b = appendFlag(b, a.Remote != nil)
	if a.Remote != nil {
		b = appendAccount(b, a.Remote)
	}
	b = appendFlag(b, a.Local != nil)
	if a.Local != nil {
		b = appendService(b, a.Local)
	}
	b = appendStr(b, a.ProductID)
	b = appendNum(b, uint64(len(a.Changes)))
	for _, c := range a.Changes {
		b = appendStr(b, string(c.Field))
		b = appendStr(b, c.Old)
		b = appendStr(b, c.New)
	}
	b = appendFlag(b, a.ResetPassword)
	b = appendFlag(b, a.Emails.Welcome)
	return appendFlag(b, a.Emails.HostingDetails)
}

func appendDigest(b []byte, d digest) []byte {
	return binary.LittleEndian.AppendUint64(appendNum(b, d.n), d.sum)
}

// appendOptions encodes what of the options shapes the plan; the maps go
// in as digests.
func (c *config) appendOptions(b []byte) []byte {
	b = appendStr(b, c.keyField)
	b = appendNum(b, uint64(c.Mode))
	b = appendNum(b, uint64(c.StatusAuthority))
	b = appendFlag(b, c.TerminateLocal)
	b = appendFlag(b, c.TerminateRemote)
	b = appendDigest(b, c.selectionDigest)
	b = appendDigest(b, c.productDigest)
	b = appendStr(b, c.cycle)
	b = appendTime(b, c.nextDue)
	b = appendFlag(b, c.ResetPassword)
	b = appendFlag(b, c.Emails.Welcome)
	b = appendFlag(b, c.Emails.HostingDetails)
	b = appendDigest(b, c.verdictDigest)
	b = appendFlag(b, c.TerminateIncorrectNameservers)
	b = appendFlag(b, c.AllowEmpty)
	b = appendDigest(b, c.seenDigest)
	b = appendNum(b, uint64(c.ConfirmRuns))
	return appendNum(b, uint64(c.MaxActions))
}

// fingerprint hashes the options, the plan and the input digests.
func (d *differ) fingerprint(p *Plan) string {
	h := sha256.New()
	b := make([]byte, 0, 64<<10)
	flush := func() {
		if len(b) >= 32<<10 {
			h.Write(b)
			b = b[:0]
		}
	}
	b = appendStr(b, fingerprintVersion)
	b = d.cfg.appendOptions(b)
	b = appendDigest(b, d.remoteDigest)
	b = appendDigest(b, d.localDigest)
	b = appendStr(b, p.KeyField)
	b = appendNum(b, uint64(p.InSync))
	for _, list := range [][]Action{p.Actions, p.Deferred, p.Held} {
		b = appendNum(b, uint64(len(list)))
		for i := range list {
			b = appendAction(b, &list[i])
			flush()
		}
	}
	b = appendNum(b, uint64(len(p.Conflicts)))
	for _, c := range p.Conflicts {
		b = appendStr(b, c.Key)
		b = appendStr(b, c.Reason)
		b = appendNum(b, uint64(len(c.Remote)))
		for i := range c.Remote {
			b = appendAccount(b, &c.Remote[i])
		}
		b = appendNum(b, uint64(len(c.Local)))
		for i := range c.Local {
			b = appendService(b, &c.Local[i])
		}
		flush()
	}
	b = appendNum(b, uint64(len(p.SeenMissing)))
	for _, k := range sortedKeys(p.SeenMissing) {
		b = appendStr(b, k)
		b = appendNum(b, uint64(p.SeenMissing[k]))
	}
	if p.Imports != "" {
		// Last and only when set, so that plans without it keep their
		// fingerprints; what comes before is self-delimiting.
		b = appendStr(b, p.Imports)
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
