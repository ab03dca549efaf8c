// Package limit holds rate limits kept per key (a key fingerprint, an
// address), for rules that must hold across sessions and connections: a
// new session of the same key or from the same address does not start with
// a fresh allowance.
package limit

import (
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// minSweep is how many entries a Keyed holds before it first looks for
// ones to forget.
const minSweep = 1024

// Keyed is a token bucket per key, made on first use: Burst at once, then
// one more every Every. Its memory stays bounded by how many keys were
// active within the time a bucket takes to refill: a bucket that has
// refilled holds no state, so it is forgotten once many are held.
type Keyed struct {
	every time.Duration
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	sweepAt int // sweep when len(buckets) reaches this
}

// NewKeyed returns a Keyed allowing burst at once, then one every every,
// per key.
func NewKeyed(every time.Duration, burst int) *Keyed {
	return &Keyed{every: every, burst: burst, buckets: map[string]*rate.Limiter{}, sweepAt: minSweep}
}

// Len is how many keys k holds a bucket for.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

// bucket returns key's bucket, making it if needed.
func (k *Keyed) bucket(key string, now time.Time) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	if b, ok := k.buckets[key]; ok {
		return b
	}
	if len(k.buckets) >= k.sweepAt {
		for key, b := range k.buckets {
			if b.TokensAt(now) >= float64(b.Burst()) {
				delete(k.buckets, key)
			}
		}
		// Sweep again only once as many again are held, so that a flood
		// of keys costs amortised O(1) per key.
		k.sweepAt = max(minSweep, 2*len(k.buckets))
	}
	b := rate.NewLimiter(rate.Every(k.every), k.burst)
	k.buckets[key] = b
	return b
}

// Allow takes one token of key's bucket at now. When there is none, it
// takes nothing and says how long until there is.
func (k *Keyed) Allow(key string, now time.Time) (wait time.Duration, ok bool) {
	return AllowAll(now, Take{k, key})
}

// Take names one bucket: a Keyed and a key. A Take with no Keyed or an
// empty key is no limit.
type Take struct {
	Limits *Keyed
	Key    string
}

// AllowAll takes one token from each bucket named, or, if any of them has
// none, from none of them, and says how long until all of them will have
// one: an act that counts against several allowances (a key's and its
// address's) is refused by any, and then costs none.
func AllowAll(now time.Time, takes ...Take) (wait time.Duration, ok bool) {
	var reserved [4]*rate.Reservation
	res := reserved[:0]
	for _, t := range takes {
		if t.Limits == nil || t.Key == "" {
			continue
		}
		r := t.Limits.bucket(t.Key, now).ReserveN(now, 1)
		res = append(res, r)
		if !r.OK() {
			wait = max(wait, time.Duration(1<<62))
			continue
		}
		wait = max(wait, r.DelayFrom(now))
	}
	if wait == 0 {
		return 0, true
	}
	for _, r := range res {
		r.CancelAt(now)
	}
	return wait, false
}

// AddrGroup is the unit per-address rules count by, for a host address
// without its port: an IPv4 address, or an IPv6 /64, which one subscriber
// usually holds whole and could otherwise hop across at will. The ssh
// door's connection limits and the chat's join and room limits count by
// the same unit.
func AddrGroup(host string) string {
	ip := net.ParseIP(host)
	if ip == nil || ip.To4() != nil {
		return host
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}
