package main

import "testing"

// Memory is given back after a quarter of the busiest number of sessions
// (and at least releaseMin) have left, not for every departure, and the
// count starts again from there.
func TestDeparturesWorthGivingMemoryBack(t *testing.T) {
	var d departures
	steps := []struct {
		sessions int
		release  bool
	}{
		{10, false}, {0, false}, // a few people come and go: not worth it
		{400, false}, {350, false}, {301, false}, {300, true}, // a quarter of 400 left
	}
	for i, s := range steps {
		if got := d.observe(s.sessions); got != s.release {
			t.Fatalf("step %d (%d sessions): release %v, want %v", i, s.sessions, got, s.release)
		}
	}
	d.released(300)
	if d.observe(290) {
		t.Fatal("released again after 10 more left")
	}
	if !d.observe(225) {
		t.Fatal("no release after a quarter of 300 left")
	}
}
