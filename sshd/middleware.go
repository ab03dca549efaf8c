package sshd

import (
	"fmt"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"github.com/charmbracelet/colorprofile"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/room"
	"github.com/chatroom/chatroom/ui"
)

// Limits on the terminal size a client may claim. A terminal larger than
// this still works; the view just uses this much of it. Without a cap a
// client claiming 4096x256 would cost megabytes of cell buffers.
const (
	maxWidth  = 500
	maxHeight = 200
)

type contextKey string

const sessionKey contextKey = "chatroom.session"

// session is what the middlewares share about one ssh session.
type session struct {
	mu     sync.Mutex
	reason string // why the session ended, when something other than the user ended it
	member *room.Member
	model  *ui.Model
	out    *watchdogWriter
}

func (st *session) setReason(reason string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.reason == "" {
		st.reason = reason
	}
}

func (st *session) getReason() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.reason
}

func stateOf(sess ssh.Session) *session {
	return sess.Context().Value(sessionKey).(*session)
}

// logSession logs each session as the original chat did ("10.0.0.5
// connected"), with the key and nick, and one line when it ends saying why.
func (s *Server) logSession(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := &session{}
		sess.Context().SetValue(sessionKey, st)
		host := hostOf(sess.RemoteAddr())
		start := time.Now()
		pty, _, _ := sess.Pty()
		s.log.Info(host+" connected", "key", keyFingerprint(sess.PublicKey()), "nick", sess.User(),
			"term", pty.Term, "size", fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height),
			"client", sess.Context().ClientVersion())
		s.sessions.Add(1)
		defer s.sessions.Add(-1)

		next(sess)

		nick := sess.User()
		if st.member != nil {
			nick = st.member.Nick()
		}
		s.log.Info(host+" disconnected", "nick", nick, "reason", s.endReason(sess, st),
			"after", time.Since(start).Round(time.Second))
	}
}

// endReason says why a session ended: the reason something recorded, else
// a lost connection if the connection is gone, else the user quit.
func (s *Server) endReason(sess ssh.Session, st *session) string {
	if r := st.getReason(); r != "" {
		return r
	}
	if s.closing.Load() {
		return "server shutdown"
	}
	if sess.Context().Err() != nil {
		return "connection lost"
	}
	return "quit"
}

// requireTerminal turns away sessions that cannot show the chat: no PTY,
// or a command (ssh host ls). They get one line saying how to join, and a
// non-zero exit status.
func (s *Server) requireTerminal(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		_, _, hasPty := sess.Pty()
		var why string
		switch {
		case sess.RawCommand() != "":
			why = fmt.Sprintf("chatroom runs no commands (you sent %q). To chat, join with: %s", truncate(sess.RawCommand(), 40), s.cfg.JoinCommand)
		case !hasPty:
			why = fmt.Sprintf("chatroom needs an interactive terminal. Join with: %s (add -t if ssh is not run from a terminal)", s.cfg.JoinCommand)
		default:
			next(sess)
			return
		}
		stateOf(sess).setReason("refused: not an interactive terminal")
		_, _ = fmt.Fprintln(sess.Stderr(), why)
		_ = sess.Exit(1)
	}
}

// joinRoom makes the session a member of the lobby for as long as the view
// runs, then leaves with the reason the session ended.
func (s *Server) joinRoom(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := stateOf(sess)
		member, err := s.cfg.Hub.Join(room.Identity{
			Key:  keyFingerprint(sess.PublicKey()),
			Nick: sess.User(),
			Addr: sess.RemoteAddr().String(),
		})
		if err != nil {
			st.setReason("refused: " + err.Error())
			_, _ = fmt.Fprintf(sess.Stderr(), "chatroom: cannot join: %v\n", err)
			_ = sess.Exit(1)
			return
		}
		st.member = member

		next(sess)

		if st.model != nil {
			if bye := st.model.Goodbye(); bye != "" {
				// The view has left the alternate screen, so this line
				// stays in the user's terminal after ssh exits.
				_, _ = fmt.Fprintf(st.out, "chatroom: %s\r\n", bye)
			}
		}
		member.Leave(s.endReason(sess, st))
	}
}

// newProgram builds the Bubble Tea program of one session.
func (s *Server) newProgram(sess ssh.Session) *tea.Program {
	st := stateOf(sess)
	pty, _, _ := sess.Pty()
	// The emulated PTY gives the program no terminal to probe, so the
	// colour profile comes from the client's TERM, on every host OS.
	env := append(sess.Environ(), "TERM="+pty.Term)
	w, h := clampSize(pty.Window.Width, pty.Window.Height)
	st.model = ui.New(ui.Options{
		Member:   st.member,
		Width:    w,
		Height:   h,
		Mouse:    s.cfg.Mouse,
		Location: clientLocation(sess.Environ()),
	})
	conn, _ := sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn)
	st.out = newWatchdogWriter(sess, s.cfg.WriteTimeout, func() {
		st.setReason("timed out: client stopped reading")
		if conn != nil {
			_ = conn.Close()
		}
	})
	p := tea.NewProgram(st.model,
		// Keys reach the program through pumpInput; the program's own
		// reader gets a stream that never yields (see pumpInput).
		tea.WithInput(idleReader{done: st.member.Done()}),
		tea.WithOutput(st.out),
		tea.WithEnvironment(env),
		tea.WithColorProfile(colorprofile.Env(env)),
		tea.WithWindowSize(w, h),
		// One SIGTERM must not quit every session while the daemon runs
		// on: the daemon handles signals, not each program.
		tea.WithoutSignalHandler(),
		tea.WithFilter(clampResize),
	)
	go pumpInput(sess, pty.Term, p)
	return p
}

func clampResize(_ tea.Model, msg tea.Msg) tea.Msg {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		msg.Width, msg.Height = clampSize(msg.Width, msg.Height)
		return msg
	case tea.SuspendMsg:
		// A remote session cannot be suspended; carry on.
		return tea.ResumeMsg{}
	}
	return msg
}

func clampSize(w, h int) (int, int) {
	return min(max(w, 0), maxWidth), min(max(h, 0), maxHeight)
}

func keyFingerprint(key ssh.PublicKey) string {
	if key == nil {
		return ""
	}
	return gossh.FingerprintSHA256(key)
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// clientLocation is the time zone the client sent in TZ (ssh -o
// SetEnv=TZ=Europe/Paris), or nil for the server's own.
func clientLocation(env []string) *time.Location {
	for _, kv := range env {
		if tz, ok := strings.CutPrefix(kv, "TZ="); ok && tz != "" {
			if loc, err := time.LoadLocation(tz); err == nil {
				return loc
			}
		}
	}
	return nil
}
