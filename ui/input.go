package ui

import (
	"bytes"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"
)

// input is the text being typed, with its cursor, drawn as rows under the
// chat: "> " before the first, continuation rows indented.
//
// A keystroke must cost little however much the input holds: anyone can
// type, and the bubbles textarea this replaces wrapped the whole input again
// on every key, so 10,000 keys cost half a minute of the server's CPU. So each
// grapheme cluster ("cell") is measured once, when it comes in, and the
// screen rows are worked out lazily and kept: an edit forgets only the rows
// from just before it, and rows are laid out again only as far as something
// asks (the cursor's row, the rows on screen). Typing, deleting and moving
// the cursor lay out a few rows, and drawing draws only the rows shown.
//
// What remains in proportion to the text is copying and adding up numbers,
// never measuring text again: moving what follows an edit along in memory,
// copying a recalled line in, laying out the rows up to a far place the
// cursor jumps to (End after an edit at the start). That is at most a
// message's worth (the input holds no more than one message may), in
// slices without pointers, which the garbage collector neither scans nor
// slows the copying of.
type input struct {
	text  []byte // UTF-8
	cells []cell // the grapheme clusters of text, in order
	cur   int    // the cursor: the index of the cell it stands before
	curB  int    // the cursor's byte offset in text
	runes int    // runes held, as chat.MaxMessageLen counts them
	lines int    // lines held, as chat.MaxMessageLines counts them

	maxRunes, maxLines int

	width     int // the screen's; the text has width-promptWidth of it
	maxHeight int // rows shown at most; more scroll

	// rows[r] is where screen row r starts; rows[:known] are up to date,
	// and when done they reach the end of the text.
	rows  []pos
	known int
	done  bool
	top   int // the first row shown
	goal  int // the column Up and Down keep to; -1 until one is pressed

	placeholder     string
	prompt, indent  string // drawn before the first row, and the others
	placeholderText lipgloss.Style

	buf     []byte // a change's text on its way in, kept to spare allocations
	add     []cell // and its cells
	laidOut int    // cells looked at laying out rows: tests count work
}

// cell is one grapheme cluster: its length in bytes, its width on screen,
// and what kind of character it is. A line break takes one column, the
// cursor's place at the end of its line.
type cell struct {
	n    uint16 // bytes: at most a message's worth, 8,000
	w    uint8
	kind uint8
}

// The kinds of cell.
const (
	kindOther = iota
	kindSpace // ' ', where rows may break and completion looks
	kindBlank // other white space, which only separates words
	kindBreak // '\n'
)

func (c cell) isBreak() bool { return c.kind == kindBreak }
func (c cell) isSpace() bool { return c.kind != kindOther }

// pos is a place in the text, as a cell index and its byte offset.
type pos struct{ c, b int }

// promptWidth is the width of "> " and of the indent of continuation rows.
const promptWidth = 2

// maxJoin is the longest cluster, in bytes, that a change next to it may
// join with (an accent typed after its letter, an emoji after a joiner):
// longer ones take no more, or typing combining marks one at a time would
// cost time in proportion to all the marks already there.
const maxJoin = 64

func newInput(st *styles, placeholder string, maxRunes, maxLines int) input {
	return input{
		maxRunes:        maxRunes,
		maxLines:        maxLines,
		lines:           1,
		maxHeight:       1,
		rows:            []pos{{}},
		known:           1,
		goal:            -1,
		placeholder:     placeholder,
		prompt:          st.prompt.Render("> "),
		indent:          strings.Repeat(" ", promptWidth),
		placeholderText: st.placeholder,
	}
}

// setSize fits the input to a screen width and a number of rows.
func (in *input) setSize(width, maxHeight int) {
	if width != in.width {
		in.width = width
		in.known, in.done = 1, false
	}
	in.maxHeight = max(1, maxHeight)
}

