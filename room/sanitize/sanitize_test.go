package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"\x1b[31mred\x1b[0m", "^[[31mred^[[0m"},
		{"bell\x07", "bell^G"},
		{"nul\x00", "nul^@"},
		{"del\x7f", "del^?"},
		{"tab\there", "tab    here"},
		{"crlf\r\nlf\ncr\rend", "crlf\nlf\ncr\nend"},
		{"bad \xff\xfe utf8", "bad \uFFFD utf8"},
		{"c1 \u009b2J", "c1 <U+009B>2J"},
		{"bidi \u202eevil\u202c", "bidi <U+202E>evil<U+202C>"},
		{"isolate \u2066x\u2069", "isolate <U+2066>x<U+2069>"},
		{"日本語 👍🏽 👨‍👩‍👧", "日本語 👍🏽 👨‍👩‍👧"},
		{"line\u2028sep", "line\nsep"},
	}
	for _, c := range cases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNick(t *testing.T) {
	cases := []struct{ in, want string }{
		{"alice", "alice"},
		{"Bob_2.0-x", "Bob_2.0-x"},
		{"a b", "ab"},
		{"\x1b[31mx", "31mx"},
		{"émilie", "émilie"},
		{"名前", "名前"},
		{strings.Repeat("a", 30), strings.Repeat("a", 24)},
		{"\xff", ""},
		{"@!#", ""},
		{"zero\u200bwidth", "zerowidth"},
	}
	for _, c := range cases {
		if got := Nick(c.in); got != c.want {
			t.Errorf("Nick(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if ValidNick("") || ValidNick("a b") || !ValidNick("ok") || ValidNick(strings.Repeat("a", 25)) {
		t.Error("ValidNick disagrees with Nick")
	}
}

// safe reports whether s could be written to a terminal without it acting
// on anything: no C0 (except newline), DEL, C1 or bidi controls, valid UTF-8.
func safe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n') || (r >= 0x7f && r < 0xa0) || isBidiControl(r) {
			return false
		}
	}
	return true
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"hi", "\x1b[2J", "\xff", "\u009b", "\r\n", "\u202e", "a\tb", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Text(in)
		if !safe(out) {
			t.Fatalf("Text(%q) = %q is not terminal-safe", in, out)
		}
		if again := Text(out); again != out {
			t.Fatalf("Text is not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

func FuzzNick(f *testing.F) {
	for _, s := range []string{"alice", "a b", "\x1b", "名前", strings.Repeat("x", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Nick(in)
		if out != "" && !ValidNick(out) {
			t.Fatalf("Nick(%q) = %q is not valid", in, out)
		}
		if !safe(out) || strings.ContainsAny(out, " \n") {
			t.Fatalf("Nick(%q) = %q is unsafe", in, out)
		}
	})
}
