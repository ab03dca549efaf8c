package loadtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/log/v2"
	"github.com/charmbracelet/x/vt"
	"github.com/google/pprof/profile"
	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/hostkeys"
	"github.com/chatroom/chatroom/sshchat"
	"github.com/chatroom/chatroom/sshd"
	"github.com/chatroom/chatroom/store/sqlite"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitTimeout bounds every wait on a condition; a passing run never gets
// near it.
const waitTimeout = 30 * time.Second

// TestLoad runs the benchmark's code with a few clients and lines, so that
// CI keeps the harness working: every line must reach every other client's
// screen. It asserts no timings.
func TestLoad(t *testing.T) {
	w := workload{clients: 5, senders: 2, lines: 3, rate: 20, deadline: waitTimeout, width: 80, height: 24}
	res := run(t, w)
	if len(res.missing) > 0 {
		t.Fatalf("%d of %d lines never reached a screen, among them: %s", res.expected-len(res.latencies), res.expected,
			strings.Join(res.missing, "; "))
	}
	if len(res.latencies) != res.expected || res.expected != w.senders*w.lines*(w.clients-1) {
		t.Fatalf("%d deliveries counted, %d expected", len(res.latencies), res.expected)
	}
	for i, n := range res.rxBytes {
		if n == 0 {
			t.Errorf("client %d got no bytes while the lines were sent", i)
		}
	}
}

// BenchmarkLoad is versus' workload W in one process: 10 senders type 20
// lines each at 0.9 a second to a room of N clients (80x24). An op is a
// whole run with a fresh server; run it with -benchtime 1x. Its metrics:
//
//   - delivery-p50-ms, delivery-p99-ms: from a sender's write to the line
//     on a receiver's emulated screen, over every (line, receiver) pair;
//     delivered-%: the pairs that arrived within 10 s of the last line;
//   - rss-KiB/session, heap-KiB/session: growth of the process's RSS and of
//     the live Go heap after a GC, from before the clients connected to
//     when all of them were in, per client. Clients and server share the
//     process: the emulated screens are made before the first measure, but
//     the client's half of each ssh connection (its goroutines and buffers)
//     is counted;
//   - rx-B/receiver, rx-B/line: what the server sent each receiver while
//     the lines were sent (median over receivers), and that per line
//     shown: counted as the client reads it, so the server's output alone;
//   - server-cpu-s, client-cpu-s, other-cpu-s: CPU from the first line to
//     the last delivery, split by a CPU profile whose samples carry a label
//     (pprof.Do) that every server goroutine inherits from Serve and every
//     client goroutine from the benchmark; other is what carries neither
//     (the garbage collector's workers, timers). server-cpu-us/delivery
//     divides the server's by the pairs delivered. Not reported when a CPU
//     profile is already being taken (-cpuprofile).
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{50, 200} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			w := workload{clients: n, senders: 10, lines: 20, rate: 0.9, settle: time.Second,
				deadline: 10 * time.Second, width: 80, height: 24}
			var all []result
			for i := 0; i < b.N; i++ {
				all = append(all, run(b, w))
			}
			report(b, all)
		})
	}
}

// workload is what a run does.
type workload struct {
	clients  int           // every client is a receiver
	senders  int           // the first senders clients also type lines
	lines    int           // lines per sender
	rate     float64       // lines a second per sender
	settle   time.Duration // pause once everyone is in, before the first line
	deadline time.Duration // how long deliveries are awaited after the last line
	width    int
	height   int
}

// result is what a run measured.
type result struct {
	expected  int             // (line, receiver) pairs
	latencies []time.Duration // one per pair delivered
	missing   []string        // the first few pairs not delivered
	rxBytes   []int64         // per client, while the lines were sent
	rxLines   []int           // per client, the lines it should have shown

	rssKnown       bool    // the platform tells the RSS
	rssPerSession  float64 // bytes
	heapPerSession float64

	cpuKnown                       bool
	serverCPU, clientCPU, otherCPU time.Duration
}

// Every typed line is a marker, then padding to the 33 characters of
// chatload's lines. The probe, typed once everyone is in, is sender 0's
// line probeSeq.
const (
	markerPrefix = "LD-"
	markerLen    = len("LD-0000-00000")
	padding      = " the quick brown fox"
	probeSeq     = 99999
)

