// A minimal Pulumi language host for Node.js programs, written for building from Go modules:
// it serves the LanguageRuntime gRPC interface and runs a program the way the Node.js SDK
// expects to be started (node <sdk>/cmd/run --monitor ... --engine ... <entry point>), with
// the configuration in PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS. It does not report the
// program's plugins (set PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION and put the plugins on
// PATH), install dependencies, generate code or run policy packs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const languageName = "nodejs"

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	resp := &pulumirpc.AboutResponse{Executable: "node"}
	if node, err := exec.LookPath("node"); err == nil {
		resp.Executable = node
		if out, err := exec.Command(node, "--version").Output(); err == nil {
			resp.Version = strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
		}
	}
	return resp, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return &pulumirpc.RunResponse{Error: "the run request has no program information"}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not find node on the $PATH: %v", err)}, nil
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = "@pulumi/pulumi/cmd/run"
	}
	// Resolve the SDK's run script from the program's folder, as node's require would.
	resolve := exec.CommandContext(ctx, node, "-e",
		"process.stdout.write(require.resolve(process.argv[1], {paths: [process.argv[2]]}))",
		runPath, info.GetProgramDirectory())
	resolve.Dir = info.GetProgramDirectory()
	resolved, err := resolve.Output()
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(
			"could not find %s from %s (is @pulumi/pulumi installed? run npm install): %v",
			runPath, info.GetProgramDirectory(), err)}, nil
	}

	options := info.GetOptions().AsMap()
	var args []string
	if nodeargs, ok := options["nodeargs"].(string); ok {
		args = append(args, strings.Fields(nodeargs)...)
	}
	args = append(args, string(resolved))
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engineAddress)
	flagArg("organization", req.GetOrganization())
	flagArg("project", req.GetProject())
	flagArg("root-directory", info.GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	flagArg("tracing", h.tracing)
	args = append(args, info.GetEntryPoint())
	args = append(args, req.GetArgs()...)

	env := os.Environ()
	cfg, secretKeys, err := configEnv(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env = append(env, "PULUMI_CONFIG="+cfg, "PULUMI_CONFIG_SECRET_KEYS="+secretKeys)
	if ts, ok := options["typescript"].(bool); !ok || ts {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if tsconfig, ok := options["tsconfig"].(string); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = env
	cmd.Dir = info.GetProgramDirectory()
	// Node may make its stdout non-blocking; hand it a pipe rather than our own descriptor.
	cmd.Stdout = struct{ *os.File }{os.Stdout}
	cmd.Stderr = struct{ *os.File }{os.Stderr}
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterUserActionableMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// configEnv renders the configuration as the Node.js SDK reads it: a JSON object keyed by
// "<namespace>:config:<name>" (understood by every SDK version) and a JSON list of secret keys.
func configEnv(req *pulumirpc.RunRequest) (string, string, error) {
	cfg := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", "", err
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return "", "", err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return "", "", err
	}
	return string(cfgJSON), string(keysJSON), nil
}
