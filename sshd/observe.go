package sshd

// Observer is told about sessions and refusals at the ssh door, for
// counting: package metrics exports it to Prometheus. It must be safe for
// concurrent use. Config.Observer nil observes nothing.
type Observer interface {
	// Sessions adds delta (1 or -1) to the sessions of kind open now.
	Sessions(kind string, delta int)
	// Refused is called once for each connection or session refused, with
	// one of the reasons named Refused... in this package.
	Refused(reason string)
}

// The kinds of session Observer.Sessions counts. The handler tells them
// apart and counts them (Session.Observer); they are named here, beside
// the Observer they label.
const (
	// SessionFullScreen is a person in the full-screen view.
	SessionFullScreen = "full-screen"
	// SessionLine is a session in line mode: no terminal, or TERM=dumb.
	SessionLine = "line"
	// SessionExec is a command a script runs (ssh HOST say ...).
	SessionExec = "exec"
)

// Why the ssh door refuses: the reasons Observer.Refused is given, beside
// the chat's own (chat.Refused...), which it gives when a join is refused.
// They are label values: few, fixed, and never any person's text.
const (
	// RefusedNewConnsPerAddr: an address opening connections faster than
	// Config.NewConnsPerMinute.
	RefusedNewConnsPerAddr = "new_conns_per_addr"
	// RefusedConnsPerAddr: an address with Config.MaxConnsPerAddr
	// connections in use, or so far over it that its connection is
	// dropped before the handshake.
	RefusedConnsPerAddr = "conns_per_addr"
	// RefusedSessionsPerConn: a connection opening more session channels
	// than it may.
	RefusedSessionsPerConn = "sessions_per_conn"
	// RefusedServerFull: Config.MaxSessions sessions open already.
	RefusedServerFull = "server_full"
	// RefusedUserName: an ssh user name too long to be a nick.
	RefusedUserName = "user_name"
	// RefusedBanned: a banned key or address at login.
	RefusedBanned = "banned"
	// RefusedNotAllowlisted: a key not on Config.Allowlist, or none.
	RefusedNotAllowlisted = "not_allowlisted"
	// RefusedKeyRequired: no key, with Config.RequireKey.
	RefusedKeyRequired = "key_required"
	// RefusedPassphrase: a wrong passphrase, or too many from an address.
	RefusedPassphrase = "passphrase"
	// RefusedBadCommand: a command (ssh HOST CMD) that is not one of the
	// chat's, or is typed wrong.
	RefusedBadCommand = "bad_command"
)

// nopObserver is the Observer of a server given none.
type nopObserver struct{}

func (nopObserver) Sessions(string, int) {}
func (nopObserver) Refused(string)       {}
