package whmcs

import (
	"slices"
	"strconv"
	"strings"
)

// serializeStrings writes PHP's serialize() of an array of strings, the
// form WHMCS takes custom field values in (base64-encoded): integer-like
// keys as integers, lengths in bytes.
func serializeStrings(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("a:" + strconv.Itoa(len(m)) + ":{")
	for _, k := range keys {
		if n, err := strconv.Atoi(k); err == nil && strconv.Itoa(n) == k {
			b.WriteString("i:" + k + ";")
		} else {
			b.WriteString("s:" + strconv.Itoa(len(k)) + `:"` + k + `";`)
		}
		b.WriteString("s:" + strconv.Itoa(len(m[k])) + `:"` + m[k] + `";`)
	}
	b.WriteString("}")
	return b.String()
}
