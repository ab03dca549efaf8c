// Package sshchat is the chat behind chatroom's ssh door: the
// sshd.SessionHandler that joins each session to the chat (package chat)
// and runs it, a terminal in the full-screen view (package ui, driven by
// this package's own small event loop, program), a session without a
// terminal or with TERM=dumb in line mode (lineui), a command in execcmd.
// It turns a session's input bytes into keys and pastes for the view
// (input.go, keys.go, burst.go).
//
// It holds no chat rules, which are the chat's, and no transport policy,
// which is sshd's: it is the glue between them. Its tests are the end to
// end ones: the real daemon on 127.0.0.1:0, real ssh clients on emulated
// screens (harness_test.go).
package sshchat

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/log/v2"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/execcmd"
	"github.com/chatroom/chatroom/sshd"
	"github.com/chatroom/chatroom/ui"
	"github.com/chatroom/chatroom/ui/screen"
)

// Config is what a Handler needs. Hub and Logger are required.
type Config struct {
	Hub    *chat.Hub
	Logger *log.Logger
	// JoinCommand is the line users type to join, e.g. "ssh -p 1998 host";
	// it is shown to scripts that sent a command the chat does not know.
	JoinCommand string
	// Mouse makes sessions start with the mouse wheel scrolling the chat.
	Mouse bool
	// IdleTimeout closes a session with no keystroke for this long.
	// Default 0: never.
	IdleTimeout time.Duration
}

// Handler runs each session sshd lets in as a member of the chat. It is
// also what sshd asks about bans (sshd.Bans): the chat keeps them.
type Handler struct {
	cfg Config
	log *log.Logger
	// layouts lays out each message once for every session's view.
	layouts *ui.Layouts
}

var (
	_ sshd.SessionHandler = (*Handler)(nil)
	_ sshd.Bans           = (*Handler)(nil)
)

// New builds a Handler from cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Hub == nil || cfg.Logger == nil {
		return nil, errors.New("sshchat: Config needs Hub and Logger")
	}
	if cfg.JoinCommand == "" {
		cfg.JoinCommand = "ssh -p 1998 HOST"
	}
	return &Handler{cfg: cfg, log: cfg.Logger, layouts: ui.NewLayouts()}, nil
}

// Banned reports whether the chat bans key from addr, in the words the
// chat tells the banned with.
func (h *Handler) Banned(key, addr string) (refusal string, banned bool) {
	return h.cfg.Hub.Banned(key, addr)
}

// Shutdown tells every member the server is shutting down; their sessions
// show it and end.
func (h *Handler) Shutdown() { h.cfg.Hub.Shutdown() }

// AccessChanged applies a re-read allowlist or operators file: sessions
// whose key allowed no longer lets in (sshd.Server.Allowed) are closed, and
// every view redraws who is an operator.
func (h *Handler) AccessChanged(allowed func(key string) bool) {
	n := h.cfg.Hub.CloseWhere(func(key string) bool { return !allowed(key) },
		"your key was taken off this chat's allowlist", "removed from the allowlist")
	if n > 0 {
		h.log.Info("closed sessions no longer on the allowlist", "sessions", n)
	}
	h.cfg.Hub.OperatorsChanged()
}

// connDropGrace is how long a closed channel waits to learn whether its
// whole connection went with it.
const connDropGrace = 100 * time.Millisecond

// stuckViewGrace is how long a view the room closed may take to quit
// before its connection is cut.
const stuckViewGrace = 5 * time.Second

// session is what the handler keeps about one session.
type session struct {
	*sshd.Session
	member *chat.Member
	model  *ui.Model
	exec   *execcmd.Command // the command a script asked for; nil for a chat session
	screen *screen.Screen
	joined time.Time // when the session asked to join
	mu     sync.Mutex
	// goodbye is a last line for the user's terminal, when the session
	// ends for a reason the room does not know (idle timeout).
	goodbye string
}

func (st *session) setGoodbye(s string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.goodbye = s
}

func (st *session) getGoodbye() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.goodbye
}

// ServeSession runs one session: a command (ssh host say ...) is read
// first, before it costs a room slot: a wrong one gets its usage and exit
// status 2, and help is answered at once. Everything else joins the chat
// and runs until it ends.
func (h *Handler) ServeSession(ss *sshd.Session) {
	st := &session{Session: ss}
	if ss.RawCommand() != "" {
		cmd, err := execcmd.Parse(ss.Command())
		if err != nil {
			ss.Observer().Refused(sshd.RefusedBadCommand)
			ss.SetReason("refused: bad command")
			_, _ = fmt.Fprintf(ss.Stderr(), "chatroom: %v\n%s\nTo chat, join with: %s\n", err, execcmd.Usage, h.joinCommandFor(ss.User()))
			_ = ss.Exit(execcmd.ExitUsage)
			return
		}
		st.exec = &cmd
		if !cmd.NeedsMember() {
			_ = cmd.Run(nil, execcmd.IO{Stdout: ss})
			_ = ss.Exit(execcmd.ExitOK)
			return
		}
	}
	h.joinRoom(st)
}

// joinCommandFor is the join line with the user's own name in it, so it can
// be copied as is: "ssh -p 1998 alice@host".
func (h *Handler) joinCommandFor(user string) string {
	fields := strings.Fields(h.cfg.JoinCommand)
	if len(fields) == 0 || user == "" || strings.Contains(fields[len(fields)-1], "@") ||
		strings.ContainsFunc(user, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '@' }) {
		return h.cfg.JoinCommand
	}
	fields[len(fields)-1] = user + "@" + fields[len(fields)-1]
	return strings.Join(fields, " ")
}

