package lineui

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"
	"github.com/chatroom/chatroom/chat/message"
)

// Options configures a line-mode session.
type Options struct {
	// Location is the time zone times are shown in. Default: UTC.
	Location *time.Location
	// Echo is for a terminal in raw mode (a session with a PTY): the
	// session echoes what is typed, with backspace, and keeps the line
	// being typed below the lines that arrive. Without it (no PTY) the
	// client's own terminal or pipe hands over whole lines.
	Echo bool
	// Since is when the session started, on the hub's clock: lines of the
	// log from before it (the backlog, what was missed) are history, shown
	// only when asked for with /history. Default: show none of the log
	// messages the hub marks as backlog, and all others.
	Since time.Time
}

// Run runs a line-mode session for m: each line read from in goes through
// command.Submit, in order, a line refused by the rate limit waiting its turn
// rather than being lost; what the member is given is written to out as
// lines. It returns when in ends (after every line read was submitted),
// the member quits (/quit), or the room closes the member (kick, ban,
// shutdown). It does not call m.Leave: the caller does.
func Run(m *chat.Member, in io.Reader, out io.Writer, opts Options) error {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	s := &session{m: m, opts: opts, out: out, stop: make(chan struct{}),
		seen: map[string]*roomSeen{}, answers: make(chan message.Message)}
	lines := make(chan string)
	submitted := make(chan struct{})
	go s.read(in, lines)
	go func() {
		defer close(submitted)
		s.submit(lines)
	}()
	defer close(s.stop)
	for {
		select {
		case <-m.Wake():
			// Closing the member wakes it too: its Update says so.
			if u := s.update(); u.Closed {
				if u.ClosedReason != "" {
					s.print("chatroom: " + u.ClosedReason)
				}
				return s.writeErr()
			}
		case answer := <-s.answers:
			// What the log holds now came before the line this answers:
			// lines submitted ahead of it are shown first.
			u := s.update()
			s.show([]message.Message{answer})
			if u.Closed {
				if u.ClosedReason != "" {
					s.print("chatroom: " + u.ClosedReason)
				}
				return s.writeErr()
			}
		case <-submitted:
			s.update()
			return s.writeErr()
		}
	}
}

// update takes the member's Update and shows it. Only Run's goroutine
// calls it.
func (s *session) update() chat.Update {
	u := s.m.Update()
	if u.RoomsChanged {
		labels := make(map[string]string, len(u.Rooms))
		for _, r := range u.Rooms {
			labels[r.Name] = r.Label
		}
		s.mu.Lock()
		s.labels, s.current = labels, u.Current
		s.mu.Unlock()
	}
	s.show(u.Messages)
	return u
}

// session is one line-mode session's state.
type session struct {
	m    *chat.Member
	opts Options
	stop chan struct{} // closed when Run returns
	// answers carries the session's own answers to a submitted line (an
	// error, a notice) from the submitting goroutine to Run's, which
	// shows them after what the log already holds, so that they read in
	// the order the lines were typed.
	answers chan message.Message

	mu     sync.Mutex
	out    io.Writer
	typing []rune // the line being typed, in Echo mode
	err    error  // the first write error: the client is gone
	seen   map[string]*roomSeen
	// labels names the member's rooms (#go, @bob) and current is the one
	// it looks at, as its last Update said; a line of another room is
	// marked with its label.
	labels  map[string]string
	current string
}

// roomSeen is what the session has been given of one room's log: the
// newest message, shown or not, and the oldest shown; /history asks for
// what comes before the oldest shown.
type roomSeen struct {
	newest, oldestShown uint64
}

func (s *session) writeErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// show prints what the member was given, leaving out history nobody asked
// for.
func (s *session) show(msgs []message.Message) {
	if len(msgs) == 0 {
		return
	}
	var b strings.Builder
	s.mu.Lock()
	for _, msg := range msgs {
		if !msg.Private || msg.Older {
			seen := s.seen[msg.Room]
			if seen == nil {
				seen = &roomSeen{}
				s.seen[msg.Room] = seen
			}
			if !msg.Older {
				seen.newest = max(seen.newest, msg.Seq)
			}
			if s.history(msg) {
				continue
			}
			if !msg.Private && (seen.oldestShown == 0 || msg.Seq < seen.oldestShown) {
				seen.oldestShown = msg.Seq
			}
		}
		label := ""
		if msg.Room != "" && msg.Room != s.current {
			label = s.labels[msg.Room]
			if label == "" {
				label = "#" + msg.Room
			}
		}
		b.WriteString(Format(msg, s.opts.Location, label))
		b.WriteByte('\n')
	}
	s.printLocked(b.String())
	s.mu.Unlock()
}

