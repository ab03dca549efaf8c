// Package screen draws the frames of a full-screen view onto a remote
// terminal.
//
// It replaces Bubble Tea's renderer for chat sessions, for three reasons.
// The bytes it sends depend on nothing but the frames: every move is an
// absolute cursor position, never a newline, so no newline mapping on any
// host OS (charm.land/ssh turns "\n" into "\r\n" everywhere, while Bubble
// Tea assumes that only off Windows) or in any terminal can misplace a
// column. It holds a frame as its rows of text, not as cells, so a large
// terminal costs the size of its text rather than megabytes of cell buffers.
// And it writes from a goroutine of its own: the view hands it a frame and
// goes on, so a client that stops reading blocks nothing but that goroutine,
// until the session's write watchdog closes the connection.
package screen

import (
	"bytes"
	"io"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// keptBuffer is the most the writer keeps of its buffer between frames:
// what a line arriving usually costs, with room to spare.
const keptBuffer = 2 << 10

// Screen is one terminal. Draw, Resize, Repaint and Bell never wait for
// the terminal; Close does, to leave it as it was found.
type Screen struct {
	out     io.Writer
	profile colorprofile.Profile

	mu      sync.Mutex
	next    frame // the latest frame drawn, kept for repaints
	pending bool  // next is not written yet
	width   int
	height  int
	repaint bool
	bells   int
	closing bool
	wake    chan struct{} // 1-slot: something above changed
	done    chan struct{} // closed when the writer has finished

	// Owned by the writer goroutine.
	term terminal
}

// frame is what a view asks the terminal to show.
type frame struct {
	content string
	cursor  *tea.Cursor // nil: hidden
	mouse   tea.MouseMode
}

// terminal is what the writer believes the terminal shows.
type terminal struct {
	started       bool
	width, height int
	rows          []string // the text of each row as the view gave it; "" is blank
	cut           []bool   // the row was wider than the screen and is shown cut
	next          []string // scratch: the rows of the frame being composed
	index         map[string]int
	cursorShown   bool
	cursorX       int
	cursorY       int
	mouse         tea.MouseMode
	failed        bool // a write failed: the connection is gone
	buf           bytes.Buffer
	colors        colorprofile.Writer
	oldBounds     []boundary // scratch for writeRow
	newBounds     []boundary
}

// New returns the screen of a terminal of the given size that is reached
// through out, whose colours are downsampled to profile. It starts the
// writer goroutine, which Close ends.
func New(out io.Writer, width, height int, profile colorprofile.Profile) *Screen {
	s := &Screen{
		out:     out,
		profile: profile,
		width:   width,
		height:  height,
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	s.term.colors = colorprofile.Writer{Forward: &s.term.buf, Profile: profile}
	go s.run()
	return s
}

// Draw shows v: its content (rows separated by "\n"), its cursor and its
// mouse mode. Only the last frame drawn before the writer is free again is
// written; the ones in between were never worth sending.
func (s *Screen) Draw(v tea.View) {
	f := frame{content: v.Content, mouse: v.MouseMode}
	if v.Cursor != nil {
		c := *v.Cursor
		f.cursor = &c
	}
	s.mu.Lock()
	s.next, s.pending = f, true
	s.mu.Unlock()
	s.signal()
}

// Resize tells the screen the terminal's new size; the next frame drawn
// is drawn whole, at that size.
func (s *Screen) Resize(width, height int) {
	s.mu.Lock()
	s.width, s.height = width, height
	s.mu.Unlock()
}

// Repaint draws the whole screen again with the next frame, for a
// terminal whose contents were disturbed (Ctrl+L).
func (s *Screen) Repaint() {
	s.mu.Lock()
	s.repaint = true
	s.mu.Unlock()
	s.signal()
}

// Bell rings the terminal's bell once, with the next frame.
func (s *Screen) Bell() {
	s.mu.Lock()
	s.bells++
	s.mu.Unlock()
	s.signal()
}

// Close writes the last frame drawn, then restores the terminal (main
// screen, cursor shown, mouse and keyboard modes off) and returns once
// that is written or the writer has failed. Later calls do nothing.
func (s *Screen) Close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.signal()
	<-s.done
}

func (s *Screen) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run writes frames until Close.
func (s *Screen) run() {
	defer close(s.done)
	for range s.wake {
		s.mu.Lock()
		f, pending := s.next, s.pending
		w, h, repaint, bells, closing := s.width, s.height, s.repaint, s.bells, s.closing
		s.pending, s.repaint, s.bells = false, false, 0
		s.mu.Unlock()

		t := &s.term
		t.buf.Reset()
		resized := w != t.width || h != t.height
		if pending || t.started && (repaint || resized) {
			t.compose(f, w, h, repaint || resized)
		}
		if bells > 0 {
			// One, however many came while the terminal was not reading:
			// a backlog of beeps tells nobody anything.
			t.buf.WriteByte('\a')
		}
		if closing && t.started {
			t.restore()
		}
		if t.buf.Len() > 0 && !t.failed {
			if _, err := s.out.Write(t.buf.Bytes()); err != nil {
				t.failed = true
			}
		}
		if t.buf.Cap() > keptBuffer {
			// A whole screen's worth (the first frame, a resize, a
			// repaint) is rare: an idle session need not hold it.
			t.buf = bytes.Buffer{}
		}
		if closing {
			return
		}
	}
}

// compose appends to t.buf what turns the terminal's screen into f, at
// size w×h; whole redraws it all.
func (t *terminal) compose(f frame, w, h int, whole bool) {
	if !t.started {
		t.started = true
		t.cursorShown = true // as a terminal starts
		t.buf.WriteString(ansi.SetModeAltScreenSaveCursor + ansi.SetModeBracketedPaste +
			// Keys such as Shift+Enter are told apart where the terminal
			// can (xterm's modifyOtherKeys, the kitty protocol).
			ansi.SetModifyOtherKeys2 + ansi.PushKittyKeyboard(1))
		whole = true
	}
	if whole {
		t.width, t.height = w, h
		t.rows = make([]string, h)
		t.cut = make([]bool, h)
		t.buf.WriteString(ansi.ResetStyle + ansi.EraseEntireScreen)
	}
	if f.mouse != t.mouse {
		t.setMouse(f.mouse)
	}

	t.next = t.next[:0]
	rest := f.content
	for range t.height {
		var row string
		if rest != "" {
			row, rest, _ = strings.Cut(rest, "\n")
		}
		t.next = append(t.next, row)
	}
	defer clear(t.next) // nor keep this frame's text
	differ := 0
	for y, row := range t.next {
		if row != t.rows[y] {
			differ++
		}
	}
	changed := differ > 0
	if changed {
		if t.cursorShown {
			// Hidden while rows change, so it does not flicker across the
			// screen.
			t.buf.WriteString(ansi.ResetModeTextCursorEnable)
			t.cursorShown = false
		}
		// First, as it may move or blank any row, above the first that
		// changed too; then every row that still differs.
		if differ >= 2 {
			// A block worth moving holds two rows that changed at least;
			// a key typed changes one, and costs no look for one.
			t.scroll()
		}
		for y, row := range t.next {
			if row != t.rows[y] {
				t.writeRow(y, row)
			}
		}
	}

	switch c := f.cursor; {
	case t.width <= 0 || t.height <= 0:
	case c == nil:
		if t.cursorShown {
			t.buf.WriteString(ansi.ResetModeTextCursorEnable)
			t.cursorShown = false
		}
	default:
		x, y := min(max(c.X, 0), t.width-1), min(max(c.Y, 0), t.height-1)
		if changed || x != t.cursorX || y != t.cursorY {
			t.buf.WriteString(ansi.CursorPosition(x+1, y+1))
			t.cursorX, t.cursorY = x, y
		}
		if !t.cursorShown {
			t.buf.WriteString(ansi.SetModeTextCursorEnable)
			t.cursorShown = true
		}
	}
}

// writeRow replaces row y with text: the part that differs from what the
// row shows, in the terminal's colours, cleared to the row's end if the
// new text is shorter.
func (t *terminal) writeRow(y int, text string) {
	old, oldCut := t.rows[y], t.cut[y]
	// A copy: the row is part of the frame's text, which it would
	// otherwise keep whole for as long as the row stays the same.
	t.rows[y] = strings.Clone(text)
	t.cut[y] = t.tooWide(text)
	if t.cut[y] {
		text = ansi.Truncate(text, t.width, "")
	}
	if oldCut {
		old = "" // what it shows is not what its bytes say: draw it all
	}
	var width int
	t.oldBounds, _ = boundaries(old, t.oldBounds)
	t.newBounds, width = boundaries(text, t.newBounds)
	ch := diffRow(old, text, t.oldBounds, t.newBounds)
	t.buf.WriteString(ansi.CursorPosition(ch.col+1, y+1))
	// Not after a full row: the cursor then waits on the last column,
	// which erasing would blank.
	erase := ch.clear && width < t.width
	part := text[ch.from:ch.to]
	var w io.StringWriter = &t.colors
	if t.colors.Profile >= colorprofile.ANSI256 && !strings.Contains(part, ";2;") {
		// Nothing to downsample: the view's colours are 256-colour ones,
		// and a 24-bit one (38;2;R;G;B) would show ";2;". Parsing every
		// row to find that out was a twentieth of the daemon's CPU.
		w = &t.buf
	}
	plain, short := writeCompact(w, &t.buf, part, erase)
	if !plain {
		t.buf.WriteString(ansi.ResetStyle)
	}
	if erase {
		t.buf.WriteString(ansi.EraseLineRight)
	}
	t.cursorX, t.cursorY = min(width, t.width-1), y
	if !ch.clear || short {
		t.cursorX = -1 // somewhere in the row: the next move must be made
	}
}

// tooWide reports whether text is wider than the screen. Only a row
// longer in bytes than the screen is wide can be.
func (t *terminal) tooWide(text string) bool {
	return len(text) > t.width && ansi.StringWidth(text) > t.width
}

// cheaperShifted reports whether row y of the next frame costs less to
// draw over the row shift rows away from it than over the row it has.
func (t *terminal) cheaperShifted(y, shift int) bool {
	return t.cost(y+shift, t.next[y]) < t.cost(y, t.next[y])
}

// cost estimates how many bytes of text drawing text over row y sends:
// the bytes between what the two rows have in common at their start and
// at their end. It only chooses which rows a scroll takes along, so it
// need not be exact (writeRow works out the real stretch, on grapheme and
// style boundaries), but it is asked of several rows a frame for every
// session a message reaches: measuring widths and graphemes here was a
// sixth of the daemon's CPU under W200.
func (t *terminal) cost(y int, text string) int {
	old := t.rows[y]
	if t.cut[y] {
		return len(text) // drawn whole; cut rows are rare
	}
	n := min(len(old), len(text))
	start := 0
	for start < n && old[start] == text[start] {
		start++
	}
	end := 0
	for end < n-start && old[len(old)-1-end] == text[len(text)-1-end] {
		end++
	}
	return len(text) - start - end
}

// scroll finds the largest block of rows that moved up or down together
// (a new message pushes the others up, PgUp pulls them down) and moves it
// on the terminal with a scroll region, so those rows are not sent again.
// A chat's commonest frame then costs the new line and a few bytes.
func (t *terminal) scroll() {
	if t.index == nil {
		t.index = make(map[string]int, t.height)
	}
	clear(t.index)
	for y, row := range t.rows {
		if row != "" && !t.cut[y] {
			t.index[row] = y
		}
	}
	h := len(t.next)
	best, top, shift := 0, 0, 0
	for y := 0; y < h; {
		from, ok := t.index[t.next[y]]
		if !ok || from == y || t.next[y] == "" {
			y++
			continue
		}
		k, start := from-y, y
		for y < h && y+k >= 0 && y+k < h && t.next[y] == t.rows[y+k] && !t.cut[y+k] {
			y++
		}
		if n := y - start; n > best {
			best, top, shift = n, start, k
		}
		if y == start {
			y++
		}
	}
	if best < 2 {
		return
	}
	// Rows at the block's edges that are not the same as the rows they
	// would come from, but nearly (the messages moved, the side panel
	// beside them did not), go with it when fixing them up costs less
	// than redrawing what they replace.
	for top > 0 && top-1+shift >= 0 && t.cheaperShifted(top-1, shift) {
		top, best = top-1, best+1
	}
	for top+best+shift < h && top+best+shift >= 0 && top+best < h && t.cheaperShifted(top+best, shift) {
		best++
	}
	// The region holds the block where it was and where it goes; rows
	// scrolled into it come blank.
	lo, hi := top, top+best-1+shift
	seq := ansi.ScrollUp(shift)
	if shift < 0 {
		lo, hi, seq = top+shift, top+best-1, ansi.ScrollDown(-shift)
	}
	// Rows come blank in the terminal's current colours: no style is in
	// effect between rows, each row write leaves none.
	t.buf.WriteString(ansi.SetTopBottomMargins(lo+1, hi+1) + seq + ansi.SetTopBottomMargins(0, 0))
	if shift > 0 {
		copy(t.rows[lo:hi+1-shift], t.rows[lo+shift:hi+1])
		copy(t.cut[lo:hi+1-shift], t.cut[lo+shift:hi+1])
		clear(t.rows[hi+1-shift : hi+1])
		clear(t.cut[hi+1-shift : hi+1])
	} else {
		copy(t.rows[lo-shift:hi+1], t.rows[lo:hi+1+shift])
		copy(t.cut[lo-shift:hi+1], t.cut[lo:hi+1+shift])
		clear(t.rows[lo : lo-shift])
		clear(t.cut[lo : lo-shift])
	}
	t.cursorX = -1 // margins move the cursor home
}

func (t *terminal) setMouse(m tea.MouseMode) {
	switch m {
	case tea.MouseModeCellMotion:
		t.buf.WriteString(ansi.ResetModeMouseAnyEvent + ansi.SetModeMouseButtonEvent + ansi.SetModeMouseExtSgr)
	case tea.MouseModeAllMotion:
		t.buf.WriteString(ansi.ResetModeMouseButtonEvent + ansi.SetModeMouseAnyEvent + ansi.SetModeMouseExtSgr)
	default:
		t.buf.WriteString(ansi.ResetModeMouseButtonEvent + ansi.ResetModeMouseAnyEvent + ansi.ResetModeMouseExtSgr)
	}
	t.mouse = m
}

// restore leaves the terminal as it was before the first frame.
func (t *terminal) restore() {
	if t.mouse != tea.MouseModeNone {
		t.setMouse(tea.MouseModeNone)
	}
	t.buf.WriteString(ansi.ResetStyle + ansi.PopKittyKeyboard(1) + ansi.ResetModifyOtherKeys +
		ansi.ResetModeBracketedPaste + ansi.SetModeTextCursorEnable + ansi.ResetModeAltScreenSaveCursor)
	t.started = false
}
