package sshchat

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/log/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/hostkeys"
	"github.com/chatroom/chatroom/sshd"
	"github.com/chatroom/chatroom/sshd/sshdtest"
)

// waitTimeout bounds every wait on a condition. It is generous because CI
// machines are shared; a passing test never waits this long.
const waitTimeout = 20 * time.Second

// testServer is the real daemon on 127.0.0.1:0 with a temporary data dir.
type testServer struct {
	t       *testing.T
	srv     *sshd.Server
	handler *Handler
	hub     *chat.Hub
	addr    string
	addr6   string // the same server on [::1], a second source address for tests of per-address rules
	dataDir string
	hostKey gossh.PublicKey
	logs    *sshdtest.LogBuffer
	served  chan error
}

// setup is what a test server is built from: the server's config, the
// handler's (Chat) and the hub's options. Rate limits are lifted unless a test sets them, so tests
// that post quickly test what they mean to; limits have tests of their own.
type setup struct {
	sshd.Config
	Chat Config
	Hub  chat.Options
}

type serverOption func(*setup)

func startServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	return startServerIn(t, t.TempDir(), opts...)
}

func startServerIn(t *testing.T, dir string, opts ...serverOption) *testServer {
	t.Helper()
	signer, err := hostkeys.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	logs := &sshdtest.LogBuffer{}
	logger := log.New(logs)
	set := setup{
		Config: sshd.Config{HostKey: signer, Logger: logger},
		Chat:   Config{Logger: logger, JoinCommand: "ssh -p 1998 127.0.0.1", Mouse: true},
		Hub: chat.Options{MessageRate: 1e9, MessageBurst: 1 << 30,
			Audit: func(msg string, kv ...any) { logger.Info(msg, kv...) }, Logger: logger},
	}
	for _, o := range opts {
		o(&set)
	}
	hub, err := chat.NewHub(set.Hub)
	if err != nil {
		t.Fatal(err)
	}
	chatCfg := set.Chat
	chatCfg.Hub = hub
	handler, err := New(chatCfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := set.Config
	cfg.Handler, cfg.Bans = handler, handler
	srv, err := sshd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln6, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatalf("IPv6 loopback: %v", err)
	}
	ts := &testServer{t: t, srv: srv, handler: handler, hub: hub, addr: ln.Addr().String(), addr6: ln6.Addr().String(), dataDir: dir,
		hostKey: signer.PublicKey(), logs: logs, served: make(chan error, 2)}
	go func() { ts.served <- srv.Serve(ln) }()
	go func() { ts.served <- srv.Serve(ln6) }()
	t.Cleanup(ts.stop)
	return ts
}