// textWidth is the room for text on a row: never less than a wide
// character needs, so that every row holds at least one cell.
func (in *input) textWidth() int { return max(2, in.width-promptWidth) }

// value is the text as it will be sent.
func (in *input) value() string { return string(in.text) }

func (in *input) empty() bool { return len(in.cells) == 0 }

// snapshot is a copy of what the input holds, clusters and all, so that a
// line recalled with Up or Down comes back by copying, not by segmenting
// and measuring it all again on every key.
type snapshot struct {
	text         []byte
	cells        []cell
	runes, lines int
}

// size is roughly the memory a snapshot holds.
func (s snapshot) size() int { return len(s.text) + 4*len(s.cells) }

func (in *input) snapshot() snapshot {
	return snapshot{text: slices.Clone(in.text), cells: slices.Clone(in.cells), runes: in.runes, lines: in.lines}
}

// restore makes the input hold s, with the cursor at its end.
func (in *input) restore(s snapshot) {
	if cap(in.text) > 4096 && len(s.text) < 1024 {
		in.text, in.cells = nil, nil // a long message's worth is not kept for the session's life
	}
	in.text = append(in.text[:0], s.text...)
	in.cells = append(in.cells[:0], s.cells...)
	in.runes, in.lines = s.runes, max(1, s.lines)
	in.cur, in.curB = len(in.cells), len(in.text)
	in.known, in.done, in.top, in.goal = 1, false, 0, -1
}

// cut says which limit kept text out of the input.
type cut int

const (
	cutNone cut = iota
	cutChars
	cutLines
)

// insert puts text at the cursor and the cursor after it: as much of it,
// in whole clusters, as keeps the input within the limits of one message.
// It returns what went in, and which limit kept the rest out.
func (in *input) insert(text string) (kept string, why cut) {
	runes, lines := in.runes, in.lines
	n := 0
	for rest, state := text, -1; rest != ""; {
		var c string
		if rest[0] < utf8.RuneSelf && (len(rest) == 1 || rest[1] < utf8.RuneSelf) {
			c, rest, state = rest[:1], rest[1:], -1 // as in appendClusters
		} else {
			c, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		}
		if c == "\n" {
			if lines++; lines > in.maxLines {
				why = cutLines
				break
			}
		}
		if runes += utf8.RuneCountInString(c); runes > in.maxRunes {
			why = cutChars
			break
		}
		n += len(c)
	}
	if kept = text[:n]; kept != "" {
		in.splice(in.cur, in.cur, kept)
	}
	return kept, why
}

// delete removes cells[from:to], leaving the cursor where they were.
func (in *input) delete(from, to int) {
	from, to = max(0, from), min(len(in.cells), to)
	if from < to {
		in.splice(from, to, "")
	}
}