func marker(sender, seq int) string { return fmt.Sprintf("LD-%04d-%05d", sender, seq) }

// run starts a server, connects the clients, waits until everyone sees the
// probe, has the senders type their lines and waits for them on every
// screen, then takes everything down.
func run(tb testing.TB, w workload) result {
	tb.Helper()
	if w.clients > 10 && runtime.GOOS != "linux" {
		// The room allows 30 joins an address; only Linux routes the
		// rest of 127.0.0.0/8 to spread the clients over.
		tb.Skip("more than 10 clients needs a source address each in 127.0.0.0/8, which only Linux has")
	}
	srv := startServer(tb)
	defer srv.stop(tb)

	// Goroutines started from here on are the clients'; the server's are
	// labelled in startServer. The CPU profile tells them apart.
	defer pprof.SetGoroutineLabels(context.Background())
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("side", "client")))

	// The clients' screens are made before memory is first measured, so
	// that what a session costs does not count them.
	screens := make([]*vt.Emulator, w.clients)
	for i := range screens {
		screens[i] = vt.NewEmulator(w.width, w.height)
		// Markers are looked for on screen only; the default 10,000-line
		// scrollback costs a copy of itself per scrolled line once full.
		screens[i].SetScrollbackSize(1)
	}
	rssBefore, heapBefore := memory()

	clients := connect(tb, srv, w, screens)
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	waitSessions(tb, srv.srv, w.clients)
	// A session counts before its person is in the room; its nick on its
	// screen says it is. Everyone must be in before the probe, or the
	// probe could scroll off the screen of someone joining late.
	for _, c := range clients {
		select {
		case <-c.joined:
		case <-time.After(waitTimeout):
			c.close() // its screen is read once its output has stopped
			tb.Fatalf("client %d never showed its nick; screen:\n%s", c.id, c.screen())
		}
	}

	// The probe: once every screen shows it, every view is live.
	clients[0].typeLine(marker(0, probeSeq) + padding)
	for _, c := range clients {
		select {
		case <-c.probeSeen:
		case <-time.After(waitTimeout):
			c.close() // its screen is read once its output has stopped
			tb.Fatalf("client %d never showed the probe; screen:\n%s", c.id, c.screen())
		}
	}
	rssConnected, heapConnected := memory()
	res := result{heapPerSession: float64(heapConnected-heapBefore) / float64(w.clients)}
	if res.rssKnown = rssBefore >= 0 && rssConnected >= 0; res.rssKnown {
		res.rssPerSession = float64(rssConnected-rssBefore) / float64(w.clients)
	}
	if w.settle > 0 {
		time.Sleep(w.settle) // let the joins' redraws pass, as chatload does
	}

	var prof bytes.Buffer
	profiling := pprof.StartCPUProfile(&prof) == nil
	rxStart := make([]int64, len(clients))
	for i, c := range clients {
		rxStart[i] = c.rx.Load()
	}
	sent := typeLines(clients[:w.senders], w)
	waited, cancel := context.WithTimeout(context.Background(), w.deadline)
	defer cancel()
	for _, c := range clients {
		select {
		case <-c.allSeen:
		case <-waited.Done():
		}
	}
	if profiling {
		pprof.StopCPUProfile()
		res.cpuKnown = true
		var err error
		if res.serverCPU, res.clientCPU, res.otherCPU, err = cpuBySide(&prof); err != nil {
			tb.Fatal(err)
		}
	}
	for i, c := range clients {
		res.rxBytes = append(res.rxBytes, c.rx.Load()-rxStart[i])
	}

	// What each client saw is read once its output has stopped.
	for _, c := range clients {
		c.close()
	}
	for _, r := range clients {
		lines := 0
		for s := range w.senders {
			if s == r.id {
				continue
			}
			for q := range w.lines {
				lines++
				res.expected++
				if at := r.seen[s*w.lines+q]; !at.IsZero() {
					res.latencies = append(res.latencies, at.Sub(sent[s][q]))
				} else if len(res.missing) < 10 {
					res.missing = append(res.missing, fmt.Sprintf("%s on client %d", marker(s, q), r.id))
				}
			}
		}
		res.rxLines = append(res.rxLines, lines)
	}
	return res
}