// joinRoom makes the session a member of the lobby for as long as it
// runs, then leaves with the reason the session ended, so the room always
// knows who is really there.
func (h *Handler) joinRoom(st *session) {
	loc, _ := clientLocation(st.Environ())
	// A command is a script, not someone arriving: it posts no join
	// or leave line (chat.Identity.Unannounced).
	id := chat.Identity{Key: st.Key(), Nick: st.User(), Addr: st.RemoteAddr().String(), Location: loc,
		Unannounced: st.exec != nil, Alive: st.Alive}
	st.joined = time.Now() // what the log held before this is history to line mode
	member, err := h.cfg.Hub.Join(id)
	if err != nil {
		st.SetReason("refused: " + err.Error())
		_, _ = fmt.Fprintf(st.Stderr(), "chatroom: cannot join: %v\n", err)
		_ = st.Exit(1)
		return
	}
	st.member = member
	// Deferred, so that even a panic further in cannot leave a member
	// behind.
	defer func() {
		bye := member.ClosedReason()
		if bye == "" {
			bye = st.getGoodbye()
		}
		if bye != "" && st.screen != nil {
			// The view has left the alternate screen, so this line
			// stays in the user's terminal after ssh exits.
			_, _ = fmt.Fprintf(st.Output(), "chatroom: %s\r\n", bye)
		}
		st.SetNick(member.Nick())
		member.Leave(st.Finish(member.EndReason()))
	}()
	h.run(st)
}

// run runs the joined session in the front end it asked for: a command,
// line mode, or the full-screen view.
func (h *Handler) run(st *session) {
	obs := st.Observer()
	switch {
	case st.exec != nil:
		obs.Sessions(sshd.SessionExec, 1)
		defer obs.Sessions(sshd.SessionExec, -1)
		h.runCommand(st, *st.exec)
	case lineMode(st):
		obs.Sessions(sshd.SessionLine, 1)
		defer obs.Sessions(sshd.SessionLine, -1)
		h.runLines(st)
	default:
		obs.Sessions(sshd.SessionFullScreen, 1)
		defer obs.Sessions(sshd.SessionFullScreen, -1)
		h.runView(st)
	}
}

// runView runs the session's full-screen view until the user quits, the
// client closes the session or the connection ends. It replaces wish's
// Bubble Tea middleware, which keeps a program running, resizing it to 0x0
// in a busy loop, after the client closes the channel but not the
// connection.
func (h *Handler) runView(st *session) {
	p := h.sessionProgram(st)
	_, winch, _ := st.Pty()
	viewDone := make(chan struct{})

	// The session is over when its channel closes, which the window
	// changes and the input both see end. Whether the client closed it
	// (quit) or the connection dropped (lost) shows in the connection's
	// context, which ends moments after a dropped connection closes its
	// channels; sshd.Session.Finish reads it.
	channelClosed := func() {
		select {
		case <-st.Context().Done():
		case <-time.After(connDropGrace):
		}
		p.Quit()
	}
	go func() {
		// The session's request handler waits on winch until it is
		// read; whatever ends this loop, keep reading until the channel
		// closes, so that the handler, and the connection, never wait
		// on a view that has ended.
		defer func() {
			for range winch {
			}
		}()
		for {
			select {
			case w, ok := <-winch:
				if !ok {
					channelClosed()
					return
				}
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			case <-st.Context().Done():
				p.Quit()
				return
			case <-st.member.Done():
				// The room closed the session (kick, ban, a newer
				// session of the same key, shutdown). The view quits
				// by itself; one too stuck to is cut off.
				p.Quit()
				select {
				case <-viewDone:
				case <-time.After(stuckViewGrace):
					st.CloseConn()
				}
				return
			case <-viewDone:
				return
			}
		}
	}()
	idle := h.watchIdle(st, p)
	go func() {
		pumpInput(st.Input(), p.Send, idle.touch)
		channelClosed()
	}()

	if err := p.Run(); err != nil {
		h.log.Warn("session view failed", "session", st.ID(), "err", err)
	}
	// The last frame, then the terminal as it was (main screen,
	// cursor, modes): bounded by the write watchdog.
	st.screen.Close()
	idle.stop()
	close(viewDone)
}

// idleWatch quits a session that has had no keystroke for the idle timeout.
type idleWatch struct {
	last  atomic.Int64 // unix nanoseconds of the last keystroke
	timer *time.Timer
}

func (w *idleWatch) touch() {
	if w != nil {
		w.last.Store(time.Now().UnixNano())
	}
}

func (w *idleWatch) stop() {
	if w != nil {
		w.timer.Stop()
	}
}

func (h *Handler) watchIdle(st *session, p *program) *idleWatch {
	limit := h.cfg.IdleTimeout
	if limit <= 0 {
		return nil
	}
	w := &idleWatch{}
	w.touch()
	var check func()
	check = func() {
		idle := time.Since(time.Unix(0, w.last.Load()))
		if idle < limit {
			w.timer.Reset(limit - idle)
			return
		}
		st.SetReason("timed out: idle")
		st.setGoodbye(fmt.Sprintf("disconnected after %s without a keystroke", limit))
		p.Quit()
	}
	w.timer = time.AfterFunc(limit, check)
	return w
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
