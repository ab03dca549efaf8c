package limit

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestKeyedAllowsABurstThenARate(t *testing.T) {
	k := NewKeyed(time.Minute, 3)
	for i := range 3 {
		if _, ok := k.Allow("a", t0); !ok {
			t.Fatalf("take %d of the burst refused", i)
		}
	}
	wait, ok := k.Allow("a", t0)
	if ok || wait != time.Minute {
		t.Fatalf("after the burst: ok %v, wait %s", ok, wait)
	}
	if _, ok := k.Allow("b", t0); !ok {
		t.Fatal("another key is limited too")
	}
	if _, ok := k.Allow("a", t0.Add(time.Minute)); !ok {
		t.Fatal("the bucket does not refill")
	}
	if _, ok := k.Allow("", t0); !ok {
		t.Fatal("the empty key is limited")
	}
}

// A refused AllowAll costs none of the buckets anything.
func TestAllowAllTakesFromAllOrNone(t *testing.T) {
	keys, addrs := NewKeyed(time.Minute, 3), NewKeyed(time.Minute, 5)
	for i := range 3 {
		if _, ok := AllowAll(t0, Take{keys, "k0"}, Take{addrs, "10.0.0.1"}, Take{nil, "x"}); !ok {
			t.Fatalf("take %d refused", i)
		}
	}
	for range 3 {
		if _, ok := AllowAll(t0, Take{keys, "k0"}, Take{addrs, "10.0.0.1"}); ok {
			t.Fatal("k0's spent bucket allowed one")
		}
	}
	// The refusals took nothing from the address: two more fit.
	for i := range 2 {
		if _, ok := AllowAll(t0, Take{keys, fmt.Sprint("new", i)}, Take{addrs, "10.0.0.1"}); !ok {
			t.Fatalf("the address's allowance was spent by refusals (take %d)", i)
		}
	}
	wait, ok := AllowAll(t0, Take{keys, "new9"}, Take{addrs, "10.0.0.1"})
	if ok || wait != time.Minute {
		t.Fatalf("the address's allowance spent: ok %v, wait %s", ok, wait)
	}
}

// Memory stays bounded by the keys still active: buckets that have refilled
// are forgotten.
func TestKeyedForgetsRefilledBuckets(t *testing.T) {
	k := NewKeyed(time.Second, 1)
	now := t0
	for i := range 100_000 {
		if i%1000 == 0 {
			now = now.Add(2 * time.Second) // the earlier ones have refilled
		}
		if _, ok := k.Allow(fmt.Sprint(i), now); !ok {
			t.Fatalf("key %d refused", i)
		}
	}
	if n := k.Len(); n > 4*minSweep {
		t.Fatalf("%d buckets held for at most 1,000 active keys", n)
	}
	// A key still active keeps its state through a sweep.
	if _, ok := k.Allow("99999", now); ok {
		t.Fatal("an active key's bucket was forgotten")
	}
}

func BenchmarkKeyedManyKeys(b *testing.B) {
	k := NewKeyed(time.Minute, 3)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		k.Allow(fmt.Sprint(i), t0)
	}
}

// An IPv4 address counts alone; IPv6 addresses count by their /64, which
// one subscriber holds whole; what is not an address counts as itself.
func TestAddrGroup(t *testing.T) {
	for _, tc := range []struct{ host, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"::ffff:192.0.2.7", "::ffff:192.0.2.7"},
		{"unknown", "unknown"},
	} {
		if got := AddrGroup(tc.host); got != tc.want {
			t.Errorf("AddrGroup(%q) = %q, want %q", tc.host, got, tc.want)
		}
	}
}
