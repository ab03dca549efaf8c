package screen

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
)

// pieces rows are made of in the tests: plain words, styles, wide and
// combining characters, emoji sequences.
var pieces = []string{
	"00:47 ", "<alice>", " ", "hello", "world", "MK-0001-0002", "│ ", "Online (2)", "x", "ab",
	"\x1b[38;5;244m", "\x1b[1m", "\x1b[m", "\x1b[0m", "\x1b[38;5;62;48;5;230m",
	"日本", "語", "e\u0301", "\u0301", "👍", "👨\u200d👩\u200d👧", "🇫🇷", "a\u200db",
}

func randomRow(r *rand.Rand, width int) string {
	var b strings.Builder
	for n := r.IntN(12); n >= 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return ansi.Truncate(b.String(), width, "")
}

// tokenStarts lists the offsets in row where a character or an escape
// sequence begins, and its end.
func tokenStarts(row string) []int {
	var at []int
	var state byte
	for i := 0; i < len(row); {
		at = append(at, i)
		_, _, n, newState := ansi.DecodeSequence(row[i:], state, nil)
		state = newState
		i += max(n, 1)
	}
	return append(at, len(row))
}

// faithful reports whether the emulator shows row, drawn alone, as its
// text. It does not for a few rows no view makes, such as a full row
// whose last character is a lone combining mark after a style: the
// emulator wraps before the mark. Such rows tell nothing about the diff.
func faithful(row string, width int) bool {
	_, alone := drawRows("", row, width)
	return strings.TrimRight(ansi.Strip(alone), " ") == strings.TrimRight(ansi.Strip(row), " ")
}

// drawRows draws old, then new over it, on one emulator, and new alone on
// another; it returns both screens.
func drawRows(old, new string, width int) (got, want string) {
	screen := func(rows ...string) string {
		out := newRecorder()
		t := terminal{width: width, height: 1, rows: []string{""}, cut: []bool{false}, started: true}
		t.colors = colorprofile.Writer{Forward: &t.buf, Profile: colorprofile.TrueColor}
		for _, row := range rows {
			t.writeRow(0, row)
		}
		_, _ = out.Write(t.buf.Bytes())
		emu := vt.NewEmulator(width, 1)
		_, _ = emu.Write(out.bytes())
		return emu.Render()
	}
	return screen(old, new), screen(new)
}

// Whatever two rows are, drawing the second over the first gives the
// screen that drawing the second alone gives, characters and colours.
func TestRowDiffDrawsTheNewRow(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tested := 0
	defer func() { t.Logf("%d pairs of rows compared", tested) }()
	for i := 0; i < 400; i++ { // FuzzRowDiff searches further
		width := 10 + r.IntN(40)
		old := randomRow(r, width)
		new := old
		switch r.IntN(3) {
		case 0:
			new = randomRow(r, width)
		case 1: // a change in the middle, between two characters or sequences
			cuts := tokenStarts(old)
			cut := cuts[r.IntN(len(cuts))]
			new = ansi.Truncate(old[:cut]+pieces[r.IntN(len(pieces))]+old[cut:], width, "")
		case 2: // a new start, the same end
			new = ansi.Truncate(pieces[r.IntN(len(pieces))]+old, width, "")
		}
		new = strings.ToValidUTF8(new, "") // the view's rows are valid UTF-8
		if !faithful(old, width) || !faithful(new, width) {
			continue
		}
		tested++
		got, want := drawRows(old, new, width)
		if got != want {
			t.Fatalf("width %d\nold %q\nnew %q\ndrawn over: %q\ndrawn alone: %q", width, old, new, got, want)
		}
	}
}

// The common case costs a small part of the row: a chat line replaced by
// another of the same minute, beside an unchanged panel.
func TestRowDiffSendsTheMiddle(t *testing.T) {
	style := "\x1b[38;5;244m"
	old := style + "00:47\x1b[m \x1b[1m<alice>\x1b[m the first line said this        │ Online (2)"
	new := style + "00:47\x1b[m \x1b[1m<bob>\x1b[m and this line said something      │ Online (2)"
	ob, _ := boundaries(old, nil)
	nb, _ := boundaries(new, nil)
	ch := diffRow(old, new, ob, nb)
	sent := new[ch.from:ch.to]
	if strings.Contains(sent, "00:47") || strings.Contains(sent, "Online") {
		t.Fatalf("sent %q of %q", sent, new)
	}
	if got, want := drawRows(old, new, 80); got != want {
		t.Fatalf("drawn over: %q\ndrawn alone: %q", got, want)
	}
}

func FuzzRowDiff(f *testing.F) {
	f.Add("00:47 <alice> hi │ x", "00:47 <bob> yo │ x", 30)
	f.Add("e\u0301abcdefghijkl", "eabcdefghijkl", 20)
	f.Add("\x1b[1mbold\x1b[m plain text here", "\x1b[1mbold\x1b[m other text here", 40)
	f.Fuzz(func(t *testing.T, old, new string, width int) {
		width = 1 + (width%120+120)%120
		// Rows come from the view: valid UTF-8 text and colour or style
		// (SGR) sequences, nothing else.
		clean := func(s string) string {
			s = strings.ToValidUTF8(s, "")
			var b strings.Builder
			var state byte
			for len(s) > 0 {
				seq, width, n, newState := ansi.DecodeSequence(s, state, nil)
				state, s = newState, s[max(n, 1):]
				if width > 0 || isSGR(seq) || seq != "" && seq[0] >= 0x20 && seq[0] != 0x7f && !strings.ContainsFunc(seq, func(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }) {
					b.WriteString(seq)
				}
			}
			return ansi.Truncate(b.String(), width, "")
		}
		old, new = clean(old), clean(new)
		if !faithful(old, width) || !faithful(new, width) {
			return
		}
		if got, want := drawRows(old, new, width); got != want {
			t.Fatalf("width %d\nold %q\nnew %q\ndrawn over: %q\ndrawn alone: %q", width, old, new, got, want)
		}
	})
}
