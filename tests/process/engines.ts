import { Engine } from "../../sdk/api/args";
import { engineOfImage } from "../../sdk/core/checks/directive-table";
import { DEFAULT_IMAGES, ENGINE_BINARIES } from "../../sdk/core/constants";
import { binaryArgv, binaryDir, binaryVersion, LocalImage, localEngineImage, unpackedRootfs } from "../../tools/image-binaries";

/** Every engine the process suites run, each with the binary of the version its default image names. */
export const ENGINES: Engine[] = ["redis", "valkey"];

/** An engine's binaries as the process tests run them: the locally built image's, not the host's. */
export interface EngineBinaries {
    engine: Engine;
    /** The version the engine's default image tag names (8.0.2 for docker.io/library/redis:8.0.2-bookworm). */
    defaultImageVersion: string;
    /** The locally built image of the same upstream version, whose binaries run. */
    image: LocalImage;
    /** Its root filesystem, unpacked once into the cache. */
    rootfs: string;
    /** First on PATH: the engine's server and cli; the other engine's names refuse to run. */
    binDir: string;
    /** argv of the engine's server and cli (through the image's loader). */
    server: string[];
    cli: string[];
    /** What `<server> --version` says. */
    serverVersion: string;
}

const found = new Map<Engine, EngineBinaries | string>();

/**
 * The engine's binaries, or why there are none (the image is not in the toolchain cache). Throws
 * when the image's version is not the one the default image names.
 */
export function engineBinaries(engine: Engine): EngineBinaries | string {
    const known = found.get(engine);
    if (known !== undefined) return known;
    const result = ((): EngineBinaries | string => {
        const defaultImageVersion = engineOfImage(DEFAULT_IMAGES[engine])!.version;
        const image = localEngineImage(engine);
        if (!image) {
            return `no locally built ${engine} image in the toolchain cache: run npm run toolchain`;
        }
        if (image.upstreamVersion !== defaultImageVersion) {
            // Not a skip: the tests would run another version than the default image names.
            throw new Error(
                `the locally built ${image.ref} is ${engine} ${image.upstreamVersion}, the default image ${DEFAULT_IMAGES[engine]} names ${defaultImageVersion}: rebuild the toolchain or change the default`,
            );
        }
        const rootfs = unpackedRootfs(image.archive);
        const names = ENGINE_BINARIES[engine];
        const others = ENGINES.filter((e) => e !== engine).flatMap((e) => [ENGINE_BINARIES[e].server, ENGINE_BINARIES[e].cli]);
        const server = binaryArgv(rootfs, names.server);
        const cli = binaryArgv(rootfs, names.cli);
        if (!server || !cli) {
            return `${image.ref} has no ${names.server} or ${names.cli}`;
        }
        return {
            engine,
            defaultImageVersion,
            image,
            rootfs,
            binDir: binaryDir(rootfs, [names.server, names.cli], others),
            server,
            cli,
            serverVersion: binaryVersion(server).version,
        };
    })();
    found.set(engine, result);
    return result;
}

/** The engine's binaries; skips the suite loudly when they are missing, or fails in CI. */
export function requireEngine(context: Mocha.Context, engine: Engine): EngineBinaries {
    const binaries = engineBinaries(engine);
    if (typeof binaries !== "string") return binaries;
    if (process.env.CI) throw new Error(binaries);
    console.warn(`\n  !!! SKIPPED "${context.test?.parent?.title}": ${binaries}\n`);
    context.skip();
}

/** The engine's name in its own log lines and error replies ("Redis is loading", "Valkey is loading"). */
export function engineTitle(engine: Engine): string {
    return engine === "valkey" ? "Valkey" : "Redis";
}
