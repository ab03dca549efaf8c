package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// --pprof is off by default, and takes only a loopback address: profiles
// show what the server holds.
func TestPprofFlagTakesLoopbackOnly(t *testing.T) {
	if o, err := parseFlags([]string{"--data", "x"}, io.Discard); err != nil || o.pprof != "" {
		t.Fatalf("default: %q, %v", o.pprof, err)
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060"} {
		if _, err := parseFlags([]string{"--data", "x", "--pprof", addr}, io.Discard); err != nil {
			t.Errorf("--pprof %s: %v", addr, err)
		}
	}
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.168.1.2:6060", "127.0.0.1"} {
		if _, err := parseFlags([]string{"--data", "x", "--pprof", addr}, io.Discard); err == nil {
			t.Errorf("--pprof %s was accepted", addr)
		}
	}
}

func TestPprofServesProfiles(t *testing.T) {
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--pprof", "127.0.0.1:0")
	line := d.stderr.waitFor(t, "serving profiles")
	_, url, _ := strings.Cut(line, "url=")
	resp, err := http.Get(strings.TrimSpace(url) + "mutex?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "mutex") {
		t.Fatalf("GET %smutex: %s\n%s", url, resp.Status, body)
	}
}
