package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"charm.land/log/v2"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/metrics"
)

// checkMetricsAddr checks a --metrics address is one to listen on. Unlike
// --pprof, any address is taken: a Prometheus on another host is the usual
// way to scrape. But the counts are served to whoever can connect, without
// a password, so an address off loopback gets a warning for the log.
func checkMetricsAddr(addr string) (warning string, err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--metrics %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return "", nil
	}
	return "--metrics " + addr + " is not on loopback: whoever can reach it reads the server's counts " +
		"(sessions, messages, refusals) and its health, without a password; firewall it, or give 127.0.0.1:PORT", nil
}

// serveMetrics serves m's /metrics and /healthz on addr until ctx ends.
// The returned channel closes once the server has stopped.
func serveMetrics(ctx context.Context, addr string, m *metrics.Metrics, hub *chat.Hub, logger *log.Logger) (<-chan struct{}, error) {
	if warning, err := checkMetricsAddr(addr); err != nil {
		return nil, err
	} else if warning != "" {
		logger.Warn(warning)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: m.Handler(hub.Health), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("metrics server stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	logger.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return done, nil
}
