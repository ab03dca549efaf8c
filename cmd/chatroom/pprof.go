package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"

	"charm.land/log/v2"
)

// checkPprofAddr refuses a --pprof address that is not on loopback: a
// profile shows what the server holds, and the endpoints cost CPU on
// demand, so they are for the operator on the host only.
func checkPprofAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--pprof %q: give a loopback address, such as 127.0.0.1:6060; profiles are for the host's operator only", addr)
	}
	return nil
}

// mutexSample is how many contended lock events go to one recorded in the
// mutex profile, with --pprof on.
const mutexSample = 10

// servePprof serves net/http/pprof on addr until ctx ends. Its handlers
// are on a mux of its own, not http.DefaultServeMux, so nothing else
// registered there is exposed with them.
func servePprof(ctx context.Context, addr string, logger *log.Logger) (<-chan struct{}, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// Lock contention is what the profiles are most wanted for, and Go
	// records none unless asked: one contended lock event in mutexSample.
	runtime.SetMutexProfileFraction(mutexSample)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("pprof server stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	logger.Info("serving profiles", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return done, nil
}
