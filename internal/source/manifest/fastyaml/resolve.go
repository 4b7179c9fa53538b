package fastyaml

import (
	"math"
	"strconv"
	"strings"
)

// resolvePlain gives a plain scalar the value the loader's yaml.v3 path gives it: yaml.v3
// resolves the tag (resolve.go: null, YAML 1.2 booleans, ints in any Go base, floats,
// .inf/.nan, timestamps), then the loader turns the tag into a value and reads the YAML 1.1
// booleans (yes/no/on/off/y/n) that sigs.k8s.io/yaml, and so kubectl, accept.
func (p *parser) resolvePlain(b []byte) Node {
	switch b[0] {
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~', '<':
		switch string(b) {
		case "true", "True", "TRUE":
			return scalarOf(true)
		case "false", "False", "FALSE":
			return scalarOf(false)
		case "~", "null", "Null", "NULL":
			return scalarOf(nil)
		}
		if v, ok := yaml11Bool(b); ok {
			return scalarOf(v)
		}
		return p.internValue(b)
	case '.':
		switch string(b) {
		case ".nan", ".NaN", ".NAN":
			return scalarOf(math.NaN())
		case ".inf", ".Inf", ".INF":
			return scalarOf(math.Inf(1))
		}
		if f, err := strconv.ParseFloat(string(b), 64); err == nil {
			return scalarOf(f)
		}
		return p.internValue(b)
	case '+', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return p.resolveNumber(b)
	}
	return p.internValue(b)
}

// resolveNumber resolves a plain scalar that starts with a sign or a digit.
func (p *parser) resolveNumber(b []byte) Node {
	switch string(b) {
	case "+.inf", "+.Inf", "+.INF":
		return scalarOf(math.Inf(1))
	case "-.inf", "-.Inf", "-.INF":
		return scalarOf(math.Inf(-1))
	}
	// A timestamp stays a string; anything that starts like one (four digits and '-') is
	// either a timestamp or no number at all, so it is a string either way.
	if len(b) > 4 && b[4] == '-' && isDigits(b[:4]) {
		return p.internValue(b)
	}
	if !numeric(b) {
		return p.internValue(b) // 100m, 256Mi, 1.27.0-alpine: no number parses them
	}
	plain := string(b)
	if strings.IndexByte(plain, '_') >= 0 {
		plain = strings.ReplaceAll(plain, "_", "")
	}
	if intLike(plain) {
		if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return scalarOf(i)
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			// An int too large for int64: the loader reads it as a float when it can.
			if f, err := strconv.ParseFloat(string(b), 64); err == nil {
				return scalarOf(f)
			}
			return p.internValue(b)
		}
	}
	if yamlStyleFloat(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			return scalarOf(f)
		}
	}
	// yaml.v3 may still tag 0b/0o forms it reads with a sign as ints, but the loader then
	// fails to read them as int or float and keeps the text.
	return p.internValue(b)
}

// scalarOf is the node of a scalar other than a string.
func scalarOf(v any) Node { return Node{Value: v} }

// numeric reports whether b holds only characters that Go's number syntax uses; a scalar with
// any other character is no int and no float for yaml.v3 (strconv.ParseInt and ParseUint with
// base 0, and its float pattern), so the parsers, and the errors they allocate, are skipped.
func numeric(b []byte) bool {
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		case c == 'x', c == 'X', c == 'o', c == 'O', c == '+', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// intLike reports whether strconv.ParseInt or ParseUint with base 0 might accept s: a sign,
// then digits, or a 0x, 0o or 0b prefix and anything. Anything else (a '.', an exponent) is
// certainly rejected by both.
func intLike(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X', 'o', 'O', 'b', 'B':
			return true
		}
	}
	return s != "" && isDigits([]byte(s))
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// yamlStyleFloat matches ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$, yaml.v3's
// pattern for floats.
func yamlStyleFloat(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// yaml11Bool reads the YAML 1.1 booleans that YAML 1.2 reads as strings.
func yaml11Bool(b []byte) (bool, bool) {
	switch string(b) {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON":
		return true, true
	case "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}
