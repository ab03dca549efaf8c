package sshd

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// addrLimits counts connections per source address: how many are open, how
// many were opened lately, how many passphrases were wrong. Generous enough
// for a household behind one address reconnecting after trouble; tight
// enough that one address cannot crowd out everyone else.
type addrLimits struct {
	maxConns  int
	perMinute int

	mu    sync.Mutex
	addrs map[string]*addrState
}

type addrState struct {
	conns int
	opens *rate.Limiter // new connections
	fails *rate.Limiter // wrong passphrases
}

const (
	passphraseFailures     = 10               // wrong passphrases an address may give in a row
	passphraseFailureEvery = 30 * time.Second // then one more per this
)

func newAddrLimits(maxConns, perMinute int) *addrLimits {
	return &addrLimits{maxConns: maxConns, perMinute: perMinute, addrs: map[string]*addrState{}}
}

func (l *addrLimits) stateLocked(addr string, now time.Time) *addrState {
	st, ok := l.addrs[addr]
	if !ok {
		if len(l.addrs) > 10_000 {
			l.pruneLocked(now)
		}
		st = &addrState{
			opens: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute),
			fails: rate.NewLimiter(rate.Every(passphraseFailureEvery), passphraseFailures),
		}
		l.addrs[addr] = st
	}
	return st
}

// pruneLocked forgets addresses with nothing open and nothing to remember.
func (l *addrLimits) pruneLocked(now time.Time) {
	for a, st := range l.addrs {
		if st.conns == 0 && st.opens.TokensAt(now) >= float64(l.perMinute) && st.fails.TokensAt(now) >= passphraseFailures {
			delete(l.addrs, a)
		}
	}
}

// open counts a new connection from addr. refusal, if not empty, is why it
// may not log in; hopeless means it is so far over the limits that it is
// not worth a handshake. release must be called when the connection closes.
func (l *addrLimits) open(addr string, now time.Time) (refusal string, hopeless bool, release func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stateLocked(addr, now)
	st.conns++
	var once sync.Once
	release = func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			st.conns--
		})
	}
	switch {
	case st.conns > l.maxConns:
		refusal = fmt.Sprintf("too many connections from your address (%d open; the limit is %d). Close some and try again.", st.conns-1, l.maxConns)
	case !st.opens.AllowN(now, 1):
		refusal = fmt.Sprintf("too many new connections from your address (the limit is %d a minute); wait a moment and try again.", l.perMinute)
	}
	return refusal, st.conns > 3*l.maxConns, release
}

// failed records a wrong passphrase from addr.
func (l *addrLimits) failed(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stateLocked(addr, now).fails.AllowN(now, 1)
}

// failuresWait is how long addr must wait before trying a passphrase
// again; zero if it may now.
func (l *addrLimits) failuresWait(addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stateLocked(addr, now)
	if st.fails.TokensAt(now) >= 1 {
		return 0
	}
	r := st.fails.ReserveN(now, 1)
	defer r.CancelAt(now)
	return r.DelayFrom(now)
}
