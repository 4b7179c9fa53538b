package cli_test

import (
	"os"
	"strings"
	"testing"
)

// TestUsageNamesTheCommandAsItWasInvoked runs palisade under the names it is installed as:
// kubectl finds a plugin by its kubectl- prefix (krew links it so) and its users type
// `kubectl palisade`, so usage lines, hints and --version must say that, and the program
// keeps its own name everywhere else.
func TestUsageNamesTheCommandAsItWasInvoked(t *testing.T) {
	arg0 := os.Args[0]
	t.Cleanup(func() { os.Args[0] = arg0 })
	cases := []struct {
		name   string
		arg0   string
		args   []string
		stream string // "out" or "err"
		want   string
		// notWant is what the output must not hold: kubectl itself named as the command, as
		// when "kubectl palisade" was the root's Use and cobra took its first word.
		notWant string
	}{
		{"a plugin's usage line reads kubectl palisade", "/home/u/.krew/bin/kubectl-palisade", []string{"scan", "--help"}, "out", "  kubectl palisade scan PATH... [flags]", "  kubectl scan"},
		{"a plugin's root help lists kubectl palisade's commands", "kubectl-palisade", []string{"--help"}, "out", "  kubectl palisade [command]", "kubectl [command]"},
		{"a plugin's version line names kubectl palisade", "kubectl-palisade", []string{"--version"}, "out", "kubectl palisade version ", ""},
		{"a plugin's flag error points at kubectl palisade's help", "kubectl-palisade", []string{"scan", "--no-such-flag"}, "err", "See 'kubectl palisade scan --help'.", ""},
		{"a Windows plugin drops .exe from its name", "kubectl-palisade.exe", []string{"rules", "--help"}, "out", "  kubectl palisade rules [flags]", ""},
		{"the plain binary keeps its own name", "/usr/local/bin/palisade", []string{"scan", "--help"}, "out", "  palisade scan PATH... [flags]", "kubectl palisade"},
		{"a binary named kubectl- alone is not a plugin", "kubectl-", []string{"--version"}, "out", "palisade version ", "kubectl"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			os.Args[0] = tc.arg0
			_, out, errOut := runWithStdin(t, "", tc.args...)
			got := out
			if tc.stream == "err" {
				got = errOut
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("palisade %s started as %s: %s does not contain %q:\n%s", strings.Join(tc.args, " "), tc.arg0, tc.stream, tc.want, got)
			}
			if tc.notWant != "" && strings.Contains(got, tc.notWant) {
				t.Errorf("palisade %s started as %s: %s contains %q:\n%s", strings.Join(tc.args, " "), tc.arg0, tc.stream, tc.notWant, got)
			}
		})
	}
}
