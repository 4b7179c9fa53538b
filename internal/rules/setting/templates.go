package setting

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// The templates: each judges one setting by name and fails with message, in which {value}
// stands for the setting's effective value.

// MustBe fails when the setting's effective value is not want. A boolean (want "true" or
// "false") is read as its component reads booleans, and a value that is not one fails.
func MustBe(name, want, message string) Judge {
	return func(v Values) Verdict {
		s := v.Get(name)
		if want == "true" || want == "false" {
			if b, err := s.Bool(); err == nil && strconv.FormatBool(b) == want {
				return Pass()
			}
		} else if s.Value == want {
			return Pass()
		}
		return fail(message, s.Value)
	}
}

// MustNotBe fails when the setting's effective value is one of bad.
func MustNotBe(name, message string, bad ...string) Judge {
	return func(v Values) Verdict {
		if s := v.Get(name); slices.Contains(bad, s.Value) {
			return fail(message, s.Value)
		}
		return Pass()
	}
}

// MustBeSet fails when the setting's effective value is empty.
func MustBeSet(name, message string) Judge {
	return func(v Values) Verdict {
		if v.Get(name).Value == "" {
			return fail(message, "")
		}
		return Pass()
	}
}

// AtLeast fails when the setting's effective value is not an integer of at least min.
func AtLeast(name string, min int64, message string) Judge {
	return func(v Values) Verdict {
		s := v.Get(name)
		if n, err := strconv.ParseInt(strings.TrimSpace(s.Value), 10, 64); err == nil && n >= min {
			return Pass()
		}
		return fail(message, s.Value)
	}
}

// Loopback fails when the setting, an address or host:port, is not on a loopback address
// (127.0.0.0/8, ::1, localhost): an empty host, 0.0.0.0 or :: is every interface.
func Loopback(name, message string) Judge {
	return func(v Values) Verdict {
		s := v.Get(name)
		host := strings.TrimSpace(s.Value)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() || strings.EqualFold(host, "localhost") {
			return Pass()
		}
		return fail(message, s.Value)
	}
}

// fail is a verdict of one failure with message, {value} replaced by value.
func fail(message, value string) Verdict {
	return Fail(strings.ReplaceAll(message, "{value}", value))
}

// UnlessInFile makes j not apply when the component is given a configuration file (the flag
// file names it) that Palisade does not read, and the setting is not given as a flag: the
// file may set it, so neither its default nor a pass can be claimed.
func UnlessInFile(name, file string, j Judge) Judge {
	return func(v Values) Verdict {
		if f := v.Get(file); f.Set() && !v.Get(name).Set() {
			return Verdict{NotApplicable: fmt.Sprintf("%s reads its settings from %s (--%s), which Palisade does not read, and --%s is not given as a flag.",
				v.Of.Of.Kind, f.Value, file, name)}
		}
		return j(v)
	}
}
