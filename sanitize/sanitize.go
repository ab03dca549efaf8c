// Package sanitize turns untrusted text into text that is safe to put on
// another person's terminal.
//
// Everything a member types, and every ssh user name, passes through here
// before it reaches the room log, so the log never holds a byte that a
// terminal would interpret: escape sequences and control characters become
// visible caret notation (ESC shows as ^[), invalid UTF-8 becomes U+FFFD.
// Nor does it hold a character that draws nothing where it stands: those
// show as their code point (<U+200B>) in messages and are refused in names,
// so no two lines or names that differ can look the same.
package sanitize

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/rangetable"
	"golang.org/x/text/width"
)

// Text makes s inert for display: it keeps printable characters and
// newlines, turns tabs into spaces, and shows every other control character
// visibly, and every character that draws nothing (see [Ignorable]) except
// where it has a visible job: inside an emoji sequence, or as a joiner that
// shapes a word (see [inWordJoiner]). It never removes a character silently,
// so what someone sent stays recognisable.
func Text(s string) string {
	if isPlain(s) {
		return s
	}
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s) + 8)
	if !strings.ContainsFunc(s, Ignorable) {
		for _, r := range s {
			writeRune(&b, r, false)
		}
		return b.String()
	}
	// Emoji sequences are grapheme clusters: judge them whole.
	prev, base := rune(-1), rune(-1) // the rune before; the last that is no mark
	state := -1
	for at := 0; at < len(s); {
		cluster, _, _, st := uniseg.FirstGraphemeClusterInString(s[at:], state)
		state = st
		emoji := strings.ContainsFunc(cluster, Ignorable) && emojiSequence(cluster)
		for i, r := range cluster {
			hide := Ignorable(r) && !emoji && !inWordJoiner(r, prev, base, s[at+i+utf8.RuneLen(r):])
			writeRune(&b, r, hide)
			prev = r
			if !unicode.Is(unicode.Mn, r) || Ignorable(r) {
				base = r
			}
		}
		at += len(cluster)
	}
	return b.String()
}

// writeRune writes r as Text shows it; show asks for its code point.
func writeRune(b *strings.Builder, r rune, show bool) {
	switch {
	case r == '\n':
		b.WriteByte('\n')
	case r == '\r', r == '\u2028', r == '\u2029':
		b.WriteByte('\n')
	case r == '\t':
		b.WriteString("    ")
	case r < 0x20:
		// Caret notation, as cat -v and most terminals show it: ESC is ^[.
		b.WriteByte('^')
		b.WriteByte(byte(r) + '@')
	case r == 0x7f:
		b.WriteString("^?")
	case show, r >= 0x80 && r < 0xa0:
		// C1 controls (0x9b is a one-byte CSI), bidi overrides and
		// invisible characters have no caret form; show the code point,
		// as <U+200B>.
		const hex = "0123456789ABCDEF"
		digits := 4
		for v := r >> 16; v > 0; v >>= 4 {
			digits++
		}
		b.WriteString("<U+")
		for d := digits - 1; d >= 0; d-- {
			b.WriteByte(hex[r>>(4*d)&0xf])
		}
		b.WriteByte('>')
	default:
		b.WriteRune(r)
	}
}

// ignorables is the union of the tables [Ignorable] names, merged once so
// that a message costs one lookup per character. It is never changed.
var ignorables = rangetable.Merge(unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector,
	unicode.Noncharacter_Code_Point)

// Ignorable reports whether r draws nothing: Unicode's default-ignorable
// code points, derived as DerivedCoreProperties.txt derives them (Other_
// Default_Ignorable_Code_Point, variation selectors and format controls;
// this covers the Hangul fillers, which are letters, and the unassigned
// code points reserved as ignorable) together with the few format controls
// that derivation leaves out (the Arabic number sign and its kind, which
// terminals do not draw as written either), and the noncharacters, which
// are no characters to draw (PRECIS refuses them with the default-ignorable
// ones). Bidi controls and marks are format controls, so they are among
// them.
func Ignorable(r rune) bool {
	return r >= 0xad && unicode.Is(ignorables, r) // U+00AD, the soft hyphen, is the first
}

