package sshchat

import (
	"fmt"

	"charm.land/ssh"

	"github.com/chatroom/chatroom/execcmd"
	"github.com/chatroom/chatroom/lineui"
)

// lineMode reports whether a session gets plain lines instead of the
// full-screen view: it has no terminal (ssh -T, a pipe), or one that
// cannot show the view (TERM=dumb).
func lineMode(sess ssh.Session) bool {
	pty, _, hasPty := sess.Pty()
	return !hasPty || pty.Term == "dumb"
}

// runLines runs a line-mode session (package lineui) for the joined
// member until its input ends, it quits or the room closes it.
func (h *Handler) runLines(st *session) {
	loc, _ := clientLocation(st.Environ())
	_, _, hasPty := st.Pty()
	err := lineui.Run(st.member, st.Input(), st.Output(), lineui.Options{Location: loc, Echo: hasPty, Since: st.joined})
	if err != nil {
		h.log.Debug("line-mode session ended", "session", st.ID(), "err", err)
	}
	if n := st.Input().TakeDropped(); n > 0 {
		_, _ = fmt.Fprintf(st.Stderr(), "chatroom: %d bytes of input came faster than they could be sent and were dropped\n", n)
	}
}

// runCommand runs a script's command (package execcmd) as the joined
// member, and sends its exit status: 0, or 1 with the reason on stderr.
func (h *Handler) runCommand(st *session, cmd execcmd.Command) {
	loc, _ := clientLocation(st.Environ())
	in := st.Input()
	err := cmd.Run(st.member, execcmd.IO{
		Stdin:    in,
		Stdout:   st.Output(),
		Stderr:   st.Stderr(),
		Location: loc,
		Done:     st.Context().Done(),
	})
	if err == nil {
		if n := in.TakeDropped(); n > 0 {
			// Never a silent loss: the script is told, and can send
			// the rest again.
			err = fmt.Errorf("%d bytes of input came faster than they could be sent and were dropped; send fewer lines at a time", n)
		}
	}
	status := execcmd.ExitOK
	if err != nil {
		status = execcmd.ExitRefused
		st.SetReason("refused: " + err.Error())
		_, _ = fmt.Fprintf(st.Stderr(), "chatroom: %v\n", err)
	} else {
		st.SetReason("command " + cmd.Name + " done")
	}
	_ = st.Exit(status)
}
