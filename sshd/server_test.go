package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/log/v2"
	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/sshd/sshdtest"
)

// These tests run the server with a fake SessionHandler, no chat: what is
// tested is the door, with real x/crypto/ssh clients on 127.0.0.1.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitTimeout bounds every wait on a condition. It is generous because CI
// machines are shared; a passing test never waits this long.
const waitTimeout = 20 * time.Second

// fakeHandler is a SessionHandler with no chat: each session runs serve
// (by default: wait until its connection ends).
type fakeHandler struct {
	serve     func(*Session)
	started   chan *Session // each session, as it starts
	shutdowns chan struct{} // a token for each Shutdown
}

func newFakeHandler(serve func(*Session)) *fakeHandler {
	if serve == nil {
		serve = func(s *Session) { <-s.Context().Done() }
	}
	return &fakeHandler{serve: serve, started: make(chan *Session, 16), shutdowns: make(chan struct{}, 1)}
}

func (h *fakeHandler) ServeSession(s *Session) {
	h.started <- s
	h.serve(s)
}

func (h *fakeHandler) Shutdown() { h.shutdowns <- struct{}{} }

// fakeBans bans one key, and keyless clients from one address.
type fakeBans struct{ key, addr string }

func (b fakeBans) Banned(key, addr string) (string, bool) {
	switch {
	case key != "" && key == b.key:
		return "your key is banned.", true
	case key == "" && addr == b.addr:
		return "your address is banned.", true
	}
	return "", false
}

// testServer is a Server on 127.0.0.1:0 with its log kept.
type testServer struct {
	t       *testing.T
	srv     *Server
	addr    string
	logs    *sshdtest.LogBuffer
	handler *fakeHandler
	served  chan error
}

func startServer(t *testing.T, h *fakeHandler, configure func(*Config)) *testServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	logs := &sshdtest.LogBuffer{}
	cfg := Config{Handler: h, HostKey: signer, Logger: log.New(logs)}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, srv: srv, addr: ln.Addr().String(), logs: logs, handler: h, served: make(chan error, 1)}
	go func() { ts.served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-ts.served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

// waitSessions waits until the server has n open sessions.
func (ts *testServer) waitSessions(n int) {
	ts.t.Helper()
	sshdtest.WaitUntil(ts.t, fmt.Sprintf("%d open sessions", n), waitTimeout, ts.srv.SessionsChanged, func() bool { return ts.srv.Sessions() == n })
}

// waitLog waits until the server has logged text.
func (ts *testServer) waitLog(text string) {
	ts.t.Helper()
	sshdtest.WaitUntil(ts.t, fmt.Sprintf("%q in the log", text), waitTimeout, ts.logs.Changed, func() bool {
		return strings.Contains(ts.logs.String(), text)
	})
}

// nextSession waits for the handler to be given a session.
func (ts *testServer) nextSession() *Session {
	ts.t.Helper()
	select {
	case s := <-ts.handler.started:
		return s
	case <-time.After(waitTimeout):
		ts.t.Fatal("no session reached the handler")
		return nil
	}
}

// freezableConn is a client's TCP connection that can stop reading what
// the server sends, as a client behind a dropped network does: nothing
// the server sends is seen, so nothing is answered.
type freezableConn struct {
	net.Conn
	frozen chan struct{} // closed by freeze
	closed chan struct{} // closed by Close
	once   sync.Once
	close  sync.Once
}

func (c *freezableConn) freeze() { c.once.Do(func() { close(c.frozen) }) }

func (c *freezableConn) Read(p []byte) (int, error) {
	select {
	case <-c.frozen:
		<-c.closed
		return 0, net.ErrClosed
	default:
	}
	return c.Conn.Read(p)
}

func (c *freezableConn) Close() error {
	c.close.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// dialed is one client connection.
type dialed struct {
	tcp    *freezableConn
	client *gossh.Client
	banner string
}

// dial connects as user with a new key; it returns the login's error.
func (ts *testServer) dial(user string) (*dialed, error) {
	ts.t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		ts.t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		ts.t.Fatal(err)
	}
	return ts.dialWith(user, gossh.PublicKeys(signer))
}

func (ts *testServer) dialWith(user string, auth ...gossh.AuthMethod) (*dialed, error) {
	ts.t.Helper()
	tcp, err := net.DialTimeout("tcp", ts.addr, waitTimeout)
	if err != nil {
		ts.t.Fatal(err)
	}
	d := &dialed{tcp: &freezableConn{Conn: tcp, frozen: make(chan struct{}), closed: make(chan struct{})}}
	var mu sync.Mutex
	cfg := &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		BannerCallback: func(msg string) error {
			mu.Lock()
			defer mu.Unlock()
			d.banner += msg
			return nil
		},
		Timeout: waitTimeout,
	}
	conn, chans, reqs, err := gossh.NewClientConn(d.tcp, ts.addr, cfg)
	if err != nil {
		_ = d.tcp.Close()
		return d, err
	}
	d.client = gossh.NewClient(conn, chans, reqs)
	ts.t.Cleanup(func() { _ = d.client.Close() })
	return d, nil
}

// shell opens a session with a shell on the connection.
func (d *dialed) shell(t *testing.T) *gossh.Session {
	t.Helper()
	sess, err := d.client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return sess
}

