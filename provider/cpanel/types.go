package cpanel

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// envelope is a WHM API 1 answer, {"data":...,"metadata":{...}}. The
// other keys catch the shapes that arrive instead: cPanel API 2's
// cpanelresult (the 403 "Access denied" body), WHM API 0's
// status/statusmsg, and a bare error.
type envelope struct {
	// Data is decoded into what the caller put here: a pointer to the
	// function's data type, or a skipJSON.
	Data         any             `json:"data"`
	Metadata     *metadata       `json:"metadata"`
	CpanelResult json.RawMessage `json:"cpanelresult"`
	Status       *flexInt        `json:"status"`
	StatusMsg    string          `json:"statusmsg"`
	Error        json.RawMessage `json:"error"`

	status int // the HTTP status it came with
}

// skipJSON takes any JSON value and keeps nothing.
type skipJSON struct{}

// UnmarshalJSON ignores the value.
func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

// metadata is WHM API 1's verdict on a call: result 1 or 0, and a reason.
type metadata struct {
	Command string   `json:"command"`
	Reason  flexText `json:"reason"`
	Result  flexInt  `json:"result"`
	Version flexInt  `json:"version"`
	Output  struct {
		Raw flexText `json:"raw"`
	} `json:"output"`
}

// cpanelResult is the error part of a cpanelresult body.
type cpanelResult struct {
	Error flexText `json:"error"`
	Data  struct {
		Reason flexText `json:"reason"`
	} `json:"data"`
}

// listacctsData is the data of listaccts and accountsummary. seen is
// whether the answer had a data object at all: WHM leaves data out when no
// account matches (Whostmgr::API::1::Accounts::listaccts returns nothing
// for a count of 0, with metadata result 1 and reason "OK"), but whenever
// it sends data, the data holds the acct array.
type listacctsData struct {
	Acct acctList `json:"acct"`
	seen bool
}

// UnmarshalJSON records that data was there; encoding/json calls it only
// for a non-null data.
func (d *listacctsData) UnmarshalJSON(b []byte) error {
	type plain listacctsData // without this method
	if err := json.Unmarshal(b, (*plain)(d)); err != nil {
		return err
	}
	d.seen = true
	return nil
}

// acctList is the acct array of listaccts. set is false when data had no
// acct, or acct null; any other type fails the decoding.
type acctList struct {
	recs []acctRecord
	set  bool
}

// UnmarshalJSON reads the array; encoding/json calls it for null too.
func (l *acctList) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	if err := json.Unmarshal(b, &l.recs); err != nil {
		return err
	}
	l.set = true
	return nil
}

// presize makes room for the records of body before it is decoded, so
// that a listing of thousands of accounts does not grow its slice a dozen
// times. Each record has one "user" key; a count that is too high only
// wastes capacity.
func (d *listacctsData) presize(body []byte) {
	d.Acct.recs = make([]acctRecord, 0, bytes.Count(body, []byte(`"user"`)))
}

// acctRecord is one account in listaccts, with the fields the client asks
// for with want=.
type acctRecord struct {
	User          flexText `json:"user"`
	Domain        flexText `json:"domain"`
	Email         flexText `json:"email"`
	Plan          flexText `json:"plan"`
	IP            flexText `json:"ip"`
	Owner         flexText `json:"owner"`
	UnixStartdate flexInt  `json:"unix_startdate"`
	Suspended     flexInt  `json:"suspended"`
	SuspendReason flexText `json:"suspendreason"`
	IsLocked      flexInt  `json:"is_locked"`
}

// listWant is the want= of listaccts: only the fields acctRecord reads.
const listWant = "user,domain,email,plan,ip,owner,unix_startdate,suspended,suspendreason,is_locked"

// createacctData is the data of a successful createacct.
type createacctData struct {
	IP      flexText `json:"ip"`
	Package flexText `json:"package"`
}

// listpkgsData is the data of listpkgs: each package is its name plus
// upper-case settings (QUOTA, BWLIMIT, MAXADDON, FEATURELIST, ...) whose
// values are numbers, "unlimited", "y"/"n" or null.
type listpkgsData struct {
	Pkg []map[string]json.RawMessage `json:"pkg"`
}

// flexInt is an integer WHM may send as a number, a quoted number, a
// boolean, null, or the sentinel "*unknown*". Decoding never fails; the
// mapping decides what a missing or odd value means, and names the record.
type flexInt struct {
	set     bool   // present and not null
	ok      bool   // an integer
	unknown bool   // "*unknown*" or ""
	value   int64  // when ok
	raw     string // as sent, for error messages
}

// UnmarshalJSON reads any JSON value.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	f.set = true
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		str, err := unquote(b)
		if err != nil {
			return err
		}
		s = strings.TrimSpace(str)
	}
	f.raw = s
	switch s {
	case "", "*unknown*":
		f.unknown = true
		return nil
	case "true":
		f.ok, f.value = true, 1
		return nil
	case "false":
		f.ok, f.value = true, 0
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		f.ok, f.value = true, n
		return nil
	}
	// A float with no fraction, as some JSON encoders write integers.
	if v, err := strconv.ParseFloat(s, 64); err == nil && v == float64(int64(v)) {
		f.ok, f.value = true, int64(v)
	}
	return nil
}

// flexText is a string WHM may also send as a number or null. Objects and
// arrays leave it empty rather than failing the whole answer.
type flexText string

// UnmarshalJSON reads any JSON value.
func (t *flexText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		s, err := unquote(b)
		if err != nil {
			return err
		}
		*t = flexText(s)
	case 'n', '{', '[':
		// null, or a shape this field does not take.
	default:
		*t = flexText(b) // a number or a boolean, as written
	}
	return nil
}

// known returns the text, or "" for WHM's "*unknown*".
func (t flexText) known() string {
	s := strings.TrimSpace(string(t))
	if s == "*unknown*" {
		return ""
	}
	return s
}

// unquote reads a JSON string that encoding/json has already validated.
// Strings without escapes, nearly all of a listing, are copied directly.
func unquote(b []byte) (string, error) {
	if len(b) >= 2 && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}
