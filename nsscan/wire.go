package nsscan

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strconv"

	"github.com/miekg/dns"
)

// The answers a Checker reads are parsed here rather than with
// dns.Msg.Unpack: only the records a delegation check needs are decoded
// (NS, CNAME, SOA, A, AAAA), names come out lower-cased in one pass, and
// nothing is allocated for the rest. On a loaded machine this is a large
// part of the cost of a check. Queries are still built and checked against
// github.com/miekg/dns in the tests.

var (
	errShort   = errors.New("message too short")
	errPointer = errors.New("bad compression pointer")
	errName    = errors.New("name too long")
)

// wireMsg is the part of a DNS message a check reads.
type wireMsg struct {
	id             uint16
	response       bool
	authoritative  bool
	truncated      bool
	rcode          int
	question       []wireQuestion
	answer, ns, ex []wireRR
}

type wireQuestion struct {
	name          string
	qtype, qclass uint16
}

// wireRR is one record: its owner and type, and for the types a check
// reads, their data.
type wireRR struct {
	name   string // canonical (lower case, fully qualified)
	rtype  uint16
	ttl    uint32
	target string     // NS and CNAME target, canonical
	addr   netip.Addr // A, AAAA
	soaMin uint32     // SOA MINIMUM
}

// parseWire decodes a DNS message. Names equal to known (the question
// name, most of the time) share its string instead of allocating one.
func parseWire(b []byte, known string) (*wireMsg, error) {
	if len(b) < 12 {
		return nil, errShort
	}
	flags := binary.BigEndian.Uint16(b[2:])
	m := &wireMsg{
		id:            binary.BigEndian.Uint16(b),
		response:      flags&(1<<15) != 0,
		authoritative: flags&(1<<10) != 0,
		truncated:     flags&(1<<9) != 0,
		rcode:         int(flags & 0xf),
	}
	qd := int(binary.BigEndian.Uint16(b[4:]))
	counts := [3]int{int(binary.BigEndian.Uint16(b[6:])), int(binary.BigEndian.Uint16(b[8:])), int(binary.BigEndian.Uint16(b[10:]))}
	var scratch [256]byte
	off := 12
	for range qd {
		name, next, err := readName(b, off, scratch[:0], known)
		if err != nil {
			return nil, err
		}
		if next+4 > len(b) {
			return nil, errShort
		}
		m.question = append(m.question, wireQuestion{name: name, qtype: binary.BigEndian.Uint16(b[next:]), qclass: binary.BigEndian.Uint16(b[next+2:])})
		off = next + 4
	}
	sections := [3]*[]wireRR{&m.answer, &m.ns, &m.ex}
	// One backing array for the three sections. A record takes at least
	// 11 octets: never trust the counts for an allocation.
	all := make([]wireRR, 0, min(counts[0]+counts[1]+counts[2], (len(b)-off)/11+1))
	for s, n := range counts {
		start := len(all)
		for range n {
			rr, next, err := readRR(b, off, scratch[:0], known)
			if err != nil {
				// A message truncated to fit (TC set) may end inside a
				// record; keep what was read.
				if m.truncated {
					*sections[s] = all[start:len(all):len(all)]
					return m, nil
				}
				return nil, err
			}
			if rr.rtype != dns.TypeOPT && rr.rtype != 0 {
				all = append(all, rr)
			}
			off = next
		}
		*sections[s] = all[start:len(all):len(all)]
	}
	return m, nil
}

// readRR decodes the record at off; types a check does not read keep only
// their owner and type.
func readRR(b []byte, off int, scratch []byte, known string) (wireRR, int, error) {
	var rr wireRR
	name, off, err := readName(b, off, scratch, known)
	if err != nil {
		return rr, 0, err
	}
	if off+10 > len(b) {
		return rr, 0, errShort
	}
	rr.name = name
	rr.rtype = binary.BigEndian.Uint16(b[off:])
	class := binary.BigEndian.Uint16(b[off+2:])
	rr.ttl = binary.BigEndian.Uint32(b[off+4:])
	rdlen := int(binary.BigEndian.Uint16(b[off+8:]))
	off += 10
	end := off + rdlen
	if end > len(b) {
		return rr, 0, errShort
	}
	if class != dns.ClassINET && rr.rtype != dns.TypeOPT {
		rr.rtype = 0 // not IN: ignored by the caller
		return rr, end, nil
	}
	switch rr.rtype {
	case dns.TypeNS, dns.TypeCNAME:
		t, next, err := readName(b, off, scratch, known)
		if err != nil {
			return rr, 0, err
		}
		if next != end {
			return rr, 0, errors.New("bad record length")
		}
		rr.target = t
	case dns.TypeA:
		if rdlen != 4 {
			return rr, 0, errors.New("bad A record")
		}
		rr.addr = netip.AddrFrom4([4]byte(b[off:end]))
	case dns.TypeAAAA:
		if rdlen != 16 {
			return rr, 0, errors.New("bad AAAA record")
		}
		rr.addr = netip.AddrFrom16([16]byte(b[off:end])).Unmap()
	case dns.TypeSOA:
		_, next, err := readName(b, off, scratch, known)
		if err == nil {
			_, next, err = readName(b, next, scratch, known)
		}
		if err != nil {
			return rr, 0, err
		}
		if next+20 != end {
			return rr, 0, errors.New("bad SOA record")
		}
		rr.soaMin = binary.BigEndian.Uint32(b[next+16:])
	}
	return rr, end, nil
}

