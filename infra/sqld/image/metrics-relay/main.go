// Command sqld-metrics-relay lets Fly's Prometheus scraper read sqld's metrics without the admin key.
//
// sqld 0.24.32 serves GET /metrics only on its admin port and only with `Authorization: basic <admin key>`, and
// Fly's scraper sends no headers (fly.toml [metrics] has port, path, https and processes only: superfly/fly-go
// machine_types.go MachineMetrics). The relay runs beside sqld as sqld's own unprivileged user, listens on an
// IPv4 address only (Fly scrapes the machine on 0.0.0.0; the org's private network, 6PN, is IPv6), answers
// GET /metrics and nothing else, fetches sqld's /metrics on loopback with the key from its environment, and
// passes on only the libsql_server_*, bottomless_* and tokio_runtime_* families (filter.go). It never forwards a request,
// header or query of its caller: the one request it makes is fixed.
//
// Bounded: one scrape at a time (another gets 503), a deadline on the upstream call (504), a cap on the size
// of sqld's answer (502), server-side read/write deadlines, no proxy from the environment, no redirects.
// Standard library only, so `go build` works offline and the Dockerfile's build stage needs nothing else.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

const (
	metricsPath = "/metrics"
	// Exit code for a bad command line or environment (EX_USAGE), as the entrypoint's own refusals.
	usageExit = 64
)

type relay struct {
	upstream string // http://<loopback>:<port>/metrics
	key      string
	group    string
	maxBody  int64
	timeout  time.Duration
	client   *http.Client
	slots    chan struct{}
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("sqld-metrics-relay: ")
	listen := flag.String("listen", "", "IPv4 address:port to serve GET /metrics on (e.g. 0.0.0.0:9091)")
	admin := flag.String("admin", "", "sqld's --admin-listen-addr (e.g. [::]:9090); an unspecified host is dialled on loopback")
	maxBody := flag.Int64("max-body-bytes", 8<<20, "largest answer from sqld passed on; a larger one is a 502")
	timeout := flag.Duration("timeout", 5*time.Second, "deadline for sqld's answer (Fly scrapes every 15 s)")
	flag.Parse()

	upstream, err := upstreamURL(*admin)
	if err != nil {
		log.Printf("-admin: %v", err)
		os.Exit(usageExit)
	}
	if err := checkListen(*listen); err != nil {
		log.Printf("-listen: %v", err)
		os.Exit(usageExit)
	}
	key := os.Getenv("LIBSQL_ADMIN_AUTH_KEY")
	if key == "" {
		log.Print("LIBSQL_ADMIN_AUTH_KEY is empty: sqld's /metrics needs the admin key (a Fly secret set by the stack)")
		os.Exit(usageExit)
	}
	if *maxBody <= 0 || *timeout <= 0 {
		log.Print("-max-body-bytes and -timeout must be positive")
		os.Exit(usageExit)
	}
	group := os.Getenv("FLY_PROCESS_GROUP")
	if group != "" && !groupValueRe.MatchString(group) {
		log.Printf("FLY_PROCESS_GROUP %q is not a process group name; series go out without %s", group, groupLabel)
		group = ""
	}
	r := &relay{upstream: upstream, key: key, group: group, maxBody: *maxBody, timeout: *timeout, slots: make(chan struct{}, 1)}
	r.client = &http.Client{
		// Proxy nil: an HTTP(S)_PROXY in the machine's environment must never receive the admin key.
		Transport: &http.Transport{Proxy: nil, MaxIdleConns: 1, IdleConnTimeout: 30 * time.Second},
		// sqld never redirects /metrics; following one could carry the key elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	server := &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      *timeout + 10*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          log.Default(),
	}
	// The relay never exits on its own: sqld (the process the entrypoint execs) must not depend on it, and a
	// port briefly taken is retried rather than ending the relay for good.
	for delay := time.Second; ; delay = min(delay*2, 30*time.Second) {
		ln, err := net.Listen("tcp4", *listen)
		if err != nil {
			log.Printf("cannot listen on %s (%v); retrying in %s", *listen, err, delay)
			time.Sleep(delay)
			continue
		}
		log.Printf("serving GET %s on %s from sqld's admin API at %s", metricsPath, ln.Addr(), *admin)
		err = server.Serve(ln)
		log.Printf("server stopped (%v); restarting in %s", err, delay)
		time.Sleep(delay)
	}
}

