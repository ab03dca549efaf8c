package sshd

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var limitsT0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// An address may open perMinute connections at once, then one more each
// 60s/perMinute; other addresses are not affected, and an IPv6 /64 counts
// as one address.
func TestAddrLimitsNewConnectionsPerMinute(t *testing.T) {
	l := newAddrLimits(100, 4)
	for i := range 4 {
		c, refusal, _ := l.open(fmt.Sprintf("2001:db8::%d", i+1), limitsT0)
		defer c.release()
		if refusal != "" {
			t.Fatalf("connection %d of the allowance refused: %s", i, refusal)
		}
	}
	c, refusal, _ := l.open("2001:db8::99", limitsT0)
	defer c.release()
	if !strings.Contains(refusal, "too many new connections from your address (the limit is 4 a minute)") {
		t.Fatalf("the fifth connection in a minute from one /64: refusal %q", refusal)
	}
	c, refusal, _ = l.open("10.0.0.1", limitsT0)
	defer c.release()
	if refusal != "" {
		t.Fatalf("another address was refused: %s", refusal)
	}
	c, refusal, _ = l.open("2001:db8::5", limitsT0.Add(15*time.Second))
	defer c.release()
	if refusal != "" {
		t.Fatalf("no new connection allowed after 60s/4: %s", refusal)
	}
}

// Connections in use are counted per address: maxConns may be active; the
// count is given back on release, once however often release is called;
// far beyond the limit a connection is not worth a handshake.
func TestAddrLimitsConnectionsInUse(t *testing.T) {
	l := newAddrLimits(2, 1000)
	var cs []*connCount
	for i := range 2 {
		c, _, _ := l.open("10.0.0.1", limitsT0)
		cs = append(cs, c)
		if r := c.activate(); r != "" {
			t.Fatalf("connection %d refused: %s", i, r)
		}
	}
	c, _, _ := l.open("10.0.0.1", limitsT0)
	if r := c.loginRefusal(); !strings.Contains(r, "too many connections from your address (2 in use; the limit is 2)") {
		t.Fatalf("login refusal for a third: %q", r)
	}
	if r := c.activate(); r == "" {
		t.Fatal("a third connection was let in")
	}
	cs[0].release()
	cs[0].release()
	if r := c.activate(); r != "" {
		t.Fatalf("a place given back is not usable: %s", r)
	}
	d, _, _ := l.open("10.0.0.1", limitsT0)
	if r := d.activate(); r == "" {
		t.Fatal("release counted twice")
	}
	var hopeless bool
	for range 3 * 2 {
		_, _, hopeless = l.open("10.0.0.1", limitsT0)
	}
	if !hopeless {
		t.Fatal("3×maxConns connections open, and still worth a handshake")
	}
}

// Ten wrong passphrases, then one each 30s.
func TestAddrLimitsPassphraseAttempts(t *testing.T) {
	l := newAddrLimits(10, 30)
	for i := range passphraseFailures {
		_, done := l.passphraseAttempt("10.0.0.1", limitsT0)
		if done == nil {
			t.Fatalf("attempt %d refused", i)
		}
		done(false, limitsT0)
	}
	wait, done := l.passphraseAttempt("10.0.0.1", limitsT0)
	if done != nil || wait != passphraseFailureEvery {
		t.Fatalf("after %d wrong: wait %s, refused %v", passphraseFailures, wait, done == nil)
	}
	if _, done := l.passphraseAttempt("10.0.0.2", limitsT0); done == nil {
		t.Fatal("another address was refused")
	}
	if _, done := l.passphraseAttempt("10.0.0.1", limitsT0.Add(passphraseFailureEvery)); done == nil {
		t.Fatal("no attempt allowed after 30s")
	}
}

// Right passphrases use up nothing: a person who logs in often from one
// address, answering after a while as people do, is never locked out.
func TestRightPassphrasesUseUpNoTries(t *testing.T) {
	l := newAddrLimits(10, 30)
	at := limitsT0
	for i := range 3 * passphraseFailures {
		_, done := l.passphraseAttempt("10.0.0.1", at)
		if done == nil {
			t.Fatalf("right answer %d refused", i)
		}
		at = at.Add(5 * time.Second) // typing the answer
		done(true, at)
	}
	// Tries in progress count: as many connections asking at once as
	// there are tries, then no more until one is answered.
	var dones []func(bool, time.Time)
	for range passphraseFailures {
		_, done := l.passphraseAttempt("10.0.0.2", at)
		if done == nil {
			t.Fatal("a try refused before the allowance was used")
		}
		dones = append(dones, done)
	}
	if _, done := l.passphraseAttempt("10.0.0.2", at); done != nil {
		t.Fatal("more tries in progress than the allowance")
	}
	dones[0](true, at)
	if _, done := l.passphraseAttempt("10.0.0.2", at); done == nil {
		t.Fatal("a right answer did not free its try")
	}
}

// Many addresses arriving within their minute, when none can be forgotten
// yet, are pruned a few times, not once for each new address: the cost of
// a new address stays constant, amortised.
func TestManyAddressesArePrunedRarely(t *testing.T) {
	l := newAddrLimits(10, 30)
	const n = 4 * pruneFloor
	for i := range n {
		if c, why, _ := l.open(fmt.Sprintf("10.%d.%d.1", i/256, i%256), limitsT0); c == nil {
			t.Fatalf("address %d refused: %s", i, why)
		}
	}
	if l.prunes > 3 {
		t.Fatalf("%d addresses pruned %d times", n, l.prunes)
	}
}
