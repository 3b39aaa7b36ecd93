package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// runPlugin serves LanguageRuntime.RunPlugin for a Node.js policy pack: it runs
// @pulumi/pulumi/cmd/run-policy-pack (usage "RUN <engine-address> <program>") in the pack's folder and streams its
// stdout (the port line the engine waits for), stderr and exit code as RunPluginResponse messages.
func runPlugin(stream grpc.ServerStream) error {
	in := new(frame)
	if err := stream.RecvMsg(in); err != nil {
		return err
	}
	var req pulumirpc.RunPluginRequest
	if err := proto.Unmarshal(*in, &req); err != nil {
		return err
	}
	packDir := programDirectory(&req)
	runner, err := findUp(packDir, filepath.Join("node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"))
	if err != nil {
		return err
	}
	cmd := exec.Command("node", append(append([]string{runner}, req.GetArgs()...), ".")...)
	cmd.Dir = packDir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return err
	}
	var sendLock sync.Mutex
	send := func(resp *pulumirpc.RunPluginResponse) error {
		bytes, err := proto.Marshal(resp)
		if err != nil {
			return err
		}
		sendLock.Lock()
		defer sendLock.Unlock()
		out := frame(bytes)
		return stream.SendMsg(&out)
	}
	var pumps sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer pumps.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				_ = send(wrap(append([]byte(nil), buf[:n]...)))
			}
			if err != nil {
				return
			}
		}
	}
	pumps.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	// The engine cancels the call to stop the pack (plugin.go: Kill → cancel the RunPlugin context).
	go func() {
		<-stream.Context().Done()
		_ = cmd.Process.Kill()
	}()
	pumps.Wait()
	code := 0
	if err := cmd.Wait(); err != nil {
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else {
			return err
		}
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// findUp returns dir/rel or the first ancestor's, the way node resolves a bare module name.
func findUp(dir, rel string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, rel)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("Cannot find module '@pulumi/pulumi/cmd/run-policy-pack' from %s: run npm install", abs)
		}
	}
}

// programDirectory is the pack's folder. The v3.248 engine sends it only in RunPluginRequest.info (field 5, a
// ProgramInfo whose field 2 is program_directory; `program` is deprecated and left empty: sdk v3.248
// proto/go/language.pb.go RunPluginRequest). The v3.68 types predate `info`, so it arrives as unknown fields.
func programDirectory(req *pulumirpc.RunPluginRequest) string {
	if req.GetProgram() != "" {
		return req.GetProgram()
	}
	info := fieldBytes(req.ProtoReflect().GetUnknown(), 5)
	return string(fieldBytes(info, 2))
}

// fieldBytes returns the last length-delimited field `num` of an encoded message, or nil.
func fieldBytes(msg []byte, num protowire.Number) []byte {
	var found []byte
	for len(msg) > 0 {
		n, typ, tagLen := protowire.ConsumeTag(msg)
		if tagLen < 0 {
			return found
		}
		msg = msg[tagLen:]
		valueLen := protowire.ConsumeFieldValue(n, typ, msg)
		if valueLen < 0 {
			return found
		}
		if n == num && typ == protowire.BytesType {
			found, _ = protowire.ConsumeBytes(msg)
		}
		msg = msg[valueLen:]
	}
	return found
}
