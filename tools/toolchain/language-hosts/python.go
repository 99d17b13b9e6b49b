// A minimal Pulumi language host for Python programs, written for building from Go modules:
// it serves the LanguageRuntime gRPC interface and runs a program through the SDK's
// pulumi-language-python-exec script, with the configuration in PULUMI_CONFIG and
// PULUMI_CONFIG_SECRET_KEYS. It does not report the program's plugins, install dependencies,
// run type checkers or generate code.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const languageName = "python"

const execScript = "pulumi-language-python-exec"

func (h *host) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	python, _ := interpreter(req.GetInfo())
	resp := &pulumirpc.AboutResponse{Executable: python}
	if out, err := exec.Command(python, "--version").Output(); err == nil {
		resp.Version = strings.TrimPrefix(strings.TrimSpace(string(out)), "Python ")
	}
	return resp, nil
}

// interpreter picks the Python to run: the "virtualenv" option's (relative to the project's
// root), else $PULUMI_PYTHON_CMD, else python3. The second result is the virtualenv, if any.
func interpreter(info *pulumirpc.ProgramInfo) (string, string) {
	if info != nil {
		if venv, ok := info.GetOptions().AsMap()["virtualenv"].(string); ok && venv != "" {
			if !filepath.IsAbs(venv) {
				venv = filepath.Join(info.GetRootDirectory(), venv)
			}
			return filepath.Join(venv, "bin", "python"), venv
		}
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return cmd, ""
	}
	return "python3", ""
}

// findExecScript looks for the exec script next to this executable, then on PATH.
func findExecScript() (string, error) {
	if self, err := os.Executable(); err == nil {
		candidate := filepath.Join(filepath.Dir(self), execScript)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
	}
	return exec.LookPath(execScript)
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return &pulumirpc.RunResponse{Error: "the run request has no program information"}, nil
	}
	script, err := findExecScript()
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not find %s: %v", execScript, err)}, nil
	}
	python, venv := interpreter(info)

	args := []string{"-u", script}
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engineAddress)
	flagArg("project", req.GetProject())
	flagArg("root_directory", info.GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", info.GetProgramDirectory())
	flagArg("dry_run", strconv.FormatBool(req.GetDryRun()))
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	flagArg("tracing", h.tracing)
	flagArg("organization", req.GetOrganization())
	args = append(args, info.GetEntryPoint())
	args = append(args, req.GetArgs()...)

	env := os.Environ()
	if venv != "" {
		env = append(env, "VIRTUAL_ENV="+venv,
			"PATH="+filepath.Join(venv, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	if cfg := req.GetConfig(); cfg != nil {
		cfgJSON, err := json.Marshal(cfg)
		if err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
		env = append(env, "PULUMI_CONFIG="+string(cfgJSON))
	}
	if keys := req.GetConfigSecretKeys(); keys != nil {
		keysJSON, err := json.Marshal(keys)
		if err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
		env = append(env, "PULUMI_CONFIG_SECRET_KEYS="+string(keysJSON))
	}

	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = env
	cmd.Dir = info.GetProgramDirectory()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterUserActionableMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s: %v", python, err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}
