package sshd

import (
	"context"
	"io"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"github.com/chatroom/chatroom/room"
	"github.com/chatroom/chatroom/ui"
)

// maxPaste is the most bytes of one bracketed paste passed on to the
// view; more than the input can hold is dropped before it costs memory.
const maxPaste = 8 * room.MaxMessageLen * 4

// pumpInput decodes the session's keystrokes and hands them to the program
// until the client's input ends.
//
// Bubble Tea's own input reader (ultraviolet's TerminalReader feeding the
// program's unbuffered message channel) blocks forever when keys arrive just
// as the program stops, for example when a client types and then vanishes:
// the goroutine and everything it references, the whole session, leak. Here
// the same decoder feeds a channel this function always drains, and
// Program.Send gives up once the program has ended.
//
// Input the session's buffer had to drop (see sessionInput) is reported to
// the view, after the keys that got through.
func pumpInput(in io.Reader, dropped func() int64, term string, p *tea.Program, onKey func()) {
	events := make(chan uv.Event)
	go func() {
		defer close(events)
		r := &pasteLimiter{r: in, limit: maxPaste}
		_ = uv.NewTerminalReader(r, term).StreamEvents(context.Background(), events)
	}()
	for ev := range events {
		switch ev.(type) {
		case uv.KeyPressEvent, uv.PasteEvent:
			onKey()
		}
		p.Send(ev)
		if n := dropped(); n > 0 {
			p.Send(ui.InputDroppedMsg{Bytes: n})
		}
	}
}

// idleReader is the input Bubble Tea reads itself: it yields nothing and
// ends when done closes. The program still believes it has input, so it
// asks the terminal for features such as keyboard enhancements, whose
// answers arrive through pumpInput.
type idleReader struct{ done <-chan struct{} }

func (r idleReader) Read([]byte) (int, error) {
	<-r.done
	return 0, io.EOF
}

// pasteLimiter passes input through but keeps at most limit bytes of each
// bracketed paste. The decoder buffers a paste whole until its end marker,
// so without this one client could send an endless paste and grow the
// daemon's memory until it dies. Outside a paste every byte passes at once
// (a lone Esc must not wait for the next key); markers split across reads
// are still recognised.
type pasteLimiter struct {
	r       io.Reader
	limit   int
	inPaste bool
	match   int    // bytes of the start marker seen so far, outside a paste
	held    []byte // a possible end marker begun inside a paste
	kept    int    // bytes of the current paste passed on
	out     []byte // filtered bytes not yet returned
	buf     []byte
}

var (
	pasteStart = []byte(ansi.BracketedPasteStart)
	pasteEnd   = []byte(ansi.BracketedPasteEnd)
)

func (l *pasteLimiter) Read(p []byte) (int, error) {
	for len(l.out) == 0 {
		if l.buf == nil {
			l.buf = make([]byte, 4096)
		}
		n, err := l.r.Read(l.buf)
		for _, c := range l.buf[:n] {
			l.filter(c)
		}
		if err != nil && len(l.out) == 0 {
			return 0, err
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}

func (l *pasteLimiter) filter(c byte) {
	if !l.inPaste {
		l.out = append(l.out, c)
		switch {
		case c == pasteStart[l.match]:
			l.match++
		case c == pasteStart[0]:
			l.match = 1
		default:
			l.match = 0
		}
		if l.match == len(pasteStart) {
			l.inPaste, l.match, l.kept = true, 0, 0
		}
		return
	}
	if c == pasteEnd[len(l.held)] {
		l.held = append(l.held, c)
		if len(l.held) == len(pasteEnd) {
			l.out = append(l.out, l.held...)
			l.held, l.inPaste = l.held[:0], false
		}
		return
	}
	// What was held was paste content after all.
	for _, h := range l.held {
		l.keep(h)
	}
	l.held = l.held[:0]
	if c == pasteEnd[0] {
		l.held = append(l.held, c)
		return
	}
	l.keep(c)
}

// keep passes one byte of paste content, if the paste is within the limit.
func (l *pasteLimiter) keep(c byte) {
	if l.kept < l.limit {
		l.out = append(l.out, c)
		l.kept++
	}
}
