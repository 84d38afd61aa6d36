package directadmin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// Legacy commands this client sends.
const (
	cmdShowAllUsers   = "CMD_API_SHOW_ALL_USERS"
	cmdShowUsers      = "CMD_API_SHOW_USERS"
	cmdShowResellers  = "CMD_API_SHOW_RESELLERS"
	cmdShowUserConfig = "CMD_API_SHOW_USER_CONFIG"
	cmdAccountUser    = "CMD_API_ACCOUNT_USER"
	cmdSelectUsers    = "CMD_API_SELECT_USERS"
	cmdPackagesUser   = "CMD_API_PACKAGES_USER"
	cmdUserPasswd     = "CMD_API_USER_PASSWD"
)

// reply is one decoded legacy answer. DirectAdmin answers either
// URL-encoded ("key=value&...", lists as "list[]=a&list[]=b") or, when asked
// with json=yes, JSON (an object of strings, or an array for a list). Both
// decode to the same shape.
type reply struct {
	fields map[string]string // key=value pairs, HTML entities decoded
	list   []string          // list[] values, or the elements of a JSON array
	isList bool              // the answer held a list (possibly empty)
	json   bool              // the answer was JSON
	resp   *httpx.Response   // the answer it was decoded from, for errors
}

// failure reports whether the reply is a DirectAdmin error
// ("error=1&text=...&details=..." or, in JSON, {"error":"...","result":"..."}).
func (r *reply) failure() (text, details string, failed bool) {
	e, ok := r.fields["error"]
	if !ok {
		return "", "", false
	}
	switch strings.ToLower(strings.TrimSpace(e)) {
	case "", "0", "no", "false":
		return "", "", false
	case "1", "yes", "true":
		text = r.fields["text"]
	default:
		// JSON answers put the message in "error" itself.
		text = e
	}
	details = r.fields["details"]
	if details == "" {
		details = r.fields["result"]
	}
	return text, details, true
}

// succeeded reports whether a write was acknowledged: error=0 in the
// URL-encoded form, or a "success" key in the JSON form.
func (r *reply) succeeded() bool {
	if e, ok := r.fields["error"]; ok {
		return strings.TrimSpace(e) == "0"
	}
	_, ok := r.fields["success"]
	return ok
}

// decodeReply decodes a legacy answer, JSON or URL-encoded.
func decodeReply(body []byte) (*reply, error) {
	b := bytes.TrimSpace(body)
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return decodeJSON(b)
	}
	return decodeForm(b)
}

// decodeForm decodes "key=value&list[]=a&list[]=b". DirectAdmin sometimes
// writes HTML character references (&#60;) into the body without
// URL-encoding them; they are turned into percent escapes first so that
// their "&" does not split a value, and entities inside values are decoded
// after URL-decoding.
func decodeForm(b []byte) (*reply, error) {
	s := string(b)
	if strings.Contains(s, "&#") {
		s = escapeCharRefs(s)
	}
	r := &reply{fields: make(map[string]string, strings.Count(s, "&")+1)}
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("undecodable key %q", clip(k, 40))
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("undecodable value of %q", clip(key, 40))
		}
		if strings.Contains(val, "&") {
			val = html.UnescapeString(val)
		}
		if key == "list[]" {
			r.isList = true
			if val != "" {
				r.list = append(r.list, val)
			}
			continue
		}
		r.fields[key] = val
	}
	return r, nil
}

// escapeCharRefs replaces numeric character references (&#60; &#x3C; and
// the semicolon-less &#60 that PHP clients also accept) with the percent
// escapes of the character's UTF-8 bytes.
func escapeCharRefs(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.Index(s, "&#")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		rest := s[i+2:]
		base := 10
		if len(rest) > 0 && (rest[0] == 'x' || rest[0] == 'X') {
			base, rest = 16, rest[1:]
		}
		n := 0
		for n < len(rest) && n < 7 && isDigit(rest[n], base) {
			n++
		}
		code, err := strconv.ParseInt(rest[:n], base, 32)
		if n == 0 || err != nil || !utf8.ValidRune(rune(code)) {
			b.WriteString("&#")
			s = s[i+2:]
			continue
		}
		b.WriteString(url.QueryEscape(string(rune(code))))
		rest = rest[n:]
		rest = strings.TrimPrefix(rest, ";")
		s = rest
	}
}

func isDigit(c byte, base int) bool {
	switch {
	case c >= '0' && c <= '9':
		return true
	case base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
		return true
	}
	return false
}

