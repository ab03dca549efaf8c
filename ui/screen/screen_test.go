package screen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const waitTimeout = 20 * time.Second

// recorder is a terminal's end of the connection: it keeps every byte and
// announces each write. A closed gate makes writes wait, as a client that
// stopped reading does.
type recorder struct {
	mu      sync.Mutex
	b       bytes.Buffer
	writes  int
	changed chan struct{}
	gate    chan struct{}
}

func newRecorder() *recorder {
	r := &recorder{changed: make(chan struct{}, 1), gate: make(chan struct{})}
	close(r.gate)
	return r
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	gate := r.gate
	r.mu.Unlock()
	<-gate
	r.mu.Lock()
	r.b.Write(p)
	r.writes++
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (r *recorder) block() {
	r.mu.Lock()
	r.gate = make(chan struct{})
	r.mu.Unlock()
}

func (r *recorder) unblock() {
	r.mu.Lock()
	close(r.gate)
	r.mu.Unlock()
}

func (r *recorder) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.b.Bytes())
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writes
}

// emulate replays what the terminal was sent, after mapping it as a pty
// would: charm.land/ssh turns every "\n" into "\r\n".
func emulate(out []byte, w, h int, onlcr bool) *vt.Emulator {
	if onlcr {
		out = bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n"))
	}
	emu := vt.NewEmulator(w, h)
	_, _ = emu.Write(out)
	return emu
}

// text is the emulator's screen as rows without colours or trailing
// spaces.
func text(emu *vt.Emulator) []string {
	rows := strings.Split(ansi.Strip(emu.Render()), "\n")
	for i := range rows {
		rows[i] = strings.TrimRight(rows[i], " ")
	}
	return rows
}

// wantRows is what a frame's content should look like on a w×h screen.
func wantRows(content string, h int) []string {
	rows := strings.Split(ansi.Strip(content), "\n")
	for i := range rows {
		rows[i] = strings.TrimRight(rows[i], " ")
	}
	for len(rows) < h {
		rows = append(rows, "")
	}
	return rows[:h]
}