// upstreamURL turns sqld's admin listen address into the URL the relay dials: a wildcard host (`[::]`, `0.0.0.0`)
// becomes the loopback address of the same family, so the key never leaves the machine.
func upstreamURL(admin string) (string, error) {
	host, port, err := net.SplitHostPort(admin)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port (%v)", admin, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q has no valid port", admin)
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return "", fmt.Errorf("%q: the host must be an IP literal, as sqld's own listen addresses are", admin)
	case ip.Equal(net.IPv6unspecified):
		host = "::1"
	case ip.Equal(net.IPv4zero):
		host = "127.0.0.1"
	case !ip.IsLoopback():
		return "", fmt.Errorf("%q: only a loopback or wildcard admin address is dialled (the key stays on the machine)", admin)
	}
	return "http://" + net.JoinHostPort(host, port) + metricsPath, nil
}

// checkListen accepts only IPv4 literals: a wildcard IPv6 socket would also answer on 6PN, where every app of the
// Fly organisation could read the tenants' namespace names.
func checkListen(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("%q is not host:port (%v)", listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || ip.To4() == nil || bytes.Contains([]byte(host), []byte(":")) {
		return fmt.Errorf("%q: must be an IPv4 literal (e.g. 0.0.0.0:9091), never reachable over 6PN", listen)
	}
	return nil
}

func (r *relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != metricsPath {
		http.Error(w, "not found: this port serves GET /metrics only", http.StatusNotFound)
		return
	}
	if req.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed: GET /metrics only", http.StatusMethodNotAllowed)
		return
	}
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	default:
		http.Error(w, "a scrape is already in progress", http.StatusServiceUnavailable)
		return
	}
	body, status, problem := r.fetch(req.Context())
	if problem != "" {
		log.Print(problem)
		http.Error(w, problem, status)
		return
	}
	out := filterExposition(body, r.group)
	// Belt and braces: sqld's metrics never hold the key; if they ever did, nothing goes out.
	if bytes.Contains(out, []byte(r.key)) {
		log.Print("refused to pass on sqld's metrics: they contain the admin key")
		http.Error(w, "refused: the metrics text contained a secret", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}

// fetch makes the one fixed request to sqld. On failure it returns the status for the caller and a message that
// names the cause and the fix but never the key.
func (r *relay) fetch(parent context.Context) ([]byte, int, string) {
	ctx, cancel := context.WithTimeout(parent, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.upstream, nil)
	if err != nil {
		return nil, http.StatusInternalServerError, "cannot build the request to sqld"
	}
	// sqld compares the literal key after `basic ` (the scheme is matched case-insensitively).
	req.Header.Set("Authorization", "basic "+r.key)
	resp, err := r.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, http.StatusGatewayTimeout, fmt.Sprintf("sqld's admin API at %s did not answer within %s", r.upstream, r.timeout)
		}
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err
		}
		return nil, http.StatusBadGateway, fmt.Sprintf("sqld's admin API at %s is unreachable: %v", r.upstream, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, http.StatusBadGateway, "sqld's admin API refused the key (401): LIBSQL_ADMIN_AUTH_KEY in the relay's environment is not sqld's admin key"
	case resp.StatusCode != http.StatusOK:
		return nil, http.StatusBadGateway, fmt.Sprintf("sqld's admin API answered %d to GET %s", resp.StatusCode, metricsPath)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBody+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, http.StatusGatewayTimeout, fmt.Sprintf("sqld's metrics did not arrive within %s", r.timeout)
		}
		return nil, http.StatusBadGateway, fmt.Sprintf("reading sqld's metrics failed: %v", err)
	}
	if int64(len(body)) > r.maxBody {
		return nil, http.StatusBadGateway, fmt.Sprintf("sqld's metrics exceed %d bytes (-max-body-bytes); not passed on", r.maxBody)
	}
	return body, http.StatusOK, ""
}
