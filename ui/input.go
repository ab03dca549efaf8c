package ui

import (
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
// on every key, so 10,000 keys cost a minute of the server's CPU. So the
// text is kept as grapheme clusters ("cells"), each measured once when it
// comes in, and the screen rows are worked out lazily and kept: an edit
// forgets only the rows from just before it, and rows are laid out again
// only as far as something asks (the cursor's row, the rows on screen).
// Typing, deleting and moving the cursor lay out a few rows, and drawing
// draws only the rows shown. What remains in proportion to the text is
// moving the cells after an edit along in memory (at most a message's
// worth: the input holds no more than one message may).
type input struct {
	cells  []cell
	cur    int // the cursor: the index of the cell it stands before
	runes  int // runes held, as room.MaxMessageLen counts them
	breaks int // "\n" cells held: the lines are one more

	maxRunes, maxLines int

	width     int // the screen's; the text has width-promptWidth of it
	maxHeight int // rows shown at most; more scroll

	// rows[r] is the index of the first cell of screen row r; rows[:known]
	// are up to date, and when done they reach the end of the text.
	rows  []int
	known int
	done  bool
	top   int // the first row shown
	goal  int // the column Up and Down keep to; -1 until one is pressed

	placeholder     string
	prompt, indent  string // drawn before the first row, and the others
	placeholderText lipgloss.Style

	scratch []cell // new cells on their way in, kept to spare allocations
	laidOut int    // cells looked at laying out rows: tests count work
}

// cell is one grapheme cluster and its width on screen. A "\n" cell ends a
// line; it takes one column, the cursor's place at the end of the line.
type cell struct {
	s string
	w int
}

func (c cell) isBreak() bool { return c.s == "\n" }

// isSpace says whether a cell separates words.
func (c cell) isSpace() bool {
	r, _ := utf8.DecodeRuneInString(c.s)
	return unicode.IsSpace(r)
}

// promptWidth is the width of "> " and of the indent of continuation rows.
const promptWidth = 2

// maxJoin is the longest cluster, in bytes, that text typed after it may
// join (an accent typed after its letter, an emoji after a joiner): longer
// ones take no more, or typing combining marks one at a time would cost
// time in proportion to all the marks already there.
const maxJoin = 64

func newInput(st *styles, placeholder string, maxRunes, maxLines int) input {
	return input{
		maxRunes:        maxRunes,
		maxLines:        maxLines,
		maxHeight:       1,
		rows:            []int{0},
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
func (in *input) value() string {
	n := 0
	for _, c := range in.cells {
		n += len(c.s)
	}
	var b strings.Builder
	b.Grow(n)
	for _, c := range in.cells {
		b.WriteString(c.s)
	}
	return b.String()
}

func (in *input) empty() bool { return len(in.cells) == 0 }

// setValue replaces the text, with the cursor at its end.
func (in *input) setValue(s string) {
	clear(in.cells)
	in.cells = in.cells[:0]
	if cap(in.cells) > 4096 {
		in.cells = nil // a long message's worth is not kept for the session's life
	}
	in.cur, in.runes, in.breaks = 0, 0, 0
	in.known, in.done, in.top, in.goal = 1, false, 0, -1
	in.insert(s)
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
	runes, breaks := in.runes, in.breaks
	n := 0
	for rest, state := text, -1; rest != ""; {
		var c string
		c, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if c == "\n" {
			if breaks+1 >= in.maxLines {
				why = cutLines
				break
			}
			breaks++
		}
		if runes += utf8.RuneCountInString(c); runes > in.maxRunes {
			why = cutChars
			break
		}
		n += len(c)
	}
	if kept = text[:n]; kept == "" {
		return "", why
	}
	if why != cutNone {
		kept = strings.Clone(kept) // the cells must not hold on to all of a huge paste
	}
	in.cur = in.splice(in.cur, in.cur, kept)
	return kept, why
}

// delete removes cells[from:to] and leaves the cursor where they were.
func (in *input) delete(from, to int) {
	from, to = max(0, from), min(len(in.cells), to)
	if from < to {
		in.cur = in.splice(from, to, "")
	}
}

// splice replaces cells[from:to] with the clusters of text and returns the
// index of the cell after the text. Every change to the text goes through
// here: it keeps the counts, and forgets the rows the change may move.
//
// The cells must stay the text's grapheme clusters, as the terminal will
// see them, or widths and the cursor go wrong: a change can join the
// clusters on either side of it (an accent typed after its letter, the
// two halves of an emoji sequence once what was between them is deleted).
// So the clusters next to the change are segmented again with the text,
// and further ones while the last keeps joining the next.
func (in *input) splice(from, to int, text string) int {
	a, b := from, to
	head, s := 0, text // bytes of s before the text
	after := text      // what will follow the cell before the change
	if after == "" && b < len(in.cells) {
		after = in.cells[b].s
	}
	if a > 0 && in.joins(in.cells[a-1], after) {
		a--
		head = len(in.cells[a].s)
		s = in.cells[a].s + s
	}
	if b < len(in.cells) && in.joins(cell{s: s}, in.cells[b].s) {
		s += in.cells[b].s
		b++
	}
	add := appendClusters(in.scratch[:0], s)
	// While what was the next cell has joined the change, the cluster it
	// is now in may join the one after; a long run stops short.
	for b > to && b < len(in.cells) && b-to < 8 && add[len(add)-1].s != in.cells[b-1].s &&
		in.joins(add[len(add)-1], in.cells[b].s) {
		s += in.cells[b].s
		b++
		add = appendClusters(add[:0], s)
	}
	for _, c := range in.cells[a:b] {
		in.count(c, -1)
	}
	end, n := a, 0
	for _, c := range add {
		in.count(c, 1)
		if n < head+len(text) {
			end++
		}
		n += len(c.s)
	}
	in.cells = slices.Replace(in.cells, a, b, add...)
	clear(add)
	in.scratch = add[:0]
	in.forget(a)
	in.goal = -1
	return end
}

// joins says whether clusters a and then b might be one: never across a
// line break, never between two ASCII characters (the common case, which
// so costs no segmenting), never onto a cluster longer than maxJoin.
func (in *input) joins(a cell, b string) bool {
	if a.s == "" || b == "" || a.isBreak() || b == "\n" || len(a.s) > maxJoin {
		return false
	}
	return a.s[len(a.s)-1] >= utf8.RuneSelf || b[0] >= utf8.RuneSelf
}

// appendClusters appends the cells of the grapheme clusters of s.
func appendClusters(cells []cell, s string) []cell {
	for state := -1; s != ""; {
		var c string
		var w int
		if s[0] < utf8.RuneSelf && (len(s) == 1 || s[1] < utf8.RuneSelf) {
			// An ASCII character followed by another, or by nothing, is a
			// cluster of its own; the text is sanitized, so no CR LF.
			c, s, w, state = s[:1], s[1:], 1, -1
			if c[0] < ' ' || c[0] == 0x7f {
				w = 0
			}
		} else {
			c, s, w, state = uniseg.FirstGraphemeClusterInString(s, state)
		}
		cells = append(cells, newCell(c, w))
	}
	return cells
}

// newCell makes the cell of one cluster. A one-byte cluster shares a
// constant string instead of holding on to the text it came in.
func newCell(c string, w int) cell {
	const printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
	switch {
	case c == "\n":
		return cell{s: "\n", w: 1}
	case len(c) == 1 && c[0] >= ' ' && c[0] <= '~':
		i := c[0] - ' '
		return cell{s: printable[i : i+1], w: w}
	}
	return cell{s: c, w: w}
}

func (in *input) count(c cell, sign int) {
	in.runes += sign * utf8.RuneCountInString(c.s)
	if c.isBreak() {
		in.breaks += sign
	}
}

func (in *input) moveTo(p int) {
	in.cur = min(max(0, p), len(in.cells))
	in.goal = -1
}

// Layout. A row takes cells while they fit, and breaks after its last
// space when the next word does not fit, or inside a word longer than a
// row. Deciding where a row ends looks at its own cells and the first one
// that did not fit, which is never further on than the start of the row
// after next; so a change at cell p can move the ends of rows from two
// before p's row on, and no others.

// forget drops the rows that a change at cell p may have moved.
func (in *input) forget(p int) {
	r := sort.Search(in.known, func(i int) bool { return in.rows[i] > p }) - 1
	in.known = min(in.known, max(1, r-1))
	in.done = false
}

// rowEnd lays out the row starting at cell s: it returns where the next
// row starts, or false when this row is the last.
func (in *input) rowEnd(s int) (int, bool) {
	tw := in.textWidth()
	x, brk := 0, -1
	for i := s; ; i++ {
		in.laidOut++
		w := 1 // the end of the text: the cursor's place
		if i < len(in.cells) {
			w = in.cells[i].w
		}
		if x+w > tw && i > s {
			if brk > s {
				return brk, true
			}
			return i, true
		}
		if i == len(in.cells) {
			return 0, false
		}
		if in.cells[i].isBreak() {
			return i + 1, true
		}
		x += w
		if in.cells[i].s == " " {
			brk = i + 1
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
	for !in.done && in.rows[in.known-1] <= p {
		in.layoutNext()
	}
	return sort.Search(in.known, func(i int) bool { return in.rows[i] > p }) - 1
}

// rowCells returns the cells of row r, which must exist: [start, end).
func (in *input) rowCells(r int) (start, end int) {
	in.layoutTo(r + 1)
	if r+1 < in.known {
		return in.rows[r], in.rows[r+1]
	}
	return in.rows[r], len(in.cells)
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
	for _, c := range in.cells[in.rows[row]:in.cur] {
		x += c.w
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
	if in.goal < 0 {
		in.goal = in.column(row)
	}
	start, end := in.rowCells(r)
	if r+1 < in.known {
		end-- // the cursor at the end of a row stands at the next row's start
	}
	p, x := start, 0
	for p < end && x+in.cells[p].w <= in.goal {
		x += in.cells[p].w
		p++
	}
	in.cur = p
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
	return in.breaks == 0 || in.lineStart(in.cur) == 0
}

func (in *input) onLastLine() bool {
	return in.breaks == 0 || in.lineEnd(in.cur) == len(in.cells)
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
	if in.breaks > 0 {
		return 0, "", false
	}
	start = in.cur
	for start > 0 && in.cells[start-1].s != " " {
		if start--; in.cur-start > max {
			return 0, "", false
		}
	}
	var b strings.Builder
	for _, c := range in.cells[start:in.cur] {
		b.WriteString(c.s)
	}
	return start, b.String(), true
}

// replace puts text in place of cells[from:to], with the cursor after it,
// if the result is within the limits; it reports where the text ends.
func (in *input) replace(from, to int, text string) (end int, ok bool) {
	removed := 0
	for _, c := range in.cells[from:to] {
		removed += utf8.RuneCountInString(c.s)
	}
	if in.runes-removed+utf8.RuneCountInString(text) > in.maxRunes || strings.Contains(text, "\n") {
		return 0, false
	}
	in.delete(from, to)
	in.insert(text)
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
	b.Grow(h * (in.width + 16))
	for r := in.top; r < in.top+h; r++ {
		if r > in.top {
			b.WriteByte('\n')
		}
		if r == 0 {
			b.WriteString(in.prompt)
		} else {
			b.WriteString(in.indent)
		}
		start, end := in.rowCells(r)
		x := 0
		for _, c := range in.cells[start:end] {
			if !c.isBreak() {
				b.WriteString(c.s)
				x += c.w
			}
		}
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
