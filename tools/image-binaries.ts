// Runs the engine binaries of the locally built images (tools/toolchain/components/images.sh) on
// this host, without a container runtime: an image archive's layers are unpacked once into a
// cache directory, and a binary runs with the root filesystem's own ld-linux and libraries, so
// that it is exactly the binary the image ships (not the host's). Used by the directive generator
// and by the process tests.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export type Engine = "redis" | "valkey";

/** The toolchain cache (tools/toolchain/lib.sh): KUBERNETES_REDIS_CACHE moves it. */
const CACHE = process.env.KUBERNETES_REDIS_CACHE ?? "/var/cache/kubernetes-redis";

/** Where unpacked root filesystems are kept between runs, by the digests of their layers. */
const ROOTFS_CACHE = path.join(os.tmpdir(), "kubernetes-redis-rootfs");

/** One row of an images entry's index.tsv: a locally built image. */
export interface LocalImage {
    /** localhost/kubernetes-redis/redis */
    name: string;
    /** 8.0.2-trixie */
    tag: string;
    /** `${name}:${tag}` */
    ref: string;
    /** The OCI archive. */
    archive: string;
    /** The upstream version of the engine package in it (8.0.2). */
    upstreamVersion: string;
}

/**
 * The complete images entries of the toolchain cache, the current one first when the toolchain
 * library can name it (`component_entry images`), then the others, newest first.
 */
function imageEntries(): string[] {
    const entries = path.join(CACHE, "entries");
    if (!fs.existsSync(entries)) return [];
    const complete = fs
        .readdirSync(entries)
        .filter((e) => e.startsWith("images-") && !e.endsWith(".partial") && fs.existsSync(path.join(entries, e, ".complete")))
        .map((e) => path.join(entries, e))
        .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    let current: string | undefined;
    try {
        const lib = path.join(__dirname, "toolchain", "lib.sh");
        current = execFileSync("bash", ["-c", `source "${lib}" && component_entry images`], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
            timeout: 20000,
        }).trim();
    } catch {
        current = undefined;
    }
    return current && complete.includes(current) ? [current, ...complete.filter((e) => e !== current)] : complete;
}

/** Every locally built image of the current images entry (index.tsv). */
export function localImages(): LocalImage[] {
    for (const entry of imageEntries()) {
        const index = path.join(entry, "images", "index.tsv");
        if (!fs.existsSync(index)) continue;
        return fs
            .readFileSync(index, "utf8")
            .split("\n")
            .filter((line) => line && !line.startsWith("#"))
            .map((line) => {
                const [name, tag, file, upstreamVersion] = line.split("\t");
                return { name, tag, ref: `${name}:${tag}`, archive: path.join(entry, "images", file), upstreamVersion };
            });
    }
    return [];
}

/** The locally built image of an engine (localhost/kubernetes-redis/<engine>), if the cache has it. */
export function localEngineImage(engine: Engine): LocalImage | undefined {
    return localImages().find((image) => image.name.endsWith(`/${engine}`));
}

function readMember(archive: string, member: string): Buffer {
    return execFileSync("tar", ["-xOf", archive, member], { maxBuffer: 16 << 20 });
}

/**
 * The root filesystem of a single-platform OCI image archive, unpacked once into the cache
 * directory and reused by later calls and runs (keyed by the layers' digests, so that images
 * sharing their layers share one directory). Safe against concurrent callers: each unpacks
 * aside and renames into place.
 */