// A client that stops answering (its network dropped; TCP does not know
// yet) is disconnected after a keepalive interval without an answer, and
// its session's end is logged with that reason.
func TestKeepaliveCutsAClientThatStopsAnswering(t *testing.T) {
	ts := startServer(t, newFakeHandler(nil), func(c *Config) { c.KeepaliveInterval = 200 * time.Millisecond })
	d, err := ts.dial("alice")
	if err != nil {
		t.Fatal(err)
	}
	d.shell(t)
	sess := ts.nextSession()
	ts.waitSessions(1)
	// A client that answers is kept: a keepalive went and came back.
	if err := sess.Alive(context.Background()); err != nil {
		t.Fatalf("a client that answers: %v", err)
	}
	d.tcp.freeze()
	select {
	case <-sess.Context().Done():
	case <-time.After(waitTimeout):
		t.Fatal("a client that stopped answering kept its connection")
	}
	ts.waitSessions(0)
	ts.waitLog("reason=\"timed out: no answer to keepalive\"")
}

// An address with as many connections in use as it may is refused at
// login, with a banner saying why; once one closes, the address may
// connect again.
func TestConnectionLimitPerAddressRefusesWithItsReason(t *testing.T) {
	ts := startServer(t, newFakeHandler(nil), func(c *Config) { c.MaxConnsPerAddr = 2 })
	var open []*dialed
	for i := range 2 {
		d, err := ts.dial(fmt.Sprintf("user%d", i))
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		d.shell(t)
		ts.nextSession()
		open = append(open, d)
	}
	ts.waitSessions(2)
	d, err := ts.dial("third")
	if err == nil {
		t.Fatal("a third connection from the address got in")
	}
	want := "chatroom: too many connections from your address (2 in use; the limit is 2). Close some and try again."
	if strings.TrimSpace(d.banner) != want {
		t.Fatalf("refused with banner %q, want %q", d.banner, want)
	}
	if ts.srv.Sessions() != 2 {
		t.Fatalf("%d sessions after the refusal, want 2", ts.srv.Sessions())
	}
	_ = open[0].client.Close()
	ts.waitSessions(1)
	// The closed connection's place is given back once it is released,
	// which comes moments after its session ends; try until it is.
	deadline := time.Now().Add(waitTimeout)
	for {
		d, err := ts.dial("again")
		if err == nil {
			d.shell(t)
			ts.nextSession()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the address could not connect again after closing one: %v (banner %q)", err, d.banner)
		}
		sshdtest.WaitUntil(t, "a change in sessions", waitTimeout, ts.srv.SessionsChanged, func() bool { return true })
	}
}

// A session whose client stopped reading is closed once a write has been
// blocked for the write timeout, and the reason is logged; the client's
// connection still answers keepalives, so only the cutoff can end it.
func TestStuckWriterIsCutOff(t *testing.T) {
	wrote := make(chan error, 1)
	h := newFakeHandler(func(s *Session) {
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for {
			if _, err := s.Output().Write(chunk); err != nil {
				wrote <- err
				return
			}
		}
	})
	ts := startServer(t, h, func(c *Config) { c.WriteTimeout = 300 * time.Millisecond })
	d, err := ts.dial("frozen")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := d.client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	// Taken and never read: the channel's window fills and the
	// server's writes block.
	if _, err := sess.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	ts.nextSession()
	select {
	case err := <-wrote:
		if err == nil {
			t.Fatal("the stuck write ended without an error")
		}
	case <-time.After(waitTimeout):
		t.Fatal("the write of a client that stopped reading stayed blocked")
	}
	ts.waitSessions(0)
	ts.waitLog("reason=\"timed out: client stopped reading\"")
	if err := d.client.Wait(); err == nil {
		t.Fatal("the cut-off client's connection ended without an error")
	}
}

// A banned key is refused at login with the words Config.Bans gives, when
// the client then tries another way in; a keyless client from a banned
// address too; others get in.
func TestBansAreAskedAtLogin(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	banned, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keyless := gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })
	for _, tc := range []struct {
		name string
		bans fakeBans
		auth []gossh.AuthMethod
		want string
	}{
		{"key", fakeBans{key: gossh.FingerprintSHA256(banned.PublicKey())},
			[]gossh.AuthMethod{gossh.PublicKeys(banned), keyless}, "chatroom: your key is banned."},
		{"address", fakeBans{addr: "127.0.0.1"}, []gossh.AuthMethod{keyless}, "chatroom: your address is banned."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, newFakeHandler(nil), func(c *Config) { c.Bans = tc.bans })
			d, err := ts.dialWith("mallory", tc.auth...)
			if err == nil {
				t.Fatal("got in")
			}
			if strings.TrimSpace(d.banner) != tc.want {
				t.Fatalf("refused with %q, want %q", d.banner, tc.want)
			}
			d, err = ts.dial("alice")
			if err != nil {
				t.Fatalf("an unbanned key: %v", err)
			}
			d.shell(t)
			if s := ts.nextSession(); s.Key() == "" || s.User() != "alice" {
				t.Fatalf("the handler got key %q user %q", s.Key(), s.User())
			}
		})
	}
}

// Shutdown has the handler end its sessions, and waits for them.
func TestShutdownAsksTheHandlerAndWaits(t *testing.T) {
	release := make(chan struct{})
	ts := startServer(t, newFakeHandler(func(s *Session) {
		select {
		case <-release:
		case <-s.Context().Done():
		}
	}), nil)
	go func() {
		<-ts.handler.shutdowns
		close(release)
	}()
	d, err := ts.dial("alice")
	if err != nil {
		t.Fatal(err)
	}
	d.shell(t)
	ts.nextSession()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := ts.srv.Sessions(); n != 0 {
		t.Fatalf("%d sessions after Shutdown", n)
	}
	ts.waitLog("reason=\"server shutdown\"")
}
