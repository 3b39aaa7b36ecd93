// Command pulumi-language-nodejs fronts the pinned v3.68.0 Node.js language host for the v3.248 engine.
//
// Why: v3.68.0 is the newest Node.js host the Go module proxy here serves (see ../go.mod), and it answers
// RunPlugin with "not supported" (sdk v3.68.0 nodejs/cmd/pulumi-language-nodejs/main.go RunPlugin). The v3.248
// engine starts a Node.js policy pack through RunPlugin (sdk/v3 go/common/resource/plugin analyzer_plugin.go
// NewPolicyAnalyzer → newPlugin with a directory → LanguageRuntime.RunPlugin), so `pulumi preview --policy-pack`
// fails with that host. This front starts the real v3.68.0 host (built next to it as
// pulumi-language-nodejs-v3.68.0) and relays every gRPC call to it byte for byte, except RunPlugin, which it
// serves the way the engine's former `pulumi-analyzer-policy` script did: `node
// <pack>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <args...> .` in the pack's folder (node's module lookup
// walks up, so a pack inside the project uses the project's node_modules).
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

const runPluginMethod = "/pulumirpc.LanguageRuntime/RunPlugin"

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs (front): %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	realHost := filepath.Join(filepath.Dir(self), "pulumi-language-nodejs-v3.68.0")
	child := exec.Command(realHost, os.Args[1:]...)
	child.Stderr = os.Stderr
	childOut, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return fmt.Errorf("start %s: %w", realHost, err)
	}
	defer func() { _ = child.Process.Kill() }()
	// The host prints its port as the first line (main.go: fmt.Printf("%d\n", handle.Port)).
	line, err := bufio.NewReader(childOut).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read the real host's port: %w", err)
	}
	conn, err := grpc.Dial("127.0.0.1:"+strings.TrimSpace(line), grpc.WithInsecure(), grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		return err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(func(_ interface{}, stream grpc.ServerStream) error {
		method, _ := grpc.MethodFromServerStream(stream)
		if method == runPluginMethod {
			return runPlugin(stream)
		}
		return relay(conn, method, stream)
	}))
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	go func() {
		_ = child.Wait()
		server.Stop()
	}()
	return server.Serve(listener)
}

// relay forwards one call (any arity) to the real host and its answers back.
func relay(conn *grpc.ClientConn, method string, in grpc.ServerStream) error {
	ctx, cancel := context.WithCancel(in.Context())
	defer cancel()
	md, _ := metadata.FromIncomingContext(ctx)
	out, err := conn.NewStream(metadata.NewOutgoingContext(ctx, md), &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
	if err != nil {
		return err
	}
	upstreamDone := make(chan error, 1)
	go func() {
		for {
			frame := new(frame)
			if err := in.RecvMsg(frame); err != nil {
				if err == io.EOF {
					upstreamDone <- out.CloseSend()
				} else {
					upstreamDone <- err
				}
				return
			}
			if err := out.SendMsg(frame); err != nil {
				upstreamDone <- err
				return
			}
		}
	}()
	if header, err := out.Header(); err == nil {
		_ = in.SetHeader(header)
	}
	for {
		frame := new(frame)
		if err := out.RecvMsg(frame); err != nil {
			in.SetTrailer(out.Trailer())
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := in.SendMsg(frame); err != nil {
			return err
		}
	}
}