export function unpackedRootfs(archive: string): string {
    const blob = (digest: string) => `blobs/${digest.replace(":", "/")}`;
    const index = JSON.parse(readMember(archive, "index.json").toString());
    const manifest = JSON.parse(readMember(archive, blob(index.manifests[0].digest)).toString());
    const layers = (manifest.layers as Array<{ digest: string }>).map((layer) => layer.digest);
    const key = crypto.createHash("sha256").update(layers.join("\n")).digest("hex").slice(0, 24);
    const rootfs = path.join(ROOTFS_CACHE, key);
    if (fs.existsSync(path.join(rootfs, ".complete"))) {
        return rootfs;
    }
    fs.mkdirSync(ROOTFS_CACHE, { recursive: true });
    const work = fs.mkdtempSync(path.join(ROOTFS_CACHE, `${key}.partial-`));
    try {
        const tree = path.join(work, "rootfs");
        fs.mkdirSync(tree);
        for (const digest of layers) {
            execFileSync("tar", ["-xf", archive, "-C", work, blob(digest)]);
            execFileSync("tar", ["-xf", path.join(work, blob(digest)), "-C", tree, "--no-same-owner"]);
            fs.rmSync(path.join(work, "blobs"), { recursive: true, force: true });
        }
        fs.writeFileSync(path.join(tree, ".complete"), `${archive}\n`);
        try {
            fs.renameSync(tree, rootfs);
        } catch (error) {
            // Another caller finished first: use its copy.
            if (!fs.existsSync(path.join(rootfs, ".complete"))) throw error;
        }
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
    return rootfs;
}

/** The loader and library directory of an amd64 Debian root filesystem. */
function loaderOf(rootfs: string): { loader: string; libDir: string } {
    const libDir = path.join(rootfs, "usr", "lib", "x86_64-linux-gnu");
    return { loader: path.join(libDir, "ld-linux-x86-64.so.2"), libDir };
}

/**
 * The argv that runs `/usr/bin/<name>` of the root filesystem on this host with the root
 * filesystem's own loader and libraries, or undefined when it has no such binary. argv[0] is
 * `name`: the engines decide their role from it (Debian's redis-server is a symlink to
 * redis-check-rdb).
 */
export function binaryArgv(rootfs: string, name: string): string[] | undefined {
    const binary = path.join(rootfs, "usr", "bin", name);
    const { loader, libDir } = loaderOf(rootfs);
    if (!fs.existsSync(binary) || !fs.existsSync(loader)) {
        return undefined;
    }
    return [loader, "--library-path", libDir, "--argv0", name, fs.realpathSync(binary)];
}

/** The real ELF file behind `/usr/bin/<name>` (its strings hold the hidden parameter names). */
export function binaryElf(rootfs: string, name: string): string {
    return fs.realpathSync(path.join(rootfs, "usr", "bin", name));
}

/**
 * A directory to put first on PATH: `names` run the root filesystem's binaries (through
 * binaryArgv, by `exec`, so the pid stays the caller's), and each of `refused` exits 127 saying
 * why, so that a script that names the other engine's binary fails instead of finding the
 * host's. Rewritten on every call; one directory per root filesystem and set of names.
 */
export function binaryDir(rootfs: string, names: string[], refused: string[] = []): string {
    const key = crypto
        .createHash("sha256")
        .update(`${rootfs}\n${names.join(",")}\n${refused.join(",")}`)
        .digest("hex")
        .slice(0, 16);
    const dir = path.join(ROOTFS_CACHE, "bin", key);
    fs.mkdirSync(dir, { recursive: true });
    const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
    for (const name of names) {
        const argv = binaryArgv(rootfs, name);
        if (!argv) throw new Error(`no /usr/bin/${name} in ${rootfs}`);
        writeScript(path.join(dir, name), `exec ${argv.map(quote).join(" ")} "$@"`);
    }
    for (const name of refused) {
        writeScript(path.join(dir, name), `echo ${quote(`${name}: not the engine of this run (${names.join(", ")})`)} >&2\nexit 127`);
    }
    return dir;
}

function writeScript(file: string, body: string): void {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    fs.renameSync(tmp, file);
}

/** The upstream version `<binary> --version` prints (`v=8.0.2`, or `redis-cli 8.0.2`), from argv as binaryArgv gives it. */
export function binaryVersion(argv: string[]): { line: string; version: string } {
    const line = execFileSync(argv[0], [...argv.slice(1), "--version"], { encoding: "utf8" }).trim();
    const match = /(?:v=|-cli )([0-9]+\.[0-9]+\.[0-9]+)/.exec(line);
    if (!match) throw new Error(`cannot read a version from: ${line}`);
    return { line, version: match[1] };
}