// splice replaces cells[from:to] with the clusters of text and puts the
// cursor after the text. Every change to the text goes through here: it
// keeps the counts, and forgets the rows the change may move.
//
// The cells must stay the text's grapheme clusters, as the terminal will
// see them, or widths and the cursor go wrong; and a change can join the
// clusters on either side of it (an accent typed after its letter, the
// two halves of an emoji sequence once what was between them is deleted).
// So the clusters next to the change are segmented again with the text,
// and further ones while the last keeps joining the next.
func (in *input) splice(from, to int, text string) {
	a, b := from, to
	aB := in.byteOf(from)
	bB := aB + in.bytes(from, to)
	next := -1 // the first byte that will follow the cell before the change
	if text != "" {
		next = int(text[0])
	} else if bB < len(in.text) {
		next = int(in.text[bB])
	}
	s := in.buf[:0]
	if a > 0 && joins(in.text[aB-int(in.cells[a-1].n):aB], next) {
		a--
		aB -= int(in.cells[a].n)
		s = append(s, in.text[aB:aB+int(in.cells[a].n)]...)
	}
	head := len(s) + len(text) // the bytes of s up to the cursor's new place
	s = append(s, text...)
	if b < len(in.cells) && len(s) > 0 && joins(s[len(s)-1:], int(in.text[bB])) {
		s = append(s, in.text[bB:bB+int(in.cells[b].n)]...)
		bB += int(in.cells[b].n)
		b++
	}
	add := appendClusters(in.add[:0], s)
	// While the cell after the change has joined it, the cluster it is now
	// part of may join the one after; a long run stops short.
	for b > to && b < len(in.cells) && b-to < 8 && len(add) > 0 && add[len(add)-1].n != in.cells[b-1].n &&
		joins(s[len(s)-int(add[len(add)-1].n):], int(in.text[bB])) {
		s = append(s, in.text[bB:bB+int(in.cells[b].n)]...)
		bB += int(in.cells[b].n)
		b++
		add = appendClusters(add[:0], s)
	}

	old := in.text[aB:bB]
	in.runes += utf8.RuneCount(s) - utf8.RuneCount(old)
	in.lines += bytes.Count(s, newline) - bytes.Count(old, newline)
	cur, curB := a, aB
	for _, c := range add {
		if curB-aB < head {
			cur, curB = cur+1, curB+int(c.n)
		}
	}
	in.forget(a) // while rows before the change still know their bytes
	in.text = replaceBytes(in.text, aB, bB, s)
	in.cells = slices.Replace(in.cells, a, b, add...)
	in.cur, in.curB, in.goal = cur, curB, -1
	// Keep the scratch space of a keystroke, not of a paste.
	in.buf, in.add = s[:0], add[:0]
	if cap(s) > 1024 {
		in.buf, in.add = nil, nil
	}
}

// replaceBytes is slices.Replace for bytes coming from another slice.
func replaceBytes(t []byte, i, j int, s []byte) []byte {
	n := len(t) - (j - i) + len(s)
	if n > cap(t) {
		u := make([]byte, n, n+n/2)
		copy(u, t[:i])
		copy(u[i+len(s):], t[j:])
		copy(u[i:], s)
		return u
	}
	tail := len(t) - j
	t = t[:max(len(t), n)]
	copy(t[i+len(s):], t[j:j+tail])
	copy(t[i:], s)
	return t[:n]
}

// joins says whether the cluster a and what follows it, starting with the
// byte next (-1 for nothing), might be one cluster: never across a line
// break, never between two ASCII characters (the common case, which so
// costs no segmenting), never onto a cluster longer than maxJoin.
func joins(a []byte, next int) bool {
	if len(a) == 0 || next < 0 || len(a) > maxJoin || a[0] == '\n' || next == '\n' {
		return false
	}
	return a[len(a)-1] >= utf8.RuneSelf || next >= utf8.RuneSelf
}

// appendClusters appends the cells of the grapheme clusters of s.
func appendClusters(cells []cell, s []byte) []cell {
	for state := -1; len(s) > 0; {
		var c []byte
		var w int
		if s[0] < utf8.RuneSelf && (len(s) == 1 || s[1] < utf8.RuneSelf) {
			// An ASCII character followed by another, or by nothing, is a
			// cluster of its own (the text is sanitized: no CR LF).
			c, s, w, state = s[:1], s[1:], 1, -1
		} else {
			c, s, w, state = uniseg.FirstGraphemeCluster(s, state)
		}
		cl := cell{n: uint16(len(c)), w: uint8(w)}
		switch r, _ := utf8.DecodeRune(c); {
		case r == '\n':
			cl.kind, cl.w = kindBreak, 1
		case r == ' ':
			cl.kind = kindSpace
		case unicode.IsSpace(r):
			cl.kind = kindBlank
		case r < ' ' || r == 0x7f:
			cl.w = 0
		}
		cells = append(cells, cl)
	}
	return cells
}

var newline = []byte{'\n'}