// report turns the runs' results into benchmark metrics.
func report(b *testing.B, all []result) {
	var lat []time.Duration
	var rxPerReceiver, rxPerLine, rss, heap []float64
	expected := 0
	var server, client, other time.Duration
	cpuRuns := 0
	for _, r := range all {
		lat = append(lat, r.latencies...)
		expected += r.expected
		for i, n := range r.rxBytes {
			rxPerReceiver = append(rxPerReceiver, float64(n))
			if r.rxLines[i] > 0 {
				rxPerLine = append(rxPerLine, float64(n)/float64(r.rxLines[i]))
			}
		}
		if r.rssKnown {
			rss = append(rss, r.rssPerSession)
		}
		heap = append(heap, r.heapPerSession)
		if r.cpuKnown {
			cpuRuns++
			server += r.serverCPU
			client += r.clientCPU
			other += r.otherCPU
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(ms(percentile(lat, 0.50)), "delivery-p50-ms")
		b.ReportMetric(ms(percentile(lat, 0.99)), "delivery-p99-ms")
	}
	b.ReportMetric(100*float64(len(lat))/float64(max(expected, 1)), "delivered-%")
	if len(rss) > 0 {
		b.ReportMetric(median(rss)/1024, "rss-KiB/session")
	}
	b.ReportMetric(median(heap)/1024, "heap-KiB/session")
	b.ReportMetric(median(rxPerReceiver), "rx-B/receiver")
	b.ReportMetric(median(rxPerLine), "rx-B/line")
	if cpuRuns > 0 {
		n := float64(cpuRuns)
		b.ReportMetric(server.Seconds()/n, "server-cpu-s")
		b.ReportMetric(client.Seconds()/n, "client-cpu-s")
		b.ReportMetric(other.Seconds()/n, "other-cpu-s")
		if len(lat) > 0 && cpuRuns == len(all) {
			b.ReportMetric(float64(server.Microseconds())/float64(len(lat)), "server-cpu-us/delivery")
		}
	} else {
		b.Log("no CPU figures: a CPU profile was already being taken")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile of sorted, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// memory returns the process's RSS (-1 where /proc does not tell) and the
// Go heap that is live, after a collection that also gives the memory it
// freed back to the system: otherwise what an earlier run freed would be
// reused unseen, and RSS would grow by less than a session costs.
func memory() (rss, heap int64) {
	debug.FreeOSMemory()
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	heap = int64(live[0].Value.Uint64())
	rss = -1
	if statm, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(statm)); len(f) > 1 {
			if pages, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				rss = pages * int64(os.Getpagesize())
			}
		}
	}
	return rss, heap
}

// cpuBySide adds up a CPU profile's samples by their "side" label.
func cpuBySide(prof *bytes.Buffer) (server, client, other time.Duration, err error) {
	p, err := profile.Parse(prof)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("read the CPU profile: %w", err)
	}
	cpu := slices.IndexFunc(p.SampleType, func(t *profile.ValueType) bool { return t.Type == "cpu" })
	if cpu < 0 {
		return 0, 0, 0, fmt.Errorf("the CPU profile has no cpu samples: %v", p.SampleType)
	}
	for _, s := range p.Sample {
		d := time.Duration(s.Value[cpu])
		switch side := s.Label["side"]; {
		case slices.Contains(side, "server"):
			server += d
		case slices.Contains(side, "client"):
			client += d
		default:
			other += d
		}
	}
	return server, client, other, nil
}

// server is the daemon as cmd/chatroom wires it, with the default limits.
type server struct {
	srv     *sshd.Server
	db      *sqlite.DB
	addr    string
	hostKey gossh.PublicKey
	served  chan error
}