// history reports whether msg is a log line from before the session
// started that nobody asked for.
func (s *session) history(msg message.Message) bool {
	if msg.Older {
		return false
	}
	if msg.Backlog {
		return true
	}
	return !s.opts.Since.IsZero() && msg.Time.Before(s.opts.Since)
}

// print writes one line.
func (s *session) print(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.printLocked(line + "\n")
}

// printLocked writes text, which ends in a newline, above the line being
// typed. The caller holds mu.
func (s *session) printLocked(text string) {
	if text == "" || s.err != nil {
		return
	}
	if s.opts.Echo && len(s.typing) > 0 {
		// Blank the typed line with spaces (no escape sequence), print,
		// and type it again below.
		w := uniseg.StringWidth(string(s.typing))
		text = "\r" + strings.Repeat(" ", w) + "\r" + text + string(s.typing)
	}
	if s.opts.Echo {
		// A terminal in raw mode returns the carriage itself only when
		// told; the session's PTY turns each \n into \r\n.
		text = strings.ReplaceAll(text, "\r\n", "\n")
	}
	_, s.err = io.WriteString(s.out, text)
}

// read splits in into lines and hands them to lines in order, closing it
// when in ends. In Echo mode it is the terminal's line editor: it echoes,
// erases, and ends the input on Ctrl+C or Ctrl+D.
func (s *session) read(in io.Reader, lines chan<- string) {
	defer close(lines)
	send := func(line string) bool {
		select {
		case lines <- line:
			return true
		case <-s.stop:
			return false
		}
	}
	r := bufio.NewReader(in)
	if !s.opts.Echo {
		// Lines end in \n, \r\n or \r (a terminal in raw mode sends
		// Enter as \r); blank ones are nothing to send. A line is cut at
		// the longest message, as the room would refuse it anyway.
		var line []byte
		afterCR := false
		for {
			c, err := r.ReadByte()
			if err != nil {
				if len(line) > 0 {
					send(string(line))
				}
				return
			}
			switch {
			case c == '\n' && afterCR:
			case c == '\n' || c == '\r':
				if len(line) > 0 && !send(string(line)) {
					return
				}
				line = line[:0]
			case len(line) < maxLineBytes:
				line = append(line, c)
			}
			afterCR = c == '\r'
		}
	}
	for {
		c, _, err := r.ReadRune()
		if err != nil {
			return
		}
		switch {
		case c == '\r' || c == '\n':
			s.mu.Lock()
			line := string(s.typing)
			s.typing = s.typing[:0]
			if s.err == nil {
				_, s.err = io.WriteString(s.out, "\n")
			}
			s.mu.Unlock()
			if line != "" && !send(line) {
				return
			}
		case c == 0x03 || c == 0x04: // Ctrl+C, Ctrl+D: leave
			return
		case c == 0x7f || c == 0x08: // backspace
			s.mu.Lock()
			if n := len(s.typing); n > 0 {
				w := max(1, uniseg.StringWidth(string(s.typing[n-1])))
				s.typing = s.typing[:n-1]
				s.echoLocked(strings.Repeat("\b \b", w))
			}
			s.mu.Unlock()
		case c == 0x15: // Ctrl+U: erase the line
			s.mu.Lock()
			w := uniseg.StringWidth(string(s.typing))
			s.typing = s.typing[:0]
			s.echoLocked("\r" + strings.Repeat(" ", w) + "\r")
			s.mu.Unlock()
		case c == 0x1b: // a key's escape sequence (arrows): not text
			skipEscape(r)
		case c == '\t':
			s.typeRune(' ')
		case c < 0x20 || c == utf8.RuneError || (c >= 0x80 && c < 0xa0):
			// Other control keys mean nothing here, and are not echoed.
		default:
			s.typeRune(c)
		}
	}
}

