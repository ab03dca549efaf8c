package sshchat

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// A client that closes its session but keeps the connection (an OpenSSH
// ControlMaster after the user's ssh exits) leaves the room at once and
// leaves nothing running.
func TestSessionClosedConnectionKept(t *testing.T) {
	clock := newClock()
	ts := startServer(t, withClock(clock))
	bob := ts.dial("bob")
	alice := ts.dial("alice")
	bob.waitText("2 online")
	if err := alice.sess.Close(); err != nil {
		t.Fatal(err)
	}
	bob.waitLeave(clock, "← alice left (quit)")
	ts.waitSessions(1)
	ts.waitLog("nick=alice reason=quit")
}

// A connection that opens no session is closed after a while; one with a
// session is not.
func TestSessionlessConnectionsAreClosed(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.SessionlessTimeout = 300 * time.Millisecond })
	bob := ts.dial("bob")
	tcp, conn, err := ts.dialSSH("idler", clientOptions{key: newKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	closed := make(chan error, 1)
	go func() { closed <- conn.Wait() }()
	select {
	case <-closed:
	case <-time.After(waitTimeout):
		t.Fatal("a connection without a session stayed open")
	}
	bob.say("still here")
	bob.waitText("<you> still here")
}

// A client whose network silently dies (no FIN, no RST: a pulled cable, a
// closed laptop) is noticed by the keepalive and leaves the room.
func TestDeadPeerIsNoticedByKeepalive(t *testing.T) {
	clock := newClock()
	ts := startServer(t, withClock(clock), func(c *setup) { c.KeepaliveInterval = 200 * time.Millisecond })
	bob := ts.dial("bob")
	px := startProxy(t, ts.addr)
	ghost := ts.dialVia(px.addr(), "ghost")
	ghost.waitText("Welcome to chatroom!")
	bob.waitText("→ ghost joined")
	px.freeze()
	bob.waitLeave(clock, "← ghost left (timed out: no answer to keepalive)")
	ts.waitSessions(1)
}

// An endless bracketed paste costs the server no more than the input can
// hold, and the session goes on working.
func TestHugePasteIsCapped(t *testing.T) {
	ts := startServer(t)
	bob := ts.dial("bob")
	paster := ts.dial("paster")
	bob.waitText("2 online")
	chunk := strings.Repeat("A", 32*1024)
	paster.send(ansi.BracketedPasteStart)
	for i := 0; i < 256; i++ { // 8 MiB
		paster.send(chunk)
	}
	paster.send(ansi.BracketedPasteEnd)
	paster.waitFor("the paste in the input", func(string) bool { return strings.HasSuffix(paster.inputRow(), "AAAAAAAA") })
	paster.send(keyCtrlC) // clears the input
	paster.waitFor("an empty input", func(string) bool { return !strings.Contains(paster.inputRow(), "AAAA") })
	paster.say("small after all")
	bob.waitText("<paster> small after all")
}

// proxy is a TCP relay between a client and the server that can stop
// relaying, as a network that silently drops everything would.
type proxy struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu     sync.Mutex
	frozen chan struct{} // closed while relaying
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, ln: ln, target: target, frozen: make(chan struct{})}
	close(p.frozen)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.relay(c, s)
		go p.relay(s, c)
	}
}

func (p *proxy) relay(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		gate := p.frozen
		p.mu.Unlock()
		<-gate
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				dst.Close()
			}
			return
		}
	}
}

// freeze stops relaying in both directions; nothing is closed.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = make(chan struct{})
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	select {
	case <-p.frozen:
	default:
		close(p.frozen)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// dialVia connects a client through addr instead of straight to the server.
func (ts *testServer) dialVia(addr, user string) *client {
	ts.t.Helper()
	return ts.dial(user, via(addr))
}

// Times follow the time zone the client sends; one the server does not know
// is explained rather than ignored.
func TestClientTimeZone(t *testing.T) {
	ts := startServer(t)
	kolkata := ts.dial("kolkata", withEnv("TZ", "Asia/Kolkata"))
	unknown := ts.dial("unknown", withEnv("TZ", "Not/AZone"))
	unknown.waitText(`Unknown time zone "Not/AZone" in TZ; times are in the server's zone.`)
	kolkata.waitOwnLineInIndia("what time is it?")
}

// waitOwnLineInIndia says line and waits for it to show stamped with the
// time in India, UTC+5:30, whose minutes differ from the server's by 30.
func (c *client) waitOwnLineInIndia(line string) {
	c.t.Helper()
	ist := time.FixedZone("IST", 5*3600+1800)
	before := time.Now().In(ist).Format("15:04")
	c.say(line)
	c.waitFor("the time in India", func(s string) bool {
		after := time.Now().In(ist).Format("15:04") // the minute may turn meanwhile
		return strings.Contains(s, before+" <you> "+line) || strings.Contains(s, after+" <you> "+line)
	})
}

// liveHeap is the heap the process holds after a collection: what the
// server (and the test's clients, a constant) keep.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// A terminal as large as a client may claim costs the server a few
// hundred KiB for its screen, not megabytes of cell buffers: the server
// keeps a frame as its rows of text.
func TestHugeTerminalsCostLittle(t *testing.T) {
	ts := startServer(t)
	const n = 8
	var clients []*client
	for i := 0; i < n; i++ {
		c := ts.dial(fmt.Sprintf("wide%d", i))
		c.waitText("Welcome to chatroom!")
		clients = append(clients, c)
	}
	before := liveHeap()
	for _, c := range clients {
		c.claimSize(maxWidth, maxHeight)
	}
	// Every screen is drawn at the claimed size: the status rule, as wide
	// as the claim, wraps over several rows of the client's real width.
	for _, c := range clients {
		c.waitFor("the screen redrawn at the claimed size", func(s string) bool {
			return strings.Count(s, strings.Repeat("─", 100)) >= 2
		})
	}
	per := (int64(liveHeap()) - int64(before)) / n
	t.Logf("%dx%d: %d KiB more per session", maxWidth, maxHeight, per>>10)
	if per > 2<<20 {
		t.Fatalf("a %dx%d terminal costs %d KiB a session", maxWidth, maxHeight, per>>10)
	}
}
