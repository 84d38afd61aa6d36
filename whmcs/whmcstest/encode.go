package whmcstest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// obj is a JSON object as PHP's json_encode writes an associative array;
// list is a JSON array.
type (
	obj  = map[string]any
	list = []any
)

// writeJSON answers as WHMCS's JsonResponse does: the object json_encode
// makes, with "/" escaped as "\/" the way PHP escapes it by default.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	b = bytes.ReplaceAll(b, []byte("/"), []byte(`\/`))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeNVP answers in the deprecated name=value format: top-level scalars
// joined by ";". Nested values print as PHP prints an array: "Array".
func writeNVP(w http.ResponseWriter, status int, v obj) {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	// result and message first, as WHMCS builds them; the rest sorted.
	sort.Slice(keys, func(i, j int) bool {
		return rank(keys[i]) < rank(keys[j]) || (rank(keys[i]) == rank(keys[j]) && keys[i] < keys[j])
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+scalar(v[k]))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(strings.Join(parts, ";")))
}

func rank(k string) int {
	switch k {
	case "result":
		return 0
	case "message":
		return 1
	}
	return 2
}

func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "1"
		}
		return ""
	case int:
		return strconv.Itoa(x)
	case obj, list:
		return "Array"
	}
	return fmt.Sprint(v)
}

// writeXML answers in WHMCS's XML format: <whmcsapi> with the action and
// one element per member; list items repeat the wrapping member's name.
func writeXML(w http.ResponseWriter, status int, action string, v obj) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n<whmcsapi version=\"" + Version + "\">\n")
	b.WriteString("<action>" + escapeXML(action) + "</action>\n")
	writeXMLMembers(&b, v)
	b.WriteString("</whmcsapi>\n")
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func writeXMLMembers(b *bytes.Buffer, v obj) {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		writeXMLValue(b, k, v[k])
	}
}

func writeXMLValue(b *bytes.Buffer, name string, v any) {
	switch x := v.(type) {
	case obj:
		b.WriteString("<" + name + ">\n")
		writeXMLMembers(b, x)
		b.WriteString("</" + name + ">\n")
	case list:
		for _, item := range x {
			writeXMLValue(b, name, item)
		}
	default:
		b.WriteString("<" + name + "><![CDATA[" + scalar(v) + "]]></" + name + ">\n")
	}
}

func escapeXML(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// form is a request's parameters as PHP sees them: the query merged with
// the POST body (the body wins), with "name[key]" and "name[]" collected
// into arrays.
type form struct {
	scalars map[string]string
	arrays  map[string][]kv
}

type kv struct{ key, value string }

func parseForm(query, body url.Values) form {
	f := form{scalars: map[string]string{}, arrays: map[string][]kv{}}
	add := func(vals url.Values) {
		for k, vs := range vals {
			name, key, isArray := splitArrayKey(k)
			if !isArray {
				// PHP keeps the last of repeated plain names.
				f.scalars[k] = vs[len(vs)-1]
				delete(f.arrays, k)
				continue
			}
			delete(f.scalars, name)
			for _, v := range vs {
				if key == "" {
					f.arrays[name] = append(f.arrays[name], kv{strconv.Itoa(len(f.arrays[name])), v})
					continue
				}
				f.arrays[name] = slices.DeleteFunc(f.arrays[name], func(e kv) bool { return e.key == key })
				f.arrays[name] = append(f.arrays[name], kv{key, v})
			}
		}
	}
	add(query)
	add(body)
	for name := range f.arrays {
		// url.Values loses the order of distinct names; PHP would keep the
		// sender's, which for "pid[0]", "pid[1]" is the numeric order.
		slices.SortStableFunc(f.arrays[name], func(a, b kv) int {
			x, errx := strconv.Atoi(a.key)
			y, erry := strconv.Atoi(b.key)
			if errx == nil && erry == nil {
				return x - y
			}
			return 0
		})
	}
	return f
}

func splitArrayKey(k string) (name, key string, ok bool) {
	i := strings.IndexByte(k, '[')
	if i <= 0 || !strings.HasSuffix(k, "]") {
		return k, "", false
	}
	return k[:i], k[i+1 : len(k)-1], true
}

// get returns a scalar parameter, "" when missing, as get_req_var does.
func (f form) get(name string) string { return f.scalars[name] }

// has reports whether a parameter was sent at all, as App::isInRequest.
func (f form) has(name string) bool {
	_, s := f.scalars[name]
	_, a := f.arrays[name]
	return s || a
}

// isArray reports whether the parameter arrived as a PHP array.
func (f form) isArray(name string) bool {
	_, ok := f.arrays[name]
	return ok
}

// index returns element i of an array parameter in sending order.
func (f form) index(name string, i int) string {
	a := f.arrays[name]
	if i < len(a) {
		return a[i].value
	}
	return ""
}

// values returns the values of an array parameter in order.
func (f form) values(name string) []string {
	out := make([]string, 0, len(f.arrays[name]))
	for _, e := range f.arrays[name] {
		out = append(out, e.value)
	}
	return out
}

// truthy is PHP's notion of a true string: everything but "" and "0".
// "false", "no" and "off" are true, which is why a client must send 0.
func truthy(s string) bool { return s != "" && s != "0" }

// unserialize reads the PHP serialize() of a flat array of scalars, the
// form of customfields ("a:1:{i:5;s:3:\"abc\";}"), into key -> value.
func unserialize(s string) (map[string]string, error) {
	p := &phpReader{s: s}
	if !p.lit("a:") {
		return nil, fmt.Errorf("not a serialized array")
	}
	n, err := p.intUntil(':')
	if err != nil || !p.lit("{") {
		return nil, fmt.Errorf("bad array header")
	}
	out := make(map[string]string, n)
	for range n {
		k, err := p.scalar()
		if err != nil {
			return nil, err
		}
		v, err := p.scalar()
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	if !p.lit("}") || p.i != len(p.s) {
		return nil, fmt.Errorf("trailing data")
	}
	return out, nil
}

type phpReader struct {
	s string
	i int
}

func (p *phpReader) lit(l string) bool {
	if strings.HasPrefix(p.s[p.i:], l) {
		p.i += len(l)
		return true
	}
	return false
}

func (p *phpReader) intUntil(end byte) (int, error) {
	j := strings.IndexByte(p.s[p.i:], end)
	if j < 0 {
		return 0, fmt.Errorf("unterminated number")
	}
	n, err := strconv.Atoi(p.s[p.i : p.i+j])
	p.i += j + 1
	return n, err
}

func (p *phpReader) scalar() (string, error) {
	switch {
	case p.lit("i:"):
		n, err := p.intUntil(';')
		return strconv.Itoa(n), err
	case p.lit("s:"):
		n, err := p.intUntil(':')
		if err != nil || n < 0 || p.i+n+3 > len(p.s) || p.s[p.i] != '"' {
			return "", fmt.Errorf("bad string")
		}
		v := p.s[p.i+1 : p.i+1+n]
		p.i += n + 1
		if !p.lit(`";`) {
			return "", fmt.Errorf("bad string end")
		}
		return v, nil
	}
	return "", fmt.Errorf("unsupported serialized value at %d", p.i)
}
