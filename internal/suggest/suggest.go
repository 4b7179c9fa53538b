// Package suggest finds what a misspelt name probably meant. It owns edit distance and
// nothing else, so sources and rules can share it without depending on each other.
package suggest

import "strings"

// Distance is the edit distance between a and b: the fewest insertions, deletions,
// substitutions and swaps of two adjacent bytes that turn one into the other (the optimal
// string alignment distance). Counting a swap as one edit matters because it is the most
// common typo: `form` for `from` is one edit, not two.
func Distance(a, b string) int {
	// Three rows: the one before the previous is needed to count a swap.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Closest returns the candidate nearest to name: an exact match ignoring case first, else the
// one at the smallest edit distance below a bound that grows with the name's length (a third
// of it, at least 1, at most 3). It returns "" when nothing is that close.
func Closest(name string, candidates []string) string {
	bound := min(max(len(name)/3, 1), 3)
	best, bestD := "", bound+1
	for _, c := range candidates {
		if c == name {
			return c
		}
		if strings.EqualFold(c, name) {
			return c
		}
		if d := Distance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