func (s *session) typeRune(c rune) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.typing) >= chat.MaxMessageLen {
		return
	}
	s.typing = append(s.typing, c)
	s.echoLocked(string(c))
}

func (s *session) echoLocked(text string) {
	if s.err == nil {
		_, s.err = io.WriteString(s.out, text)
	}
}

// skipEscape reads the rest of an escape sequence whose ESC was read: CSI
// (ESC [ ... final) and SS3 (ESC O x), which is what keys send.
func skipEscape(r *bufio.Reader) {
	c, err := r.ReadByte()
	if err != nil {
		return
	}
	switch c {
	case '[':
		for {
			c, err := r.ReadByte()
			if err != nil || (c >= 0x40 && c <= 0x7e) {
				return
			}
		}
	case 'O':
		_, _ = r.ReadByte()
	}
}

// submit submits each line in order. A line the rate limit refuses waits
// until it is allowed and goes then, so that a paste or a script typing
// faster than the limit is paced, not cut. It returns when lines ends or
// the member quits or is closed.
func (s *session) submit(lines <-chan string) {
	for line := range lines {
		if quit := s.submitOne(line); quit {
			return
		}
	}
}

func (s *session) submitOne(line string) (quit bool) {
	if n, ok := historyRequest(line); ok {
		if err := s.loadOlder(n); err != nil {
			s.answer(message.Message{Kind: message.Error, Time: time.Now(), Text: err.Error(), Private: true})
		}
		return false
	}
	for {
		// Each line waits its turn under the rate limit rather than be
		// refused: refusals count toward the flood kick.
		wait := s.m.SendWait()
		eff := command.Stay
		var err error
		if wait <= 0 {
			eff, err = command.Submit(s.m, line)
		}
		var limited *chat.LimitError
		if errors.As(err, &limited) {
			wait = limited.Wait
		}
		switch {
		case wait > 0:
			t := time.NewTimer(wait)
			select {
			case <-t.C:
				continue
			case <-s.m.Done():
				t.Stop()
				return true
			case <-s.stop:
				t.Stop()
				return true
			}
		case errors.Is(err, chat.ErrLeft):
			return true
		case err != nil:
			s.answer(message.Message{Kind: message.Error, Time: time.Now(), Text: err.Error(), Private: true})
		}
		return eff == command.Quit
	}
}

// answer shows msg, an answer to a line the session submitted, once what
// the log holds has been shown. Called from the submitting goroutine.
func (s *session) answer(msg message.Message) {
	select {
	case s.answers <- msg:
	case <-s.stop:
	}
}

// historyRequest reads "/history [N]", which line mode answers itself: the
// room's backlog was never shown here, so history starts before the
// oldest line shown, not before the oldest given.
func historyRequest(line string) (n int, ok bool) {
	p := command.Parse(line)
	if !p.IsCommand || p.Name != "history" {
		return 0, false
	}
	if p.Args == "" {
		return 50, true
	}
	n, err := strconv.Atoi(p.Args)
	if err != nil || n <= 0 {
		return 0, false // the room's own usage message
	}
	return n, true
}

// loadOlder asks for the n messages of the current room before the oldest
// this session showed (or, having shown none, before the newest it was
// given).
func (s *session) loadOlder(n int) error {
	_, current := s.m.Rooms()
	s.mu.Lock()
	before := uint64(0)
	if seen := s.seen[current]; seen != nil {
		before = seen.oldestShown
		if before == 0 {
			before = seen.newest + 1
		}
	}
	s.mu.Unlock()
	if before == 0 {
		before = 1 << 62 // nothing given yet: from the newest
	}
	got, err := s.m.LoadOlder(current, before, n)
	if err == nil && got == 0 {
		s.answer(message.Message{Kind: message.Notice, Time: time.Now(), Private: true,
			Text: fmt.Sprintf("Nothing earlier in #%s.", current)})
	}
	return err
}

// maxLineBytes bounds a line read: the longest message, in UTF-8.
const maxLineBytes = 4*chat.MaxMessageLen + 2
