// Package sshd is chatroom's ssh front door: it authenticates clients,
// refuses everything a chat does not need, and connects each session to
// the room: a terminal to a ui.Model, a session without one (or with
// TERM=dumb) to line mode (lineui), a command to execcmd.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/log/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/ui"
)

// Config is what a Server needs. Hub, HostKey and Logger are required.
type Config struct {
	Hub     *chat.Hub
	HostKey gossh.Signer
	Logger  *log.Logger
	// JoinCommand is the line users type to join, e.g. "ssh -p 1998 host";
	// it is shown to clients that connected in a way that cannot chat.
	JoinCommand string
	// WriteTimeout cuts off a session whose output has been blocked this
	// long: its client stopped reading and is as good as gone. Default 15s.
	WriteTimeout time.Duration
	// HandshakeTimeout bounds the ssh handshake and authentication.
	// Default 10s.
	HandshakeTimeout time.Duration
	// KeepaliveInterval is how often a client must answer a keepalive; one
	// that misses a whole interval is disconnected. Default 20s.
	KeepaliveInterval time.Duration
	// SessionlessTimeout closes a connection that has had no session for
	// this long. Default 30s.
	SessionlessTimeout time.Duration
	// ShellTimeout closes a session channel that has not asked for a shell
	// this long after it opened. Default 10s.
	ShellTimeout time.Duration
	// Mouse makes sessions start with the mouse wheel scrolling the chat.
	Mouse bool

	// RequireKey refuses clients that offer no ssh key.
	RequireKey bool
	// Allowlist, if set, is the only keys let in (with the operators'): a
	// private room.
	Allowlist KeySet
	// Operators are the operators' keys, always let in.
	Operators KeySet
	// Passphrase, if set, must be given by everyone before joining.
	Passphrase string

	// MaxConnsPerAddr is how many connections one address may have open.
	// Default 10.
	MaxConnsPerAddr int
	// NewConnsPerMinute is how many connections one address may open a
	// minute. Default 30.
	NewConnsPerMinute int
	// MaxSessions caps the sessions of the whole server. Default 2,000.
	MaxSessions int
	// IdleTimeout closes a session with no keystroke for this long.
	// Default 0: never.
	IdleTimeout time.Duration

	// Observer is told about sessions and refusals, for metrics.
	// Default: nothing.
	Observer Observer
}

// Server is a running chatroom ssh server.
type Server struct {
	cfg         Config
	log         *log.Logger
	obs         Observer // cfg.Observer, or one that does nothing
	ssh         *ssh.Server
	limits      *addrLimits
	closing     atomic.Bool
	nextSession atomic.Uint64
	nextConn    atomic.Uint64

	mu        sync.Mutex
	sessions  int
	changed   chan struct{} // closed and replaced whenever sessions changes
	listeners []net.Listener

	states sync.Map // ssh.Session -> *session

	// layouts lays out each message once for every session's view.
	layouts *ui.Layouts
}

// New builds a Server from cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Hub == nil || cfg.HostKey == nil || cfg.Logger == nil {
		return nil, errors.New("sshd: Config needs Hub, HostKey and Logger")
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 15 * time.Second
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	if cfg.KeepaliveInterval <= 0 {
		cfg.KeepaliveInterval = 20 * time.Second
	}
	if cfg.SessionlessTimeout <= 0 {
		cfg.SessionlessTimeout = 30 * time.Second
	}
	if cfg.ShellTimeout <= 0 {
		cfg.ShellTimeout = 10 * time.Second
	}
	if cfg.MaxConnsPerAddr <= 0 {
		cfg.MaxConnsPerAddr = 10
	}
	if cfg.NewConnsPerMinute <= 0 {
		cfg.NewConnsPerMinute = 30
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 2000
	}
	if cfg.JoinCommand == "" {
		cfg.JoinCommand = "ssh -p 1998 HOST"
	}
	s := &Server{cfg: cfg, log: cfg.Logger, obs: cfg.Observer, changed: make(chan struct{}),
		limits: newAddrLimits(cfg.MaxConnsPerAddr, cfg.NewConnsPerMinute), layouts: ui.NewLayouts()}
	if s.obs == nil {
		s.obs = nopObserver{}
	}
	srv, err := wish.NewServer(
		s.withHostKey(),
		// A person is their key: a proven key becomes the member's
		// identity. Clients without one get in through keyboard-interactive
		// and are marked unverified, unless the access rules (allowlist,
		// required keys, passphrase, bans, limits) say otherwise; each
		// refusal tells the user why (auth.go).
		s.withLogin(),
		s.withConnectionRules(),
		// Middlewares run last-listed first: each line below wraps the ones
		// above it.
		wish.WithMiddleware(
			// 4. The full-screen view, until the user quits or the
			//    session or connection ends.
			s.runView,
			// 3. Join the room before the view starts, leave after it
			//    ends, so the room always knows who is really there.
			s.joinRoom,
			// 2. Only an interactive terminal can chat, and only while the
			//    server has room; anyone else is told why, before it costs
			//    a room slot.
			s.admit,
			// 1. Log every session and why it ended, whatever happens
			//    further in.
			s.logSession,
		),
	)
	if err != nil {
		return nil, fmt.Errorf("sshd: %w", err)
	}
	s.ssh = srv
	return s, nil
}

