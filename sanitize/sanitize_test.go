package sanitize

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
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

// invisibles are characters that draw nothing, named in issue 8 or found by
// property (format controls, default-ignorables, variation selectors).
var invisibles = []rune{
	0x115F, 0x1160, 0x3164, 0xFFA0, // Hangul fillers: letters (Lo) that draw nothing
	0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, // zero-width space, (non-)joiner, word joiner, BOM
	0x00AD,                 // soft hyphen
	0x200E, 0x200F, 0x061C, // LRM, RLM, ALM
	0x034F,                         // combining grapheme joiner (Mn)
	0x180E,                         // Mongolian vowel separator
	0x2061, 0x2062, 0x2063, 0x2064, // invisible math operators
	0xE0001, 0xE0041, 0xE007F, // language tag, tag A, cancel tag
	0xFE00, 0xFE0E, 0xFE0F, 0xE0100, // variation selectors
	0x17B4, 0x1D173, 0x2065, 0xFFF9, 0x0600, // Khmer inherent vowel, musical format, unassigned, annotation, Arabic number sign
	0xFFFF, 0xFDD0, // noncharacters
}

func TestTextShowsInvisibleCharacters(t *testing.T) {
	for _, r := range invisibles {
		in := "a" + string(r) + "b"
		want := fmt.Sprintf("a<U+%04X>b", r)
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"\u200b", "<U+200B>"},
		{"x\u200d👩", "x<U+200D>👩"},                       // a ZWJ that joins no emoji
		{"👨\u200d", "👨<U+200D>"},                         // nor one at the end
		{"👨\u200b👩", "👨<U+200B>👩"},                       // ZWSP is no joiner
		{"👨\u200d\u200d👩", "👨<U+200D><U+200D>👩"},         // two in a row join nothing
		{"👨\u034f\u200d👩", "👨<U+034F><U+200D>👩"},         // a broken sequence is shown whole
		{"\u0600👨\u200d👩", "<U+0600>👨<U+200D>👩"},         // a prefix makes it no emoji
		{"a\ufe0f", "a<U+FE0F>"},                         // no emoji to select
		{"↔\ufe0e", "↔<U+FE0E>"},                         // text already: the selector does nothing
		{"🁣\U000E0074\U000E007F", "🁣<U+E0074><U+E007F>"}, // tags after a pictograph that is no emoji
		{"👨\u200d🁣", "👨<U+200D>🁣"},
		{"1\ufe0f\u20e3\ufe0f", "1<U+FE0F>\u20e3<U+FE0F>"}, // a keycap with one selector too many
		{"🏴\U000E0067\U000E0062", "🏴<U+E0067><U+E0062>"},   // tags without their cancel tag
		{"葛\U000E0100", "葛<U+E0100>"},                      // ideographic variation: terminals draw nothing
		{"a\u200cb", "a<U+200C>b"},                         // no joining script here
		{"a\u200db", "a<U+200D>b"},
		{"\u0645\u200c\u200c\u0645", "\u0645<U+200C><U+200C>\u0645"},
		{"\u1100\u1160", "\u1100<U+1160>"},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTextKeepsEmojiAndWords(t *testing.T) {
	for _, s := range []string{
		"👨\u200d👩\u200d👧", // family: ZWJ sequence
		"❤\ufe0f",         // emoji presentation
		"😀\ufe0e",         // text presentation
		"👍🏽",              // skin tone
		"🇫🇷",              // flag
		"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", // Scotland: tag sequence
		"1\ufe0f\u20e3 #\ufe0f\u20e3 *\ufe0f\u20e3",                     // keycaps
		"❤\ufe0f\u200d🔥",             // heart on fire: VS16 inside a ZWJ sequence
		"👁\ufe0f\u200d🗨\ufe0f",       // eye in speech bubble
		"🧑🏽\u200d💻",                  // technologist, skin tone
		"🏳\ufe0f\u200d🌈",             // rainbow flag
		"🏴\u200d☠\ufe0f",             // pirate flag
		"می\u200cخواهم",              // Persian: ZWNJ inside a word
		"ශ්\u200dරී ලංකා",            // Sinhala: ZWJ after a virama
		"क्\u200dष क्\u200cष",        // Devanagari: half forms
		"അവന്\u200d",                 // Malayalam: old-style chillu, at the end of a word
		"e\u0301 n\u0303",            // combining accents
		"日本語 한국어 \u1112\u1161\u11ab", // CJK, Hangul syllables and conjoining jamo
		"ｶﾞ",                         // halfwidth katakana with its sound mark
	} {
		if got := Text(s); got != s {
			t.Errorf("Text(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestNames(t *testing.T) {
	for _, r := range invisibles {
		if !Invisible(r) {
			t.Errorf("Invisible(U+%04X) = false", r)
		}
		name := "bob" + string(r)
		if got, want := Nick(name), "bob"; got != want {
			t.Errorf("Nick(%q) = %q, want %q", name, got, want)
		}
		if ValidNick(name) {
			t.Errorf("ValidNick(%q) = true", name)
		}
	}
	// Characters with no width of their own: halfwidth sound marks, and
	// Hangul vowels and finals, which terminals draw over the letter before.
	for _, r := range []rune{0xFF9E, 0x1161, 0x11A8, 0x11C3, 0xD7B0} {
		if !Invisible(r) {
			t.Errorf("Invisible(U+%04X) = false", r)
		}
	}
	for _, r := range []rune{'a', 'é', '名', '가', 0x3131, 0xFFA1, 0x1100, 'ж', 0x0E33, '_', '1'} {
		if Invisible(r) {
			t.Errorf("Invisible(%q) = true", r)
		}
	}
	// Canonically equal spellings are one nick: Korean typed as jamo, an
	// accent typed as a combining mark.
	for in, want := range map[string]string{"\u1112\u1161\u11ab": "한", "e\u0301mile": "émile"} {
		if got := Nick(in); got != want {
			t.Errorf("Nick(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInvisibleByProperty checks every code point against the width tables
// of both libraries the program lays text out with, and Unicode's
// default-ignorable property from the standard library: no list to miss one.
func TestInvisibleByProperty(t *testing.T) {
	n := 0
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		s := string(r)
		if (ignorable(r) || uniseg.StringWidth(s) == 0 || ansi.StringWidth(s) == 0) && !Invisible(r) {
			if n++; n <= 20 {
				t.Errorf("U+%04X draws nothing, but Invisible says it shows", r)
			}
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"bob\u1160": `"bob\u1160"`, "b\u200bob": `"b\u200bob"`, "a\ufe0f": `"a\ufe0f"`, "x\U000e0001": `"x\U000e0001"`,
		"émilie 名前": `"émilie 名前"`, "a\"b\\": `"a\"b\\"`, "\x1b[2J": `"\x1b[2J"`, "\xff": `"\xff"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
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
		if (r < 0x20 && r != '\n') || (r >= 0x7f && r < 0xa0) || unicode.Is(unicode.Bidi_Control, r) {
			return false
		}
	}
	return true
}

// ignorable is Unicode's Default_Ignorable_Code_Point plus the other format
// controls, from the standard library's tables: the test's own oracle.
func ignorable(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// hiddenLeft returns an invisible character of s that has no job where it
// stands, if any. The only ones with a job are the joiners, variation
// selectors and tags of emoji sequences (in a cluster x/ansi draws two cells
// wide, the way terminals draw emoji), and a joiner after a virama or
// between two Arabic-script letters, where it shapes a word.
func hiddenLeft(s string) (rune, bool) {
	g := uniseg.NewGraphemes(s)
	prev, base := rune(-1), rune(-1) // the rune before; the last that is no mark
	for g.Next() {
		c := g.Runes()
		emoji := ansi.StringWidth(g.Str()) == 2 && !unicode.IsLetter(c[0])
		for i, r := range c {
			if !ignorable(r) {
				prev = r
				if !unicode.Is(unicode.Mn, r) {
					base = r
				}
				continue
			}
			var next rune = -1
			if i+1 < len(c) {
				next = c[i+1]
			} else if _, after := g.Positions(); after < len(s) {
				next, _ = utf8.DecodeRuneInString(s[after:])
			}
			joiner := r == 0x200C || r == 0x200D
			switch {
			case emoji && (joiner || unicode.Is(unicode.Variation_Selector, r) || r >= 0xE0020 && r <= 0xE007F):
			case joiner && norm.NFC.PropertiesString(string(prev)).CCC() == 9:
			case r == 0x200C && arabic(base) && arabic(next):
			default:
				return r, true
			}
			prev, base = r, r
		}
	}
	return 0, false
}

func arabic(r rune) bool {
	p, _ := bidi.LookupRune(r)
	return r >= 0 && unicode.IsLetter(r) && p.Class() == bidi.AL
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"hi", "\x1b[2J", "\xff", "\u009b", "\r\n", "\u202e", "a\tb", "日本",
		"👨\u200d👩\u200d👧", "❤\ufe0f\u200d🔥", "1\ufe0f\u20e3", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
		"می\u200cخواهم", "ශ්\u200dරී", "bob\u1160", "\u200b\u00ad\u2060\ufeff\u034f", "a\ufe0f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Text(in)
		if !safe(out) {
			t.Fatalf("Text(%q) = %q is not terminal-safe", in, out)
		}
		if r, ok := hiddenLeft(out); ok {
			t.Fatalf("Text(%q) = %q holds an invisible U+%04X outside an emoji or a word", in, out, r)
		}
		if again := Text(out); again != out {
			t.Fatalf("Text is not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

func FuzzNick(f *testing.F) {
	for _, s := range []string{"alice", "a b", "\x1b", "名前", strings.Repeat("x", 40), "bob\u1160", "\u3164",
		"b\u200bo\u00adb", "\u1112\u1161\u11ab", "ｶﾞ", "e\u0301"} {
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
		// Every character of a nick shows: none is ignorable, and none,
		// alone or as the grapheme cluster it ends up in, is zero cells
		// wide by either width table the program uses.
		for _, r := range out {
			if ignorable(r) || uniseg.StringWidth(string(r)) == 0 || ansi.StringWidth(string(r)) == 0 {
				t.Fatalf("Nick(%q) = %q holds U+%04X, which draws nothing", in, out, r)
			}
		}
		g := uniseg.NewGraphemes(out)
		for g.Next() {
			if g.Width() == 0 || ansi.StringWidth(g.Str()) == 0 {
				t.Fatalf("Nick(%q) = %q holds %q, which draws nothing", in, out, g.Str())
			}
		}
	})
}

// BenchmarkText measures the cost of cleaning a message: plain ASCII (the
// fast path), ordinary text with accents and emoji, and the worst case this
// cleaner meets, a message-length run of emoji sequences, each judged.
func BenchmarkText(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"ascii", strings.Repeat("hello there, how are you? ", 8)},
		{"mixed", strings.Repeat("café 日本語 👍🏽 ok ", 10)},
		{"invisible", strings.Repeat("a\u200bb\u00ad", 500)},
		{"emoji", strings.Repeat("👨\u200d👩\u200d👧", 400)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				Text(c.s)
			}
		})
	}
}
