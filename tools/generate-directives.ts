// npm run directives:generate [-- --binary <path>] [-- --rootfs <dir>] [-- --oci <archive>]
//
// Writes the directive tables that `config` is checked against (sdk/core/checks/directives/),
// one per engine and major.minor version, from the engine binary itself: it starts the binary on
// a free loopback port with a throwaway configuration and asks it for every parameter name.
//
//   - `CONFIG GET *` lists every parameter and alias the server shows;
//   - an exact `CONFIG GET <name>` of every identifier-like string in the binary finds the hidden
//     parameters, which a pattern never returns;
//   - directives that only the configuration file knows (include, rename-command, user,
//     loadmodule, sentinel) and deprecated ones the file still accepts are probed one by one by
//     starting the binary with that line: "Bad directive" (Redis 8: "Unresolved Configuration")
//     means the binary does not know it.
//
// Without arguments it reads the host's /usr/bin/redis-server, and the redis-server and
// valkey-server of the engine images this project builds (tools/toolchain; the current images
// entry's index.tsv, see tools/image-binaries.ts), or of a Debian root filesystem at
// /var/cache/kubernetes-redis/work/images/rootfs. Image binaries run with their own root
// filesystem's dynamic loader and libraries (tools/image-binaries.ts, which the process tests
// use too). Options, each repeatable:
//   --binary <path>   an engine binary of this host
//   --rootfs <dir>    a root filesystem with usr/bin/redis-server and/or usr/bin/valkey-server
//   --oci <archive>   an OCI image archive, unpacked once into the root filesystem cache
// Run it after an engine upgrade and review the diff.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import * as prettier from "prettier";
import { binaryArgv, binaryElf, Engine, localImages, unpackedRootfs } from "./image-binaries";
import { freePort } from "./net";

const OUT_DIR = path.join(__dirname, "..", "sdk", "core", "checks", "directives");
const DEFAULT_ROOTFS = "/var/cache/kubernetes-redis/work/images/rootfs";

/** How to run one engine binary: directly, or through a root filesystem's loader and libraries. */
interface Target {
    engine: Engine;
    /** The argv that starts the server, without the configuration file. */
    argv: string[];
    /** The file whose strings are scanned (the real ELF file behind symlinks). */
    elf: string;
    /** How the table was made, written into it. */
    description: string;
}

/** Directives the configuration file accepts that are not CONFIG parameters, with valid arguments. */
const FILE_ONLY_PROBES: Array<{ name: string; line: (dir: string) => string }> = [
    { name: "include", line: (dir) => `include ${path.join(dir, "empty.conf")}` },
    { name: "rename-command", line: () => `rename-command DEBUG ""` },
    { name: "user", line: () => "user probe-user off" },
    { name: "loadmodule", line: (dir) => `loadmodule ${path.join(dir, "no-such-module.so")}` },
    { name: "sentinel", line: () => "sentinel monitor probe 127.0.0.1 6379 1" },
];

/** Deprecated directives some versions still accept, and ignore. */
const IGNORED_PROBES: Array<{ name: string; line: string }> = [
    { name: "list-max-ziplist-entries", line: "list-max-ziplist-entries 512" },
    { name: "list-max-ziplist-value", line: "list-max-ziplist-value 64" },
    { name: "lua-replicate-commands", line: "lua-replicate-commands yes" },
];

function hostTarget(binary: string): Target {
    const version = execFileSync(binary, ["--version"], { encoding: "utf8" });
    return {
        engine: /^valkey/i.test(version) ? "valkey" : "redis",
        argv: [binary],
        elf: fs.realpathSync(binary),
        description: binary,
    };
}

function rootfsTarget(rootfs: string, engine: Engine, source: string): Target | undefined {
    const argv = binaryArgv(rootfs, `${engine}-server`);
    if (!argv) {
        return undefined;
    }
    const description = `/usr/bin/${engine}-server of ${source}, run with its own ld-linux and libraries`;
    return { engine, argv, elf: binaryElf(rootfs, `${engine}-server`), description };
}

