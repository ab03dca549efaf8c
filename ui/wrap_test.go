package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"
)

func TestWrap(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  []string
	}{
		{"hello world", 20, []string{"hello world"}},
		{"hello world", 5, []string{"hello", "world"}},
		{"hello world", 8, []string{"hello", "world"}},
		{"<bob> 漢漢漢漢漢", 10, []string{"<bob> 漢漢", "漢漢漢"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"one\ntwo\n\nfour", 10, []string{"one", "two", "", "four"}},
		{"", 10, []string{""}},
		{"  indented", 20, []string{"  indented"}},
		{"a 👍🏽 b", 4, []string{"a 👍🏽", "b"}},
		{"trailing   ", 8, []string{"trailing"}},
	}
	for _, c := range cases {
		got := wrap(c.in, c.width)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}

func FuzzWrap(f *testing.F) {
	for _, s := range []string{"hello world", "漢字かな", "a\nb", "👨‍👩‍👧 family", strings.Repeat("x", 100)} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = 1 + abs(width)%200
		for _, l := range wrap(s, width) {
			// A single cluster wider than the line (a wide char in a
			// one-cell line) is the only allowed overflow.
			if w := ansi.StringWidth(l); w > width && visibleClusters(l) > 1 {
				t.Fatalf("wrap(%q, %d) gave a line %d wide: %q", s, width, w, l)
			}
		}
	})
}

// visibleClusters counts the grapheme clusters of s that take a cell or
// more: a line may overflow only by one of them.
func visibleClusters(s string) int {
	n, state := 0, -1
	for s != "" {
		var c string
		c, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		if ansi.StringWidth(c) > 0 {
			n++
		}
	}
	return n
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// A command, a room or a nick is never broken inside, where the rules of
// line breaking would allow it (after "/" or "-").
func TestWrapKeepsTokensWhole(t *testing.T) {
	for _, c := range []struct {
		text  string
		width int
		want  []string
	}{
		{"to scroll with the wheel see /mouse", 31, []string{"to scroll with the wheel", "see /mouse"}},
		{"come to #go-developers now", 16, []string{"come to", "#go-developers", "now"}},
		{"ask @alice-b.c about it", 13, []string{"ask", "@alice-b.c", "about it"}},
		{"a/b-c d", 4, []string{"a/b-", "c d"}},
	} {
		if got := wrap(c.text, c.width); !slices.Equal(got, c.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.text, c.width, got, c.want)
		}
	}
}