// Invisible reports whether r would not show as a character of its own in a
// name: it is [Ignorable], or has no width (uniseg's table, which follows
// Unicode's grapheme and East Asian width data: combining and enclosing
// marks, halfwidth sound marks), or is a conjoining Hangul vowel or final
// consonant. Those are letters that uniseg counts one cell wide, but wcwidth
// in glibc and xterm draws them with no width on top of the letter before
// (they are meant to complete a syllable, and names hold syllables, which
// [Nick] composes); they are the Hangul letters that Unicode gives a neutral
// East Asian width, where every standalone Hangul letter is wide or
// halfwidth.
func Invisible(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	if Ignorable(r) || uniseg.StringWidth(string(r)) == 0 {
		return true
	}
	return unicode.Is(unicode.Hangul, r) && unicode.IsLetter(r) && width.LookupRune(r).Kind() == width.Neutral
}

// Quote returns name as a double-quoted Go string literal, as %q does, but
// with every [Invisible] character escaped too (%q escapes only what it
// deems unprintable, which leaves the Hangul fillers and variation
// selectors in): a message about a name shows what is in it.
func Quote(name string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range name {
		switch {
		case r == utf8.RuneError:
			// strconv shows an invalid byte as \xff; a real U+FFFD stays.
			_, size := utf8.DecodeRuneInString(name[i:])
			q := strconv.Quote(name[i : i+size])
			b.WriteString(q[1 : len(q)-1])
		case r > 0xffff && Invisible(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		case r >= utf8.RuneSelf && Invisible(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			q := strconv.Quote(string(r))
			b.WriteString(q[1 : len(q)-1])
		}
	}
	b.WriteByte('"')
	return b.String()
}

const (
	zwnj   = '\u200c'
	zwj    = '\u200d'
	vs15   = '\ufe0e' // text presentation selector
	vs16   = '\ufe0f' // emoji presentation selector
	keycap = '\u20e3' // combining enclosing keycap
	// Tag characters spell a subdivision flag after a black flag; the
	// cancel tag ends them.
	firstTag, lastTag, cancelTag = '\U000E0020', '\U000E007E', '\U000E007F'
)

// emojiSequence reports whether a grapheme cluster is an emoji sequence in
// the grammar of UTS #51 (possible_emoji, section 1.4.9): elements joined
// by ZWJ, each an emoji shown as one, with what may follow it. Only there
// do invisible characters have a job in a message: they make 👨‍👩‍👧, ❤️,
// 🏴󠁧󠁢󠁳󠁣󠁴󠁿 and 1️⃣. Anything else in the cluster makes it no emoji, and its
// invisible characters are shown.
func emojiSequence(cluster string) bool {
	rs := []rune(cluster)
	for i := 0; ; i++ {
		n := emojiElement(rs[i:])
		if n == 0 {
			return false
		}
		i += n
		if i == len(rs) {
			return true
		}
		if rs[i] != zwj {
			return false
		}
	}
}

// emojiElement returns how many runes at the start of rs make one emoji
// (0: none), the emoji_zwj_element of UTS #51: a keycap (#, *, 0-9, VS16,
// U+20E3); a pictograph shown as emoji, because it is by default (uniseg
// draws it two cells wide) or because VS16 asks for it; one shown by
// default may have VS15 ask for text instead, or tag characters and a
// cancel tag after it (a subdivision flag). Visible modifiers (skin tones)
// may follow. The cases left out are those where a selector or tag changes
// nothing on screen, which are shown: VS15 after a pictograph that is text
// already, VS16 or tags after one that is no emoji.
func emojiElement(rs []rune) int {
	if len(rs) == 0 {
		return 0
	}
	base, i := rs[0], 1
	next := rune(-1)
	if len(rs) > 1 {
		next = rs[1]
	}
	switch {
	case base == '#' || base == '*' || base >= '0' && base <= '9':
		if next != vs16 || len(rs) < 3 || rs[2] != keycap {
			return 0
		}
		i = 3
	case !pictographic(base):
		return 0
	case next == vs16:
		i++
	case uniseg.StringWidth(string(base)) != 2:
		return 0
	case next == vs15:
		i++
	case next >= firstTag && next <= lastTag:
		for i < len(rs) && rs[i] >= firstTag && rs[i] <= lastTag {
			i++
		}
		if i == len(rs) || rs[i] != cancelTag {
			return 0
		}
		i++
	}
	for i < len(rs) && !Ignorable(rs[i]) {
		i++
	}
	return i
}

// pictographic reports whether r is Extended_Pictographic, the property
// that lets Unicode's grapheme rule GB11 join emoji with a ZWJ. uniseg keeps
// its table unexported, so ask the rule: r, ZWJ and a heart make one
// cluster only when r is a pictograph.
func pictographic(r rune) bool {
	if r < 0xa9 || Ignorable(r) { // © is the first; none draws nothing
		return false
	}
	var buf [utf8.UTFMax + 6]byte
	probe := append(utf8.AppendRune(buf[:0], r), "\u200d\u2764"...)
	cluster, _, _, _ := uniseg.FirstGraphemeCluster(probe, -1)
	return len(cluster) == len(probe)
}

// inWordJoiner reports whether r is a zero-width (non-)joiner that shapes
// a word, where a careful chat keeps it rather than sprinkle <U+200C> over
// ordinary writing: after a virama, where it chooses between a conjunct,
// a half form and a visible virama in Indic scripts and Sinhala (ශ්‍රී),
// and, for ZWNJ, between two Arabic-script letters (base, skipping marks,
// and the rune after), where Persian and Urdu write it inside words
// (می‌خواهم). These are the contexts RFC 5892 (appendix A.1, A.2) allows in
// domain names; the joining types it names are not in Go's tables, so the
// bidi class AL (Arabic letter) stands in for them. prev is the rune
// before r, rest what follows it.
func inWordJoiner(r, prev, base rune, rest string) bool {
	if r != zwnj && r != zwj {
		return false
	}
	if prev >= 0 && norm.NFC.PropertiesString(string(prev)).CCC() == 9 { // virama
		return true
	}
	next, _ := utf8.DecodeRuneInString(rest)
	return r == zwnj && arabicLetter(base) && rest != "" && arabicLetter(next)
}

func arabicLetter(r rune) bool {
	if r < 0 || !unicode.IsLetter(r) {
		return false
	}
	p, _ := bidi.LookupRune(r)
	return p.Class() == bidi.AL
}

// isPlain reports whether s is printable ASCII (plus newline), the common
// case, which needs no copy.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

// MaxNickLen is the longest nick, in characters.
const MaxNickLen = 24

// Nick keeps the characters a nick may hold (letters, digits, '-', '_' and
// '.', none of them invisible), drops the rest and cuts the result to
// MaxNickLen characters. It composes first (NFC), so a letter typed as a
// base and a combining accent, or Korean typed as jamo, counts as the one
// character it shows as. The result may be empty; the caller decides what
// to use instead.
func Nick(s string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, ""))
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == MaxNickLen {
			break
		}
		if !NickRune(r) {
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// NickRune reports whether r may appear in a nick.
func NickRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.') && !Invisible(r)
}

// ValidNick reports whether s is already a clean nick of 1 to MaxNickLen
// characters.
func ValidNick(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= MaxNickLen && Nick(s) == s
}

// TruncateRunes cuts s to at most n characters (runes), never inside one.
func TruncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// OneLine is s as one line of at most max characters: runs of white space,
// newlines included, become one space, and the result is terminal-safe
// (Text). For reasons, topics and the message of the day.
func OneLine(s string, max int) string {
	return Text(TruncateRunes(strings.Join(strings.Fields(s), " "), max))
}
