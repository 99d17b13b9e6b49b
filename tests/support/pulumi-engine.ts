// The real Pulumi engine (toolchain cache) against the local cluster: its environment, the
// requirement check, kubectl, and stacks whose config lives in a temporary file so that tests
// never change a committed Pulumi.<stack>.yaml.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, OutputMap, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

export const REPO = path.resolve(__dirname, "../..");

/**
 * The offline engine environment of tools/pulumi-env.sh (the one place that defines it), with
 * its state under `pulumiDir`: PATH with the cache's pulumi, hosts, plugins, Node 22 and kubectl.
 */
export function engineEnv(pulumiDir: string): NodeJS.ProcessEnv {
    const result = spawnSync("bash", ["-c", 'source "$1" >&2 && env -0', "pulumi-env", path.join(REPO, "tools/pulumi-env.sh")], {
        env: { ...process.env, KR_PULUMI_DIR: pulumiDir, PULUMI_BACKEND_URL: `file://${pulumiDir}/state` },
        encoding: "utf8",
    });
    if (result.status !== 0) {
        throw new Error(`tools/pulumi-env.sh failed: ${result.stderr.trim()}`);
    }
    return Object.fromEntries(
        result.stdout
            .split("\0")
            .filter((line) => line.includes("="))
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
}

/**
 * Skips the suite, loudly, without the toolchain cache's engine or a running local cluster (or
 * root, which `volume-dir` needs); fails instead when CI is set. Returns the environment.
 */
export function requireEngineAndCluster(context: Mocha.Context, pulumiDir: string): NodeJS.ProcessEnv | undefined {
    let problem: string | undefined;
    let env: NodeJS.ProcessEnv | undefined;
    try {
        env = engineEnv(pulumiDir);
        if (process.getuid?.() !== 0) {
            problem = "needs root (tools/cluster/cluster.sh volume-dir enters a node's mount namespace)";
        } else if (!env.KUBECONFIG || spawnSync("kubectl", ["get", "--raw", "/readyz"], { env, encoding: "utf8" }).status !== 0) {
            problem = "the local cluster is not running (tools/cluster/cluster.sh up)";
        }
    } catch (error) {
        problem = `${(error as Error).message} (tools/toolchain/build.sh builds the cache)`;
    }
    if (problem === undefined) {
        return env;
    }
    if (process.env.CI) {
        throw new Error(problem);
    }
    console.warn(`\n  !!! SKIPPED "${context.test?.parent?.title}": ${problem}\n`);
    context.skip();
}

export function kubectl(env: NodeJS.ProcessEnv, args: string[], input?: string): string {
    return execFileSync("kubectl", args, { env, encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

/** kubectl that returns the error text instead of throwing. */
export function kubectlResult(env: NodeJS.ProcessEnv, args: string[]): { status: number; stdout: string; stderr: string } {
    const result = spawnSync("kubectl", args, { env, encoding: "utf8" });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function kubeGet(env: NodeJS.ProcessEnv, kind: string, name: string, namespace?: string): any | undefined {
    const result = kubectlResult(env, ["get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json"]);
    return result.status === 0 ? JSON.parse(result.stdout) : undefined;
}

/** The directory of a static local PersistentVolume, made inside the node (tools/cluster). */
export function volumeDir(node: string, dir: string): void {
    execFileSync(path.join(REPO, "tools/cluster/cluster.sh"), ["volume-dir", node, dir], { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * A stack of the project in `workDir` on the file backend of `env`, whose config is a copy of
 * `Pulumi.<stack>.yaml` (if any) in a temporary file: `stack init` writes the encryption salt
 * into the project's file, which is then put back as it was.
 */
export class TestStack {
    readonly configFile: string;
    private constructor(
        readonly stack: Stack,
        readonly workDir: string,
        readonly env: NodeJS.ProcessEnv,
        readonly tmp: string,
        private readonly original: string | undefined,
    ) {
        this.configFile = path.join(tmp, `Pulumi.${stack.name}.yaml`);
    }

    /**
     * Puts the project's Pulumi.<stack>.yaml back as it was: a command without --config-file
     * (stack output, stack export) writes the stack's encryption salt into it.
     */
    restoreCommitted(): void {
        const committed = path.join(this.workDir, `Pulumi.${this.stack.name}.yaml`);
        if (this.original === undefined) {
            fs.rmSync(committed, { force: true });
        } else if (!fs.existsSync(committed) || fs.readFileSync(committed, "utf8") !== this.original) {
            fs.writeFileSync(committed, this.original);
        }
    }

    async outputs(): Promise<OutputMap> {
        try {
            return await this.stack.outputs();
        } finally {
            this.restoreCommitted();
        }
    }

    /** The state as stored, secrets encrypted (the Automation API's exportStack decrypts them). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    exportRaw(): any {
        return JSON.parse(this.cli(["stack", "export"], { config: false }));
    }

    /** The state with secrets decrypted. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async exportDecrypted(): Promise<any> {
        try {
            return await this.stack.exportStack();
        } finally {
            this.restoreCommitted();
        }
    }

    static async create(workDir: string, stackName: string, env: NodeJS.ProcessEnv, tmp: string): Promise<TestStack> {
        const committed = path.join(workDir, `Pulumi.${stackName}.yaml`);
        const original = fs.existsSync(committed) ? fs.readFileSync(committed, "utf8") : undefined;
        const envVars = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
        try {
            // The CLI of the cache (first on the environment's PATH), not whatever this process finds.
            const pulumi = execFileSync("sh", ["-c", "command -v pulumi"], { env, encoding: "utf8" }).trim();
            const pulumiCommand = await PulumiCommand.get({ root: path.dirname(path.dirname(pulumi)) });
            const workspace = await LocalWorkspace.create({ workDir, envVars, pulumiHome: env.PULUMI_HOME, pulumiCommand });
            const stack = await Stack.createOrSelect(stackName, workspace);
            const test = new TestStack(stack, workDir, env, tmp, original);
            fs.copyFileSync(committed, test.configFile);
            return test;
        } finally {
            if (original === undefined) {
                fs.rmSync(committed, { force: true });
            } else {
                fs.writeFileSync(committed, original);
            }
        }
    }

    /** The pulumi CLI on this stack, in the project's folder, with the temporary config file. */
    cli(args: string[], options: { config?: boolean } = {}): string {
        const configArgs = options.config === false ? [] : ["--config-file", this.configFile];
        try {
            return execFileSync("pulumi", [...args, "--stack", this.stack.name, ...configArgs, "--non-interactive"], {
                cwd: this.workDir,
                env: this.env,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
                maxBuffer: 64 * 1024 * 1024,
            });
        } finally {
            this.restoreCommitted();
        }
    }

    setConfig(key: string, value: string, options: { secret?: boolean; path?: boolean } = {}): void {
        this.cli(["config", "set", ...(options.secret ? ["--secret"] : ["--plaintext"]), ...(options.path ? ["--path"] : []), key, value]);
    }

    removeConfig(key: string, options: { path?: boolean } = {}): void {
        this.cli(["config", "rm", ...(options.path ? ["--path"] : []), key]);
    }
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Polls `check` until it returns a value other than undefined, or throws after `seconds`. */
export async function waitFor<T>(what: string, seconds: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    let last: unknown;
    for (;;) {
        try {
            const value = await check();
            if (value !== undefined) {
                return value;
            }
        } catch (error) {
            last = error;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${seconds}s waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}

/**
 * Where the live object differs from the rendered one: every field the program set must have
 * the same value in the cluster (the API server adds defaults, which are not differences).
 */
export function differences(rendered: unknown, live: unknown, at = ""): string[] {
    if (live === undefined && (rendered === 0 || rendered === false || rendered === "")) {
        return []; // omitempty: the API server does not store a zero value
    }
    if (Array.isArray(rendered)) {
        if (!Array.isArray(live)) {
            return [`${at}: rendered an array, live ${JSON.stringify(live)}`];
        }
        const lengths = rendered.length === live.length ? [] : [`${at}: ${rendered.length} items rendered, ${live.length} live`];
        return [...lengths, ...rendered.flatMap((item, i) => differences(item, live[i], `${at}[${i}]`))];
    }
    if (rendered !== null && typeof rendered === "object") {
        if (live === null || typeof live !== "object") {
            return [`${at}: rendered an object, live ${JSON.stringify(live)}`];
        }
        return Object.entries(rendered).flatMap(([key, value]) =>
            differences(value, (live as Record<string, unknown>)[key], `${at}.${key}`),
        );
    }
    return rendered === live ? [] : [`${at}: rendered ${JSON.stringify(rendered)}, live ${JSON.stringify(live)}`];
}

/**
 * The mocks' RandomId is made up; the engine's is in state: put the state's value into the
 * rendered StatefulSet's auth-version annotation before comparing with the cluster.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function withAuthVersionFromState<T extends { kind: string }>(objects: T[], stateResources: any[]): T[] {
    const randomId = stateResources.find((r: { type: string }) => r.type === "random:index/randomId:RandomId");
    for (const object of objects.filter((o) => o.kind === "StatefulSet")) {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (object as any).spec.template.metadata.annotations["kubernetes-redis.io/auth-version"] = randomId.outputs.hex;
    }
    return objects;
}
