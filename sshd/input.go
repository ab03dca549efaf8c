package sshd

import (
	"context"
	"io"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"

	"github.com/chatroom/chatroom/ui"
)

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
		// A paste arrives already cut to maxPaste (see sessionInput): the
		// decoder buffers a paste whole.
		_ = uv.NewTerminalReader(in, term).StreamEvents(context.Background(), events)
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