func startServer(tb testing.TB) *server {
	tb.Helper()
	dir := tb.TempDir()
	key, err := hostkeys.Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(dir, sqlite.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &server{db: db, addr: ln.Addr().String(), hostKey: key.PublicKey(), served: make(chan error, 1)}
	logger := log.New(io.Discard)
	pprof.Do(context.Background(), pprof.Labels("side", "server"), func(context.Context) {
		hub, err := chat.NewHub(chat.Options{Store: db, History: db, Logger: logger})
		if err != nil {
			tb.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(s.addr)
		handler, err := sshchat.New(sshchat.Config{Hub: hub, Logger: logger, JoinCommand: "ssh -p " + port + " 127.0.0.1"})
		if err != nil {
			tb.Fatal(err)
		}
		s.srv, err = sshd.New(sshd.Config{Handler: handler, Bans: handler, HostKey: key, Logger: logger})
		if err != nil {
			tb.Fatal(err)
		}
		go func() { s.served <- s.srv.Serve(ln) }()
	})
	return s
}

func (s *server) stop(tb testing.TB) {
	if err := s.srv.Close(); err != nil {
		tb.Errorf("close the server: %v", err)
	}
	if err := <-s.served; err != nil {
		tb.Errorf("serve: %v", err)
	}
	if err := s.db.Close(); err != nil {
		tb.Errorf("close the database: %v", err)
	}
}

// waitSessions waits until the server has n sessions.
func waitSessions(tb testing.TB, srv *sshd.Server, n int) {
	tb.Helper()
	timeout := time.After(waitTimeout)
	for {
		changed := srv.SessionsChanged()
		if srv.Sessions() == n {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			tb.Fatalf("%d sessions open, %d expected", srv.Sessions(), n)
		}
	}
}

// client is one person: an ssh session with a PTY whose output feeds an
// emulated screen, scanned for markers after every read.
type client struct {
	id     int
	w      workload
	tcp    net.Conn
	conn   *gossh.Client
	sess   *gossh.Session
	emu    *vt.Emulator
	inMu   sync.Mutex // typed lines and the terminal's answers
	stdin  io.WriteCloser
	closed bool
	pumps  sync.WaitGroup
	rx     atomic.Int64

	// Written by the output pump only; read after close.
	seen      []time.Time // when each sender's line q first showed, at s*lines+q
	seenCount int
	expect    int
	row       []byte
	nick      []byte
	joined    chan struct{} // closed when its nick shows
	probeSeen chan struct{} // closed when the probe shows
	allSeen   chan struct{} // closed when every line it expects has shown
}

// connect dials every client, 16 handshakes at a time as chatload does,
// each from its own address in 127.0.0.0/8 on Linux: the room allows an
// address 30 joins.
func connect(tb testing.TB, srv *server, w workload, screens []*vt.Emulator) []*client {
	tb.Helper()
	clients := make([]*client, w.clients)
	errs := make([]error, w.clients)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			clients[i], errs[i] = dial(srv, w, i, screens[i])
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			for _, c := range clients {
				if c != nil {
					c.close()
				}
			}
			tb.Fatalf("client %d: %v", i, err)
		}
	}
	return clients
}

func dial(srv *server, w workload, id int, screen *vt.Emulator) (*client, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: waitTimeout}
	if runtime.GOOS == "linux" {
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 1, byte(id/250), byte(id%250+1))}
	}
	tcp, err := d.Dial("tcp", srv.addr)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	user := fmt.Sprintf("u%04d", id)
	cfg := &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.FixedHostKey(srv.hostKey), Timeout: waitTimeout}
	cc, chans, reqs, err := gossh.NewClientConn(tcp, srv.addr, cfg)
	if err != nil {
		_ = tcp.Close()
		return nil, fmt.Errorf("ssh handshake: %w", err)
	}
	conn := gossh.NewClient(cc, chans, reqs)
	c := &client{id: id, w: w, tcp: tcp, conn: conn, emu: screen,
		seen: make([]time.Time, w.senders*w.lines), row: make([]byte, 0, w.width),
		nick: []byte(user), joined: make(chan struct{}), probeSeen: make(chan struct{}), allSeen: make(chan struct{})}
	c.expect = w.senders * w.lines
	if id < w.senders {
		c.expect -= w.lines // its own lines are not counted
	}
	fail := func(what string, err error) (*client, error) {
		_ = conn.Close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if c.sess, err = conn.NewSession(); err != nil {
		return fail("new session", err)
	}
	if err := c.sess.RequestPty("xterm-256color", w.height, w.width, gossh.TerminalModes{}); err != nil {
		return fail("pty", err)
	}
	if c.stdin, err = c.sess.StdinPipe(); err != nil {
		return fail("stdin", err)
	}
	stdout, err := c.sess.StdoutPipe()
	if err != nil {
		return fail("stdout", err)
	}
	if err := c.sess.Shell(); err != nil {
		return fail("shell", err)
	}
	c.pumps.Add(2)
	go c.pumpOutput(stdout)
	go c.pumpAnswers()
	return c, nil
}