// readName decodes the possibly compressed name at off into its canonical
// presentation form: lower case, fully qualified, escaped as miekg/dns
// escapes (\. for the special characters, \DDD outside printable ASCII).
// It returns the offset after the name where it starts, not where a
// pointer leads.
func readName(b []byte, off int, buf []byte, known string) (string, int, error) {
	end := -1
	wire := 0
	for hops := 0; ; {
		if off >= len(b) {
			return "", 0, errShort
		}
		c := int(b[off])
		switch c & 0xc0 {
		case 0x00:
			if c == 0 {
				if end < 0 {
					end = off + 1
				}
				switch {
				case len(buf) == 0:
					return ".", end, nil
				case string(buf) == known:
					return known, end, nil
				}
				return string(buf), end, nil
			}
			if off+1+c > len(b) {
				return "", 0, errShort
			}
			wire += c + 1
			if wire > 254 {
				return "", 0, errName
			}
			for _, ch := range b[off+1 : off+1+c] {
				switch {
				case ch >= 'A' && ch <= 'Z':
					buf = append(buf, ch+'a'-'A')
				case ch == '.', ch == ' ', ch == '\'', ch == '@', ch == ';', ch == '(', ch == ')', ch == '"', ch == '\\':
					buf = append(buf, '\\', ch)
				case ch < ' ' || ch > '~':
					buf = append(buf, '\\')
					buf = append(buf, strconv.Itoa(int(ch) + 1000)[1:]...)
				default:
					buf = append(buf, ch)
				}
			}
			buf = append(buf, '.')
			off += c + 1
		case 0xc0:
			if off+1 >= len(b) {
				return "", 0, errShort
			}
			if end < 0 {
				end = off + 2
			}
			if hops++; hops > 64 {
				return "", 0, errPointer
			}
			off = int(binary.BigEndian.Uint16(b[off:]) & 0x3fff)
		default:
			return "", 0, errors.New("bad label type")
		}
	}
}

// appendQuery appends a query for (qname, qtype) with recursion off and an
// EDNS0 OPT record advertising ednsSize.
func appendQuery(b []byte, id uint16, qname string, qtype uint16) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, id)
	b = append(b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1) // flags 0, QD 1, AN 0, NS 0, AR 1
	start := len(b)
	b = append(b, make([]byte, 256)...)
	n, err := dns.PackDomainName(qname, b, start, nil, false)
	if err != nil {
		return nil, err
	}
	b = b[:n]
	b = binary.BigEndian.AppendUint16(b, qtype)
	b = binary.BigEndian.AppendUint16(b, dns.ClassINET)
	// OPT: root owner, type 41, class = UDP size, TTL 0 (DO off), no data.
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, dns.TypeOPT)
	b = binary.BigEndian.AppendUint16(b, ednsSize)
	return append(b, 0, 0, 0, 0, 0, 0), nil
}

// mixCase sets the case of every letter of the wire-format name that starts
// at b[off] at random (DNS 0x20, draft-vixie-dnsext-dns0x20): a server that
// copies the question into its answer, as nearly all do, echoes the
// pattern, which a forger who did not see the query must guess, one bit a
// letter, on top of the message ID and source port. It returns the length
// of the name.
func mixCase(b []byte, off int) int {
	var bits uint64
	left := 0
	i := off
	for i < len(b) && b[i] != 0 {
		n := int(b[i])
		for j := i + 1; j <= i+n && j < len(b); j++ {
			c := b[j] | 0x20
			if c < 'a' || c > 'z' {
				continue
			}
			if left == 0 {
				bits, left = rand.Uint64(), 64
			}
			if bits&1 != 0 {
				c &^= 0x20
			}
			b[j] = c
			bits >>= 1
			left--
		}
		i += n + 1
	}
	return i + 1 - off
}

// echo compares the question name of an answer, at resp[12:], with the one
// sent, at query[12:12+n]: caseOK when the bytes are equal, sameName when
// they differ in the case of letters only.
func echo(resp, query []byte, n int) (caseOK, sameName bool) {
	if len(resp) < 12+n || len(query) < 12+n {
		return false, false
	}
	a, q := resp[12:12+n], query[12:12+n]
	if string(a) == string(q) {
		return true, true
	}
	for i := range a {
		if a[i] != q[i] && (a[i]|0x20 != q[i]|0x20 || a[i]|0x20 < 'a' || a[i]|0x20 > 'z') {
			return false, false
		}
	}
	return false, true
}