func (s *Server) withLogin() ssh.Option {
	return func(srv *ssh.Server) error {
		srv.ServerConfigCallback = s.serverConfig
		return nil
	}
}

func (s *Server) withHostKey() ssh.Option {
	return func(srv *ssh.Server) error {
		// With a host key set, wish never falls back to writing or using
		// an ephemeral one.
		srv.AddHostKey(s.cfg.HostKey)
		return nil
	}
}

// withConnectionRules sets what a connection may do besides chat sessions:
// nothing. Port forwarding is refused because no forwarding callback is set;
// subsystems (sftp), agent and X11 forwarding by the session channel's
// request filter. Every connection is watched so that one with
// no session, or a dead peer, is closed.
func (s *Server) withConnectionRules() ssh.Option {
	return func(srv *ssh.Server) error {
		srv.HandshakeTimeout = s.cfg.HandshakeTimeout
		srv.ConnCallback = s.watchConnection
		srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel}
		srv.ConnectionFailedCallback = func(conn net.Conn, err error) {
			s.log.Debug(hostOf(conn.RemoteAddr())+" failed before joining", "err", err)
		}
		return nil
	}
}

// Serve accepts connections on ln until Shutdown or Close. It returns nil
// after either, even when they came first.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		_ = ln.Close()
		return nil
	}
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	err := s.ssh.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) || s.closing.Load() {
		return nil
	}
	return err
}

// stopListening closes the listeners and makes later Serve calls return at
// once: a Serve that had not started when the shutdown came would
// otherwise accept forever.
func (s *Server) stopListening() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing.Store(true)
	for _, ln := range s.listeners {
		_ = ln.Close()
	}
}

// Sessions returns how many sessions are open.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// SessionsChanged returns a channel that is closed the next time the number
// of open sessions changes. Take it before checking Sessions to miss
// nothing.
func (s *Server) SessionsChanged() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *Server) addSessions(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions += n
	close(s.changed)
	s.changed = make(chan struct{})
}

// Shutdown tells every member the server is shutting down, stops accepting,
// and waits until every session has shown that and closed, or until ctx
// ends; then it closes all connections.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopListening()
	s.cfg.Hub.Shutdown()
	// Closing the listeners first means no new session can start.
	lnErr := s.ssh.Shutdown(canceled())
	if errors.Is(lnErr, context.Canceled) {
		lnErr = nil
	}
	// Sessions end within moments of the notice; a connection without a
	// session has nothing left to wait for.
	var err error
	for err == nil {
		changed := s.SessionsChanged()
		if s.Sessions() == 0 {
			break
		}
		select {
		case <-ctx.Done():
			err = fmt.Errorf("sshd: %d sessions still open at shutdown were cut off", s.Sessions())
		case <-changed:
		}
	}
	_ = s.ssh.Close()
	return errors.Join(lnErr, err)
}

// canceled returns a context that is already done.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// AccessChanged applies a re-read allowlist or operators file: sessions
// whose key is no longer let in are closed, and every view redraws who is
// an operator.
func (s *Server) AccessChanged() {
	if s.cfg.Allowlist != nil {
		n := s.cfg.Hub.CloseWhere(func(key string) bool { return !s.allowed(key) },
			"your key was taken off this chat's allowlist", "removed from the allowlist")
		if n > 0 {
			s.log.Info("closed sessions no longer on the allowlist", "sessions", n)
		}
	}
	s.cfg.Hub.OperatorsChanged()
}

// Close stops the server at once, cutting every connection.
func (s *Server) Close() error {
	s.stopListening()
	return s.ssh.Close()
}

// hostOf returns the host part of addr, as the original chat logged it.
func hostOf(addr net.Addr) string {
	if addr == nil {
		return "unknown"
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return host
}