// pumpOutput feeds the server's output to the screen and notes the markers
// each read brought onto it.
func (c *client) pumpOutput(r io.Reader) {
	defer c.pumps.Done()
	buf := make([]byte, 8<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			at := time.Now()
			c.rx.Add(int64(n))
			_, _ = c.emu.Write(buf[:n])
			c.scan(at)
		}
		if err != nil {
			return
		}
	}
}

// pumpAnswers sends the screen's answers to terminal queries back to the
// server, as a real terminal does.
func (c *client) pumpAnswers() {
	defer c.pumps.Done()
	buf := make([]byte, 1024)
	for {
		n, err := c.emu.Read(buf)
		if n > 0 {
			c.send(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// scan looks for markers on the screen and records those seen for the
// first time at at, and, until it shows, for the client's nick.
func (c *client) scan(at time.Time) {
	for y := 0; y < c.w.height; y++ {
		c.row = c.row[:0]
		for x := 0; x < c.w.width; x++ {
			if cell := c.emu.CellAt(x, y); cell != nil && len(cell.Content) == 1 {
				c.row = append(c.row, cell.Content[0])
			} else {
				c.row = append(c.row, ' ')
			}
		}
		if c.nick != nil && bytes.Contains(c.row, c.nick) {
			close(c.joined)
			c.nick = nil
		}
		for rest := c.row; ; {
			i := bytes.Index(rest, []byte(markerPrefix))
			if i < 0 || len(rest)-i < markerLen {
				break
			}
			if s, q, ok := parseMarker(rest[i : i+markerLen]); ok {
				c.saw(s, q, at)
			}
			rest = rest[i+len(markerPrefix):]
		}
	}
}

func (c *client) saw(sender, seq int, at time.Time) {
	if sender == 0 && seq == probeSeq {
		select {
		case <-c.probeSeen:
		default:
			close(c.probeSeen)
		}
		return
	}
	if sender >= c.w.senders || seq >= c.w.lines || sender == c.id {
		return
	}
	if i := sender*c.w.lines + seq; c.seen[i].IsZero() {
		c.seen[i] = at
		if c.seenCount++; c.seenCount == c.expect {
			close(c.allSeen)
		}
	}
}

// parseMarker reads "LD-SSSS-QQQQQ".
func parseMarker(m []byte) (sender, seq int, ok bool) {
	if m[7] != '-' {
		return 0, 0, false
	}
	s, err1 := strconv.Atoi(string(m[3:7]))
	q, err2 := strconv.Atoi(string(m[8:13]))
	return s, q, err1 == nil && err2 == nil
}

func (c *client) send(p []byte) {
	c.inMu.Lock()
	defer c.inMu.Unlock()
	if !c.closed {
		_, _ = c.stdin.Write(p)
	}
}

// typeLine types text and Enter in one write, as chatload does.
func (c *client) typeLine(text string) { c.send([]byte(text + "\r")) }

// typeLines has each sender type its lines at w.rate, the senders
// staggered evenly, on a schedule that does not drift. It returns when
// each line was written.
func typeLines(senders []*client, w workload) [][]time.Time {
	sent := make([][]time.Time, len(senders))
	every := time.Duration(float64(time.Second) / w.rate)
	start := time.Now()
	var wg sync.WaitGroup
	for s, c := range senders {
		sent[s] = make([]time.Time, w.lines)
		wg.Add(1)
		go func() {
			defer wg.Done()
			offset := every * time.Duration(s) / time.Duration(len(senders))
			for q := range w.lines {
				time.Sleep(time.Until(start.Add(offset + every*time.Duration(q))))
				sent[s][q] = time.Now()
				c.typeLine(marker(s, q) + padding)
			}
		}()
	}
	wg.Wait()
	return sent
}

// screen is what the client's screen shows, for failure messages; it is
// read after close.
func (c *client) screen() string { return c.emu.String() }

// close ends the client and waits for its goroutines. It is safe to call
// more than once.
func (c *client) close() {
	c.inMu.Lock()
	if c.closed {
		c.inMu.Unlock()
		return
	}
	c.closed = true
	c.inMu.Unlock()
	_ = c.conn.Close()
	_ = c.tcp.Close()
	// Unblocks pumpAnswers; Emulator.Close would race with its reads.
	if pw, ok := c.emu.InputPipe().(io.Closer); ok {
		_ = pw.Close()
	}
	c.pumps.Wait()
}
