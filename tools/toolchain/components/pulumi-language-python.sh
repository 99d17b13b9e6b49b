# shellcheck shell=bash
# pulumi-language-python: the module proxy serves no version of Pulumi's own Python language
# host (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3, a module of its own
# that the sdk/v3 module leaves out), so this recipe builds a minimal language host written here
# against github.com/pulumi/pulumi/sdk/v3 at the CLI's release. Like Pulumi's host it runs
# programs through the pulumi-language-python-exec script, which the sdk/v3 module does carry
# (python/cmd/) and which is installed next to the host. Python is the "virtualenv" runtime
# option's interpreter when set, else python3 on PATH (or $PULUMI_PYTHON_CMD). Left out: plugin
# discovery (put the plugins on PATH and set PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true),
# dependency installation, type checkers, uv/poetry toolchains, code generation and debugging.

component_version() { echo "$PULUMI_VERSION"; }

component_build() {
    local out=$1 sdk_dir
    sdk_dir=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    [[ -f $sdk_dir/go.mod ]] || die "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION: not served by the module proxy"
    [[ -f $sdk_dir/python/cmd/pulumi-language-python-exec ]] || die "sdk/v3@$PULUMI_VERSION has no python/cmd/pulumi-language-python-exec"
    {
        echo "module local/pulumi-language-python-build"
        grep -E '^go ' "$sdk_dir/go.mod"
        echo "require github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION"
    } >go.mod
    cat >main.go <<'GO'
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
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The exec script exits with this code when it has already shown the user what went wrong.
const exitAfterUserActionableMessage = 32

const execScript = "pulumi-language-python-exec"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
}

func main() {
	tracing := flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	showVersion := flag.Bool("version", false, "Print the plugin version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}

	h := &host{tracing: *tracing}
	if flag.NArg() > 0 {
		h.engineAddress = flag.Arg(0)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if h.engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, h.engineAddress, 5*time.Minute, cancel); err != nil {
			fail(fmt.Errorf("could not start the engine health check: %w", err))
		}
	}
	stop := make(chan bool)
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fail(fmt.Errorf("could not start the language host: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail(fmt.Errorf("the language host stopped serving: %w", err))
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

func (h *host) Handshake(context.Context, *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// The program's plugins are not reported: the engine starts a provider when a resource needs it.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *host) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	python, _ := interpreter(req.GetInfo())
	resp := &pulumirpc.AboutResponse{Executable: python}
	if out, err := exec.Command(python, "--version").Output(); err == nil {
		resp.Version = strings.TrimPrefix(strings.TrimSpace(string(out)), "Python ")
	}
	return resp, nil
}

// Dependencies are installed with pip by the user; there is nothing to do here.
func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest,
	grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
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
GO
    log "pulumi-language-python: resolving modules"
    go mod tidy || die "the language host module does not resolve"
    log "pulumi-language-python: go build pulumi-language-python"
    CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
        -o "$out/bin/pulumi-language-python" .
    install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$out/bin/pulumi-language-python-exec"
}