// stop closes the server and waits for both Serves to return. It is safe
// to call more than once.
func (ts *testServer) stop() {
	_ = ts.srv.Close()
	if ts.served != nil {
		for i := 0; i < 2; i++ {
			if err := <-ts.served; err != nil {
				ts.t.Errorf("Serve: %v", err)
			}
		}
		ts.served = nil
	}
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

// client is one person: an x/crypto/ssh client with a PTY whose output
// feeds a terminal emulator, so tests assert on what the person would see.
type client struct {
	t    *testing.T
	name string
	key  gossh.Signer

	tcp   net.Conn
	conn  *gossh.Client
	sess  *gossh.Session
	stdin io.WriteCloser
	emu   *vt.SafeEmulator

	inMu     sync.Mutex // serialises writes to stdin
	entered  time.Time  // when the last write ending in Enter went; guarded by inMu
	outPumps sync.WaitGroup
	changed  chan struct{}
	gate     chan struct{} // closed while output is being read
	gateMu   sync.Mutex
	pumps    sync.WaitGroup
	closed   bool
	exitErr  chan error

	rawMu sync.Mutex
	raw   bytes.Buffer // the first rawLimit bytes the server sent
}

const rawLimit = 1 << 20

type clientOptions struct {
	key           gossh.Signer
	keyless       bool
	width, height int
	noPty         bool
	command       string
	term          string
	env           map[string]string
	addr          string  // where to connect; the server's IPv4 address if empty
	passphrase    *string // answer to the passphrase prompt
	banner        *string // receives the banners the server sends
}

type clientOption func(*clientOptions)

func withKey(k gossh.Signer) clientOption { return func(o *clientOptions) { o.key = k } }
func keyless() clientOption               { return func(o *clientOptions) { o.keyless = true } }
func withSize(w, h int) clientOption {
	return func(o *clientOptions) { o.width, o.height = w, h }
}
func withoutPty() clientOption          { return func(o *clientOptions) { o.noPty = true } }
func withCommand(c string) clientOption { return func(o *clientOptions) { o.command = c } }
func withTerm(term string) clientOption { return func(o *clientOptions) { o.term = term } }
func via(addr string) clientOption      { return func(o *clientOptions) { o.addr = addr } }
func withPassphrase(p string) clientOption {
	return func(o *clientOptions) { o.passphrase = &p }
}
func withEnv(k, v string) clientOption {
	return func(o *clientOptions) {
		if o.env == nil {
			o.env = map[string]string{}
		}
		o.env[k] = v
	}
}

func newKey(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dialSSH opens an authenticated ssh connection as user.
// The methods are tried as OpenSSH tries them: the key, if any, then
// keyboard-interactive, answering a passphrase prompt if given one.
func (ts *testServer) dialSSH(user string, o clientOptions) (net.Conn, *gossh.Client, error) {
	cfg := &gossh.ClientConfig{
		User:            user,
		HostKeyCallback: gossh.FixedHostKey(ts.hostKey),
		Timeout:         waitTimeout,
	}
	if o.banner != nil {
		cfg.BannerCallback = func(msg string) error { *o.banner += msg; return nil }
	}
	if !o.keyless && o.key != nil {
		cfg.Auth = append(cfg.Auth, gossh.PublicKeys(o.key))
	}
	cfg.Auth = append(cfg.Auth, gossh.KeyboardInteractive(
		func(_, _ string, questions []string, _ []bool) ([]string, error) {
			if len(questions) == 0 {
				return nil, nil
			}
			if o.passphrase == nil {
				return nil, errors.New("the server asked a question this client cannot answer")
			}
			return []string{*o.passphrase}, nil
		}))
	addr := o.addr
	if addr == "" {
		addr = ts.addr
	}
	tcp, err := net.DialTimeout("tcp", addr, waitTimeout)
	if err != nil {
		return nil, nil, err
	}
	c, chans, reqs, err := gossh.NewClientConn(tcp, addr, cfg)
	if err != nil {
		_ = tcp.Close()
		return nil, nil, err
	}
	return tcp, gossh.NewClient(c, chans, reqs), nil
}

// connect opens an authenticated connection with a new key and no
// session, for tests that open sessions and channels by hand. It is
// closed when the test ends.
func (ts *testServer) connect(user string) *gossh.Client {
	ts.t.Helper()
	_, conn, err := ts.dialSSH(user, clientOptions{key: newKey(ts.t)})
	if err != nil {
		ts.t.Fatalf("connect %s: %v", user, err)
	}
	ts.t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// dial connects a new client and starts its shell.
func (ts *testServer) dial(user string, opts ...clientOption) *client {
	ts.t.Helper()
	o := clientOptions{width: 100, height: 30, term: "xterm-256color"}
	for _, f := range opts {
		f(&o)
	}
	if o.key == nil && !o.keyless {
		o.key = newKey(ts.t)
	}
	tcp, conn, err := ts.dialSSH(user, o)
	if err != nil {
		ts.t.Fatalf("dial %s: %v", user, err)
	}
	sess, err := conn.NewSession()
	if err != nil {
		ts.t.Fatalf("%s: new session: %v", user, err)
	}
	return ts.start(user, tcp, conn, sess, o)
}

// attach starts the shell of a session opened on an existing connection,
// with the default terminal.
func (ts *testServer) attach(user string, sess *gossh.Session) *client {
	ts.t.Helper()
	return ts.start(user, nil, nil, sess, clientOptions{width: 100, height: 30, term: "xterm-256color"})
}

// start asks for the session's environment and terminal, starts its shell
// or command, and feeds its output to an emulated terminal. The client
// owns tcp and conn when they are given.
func (ts *testServer) start(user string, tcp net.Conn, conn *gossh.Client, sess *gossh.Session, o clientOptions) *client {
	ts.t.Helper()
	c := &client{t: ts.t, name: user, key: o.key, tcp: tcp, conn: conn, sess: sess,
		emu: vt.NewSafeEmulator(o.width, o.height), changed: make(chan struct{}, 1),
		gate: make(chan struct{}), exitErr: make(chan error, 1)}
	close(c.gate) // reading; freeze stops it
	ts.t.Cleanup(c.close)
	for k, v := range o.env {
		if err := c.sess.Setenv(k, v); err != nil {
			ts.t.Fatalf("%s: setenv %s: %v", user, k, err)
		}
	}
	if !o.noPty {
		if err := c.sess.RequestPty(o.term, o.height, o.width, gossh.TerminalModes{}); err != nil {
			ts.t.Fatalf("%s: pty: %v", user, err)
		}
	}
	c.stdin, _ = c.sess.StdinPipe()
	stdout, _ := c.sess.StdoutPipe()
	stderr, _ := c.sess.StderrPipe()
	c.pumps.Add(3)
	c.outPumps.Add(2)
	go c.pumpOutput(stdout)
	go c.pumpOutput(stderr)
	go c.pumpAnswers()
	var err error
	if o.command != "" {
		err = c.sess.Start(o.command)
	} else {
		err = c.sess.Shell()
	}
	if err != nil {
		ts.t.Fatalf("%s: start: %v", user, err)
	}
	go func() { c.exitErr <- c.sess.Wait() }()
	return c
}

// pumpOutput feeds the server's output to the emulator, waiting while the
// client is frozen (a terminal that stopped reading).
func (c *client) pumpOutput(r io.Reader) {
	defer c.pumps.Done()
	defer c.outPumps.Done()
	buf := make([]byte, 32*1024)
	for {
		c.gateMu.Lock()
		gate := c.gate
		c.gateMu.Unlock()
		<-gate
		n, err := r.Read(buf)
		if n > 0 {
			c.rawMu.Lock()
			if c.raw.Len() < rawLimit {
				c.raw.Write(buf[:n])
			}
			c.rawMu.Unlock()
			_, _ = c.emu.Write(buf[:n])
			select {
			case c.changed <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// pumpAnswers sends the emulator's replies to terminal queries back to the
// server, as a real terminal would.
func (c *client) pumpAnswers() {
	defer c.pumps.Done()
	buf := make([]byte, 1024)
	for {
		n, err := c.emu.Read(buf)
		if n > 0 {
			c.send(string(buf[:n]))
		}
		if err != nil {
			return
		}
	}
}

func (c *client) freeze() {
	c.gateMu.Lock()
	defer c.gateMu.Unlock()
	c.gate = make(chan struct{})
}

func (c *client) thaw() {
	c.gateMu.Lock()
	defer c.gateMu.Unlock()
	select {
	case <-c.gate:
	default:
		close(c.gate)
	}
}

// send writes raw bytes, as keys typed or pasted.
//
// What follows an Enter goes at least typingGap after it. That is not a
// wait for the server but the pace of the input itself: a person's next key
// never follows Enter within milliseconds, and the server takes lines that
// do for a paste from a terminal without bracketed paste (pasteBurst).
// Tests that mean to paste that way write the burst in one send.
func (c *client) send(s string) {
	c.inMu.Lock()
	defer c.inMu.Unlock()
	if wait := typingGap - time.Since(c.entered); wait > 0 {
		time.Sleep(wait)
	}
	if c.stdin != nil {
		_, _ = io.WriteString(c.stdin, s)
	}
	if strings.HasSuffix(s, "\r") {
		c.entered = time.Now()
	}
}

// typingGap is the least time a test's typist leaves after Enter: three
// times the pause that ends a burst, so that a server busy enough to read
// two lines together still does not see three in one burst.
const typingGap = 3 * sshd.BurstGap

// say types a line and presses Enter.
func (c *client) say(line string) { c.send(line + "\r") }

// openPanel shows the side panel (F2, as xterm sends it) if it is not on
// screen, and waits for it.
func (c *client) openPanel() {
	c.t.Helper()
	if !strings.Contains(c.screen(), "│ Rooms") {
		c.send("\x1bOQ")
	}
	c.waitText("│ Rooms")
}

// paste sends text as a bracketed paste.
func (c *client) paste(text string) { c.send(ansi.BracketedPasteStart + text + ansi.BracketedPasteEnd) }

// Keys as a terminal sends them.
const (
	keyUp    = "\x1b[A"
	keyDown  = "\x1b[B"
	keyLeft  = "\x1b[D"
	keyHome  = "\x1b[H"
	keyEnd   = "\x1b[F"
	keyPgUp  = "\x1b[5~"
	keyPgDn  = "\x1b[6~"
	keyDel   = "\x1b[3~"
	keyTab   = "\t"
	keyBack  = "\x7f"
	keyCtrlC = "\x03"
	keyCtrlW = "\x17"
)

// rawOutput is what the server sent, escape sequences included.
func (c *client) rawOutput() string {
	c.rawMu.Lock()
	defer c.rawMu.Unlock()
	return c.raw.String()
}

// screen is what the person sees now, without colours, each row's
// trailing spaces trimmed.
func (c *client) screen() string {
	return strings.Join(c.lines(), "\n")
}

// lines is the screen as rows with trailing spaces trimmed.
func (c *client) lines() []string {
	rows := strings.Split(ansi.Strip(c.emu.Render()), "\n")
	for i, r := range rows {
		rows[i] = strings.TrimRight(r, " ")
	}
	return rows
}

// waitFor waits until cond holds for the screen, waking on each output.
func (c *client) waitFor(what string, cond func(screen string) bool) {
	c.t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		s := c.screen()
		if cond(s) {
			return
		}
		select {
		case <-c.changed:
		case <-timer.C:
			c.t.Fatalf("%s: timed out waiting for %s; screen:\n%s", c.name, what, s)
		}
	}
}

// retry does act, then waits a moment for cond to hold for the screen, and
// again until it does: for a condition that act may need repeating for,
// such as clearing an input that still takes keys sent before.
func (c *client) retry(what string, act func(), cond func(screen string) bool) {
	c.t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		act()
		again := time.NewTimer(time.Second)
		for !cond(c.screen()) {
			select {
			case <-c.changed:
				continue
			case <-again.C:
			case <-deadline.C:
				c.t.Fatalf("%s: timed out waiting for %s; screen:\n%s", c.name, what, c.screen())
			}
			break
		}
		again.Stop()
		if cond(c.screen()) {
			return
		}
	}
}

// waitText waits until the screen shows every one of texts.
func (c *client) waitText(texts ...string) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("%q", texts), func(s string) bool {
		for _, t := range texts {
			if !strings.Contains(s, t) {
				return false
			}
		}
		return true
	})
}

// inputRow is the last row of the screen, where the input line is.
func (c *client) inputRow() string {
	rows := c.lines()
	return rows[len(rows)-1]
}

// waitGone waits until the screen no longer shows text.
func (c *client) waitGone(text string) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("%q to disappear", text), func(s string) bool { return !strings.Contains(s, text) })
}

// resize changes the client's terminal size, as dragging a window does.
func (c *client) resize(w, h int) {
	c.t.Helper()
	c.emu.Resize(w, h)
	if err := c.sess.WindowChange(h, w); err != nil {
		c.t.Fatalf("%s: window change: %v", c.name, err)
	}
}

// claimSize tells the server the terminal has a size it does not have,
// as a hostile or broken client might; the local emulator keeps its size.
func (c *client) claimSize(w, h int) {
	c.t.Helper()
	if err := c.sess.WindowChange(h, w); err != nil {
		c.t.Fatalf("%s: window change: %v", c.name, err)
	}
}

// quitAndWait quits the session as a person does, with how: a command
// said ("/quit") or keys sent (keyCtrlC), and waits for it to end with exit
// status 0.
func (c *client) quitAndWait(how string) {
	c.t.Helper()
	if strings.HasPrefix(how, "/") {
		c.say(how)
	} else {
		c.send(how)
	}
	if err := c.waitExit(); exitStatus(err) != 0 {
		c.t.Fatalf("%s's session after %q: %v", c.name, how, err)
	}
}

// waitExit waits for the session to end, and for everything it printed to
// reach the screen, and returns its exit error.
func (c *client) waitExit() error {
	c.t.Helper()
	select {
	case err := <-c.exitErr:
		c.exitErr <- err
		drained := make(chan struct{})
		go func() { c.outPumps.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(waitTimeout):
			c.t.Fatalf("%s: output did not end after the session did", c.name)
		}
		return err
	case <-time.After(waitTimeout):
		c.t.Fatalf("%s: session did not end; screen:\n%s", c.name, c.screen())
		return nil
	}
}

// drop kills the TCP connection with a reset, as a vanished client does.
func (c *client) drop() {
	if tcp, ok := c.tcp.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	c.close()
}

// close ends the client and waits for its goroutines.
func (c *client) close() {
	c.inMu.Lock()
	if c.closed {
		c.inMu.Unlock()
		return
	}
	c.closed = true
	c.stdin = nil
	c.inMu.Unlock()
	if c.tcp != nil {
		_ = c.tcp.Close()
		_ = c.conn.Close()
	} else {
		_ = c.sess.Close()
	}
	c.thaw()
	// Unblock pumpAnswers; Emulator.Close would race with its reads.
	if pw, ok := c.emu.InputPipe().(io.Closer); ok {
		_ = pw.Close()
	}
	c.pumps.Wait()
}

// exitStatus returns the status the server sent, or -1.
func exitStatus(err error) int {
	var exit *gossh.ExitError
	if errors.As(err, &exit) {
		return exit.ExitStatus()
	}
	if err == nil {
		return 0
	}
	return -1
}