// bytes is the length in bytes of cells[from:to].
func (in *input) bytes(from, to int) int {
	n := 0
	for _, c := range in.cells[from:to] {
		n += int(c.n)
	}
	return n
}

// byteOf is the byte offset of cell i, counted from the nearest place
// known: the cursor, a row's start or an end of the text.
func (in *input) byteOf(i int) int {
	p := pos{in.cur, in.curB}
	if r := in.rows[in.rowAmongKnown(i)]; i-r.c < distance(i, p.c) {
		p = r
	}
	if len(in.cells)-i < distance(i, p.c) {
		p = pos{len(in.cells), len(in.text)}
	}
	if i >= p.c {
		return p.b + in.bytes(p.c, i)
	}
	return p.b - in.bytes(i, p.c)
}

func distance(a, b int) int { return max(a-b, b-a) }

func (in *input) moveTo(p int) {
	p = min(max(0, p), len(in.cells))
	in.cur, in.curB, in.goal = p, in.byteOf(p), -1
}

// Layout. A row takes cells while they fit, and breaks after its last
// space when the next word does not fit, or inside a word longer than a
// row. Deciding where a row ends looks at its own cells and the first one
// that did not fit, which is never further on than the start of the row
// after next; so a change at cell p can move the ends of rows from two
// before p's row on, and no others.

// rowAmongKnown is the last known row starting at or before cell p.
func (in *input) rowAmongKnown(p int) int {
	return sort.Search(in.known, func(i int) bool { return in.rows[i].c > p }) - 1
}

// forget drops the rows that a change at cell p may move.
func (in *input) forget(p int) {
	in.known = min(in.known, max(1, in.rowAmongKnown(p)-1))
	in.done = false
}

// rowEnd lays out the row starting at s: it returns where the next row
// starts, or false when this row is the last.
func (in *input) rowEnd(s pos) (pos, bool) {
	tw := in.textWidth()
	x, brk := 0, pos{-1, -1}
	for p := s; ; {
		in.laidOut++
		w := 1 // the end of the text: the cursor's place
		if p.c < len(in.cells) {
			w = int(in.cells[p.c].w)
		}
		if x+w > tw && p.c > s.c {
			if brk.c > s.c {
				return brk, true
			}
			return p, true
		}
		if p.c == len(in.cells) {
			return pos{}, false
		}
		c := in.cells[p.c]
		p = pos{p.c + 1, p.b + int(c.n)}
		if c.isBreak() {
			return p, true
		}
		x += w
		if c.kind == kindSpace {
			brk = p
		}
	}
}

// layoutNext lays out the first row not known yet.
func (in *input) layoutNext() {
	next, ok := in.rowEnd(in.rows[in.known-1])
	if !ok {
		in.done = true
		return
	}
	in.rows = append(in.rows[:in.known], next)
	in.known++
}

// layoutTo lays out rows until row r is known or the text ends.
func (in *input) layoutTo(r int) {
	for !in.done && in.known <= r {
		in.layoutNext()
	}
}

// rowOf returns the row that cell p (or the end of the text) is on.
func (in *input) rowOf(p int) int {
	for !in.done && in.rows[in.known-1].c <= p {
		in.layoutNext()
	}
	return in.rowAmongKnown(p)
}

// rowSpan returns where row r, which must exist, starts and ends.
func (in *input) rowSpan(r int) (start, end pos) {
	in.layoutTo(r + 1)
	if r+1 < in.known {
		return in.rows[r], in.rows[r+1]
	}
	return in.rows[r], pos{len(in.cells), len(in.text)}
}

// height is how many rows the input takes on screen: all of its rows, up
// to maxHeight.
func (in *input) height() int {
	in.layoutTo(in.maxHeight - 1)
	return min(in.known, in.maxHeight)
}

