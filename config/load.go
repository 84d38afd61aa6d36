package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Load reads the configuration file at path, taking environment variables
// from the process environment.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return Parse(path, data, os.LookupEnv)
}

// Parse reads a configuration from data. name is the file it came from,
// for errors and relative paths ("" for none). lookup returns an
// environment variable, as os.LookupEnv does (which it is when nil).
func Parse(name string, data []byte, lookup func(string) (string, bool)) (*Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	c := &Config{File: name, positions: map[string]int{}}
	cleaned, err := clean(data)
	if err != nil {
		var se *syntaxError
		errors.As(err, &se)
		c.data = data
		return nil, c.errAt(se.offset, "", errors.New(se.msg))
	}
	c.data = cleaned
	if len(bytes.TrimSpace(cleaned)) == 0 {
		return nil, &Error{File: name, Err: errors.New("the file is empty; it needs at least \"servers\" and \"billing\"")}
	}
	w := walker{c: c, dec: json.NewDecoder(bytes.NewReader(cleaned))}
	w.dec.UseNumber()
	if err := w.value(reflect.TypeOf(Config{}), ""); err != nil {
		return nil, err
	}
	if tok, err := w.dec.Token(); err != io.EOF {
		_ = tok
		return nil, c.errAt(int(w.dec.InputOffset()), "", errors.New("text after the end of the configuration object"))
	}
	if err := json.Unmarshal(cleaned, c); err != nil {
		// The walk checked every type; this is a value its type refused
		// (a bad duration).
		return nil, c.unmarshalError(err)
	}
	if err := c.expandSecrets(lookup); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// errAt returns an *Error at a byte offset.
func (c *Config) errAt(offset int, key string, err error) *Error {
	line, col := position(c.data, offset)
	return &Error{File: c.File, Line: line, Column: col, Key: key, Err: err}
}

// errKey returns an *Error at the value of key (or its nearest parent
// that is in the file).
func (c *Config) errKey(key string, format string, args ...any) *Error {
	for k := key; ; {
		if off, ok := c.positions[k]; ok {
			return c.errAt(off, key, fmt.Errorf(format, args...))
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			return &Error{File: c.File, Key: key, Err: fmt.Errorf(format, args...)}
		}
		k = k[:i]
	}
}

func (c *Config) unmarshalError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return c.errAt(int(te.Offset), te.Field, errors.New("wrong type"))
	}
	return &Error{File: c.File, Err: err}
}

// walker checks the file's structure against the Go types before it is
// decoded: encoding/json accepts keys in any case, ignores unknown ones
// and says where only in bytes, while a misspelt "acessHash" must be an
// error that names its line.
type walker struct {
	c   *Config
	dec *json.Decoder
}

var (
	durationType = reflect.TypeOf(Duration(0))
	rawType      = reflect.TypeOf(json.RawMessage(nil))
	policyType   = reflect.TypeOf(Policy{})
)

// start returns the offset of the next token.
func (w *walker) start() int {
	off := int(w.dec.InputOffset())
	for off < len(w.c.data) {
		switch w.c.data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
			continue
		}
		break
	}
	return off
}

