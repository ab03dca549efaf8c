package sshd

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/chatroom/chatroom/limit"
)

// addrLimits counts connections per source address: how many are in use,
// how many were opened lately, how many passphrases were wrong. Addresses
// are grouped as limit.AddrGroup says (an IPv6 /64 counts as one). Generous
// enough for a household behind one address reconnecting after trouble;
// tight enough that one address cannot crowd out everyone else.
type addrLimits struct {
	maxConns  int
	perMinute int

	mu    sync.Mutex
	addrs map[string]*addrState
	// pruneAt is the size the map may grow to before it is pruned again:
	// twice what was left after the last pruning, and at least
	// pruneFloor. Pruning at a fixed size scanned the whole map for every
	// new address while none could be forgotten yet (20,000 addresses
	// within their minute: 200 million steps).
	pruneAt int
	prunes  int // pruning passes, for tests
}

// pruneFloor is how many addresses are remembered before any is
// forgotten.
const pruneFloor = 10_000

type addrState struct {
	conns  int           // open TCP connections, logged in or not
	active int           // connections that have opened a session
	opens  *rate.Limiter // new connections
	fails  *rate.Limiter // wrong passphrases
	trying int           // passphrases asked for and not yet answered
}

const (
	passphraseFailures     = 10               // wrong passphrases an address may give in a row
	passphraseFailureEvery = 30 * time.Second // then one more per this
	// hopelessFactor: beyond this many times the limit of open
	// connections, new ones are dropped without a handshake.
	hopelessFactor = 3
)

func newAddrLimits(maxConns, perMinute int) *addrLimits {
	return &addrLimits{maxConns: maxConns, perMinute: perMinute, addrs: map[string]*addrState{}}
}

func (l *addrLimits) stateLocked(addr string, now time.Time) *addrState {
	group := limit.AddrGroup(addr)
	st, ok := l.addrs[group]
	if !ok {
		if len(l.addrs) >= max(l.pruneAt, pruneFloor) {
			l.pruneLocked(now)
			l.pruneAt = 2 * len(l.addrs)
		}
		st = &addrState{
			opens: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute),
			fails: rate.NewLimiter(rate.Every(passphraseFailureEvery), passphraseFailures),
		}
		l.addrs[group] = st
	}
	return st
}

// pruneLocked forgets addresses with nothing open and nothing to remember.
func (l *addrLimits) pruneLocked(now time.Time) {
	l.prunes++
	for a, st := range l.addrs {
		if st.conns == 0 && st.trying == 0 && st.opens.TokensAt(now) >= float64(l.perMinute) && st.fails.TokensAt(now) >= passphraseFailures {
			delete(l.addrs, a)
		}
	}
}

// connCount is one connection's place in its address's counts.
type connCount struct {
	l      *addrLimits
	st     *addrState
	once   sync.Once
	active bool
}

// open counts a new connection from addr. refusal, if not empty, is why it
// may not log in (RefusedNewConnsPerAddr); hopeless means it is so far over the limits that it is
// not worth a handshake. The count must be released when the connection
// closes.
func (l *addrLimits) open(addr string, now time.Time) (c *connCount, refusal string, hopeless bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stateLocked(addr, now)
	st.conns++
	if !st.opens.AllowN(now, 1) {
		refusal = fmt.Sprintf("too many new connections from your address (the limit is %d a minute); wait a moment and try again.", l.perMinute)
	}
	return &connCount{l: l, st: st}, refusal, st.conns > hopelessFactor*l.maxConns
}

// loginRefusal is why this connection may not log in because its address
// has as many connections in use as it may (RefusedConnsPerAddr), or "".
func (c *connCount) loginRefusal() string {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	if c.st.active >= c.l.maxConns {
		return fmt.Sprintf("too many connections from your address (%d in use; the limit is %d). Close some and try again.", c.st.active, c.l.maxConns)
	}
	return ""
}

// activate counts the connection as in use when it opens a session,
// unless its address has as many in use as it may; then it says why. Logins
// racing each other can all pass loginRefusal; this is the check that
// holds.
func (c *connCount) activate() string {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	if c.active {
		return ""
	}
	if c.st.active >= c.l.maxConns {
		return fmt.Sprintf("too many connections from your address (%d in use; the limit is %d)", c.st.active, c.l.maxConns)
	}
	c.active = true
	c.st.active++
	return ""
}

// release gives the connection's place back; it is safe to call twice.
func (c *connCount) release() {
	c.once.Do(func() {
		c.l.mu.Lock()
		defer c.l.mu.Unlock()
		c.st.conns--
		if c.active {
			c.st.active--
		}
	})
}

// passphraseAttempt asks addr's allowance of wrong passphrases for a try
// before asking. If none is left it says how long to wait. Otherwise done
// must be called with the outcome, and when: only a wrong answer uses up a
// try. Tries still being answered count against what is left, so that
// many connections asking at once get no more guesses than one.
//
// Not a reservation given back on a right answer: x/time/rate gives back
// nothing once a reservation's time has passed, and by the time a person
// has typed the answer it always has, so every right answer counted as a
// wrong one and ten logins locked the address out.
func (l *addrLimits) passphraseAttempt(addr string, now time.Time) (wait time.Duration, done func(right bool, at time.Time)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stateLocked(addr, now)
	// How long until this try and those in progress would all be allowed;
	// asked without spending anything.
	res := st.fails.ReserveN(now, st.trying+1)
	d := res.DelayFrom(now)
	res.CancelAt(now)
	if !res.OK() {
		d = passphraseFailureEvery * time.Duration(st.trying+1)
	}
	if d > 0 {
		return d, nil
	}
	st.trying++
	return 0, func(right bool, at time.Time) {
		l.mu.Lock()
		defer l.mu.Unlock()
		st.trying--
		if !right {
			st.fails.ReserveN(at, 1) // spent, even if that means waiting
		}
	}
}
