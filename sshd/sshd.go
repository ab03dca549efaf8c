// Package sshd is chatroom's ssh front door, and only that: transport
// policy. It authenticates clients and refuses, with a banner saying why,
// those the access rules keep out (allowlist, required keys, passphrase,
// bans, per-address limits); it refuses every request a chat does not need
// and bounds the ones it does (requests.go); it closes connections with no
// session or whose peer stopped answering keepalives (conn.go), and cuts
// off a session whose client stopped reading (Session.Output). Each session
// it lets in goes to the SessionHandler it is given (package sshchat joins
// the chat and runs the view, line mode or a command).
//
// It imports nothing of the chat: a ban is asked of Config.Bans, and a
// session's input is handed over as bytes with their arrival times
// (Input), because when bytes arrived is a fact only the transport sees
// (a paste comes in one burst, typing key by key), while what they mean
// (keys, pastes, commands) is the handler's. Its own tests run a fake
// handler over real ssh clients.
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
)

// Config is what a Server needs. Handler, HostKey and Logger are required.
type Config struct {
	// Handler runs every session the server lets in.
	Handler SessionHandler
	HostKey gossh.Signer
	Logger  *log.Logger
	// Bans, if set, is asked at login whether a key or address is banned.
	Bans Bans
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

	states sync.Map // ssh.Session -> *Session
}

// Bans is what the server asks at login about bans, which the chat keeps.
type Bans interface {
	// Banned reports whether a client with key (a SHA256 fingerprint, ""
	// for none) from addr (a host, without port) is banned, and the words
	// that tell it so.
	Banned(key, addr string) (refusal string, banned bool)
}

// New builds a Server from cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Handler == nil || cfg.HostKey == nil || cfg.Logger == nil {
		return nil, errors.New("sshd: Config needs Handler, HostKey and Logger")
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
	s := &Server{cfg: cfg, log: cfg.Logger, obs: cfg.Observer, changed: make(chan struct{}),
		limits: newAddrLimits(cfg.MaxConnsPerAddr, cfg.NewConnsPerMinute)}
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
			// 2. Only while the server has room, and only keys still let
			//    in; anyone else is told why. Then the handler runs the
			//    session.
			func(ssh.Handler) ssh.Handler { return s.admit },
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

// Shutdown stops accepting, has the handler tell every session the server
// is shutting down (SessionHandler.Shutdown), and waits until every session has shown that and closed, or until ctx
// ends; then it closes all connections.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopListening()
	s.cfg.Handler.Shutdown()
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

// Allowed reports whether the allowlist, if there is one, lets key in.
// Operators are always let in: a host must not lock themselves out. Logins
// are checked with it; after a re-read allowlist, the handler closes the
// sessions it no longer lets in.
func (s *Server) Allowed(key string) bool {
	if s.cfg.Allowlist == nil {
		return true
	}
	if key == "" {
		return false
	}
	if ops := s.cfg.Operators; ops != nil && ops.Contains(key) {
		return true
	}
	return s.cfg.Allowlist.Contains(key)
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