function run(target: Target, args: string[]): ChildProcess {
    return spawn(target.argv[0], [...target.argv.slice(1), ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

function baseConf(dir: string, port: number): string {
    return [`port ${port}`, "bind 127.0.0.1", `dir ${dir}`, `save ""`, "appendonly no", "daemonize no", `logfile ""`, ""].join("\n");
}

/** Starts the server with the base configuration plus `extra`; resolves when it is ready or has exited. */
async function start(
    target: Target,
    dir: string,
    extra: string,
): Promise<{ child: ChildProcess; ready: boolean; output: string; port: number }> {
    const port = await freePort();
    const conf = path.join(dir, `probe-${port}.conf`);
    fs.writeFileSync(conf, `${baseConf(dir, port)}${extra}\n`);
    const child = run(target, [conf]);
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    const deadline = Date.now() + 60000;
    while (!/Ready to accept connections/.test(output)) {
        if (child.exitCode !== null || child.signalCode !== null) {
            return { child, ready: false, output, port };
        }
        if (Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`${target.description} neither started nor exited within 60 s:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 25));
    }
    return { child, ready: true, output, port };
}

async function stop(child: ChildProcess): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await exited;
    }
}

/**
 * Whether the binary knows the directive of `line`. Redis 7 and Valkey refuse an unknown one as a
 * "Bad directive"; Redis 8 first holds it as a possible module configuration, then aborts with
 * "Unresolved Configuration(s)". Any other outcome (started, or failed on the arguments) means
 * the name is known.
 */
async function accepts(target: Target, dir: string, line: string): Promise<boolean> {
    const probe = await start(target, dir, line);
    await stop(probe.child);
    return probe.ready || !/Bad directive|Unresolved Configuration/i.test(probe.output);
}

/** Identifier-like strings of the binary: the candidates for hidden parameters. */
function binaryStrings(elf: string): string[] {
    const text = fs.readFileSync(elf).toString("latin1");
    return [...new Set(text.match(/[a-z][a-z0-9-]{2,63}/g) ?? [])];
}

async function configNames(port: number, candidates: string[]): Promise<{ listed: string[]; exact: string[] }> {
    const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    try {
        const names = (reply: unknown) => (reply as string[]).filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
        const listed = names(await client.call("CONFIG", "GET", "*"));
        const exact: string[] = [];
        for (let i = 0; i < candidates.length; i += 500) {
            exact.push(...names(await client.call("CONFIG", "GET", ...candidates.slice(i, i + 500))));
        }
        return { listed, exact };
    } finally {
        client.disconnect();
    }
}

async function generate(target: Target): Promise<string> {
    const versionLine = execFileSync(target.argv[0], [...target.argv.slice(1), "--version"], { encoding: "utf8" }).trim();
    const version = /v=([0-9]+)\.([0-9]+)\.([0-9]+)/.exec(versionLine);
    if (!version) {
        throw new Error(`cannot read the version of ${target.description}: ${versionLine}`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "directives-"));
    try {
        fs.writeFileSync(path.join(dir, "empty.conf"), "");
        const server = await start(target, dir, "");
        if (!server.ready) {
            throw new Error(`${target.description} did not start:\n${server.output}`);
        }
        let listed: string[];
        let exact: string[];
        try {
            ({ listed, exact } = await configNames(server.port, binaryStrings(target.elf)));
        } finally {
            await stop(server.child);
        }
        if (await accepts(target, dir, "no-such-directive-for-the-probe yes")) {
            throw new Error(`${target.description} accepts an unknown directive: the probe cannot tell known from unknown`);
        }
        const fileOnly: string[] = [];
        for (const probe of FILE_ONLY_PROBES) {
            if (await accepts(target, dir, probe.line(dir))) {
                fileOnly.push(probe.name);
            }
        }
        const ignored: string[] = [];
        for (const probe of IGNORED_PROBES) {
            if (!listed.includes(probe.name) && !exact.includes(probe.name) && (await accepts(target, dir, probe.line))) {
                ignored.push(probe.name);
            }
        }
        const parameters = [...new Set(listed)].sort();
        const hidden = [...new Set(exact)].filter((name) => !parameters.includes(name)).sort();
        const key = `${target.engine}-${version[1]}.${version[2]}`;
        const table = {
            engine: target.engine,
            version: `${version[1]}.${version[2]}`,
            binaryVersion: versionLine,
            generatedBy: `npm run directives:generate: CONFIG GET * and exact CONFIG GET of the binary's strings, then config-file probes, on ${target.description}`,
            parameters,
            hidden,
            fileOnly,
            ignored,
        };
        const file = path.join(OUT_DIR, `${key}.ts`);
        const source = [
            "// Generated by `npm run directives:generate` (tools/generate-directives.ts) from the engine binary. Do not edit.",
            'import { DirectiveTable } from "../directive-table";',
            "",
            `export const TABLE: DirectiveTable = ${JSON.stringify(table, null, 4)};`,
            "",
        ].join("\n");
        await writeFormatted(file, source);
        process.stderr.write(
            `directives: ${key}: ${parameters.length} parameters, ${hidden.length} hidden, ${fileOnly.length} file-only, ${ignored.length} ignored (${versionLine})\n`,
        );
        return key;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function writeFormatted(file: string, source: string): Promise<void> {
    const options = (await prettier.resolveConfig(file)) ?? {};
    fs.writeFileSync(file, await prettier.format(source, { ...options, filepath: file }));
}

/** The index of every table in the directory, so that a new engine version needs no hand edit. */
async function writeIndex(): Promise<void> {
    const keys = fs
        .readdirSync(OUT_DIR)
        .filter((file) => /^(redis|valkey)-[0-9]+\.[0-9]+\.ts$/.test(file))
        .map((file) => file.slice(0, -3))
        .sort();
    const ident = (key: string) => key.toUpperCase().replace(/[-.]/g, "_");
    const source = [
        "// Generated by `npm run directives:generate` (tools/generate-directives.ts). Do not edit.",
        'import { DirectiveTable } from "../directive-table";',
        ...keys.map((key) => `import { TABLE as ${ident(key)} } from "./${key}";`),
        "",
        "/** Every generated table, by `<engine>-<major>.<minor>`. */",
        "export const DIRECTIVE_TABLES: Record<string, DirectiveTable> = {",
        ...keys.map((key) => `    "${key}": ${ident(key)},`),
        "};",
        "",
    ].join("\n");
    await writeFormatted(path.join(OUT_DIR, "index.ts"), source);
}

function options(name: string): string[] {
    return process.argv.flatMap((arg, i) => (arg === name && process.argv[i + 1] !== undefined ? [process.argv[i + 1]] : []));
}

/** The engine images this project builds (tools/toolchain), from the current images entry. */
function cachedImages(): string[] {
    return localImages()
        .filter((image) => /\/(redis|valkey)$/.test(image.name))
        .map((image) => image.archive);
}

async function main(): Promise<void> {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const targets: Target[] = [];
    const binaries = options("--binary");
    const host = "/usr/bin/redis-server";
    for (const binary of binaries.length > 0 ? binaries : fs.existsSync(host) ? [host] : []) {
        targets.push(hostTarget(binary));
    }
    const rootfsDirs = options("--rootfs");
    if (rootfsDirs.length === 0 && fs.existsSync(DEFAULT_ROOTFS)) {
        rootfsDirs.push(DEFAULT_ROOTFS);
    }
    const archives = options("--oci");
    if (archives.length === 0 && rootfsDirs.length === 0) {
        archives.push(...cachedImages());
    }
    const roots = rootfsDirs.map((dir) => ({ dir, source: `the root filesystem ${dir}` }));
    for (const archive of archives) {
        process.stderr.write(`directives: unpacking ${archive} (once, into the root filesystem cache)\n`);
        roots.push({ dir: unpackedRootfs(archive), source: `the image ${path.basename(archive)}` });
    }
    for (const { dir, source } of roots) {
        // An image named for one engine gives that engine's table, though it may hold both.
        const named = /the image (redis|valkey)-/.exec(source)?.[1];
        for (const engine of (["redis", "valkey"] as const).filter((e) => named === undefined || e === named)) {
            const target = rootfsTarget(dir, engine, source);
            // An image holds one engine; a shared root filesystem may hold both.
            if (target && !targets.some((t) => fs.readFileSync(t.elf).equals(fs.readFileSync(target.elf)))) {
                targets.push(target);
            }
        }
    }
    if (targets.length === 0) {
        throw new Error("no engine binary found: give --binary, --rootfs or --oci");
    }
    for (const target of targets) {
        await generate(target);
    }
    await writeIndex();
}

main().catch((error: Error) => {
    process.stderr.write(`directives: ${error.stack ?? error.message}\n`);
    process.exit(1);
});