// scroll moves the rows shown as little as keeps the cursor's row among
// them, and the rows below them filled while rows above are hidden.
func (in *input) scroll() (h, row int) {
	h = in.height()
	row = in.rowOf(in.cur)
	in.top = min(max(in.top, row-h+1), row)
	in.layoutTo(in.top + h - 1)
	if in.done {
		in.top = max(0, min(in.top, in.known-h))
	}
	return h, row
}

// column is the cursor's column on its row, text only.
func (in *input) column(row int) int {
	x := 0
	for _, c := range in.cells[in.rows[row].c:in.cur] {
		x += int(c.w)
	}
	return x
}

// moveRow moves the cursor d rows up or down, keeping to its column.
func (in *input) moveRow(d int) {
	row := in.rowOf(in.cur)
	r := row + d
	if r < 0 {
		return
	}
	if in.layoutTo(r); r >= in.known {
		return
	}
	goal := in.goal
	if goal < 0 {
		goal = in.column(row)
	}
	start, end := in.rowSpan(r)
	if r+1 < in.known {
		end.c-- // the cursor at the end of a row stands at the next row's start
	}
	p, x := start.c, 0
	for p < end.c && x+int(in.cells[p].w) <= goal {
		x += int(in.cells[p].w)
		p++
	}
	in.moveTo(p)
	in.goal = goal
}

// Lines and words.

func (in *input) lineStart(p int) int {
	for p > 0 && !in.cells[p-1].isBreak() {
		p--
	}
	return p
}

func (in *input) lineEnd(p int) int {
	for p < len(in.cells) && !in.cells[p].isBreak() {
		p++
	}
	return p
}

func (in *input) onFirstLine() bool {
	return in.lines == 1 || in.lineStart(in.cur) == 0
}

func (in *input) onLastLine() bool {
	return in.lines == 1 || in.lineEnd(in.cur) == len(in.cells)
}

// wordLeft is where the word before p starts, across lines.
func (in *input) wordLeft(p int) int {
	for p > 0 && in.cells[p-1].isSpace() {
		p--
	}
	for p > 0 && !in.cells[p-1].isSpace() {
		p--
	}
	return p
}

// wordRight is where the word after p ends, across lines.
func (in *input) wordRight(p int) int {
	for p < len(in.cells) && in.cells[p].isSpace() {
		p++
	}
	for p < len(in.cells) && !in.cells[p].isSpace() {
		p++
	}
	return p
}

// wordBack is where Ctrl+W deletes back to: over spaces, then a word, on
// the cursor's line; at the start of a line, the line break.
func (in *input) wordBack() int {
	p := in.cur
	if p > 0 && in.cells[p-1].isBreak() {
		return p - 1
	}
	for p > 0 && !in.cells[p-1].isBreak() && in.cells[p-1].isSpace() {
		p--
	}
	for p > 0 && !in.cells[p-1].isSpace() {
		p--
	}
	return p
}

// wordForward is the same forwards, for Alt+D.
func (in *input) wordForward() int {
	p := in.cur
	if p < len(in.cells) && in.cells[p].isBreak() {
		return p + 1
	}
	for p < len(in.cells) && !in.cells[p].isBreak() && in.cells[p].isSpace() {
		p++
	}
	for p < len(in.cells) && !in.cells[p].isSpace() {
		p++
	}
	return p
}