func (w *walker) value(t reflect.Type, path string) error {
	off := w.start()
	w.c.positions[path] = off
	tok, err := w.dec.Token()
	if err != nil {
		return w.syntax(off, path, err)
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	want := describe(t)
	bad := func(got string) error {
		return w.c.errAt(off, path, fmt.Errorf("must be %s, not %s", want, got))
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch {
		case tok == '{' && t.Kind() == reflect.Struct:
			return w.object(t, path)
		case tok == '{' && t.Kind() == reflect.Map:
			return w.mapValue(t.Elem(), path)
		case tok == '[' && t.Kind() == reflect.Slice && t != rawType:
			for i := 0; w.dec.More(); i++ {
				if err := w.value(t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, err := w.dec.Token()
			return w.syntax(off, path, err)
		case tok == '{':
			return bad("an object")
		default:
			return bad("a list")
		}
	case string:
		if t.Kind() != reflect.String && t != durationType {
			return bad(fmt.Sprintf("a string (%q)", tok))
		}
	case bool:
		if t.Kind() != reflect.Bool {
			return bad(strconv.FormatBool(tok))
		}
	case json.Number:
		switch t.Kind() {
		case reflect.Int, reflect.Int64:
			if t == durationType {
				return bad("a number (write a duration as a string such as \"90s\")")
			}
			if _, err := tok.Int64(); err != nil {
				return bad("the number " + tok.String())
			}
		case reflect.Float64:
		default:
			return bad("the number " + tok.String())
		}
	case nil:
		// null leaves the zero value, as encoding/json does.
	}
	return nil
}

func (w *walker) syntax(off int, path string, err error) error {
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset) - 1
		if off < 0 {
			off = 0
		}
		msg := strings.TrimPrefix(se.Error(), "invalid character ")
		if strings.Contains(msg, "after object key:value pair") || strings.Contains(msg, "after array element") {
			msg += " (is a comma missing?)"
		}
		return w.c.errAt(off, path, fmt.Errorf("invalid JSON: %s", msg))
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return w.c.errAt(len(w.c.data), path, errors.New("invalid JSON: the file ends before its last object or list is closed"))
	}
	return w.c.errAt(off, path, fmt.Errorf("invalid JSON: %v", err))
}

func (w *walker) object(t reflect.Type, path string) error {
	fields := jsonFields(t)
	seen := map[string]bool{}
	for w.dec.More() {
		koff := w.start()
		tok, err := w.dec.Token()
		if err != nil {
			return w.syntax(koff, path, err)
		}
		key := tok.(string)
		child := key
		if path != "" {
			child = path + "." + key
		}
		f, ok := fields[key]
		if !ok {
			msg := "unknown key"
			if s := suggest(key, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += "; known keys: " + strings.Join(slices.Sorted(maps.Keys(fields)), ", ")
			}
			return w.c.errAt(koff, child, errors.New(msg))
		}
		if seen[key] {
			return w.c.errAt(koff, child, errors.New("key given twice"))
		}
		seen[key] = true
		if f.Tag.Get("config") == "policy" {
			// Per-server policy overrides are kept raw, to be laid over
			// the defaults, but checked as policies here.
			if err := w.overrides(child); err != nil {
				return err
			}
			continue
		}
		if err := w.value(f.Type, child); err != nil {
			return err
		}
	}
	_, err := w.dec.Token()
	return w.syntax(w.start(), path, err)
}

func (w *walker) mapValue(elem reflect.Type, path string) error {
	for w.dec.More() {
		koff := w.start()
		tok, err := w.dec.Token()
		if err != nil {
			return w.syntax(koff, path, err)
		}
		if err := w.value(elem, path+"."+tok.(string)); err != nil {
			return err
		}
	}
	_, err := w.dec.Token()
	return w.syntax(w.start(), path, err)
}

func (w *walker) overrides(path string) error {
	off := w.start()
	w.c.positions[path] = off
	tok, err := w.dec.Token()
	if err != nil {
		return w.syntax(off, path, err)
	}
	if tok != json.Delim('{') {
		return w.c.errAt(off, path, errors.New("must be an object of server name to policy"))
	}
	for w.dec.More() {
		koff := w.start()
		tok, err := w.dec.Token()
		if err != nil {
			return w.syntax(koff, path, err)
		}
		name := path + "." + tok.(string)
		voff := w.start()
		if err := w.value(policyType, name); err != nil {
			return err
		}
		if _, nested := w.c.positions[name+".servers"]; nested {
			return w.c.errAt(voff, name+".servers", errors.New("per-server policies cannot have servers of their own"))
		}
	}
	_, err = w.dec.Token()
	return w.syntax(w.start(), path, err)
}

// jsonFields returns the fields of struct t by their exact JSON name.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		out[name] = f
	}
	return out
}

// suggest returns the known key closest to a misspelt one, if one is close.
func suggest(key string, fields map[string]reflect.StructField) string {
	best, bestD := "", 3
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if strings.EqualFold(k, key) {
			return k
		}
		d := distance(strings.ToLower(k), strings.ToLower(key))
		// On a tie, the key of the same length is the likelier typo.
		if d < bestD || d == bestD && best != "" && abs(len(k)-len(key)) < abs(len(best)-len(key)) {
			best, bestD = k, d
		}
	}
	return best
}

func abs(n int) int { return max(n, -n) }

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func describe(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a duration string such as \"90s\""
	case t == rawType:
		return "an object"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(describe(t.Elem()), "a "), "an ") + "s"
	case reflect.Map:
		return "an object"
	case reflect.Struct, reflect.Pointer:
		return "an object"
	}
	return t.String()
}