// decodeJSON decodes a json=yes answer: an array (a list) or an object
// whose values are strings, numbers, booleans or a "list" array.
func decodeJSON(b []byte) (*reply, error) {
	// Fast paths: all values strings, as DirectAdmin usually sends them.
	if b[0] == '[' {
		var list []string
		if json.Unmarshal(b, &list) == nil {
			r := &reply{isList: true, json: true, list: list[:0]}
			for _, s := range list {
				if s != "" {
					r.list = append(r.list, s)
				}
			}
			return r, nil
		}
	} else {
		var fields map[string]string
		if json.Unmarshal(b, &fields) == nil {
			for k, v := range fields {
				if strings.Contains(v, "&") {
					fields[k] = html.UnescapeString(v)
				}
			}
			return &reply{fields: fields, json: true}, nil
		}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("undecodable JSON: %w", err)
	}
	r := &reply{json: true}
	switch t := v.(type) {
	case []any:
		r.isList = true
		r.list = make([]string, 0, len(t))
		for _, e := range t {
			if s := scalar(e); s != "" {
				r.list = append(r.list, s)
			}
		}
	case map[string]any:
		r.fields = make(map[string]string, len(t))
		for k, e := range t {
			if arr, ok := e.([]any); ok && k == "list" {
				r.isList = true
				for _, x := range arr {
					if s := scalar(x); s != "" {
						r.list = append(r.list, s)
					}
				}
				continue
			}
			r.fields[k] = scalar(e)
		}
	default:
		return nil, errors.New("JSON answer is neither an object nor an array")
	}
	return r, nil
}

// scalar renders a JSON value as the string the URL-encoded form would
// carry: booleans as yes/no (the form user.conf uses for "suspended").
func scalar(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		if strings.Contains(t, "&") {
			return html.UnescapeString(t)
		}
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "yes"
		}
		return "no"
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

// Extra keys set on every listed account.
const (
	// ExtraUserType is DirectAdmin's usertype: "user" or "reseller".
	ExtraUserType = "usertype"
	// ExtraCreator is the reseller or admin that owns the account.
	ExtraCreator = "creator"
)

// accountFromConfig maps one user.conf (CMD_API_SHOW_USER_CONFIG) to an
// account. skip is true for admin accounts, which are panel operators and
// not hosting accounts. A config that names another user, lacks a domain,
// has an unknown "suspended" value or a date that does not parse is an
// error naming the field.
func accountFromConfig(name string, f map[string]string, loc *time.Location) (a provider.Account, skip bool, err error) {
	username := strings.TrimSpace(f["username"])
	if username == "" {
		username = name
	} else if !strings.EqualFold(username, name) {
		return a, false, fmt.Errorf("the config names user %q", username)
	}
	usertype := strings.ToLower(strings.TrimSpace(f["usertype"]))
	if usertype == "admin" {
		return a, true, nil
	}
	if usertype == "" {
		usertype = "user"
	}
	domain := strings.TrimSpace(f["domain"])
	if domain == "" {
		return a, false, errors.New(`field "domain" is empty`)
	}
	var status provider.Status
	switch s := strings.ToLower(strings.TrimSpace(f["suspended"])); s {
	case "no":
		status = provider.StatusActive
	case "yes":
		status = provider.StatusSuspended
	default:
		return a, false, fmt.Errorf(`field "suspended" is %q, want "yes" or "no"`, f["suspended"])
	}
	created, err := parseDate(f["date_created"], loc)
	if err != nil {
		return a, false, fmt.Errorf(`field "date_created": %w`, err)
	}
	return provider.Account{
		Email:            strings.TrimSpace(f["email"]),
		Username:         username,
		Domain:           domain,
		UniqueIdentifier: domain,
		Product:          f["package"],
		PrimaryIP:        strings.TrimSpace(f["ip"]),
		Created:          created,
		Status:           status,
		Extra: map[string]string{
			ExtraUserType: usertype,
			ExtraCreator:  f["creator"],
		},
	}, false, nil
}

// parseDate reads date_created as wall time in loc. An empty value gives
// the zero time (the server does not say); a value of 9 or more digits is
// read as a Unix time.
//
// DirectAdmin writes ctime's form ("Tue Feb  5 08:01:09 2019", the day
// padded with a space), which is read after runs of spaces are collapsed;
// the other layouts are accepted because user.conf is plain text that
// scripts and migrations also write.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	layouts := [...]string{
		"Mon Jan 2 15:04:05 2006",
		"Jan 2 15:04:05 2006",
		"2006-01-02 15:04:05",
		"2006-01-02T15:04:05Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02 15:04",
		"2006-01-02",
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) >= 9 && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return time.Unix(n, 0).In(loc), nil
		}
	}
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q", clip(s, 60))
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