// edit applies an editing or moving key, and says whether it was one.
// Keys that insert text are the caller's, which applies the limits.
func (in *input) edit(k string) bool {
	switch k {
	case "left", "ctrl+b":
		in.moveTo(in.cur - 1)
	case "right", "ctrl+f":
		in.moveTo(in.cur + 1)
	case "home", "ctrl+a":
		in.moveTo(in.lineStart(in.cur))
	case "end", "ctrl+e":
		in.moveTo(in.lineEnd(in.cur))
	case "ctrl+home", "alt+<":
		in.moveTo(0)
	case "ctrl+end", "alt+>":
		in.moveTo(len(in.cells))
	case "alt+left", "ctrl+left", "alt+b":
		in.moveTo(in.wordLeft(in.cur))
	case "alt+right", "ctrl+right", "alt+f":
		in.moveTo(in.wordRight(in.cur))
	case "up":
		in.moveRow(-1)
	case "down":
		in.moveRow(1)
	case "backspace", "ctrl+h":
		in.delete(in.cur-1, in.cur)
	case "delete", "ctrl+d":
		in.delete(in.cur, in.cur+1)
	case "ctrl+w", "alt+backspace", "ctrl+backspace":
		in.delete(in.wordBack(), in.cur)
	case "alt+delete", "alt+d", "ctrl+delete":
		in.delete(in.cur, in.wordForward())
	case "ctrl+u": // to the start of the line; at its start, the break before
		if start := in.lineStart(in.cur); start < in.cur {
			in.delete(start, in.cur)
		} else {
			in.delete(in.cur-1, in.cur)
		}
	case "ctrl+k": // to the end of the line; at its end, the break after
		if end := in.lineEnd(in.cur); end > in.cur {
			in.delete(in.cur, end)
		} else {
			in.delete(in.cur, in.cur+1)
		}
	default:
		return false
	}
	return true
}

// wordBefore returns the word the cursor ends, for completion: where it
// starts and its text. Only a one-line input completes, and only a word of
// at most max cells, which is all any name can be.
func (in *input) wordBefore(max int) (start int, word string, ok bool) {
	if in.lines > 1 {
		return 0, "", false
	}
	start, startB := in.cur, in.curB
	for start > 0 && in.cells[start-1].kind != kindSpace {
		start--
		startB -= int(in.cells[start].n)
		if in.cur-start > max {
			return 0, "", false
		}
	}
	return start, string(in.text[startB:in.curB]), true
}

// replace puts text in place of cells[from:to], with the cursor after it,
// if the result is within the limits; it reports where the text ends.
func (in *input) replace(from, to int, text string) (end int, ok bool) {
	fromB := in.byteOf(from)
	removed := utf8.RuneCount(in.text[fromB : fromB+in.bytes(from, to)])
	if in.runes-removed+utf8.RuneCountInString(text) > in.maxRunes || strings.Contains(text, "\n") {
		return 0, false
	}
	in.splice(from, to, text)
	return in.cur, true
}

// view draws the rows shown and returns where the terminal's cursor goes,
// relative to the first of them. The terminal's own cursor blinks locally;
// a drawn one would cost every idle session a redraw twice a second.
func (in *input) view() (string, *tea.Cursor) {
	var b strings.Builder
	tw := in.textWidth()
	if in.empty() {
		b.WriteString(in.prompt)
		b.WriteString(in.placeholderText.Render(ansi.Truncate(in.placeholder, tw, "…")))
		return b.String(), inputCursor(promptWidth, 0)
	}
	h, row := in.scroll()
	b.Grow(h * (len(in.prompt) + 2*tw))
	for r := in.top; r < in.top+h; r++ {
		if r > in.top {
			b.WriteByte('\n')
		}
		if r == 0 {
			b.WriteString(in.prompt)
		} else {
			b.WriteString(in.indent)
		}
		start, end := in.rowSpan(r)
		x := 0
		for _, c := range in.cells[start.c:end.c] {
			x += int(c.w)
		}
		if end.c > start.c && in.cells[end.c-1].isBreak() {
			end.b--
			x--
		}
		b.Write(in.text[start.b:end.b])
		for ; x < tw; x++ {
			b.WriteByte(' ')
		}
	}
	return b.String(), inputCursor(promptWidth+in.column(row), row-in.top)
}

// inputCursor is the terminal cursor as the textarea this replaces set it,
// so that terminals show the same block.
func inputCursor(x, y int) *tea.Cursor {
	c := tea.NewCursor(x, y)
	c.Blink = true
	c.Shape = tea.CursorBlock
	c.Color = lipgloss.Color("7")
	return c
}