// waitFor waits until the bytes written so far satisfy cond.
func (r *recorder) waitFor(t *testing.T, what string, cond func(out []byte) bool) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for !cond(r.bytes()) {
		select {
		case <-r.changed:
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func view(content string, cursor *tea.Cursor) tea.View {
	v := tea.NewView(content)
	v.AltScreen = true
	v.Cursor = cursor
	return v
}

// A sequence of frames (styles, wide characters, rows that fill the width,
// rows that shrink, a resize, a repaint) each end up on the screen exactly,
// with the cursor where the frame puts it; and because the screen never
// relies on a newline, the screen is the same whether or not the pty maps
// "\n" to "\r\n", whatever the host OS.
func TestFramesLandWhateverTheNewlineMapping(t *testing.T) {
	red := "\x1b[38;5;196m"
	frames := []struct {
		w, h    int
		content string
		cursor  *tea.Cursor
		repaint bool
	}{
		{w: 20, h: 5, content: "header\n" + red + "alice\x1b[m: hi\n\nrow 4\n> typing", cursor: tea.NewCursor(8, 4)},
		{w: 20, h: 5, content: "header\n" + red + "alice\x1b[m: hi\nbob: 日本語も大丈👍\nrow 4\n> typing more", cursor: tea.NewCursor(13, 4)},
		{w: 20, h: 5, content: "header\nfull row of twenty!!\nbob\nrow 4 is now long!!x\n> ", cursor: tea.NewCursor(2, 4)},
		{w: 20, h: 5, content: "header\nshort\n\n\n> ", cursor: tea.NewCursor(2, 4)},
		{w: 30, h: 7, content: "wider header\nline\n\n\n\n│ rule\n> x", cursor: tea.NewCursor(3, 6)},
		{w: 30, h: 7, content: "wider header\nline\n\n\n\n│ rule\n> x", cursor: tea.NewCursor(3, 6), repaint: true},
		{w: 12, h: 3, content: "narrow\nno cursor\nrow 3", cursor: nil},
	}
	out := newRecorder()
	s := New(out, frames[0].w, frames[0].h, colorprofile.ANSI256)
	for i, f := range frames {
		// Taken before Repaint, which may be written at once, so that
		// the frame that follows it has nothing left to change.
		before := len(out.bytes())
		s.Resize(f.w, f.h)
		if f.repaint {
			s.Repaint()
		}
		s.Draw(view(f.content, f.cursor))
		want := wantRows(f.content, f.h)
		out.waitFor(t, fmt.Sprintf("frame %d", i), func(b []byte) bool {
			return len(b) > before && strings.Join(text(emulate(b, f.w, f.h, false)), "\n") == strings.Join(want, "\n")
		})
		for _, onlcr := range []bool{false, true} {
			emu := emulate(out.bytes(), f.w, f.h, onlcr)
			if got := text(emu); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("frame %d (newline mapped: %v): screen\n%s\nwant\n%s", i, onlcr, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if f.cursor != nil {
				if pos := emu.CursorPosition(); pos.X != f.cursor.X || pos.Y != f.cursor.Y {
					t.Fatalf("frame %d: cursor at %v, want %d,%d", i, pos, f.cursor.X, f.cursor.Y)
				}
			}
		}
	}
	s.Close()
	if raw := out.bytes(); bytes.ContainsAny(raw, "\r\n") {
		t.Fatalf("the screen relied on newlines: %q", raw)
	}
}

// A frame that changes one row sends that row, not the screen; one that
// changes nothing sends nothing.
func TestOnlyChangedRowsAreSent(t *testing.T) {
	out := newRecorder()
	s := New(out, 80, 24, colorprofile.TrueColor)
	defer s.Close()
	rows := make([]string, 24)
	for i := range rows {
		rows[i] = fmt.Sprintf("row %d with some text that stays put", i)
	}
	frame := func() tea.View { return view(strings.Join(rows, "\n"), tea.NewCursor(2, 23)) }
	s.Draw(frame())
	out.waitFor(t, "the first frame", func(b []byte) bool { return bytes.Contains(b, []byte("row 23")) })

	before, writes := len(out.bytes()), out.count()
	rows[23] = "> hello"
	s.Draw(frame())
	out.waitFor(t, "the changed row", func(b []byte) bool { return bytes.Contains(b[before:], []byte("> hello")) })
	sent := out.bytes()[before:]
	if len(sent) > len("> hello")+40 {
		t.Fatalf("one changed row cost %d bytes: %q", len(sent), sent)
	}

	s.Draw(frame())
	s.Bell() // a write to wait for
	out.waitFor(t, "the bell", func(b []byte) bool { return bytes.HasSuffix(b, []byte("\a")) })
	if sent := out.bytes()[before+len(sent):]; string(sent) != "\a" || out.count() != writes+2 {
		t.Fatalf("an unchanged frame sent %q", sent)
	}
}

// Drawing never waits for the terminal: a client that stops reading
// blocks only the screen's writer, and of the frames drawn meanwhile only
// the last is written when it reads again.
func TestDrawNeverWaitsForTheTerminal(t *testing.T) {
	out := newRecorder()
	s := New(out, 40, 10, colorprofile.TrueColor)
	s.Draw(view("first", nil))
	out.waitFor(t, "the first frame", func(b []byte) bool { return bytes.Contains(b, []byte("first")) })
	out.block()
	drawn := make(chan struct{})
	go func() {
		defer close(drawn)
		for i := 0; i < 10_000; i++ {
			s.Draw(view(fmt.Sprintf("frame %d", i), nil))
		}
	}()
	select {
	case <-drawn:
	case <-time.After(waitTimeout):
		t.Fatal("Draw waited for a terminal that does not read")
	}
	writes := out.count()
	out.unblock()
	out.waitFor(t, "the last frame", func(b []byte) bool {
		return strings.Contains(strings.Join(text(emulate(b, 40, 10, false)), "\n"), "frame 9999")
	})
	if n := out.count() - writes; n > 2 {
		t.Fatalf("%d frames were written after the terminal read again; want the last one or two", n)
	}
	s.Close()
}

// Close leaves the terminal as it found it: main screen, cursor shown, no
// mouse reports, no bracketed paste, keyboard modes popped.
func TestCloseRestoresTheTerminal(t *testing.T) {
	out := newRecorder()
	s := New(out, 40, 10, colorprofile.TrueColor)
	v := view("chat", nil)
	v.MouseMode = tea.MouseModeCellMotion
	s.Draw(v)
	s.Close()
	s.Close() // twice is harmless
	raw := string(out.bytes())
	emu := emulate([]byte(raw), 40, 10, false)
	if emu.IsAltScreen() {
		t.Fatal("left in the alternate screen")
	}
	for _, seq := range []string{ansi.SetModeMouseButtonEvent, ansi.SetModeBracketedPaste} {
		if !strings.Contains(raw, seq) {
			t.Fatalf("%q was never set", seq)
		}
	}
	tail := raw[strings.LastIndex(raw, "chat"):]
	for _, seq := range []string{ansi.ResetModeMouseButtonEvent, ansi.ResetModeBracketedPaste, ansi.SetModeTextCursorEnable,
		ansi.PopKittyKeyboard(1), ansi.ResetModifyOtherKeys, ansi.ResetModeAltScreenSaveCursor} {
		if !strings.Contains(tail, seq) {
			t.Fatalf("%q was not sent on close: %q", seq, tail)
		}
	}
}

// Colours are brought down to what the terminal can show.
func TestColoursFollowTheProfile(t *testing.T) {
	out := newRecorder()
	s := New(out, 40, 10, colorprofile.ANSI)
	s.Draw(view("\x1b[38;5;196mred\x1b[m", nil))
	s.Close()
	if raw := string(out.bytes()); strings.Contains(raw, "38;5;") || !strings.Contains(raw, "red") {
		t.Fatalf("a 16-colour terminal was sent %q", raw)
	}
}

// Frames that shift blocks of rows up and down (new messages, PgUp), change
// rows, or keep them, drawn one over the other, always leave the screen a
// fresh draw of the last frame would show.
func TestFramesOverFrames(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const w, h = 30, 8
	line := func() string {
		if r.IntN(3) == 0 {
			// Rows that repeat, as the blank rows beside a side panel do:
			// a block may match in more than one place.
			return "                     \x1b[38;5;240m│\x1b[m"
		}
		return fmt.Sprintf("\x1b[38;5;244m00:%02d\x1b[m <u%d> line %d", r.IntN(60), r.IntN(5), r.IntN(1000))
	}
	rows := make([]string, h)
	for i := range rows {
		rows[i] = line()
	}
	fresh := func(rows []string) string {
		var term terminal
		term.colors = colorprofile.Writer{Forward: &term.buf, Profile: colorprofile.TrueColor}
		term.compose(frame{content: strings.Join(rows, "\n")}, w, h, true)
		emu := vt.NewEmulator(w, h)
		_, _ = emu.Write(term.buf.Bytes())
		return emu.Render()
	}
	var term terminal
	term.colors = colorprofile.Writer{Forward: &term.buf, Profile: colorprofile.TrueColor}
	emu := vt.NewEmulator(w, h)
	scrolled := 0
	for i := 0; i < 2000; i++ {
		top, bottom := r.IntN(3), h-1-r.IntN(3) // a header and an input stay put
		k := 1 + r.IntN(3)
		switch r.IntN(5) {
		case 0, 1: // new lines at the bottom of the block
			copy(rows[top:bottom+1-k], rows[top+k:bottom+1])
			for y := bottom + 1 - k; y <= bottom; y++ {
				rows[y] = line()
			}
		case 2: // older lines at its top
			copy(rows[top+k:bottom+1], rows[top:bottom+1-k])
			for y := top; y < top+k; y++ {
				rows[y] = line()
			}
		case 3:
			rows[r.IntN(h)] = line()
		case 4:
			rows[r.IntN(h)] = ""
		}
		term.buf.Reset()
		term.compose(frame{content: strings.Join(rows, "\n")}, w, h, i == 0)
		if strings.Contains(term.buf.String(), "S") && strings.Contains(term.buf.String(), "r\x1b[") {
			scrolled++
		}
		_, _ = emu.Write(term.buf.Bytes())
		if got, want := emu.Render(), fresh(rows); got != want {
			t.Fatalf("frame %d: drawn over the last:\n%s\ndrawn fresh:\n%s", i, got, want)
		}
	}
	if scrolled < 300 {
		t.Fatalf("only %d of 2000 frames scrolled", scrolled)
	}
}

// The commonest frame of a chat, a new line at the bottom of the messages,
// costs that line and a few bytes, not the screen.
func TestANewLineCostsALine(t *testing.T) {
	const w, h = 80, 24
	rows := make([]string, h)
	rows[0] = "\x1b[48;5;62m chatroom · #lobby\x1b[m"
	for y := 1; y < h-2; y++ {
		rows[y] = fmt.Sprintf("\x1b[38;5;244m10:%02d\x1b[m \x1b[1m<alice>\x1b[m message number %d in the room%s│ panel", y, y, strings.Repeat(" ", 30))
	}
	rows[h-2] = "──── /help ────"
	rows[h-1] = "> "
	var term terminal
	term.colors = colorprofile.Writer{Forward: &term.buf, Profile: colorprofile.TrueColor}
	term.compose(frame{content: strings.Join(rows, "\n")}, w, h, true)
	copy(rows[1:h-3], rows[2:h-2])
	added := "\x1b[38;5;244m10:59\x1b[m \x1b[1m<bob>\x1b[m a new line" + strings.Repeat(" ", 45) + "│ panel"
	rows[h-3] = added
	term.buf.Reset()
	term.compose(frame{content: strings.Join(rows, "\n")}, w, h, false)
	if n := term.buf.Len(); n > 3*len(ansi.Strip(added))+64 {
		t.Fatalf("a new line cost %d bytes: %q", n, term.buf.String())
	}
}

// A whole screen's bytes are written and let go: an idle session keeps a
// small buffer, not the largest frame it ever drew.
func TestLargeFramesAreNotKept(t *testing.T) {
	out := newRecorder()
	s := New(out, 200, 60, colorprofile.TrueColor)
	rows := make([]string, 60)
	for i := range rows {
		rows[i] = fmt.Sprintf("\x1b[38;5;%dmrow %d\x1b[m %s", i, i, strings.Repeat("text ", 35))
	}
	s.Draw(view(strings.Join(rows, "\n"), tea.NewCursor(0, 59)))
	out.waitFor(t, "the frame", func(b []byte) bool { return bytes.Contains(b, []byte("row 59")) })
	s.Close()
	if n := len(out.bytes()); n < 4*keptBuffer {
		t.Fatalf("the frame took only %d bytes", n)
	}
	if c := s.term.buf.Cap(); c > keptBuffer {
		t.Fatalf("the writer keeps a %d-byte buffer", c)
	}
}

// Colours are brought down to what the terminal shows: a 24-bit colour
// on a 256-colour terminal, a 256-colour one on a 16-colour terminal;
// colours the terminal has pass as they are.
func TestColoursFitTheTerminal(t *testing.T) {
	for _, c := range []struct {
		profile   colorprofile.Profile
		text      string
		want, not string
	}{
		{colorprofile.ANSI256, "\x1b[38;2;255;0;0mred\x1b[m", "38;5;", "38;2;"},
		{colorprofile.ANSI256, "\x1b[38;5;62mviolet\x1b[m", "38;5;62m", "38;2;"},
		{colorprofile.ANSI, "\x1b[38;5;196mred\x1b[m", "\x1b[91m", "38;5;"},
		{colorprofile.TrueColor, "\x1b[38;2;255;0;0mred\x1b[m", "38;2;255;0;0", "38;5;"},
	} {
		out := newRecorder()
		s := New(out, 20, 3, c.profile)
		s.Draw(view("header\n"+c.text, nil))
		out.waitFor(t, "the row", func(b []byte) bool { return bytes.Contains(b, []byte("header")) })
		s.Close()
		got := string(out.bytes())
		if !strings.Contains(got, c.want) || strings.Contains(got, c.not) {
			t.Errorf("%v, %q: sent %q, want %q and no %q", c.profile, c.text, got, c.want, c.not)
		}
	}
}
