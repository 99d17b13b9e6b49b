import { Engine } from "../../api/args";
import { ArgumentChecker } from "../checks/checker";
import { engineOfImage, EngineVersion } from "../checks/directive-table";
import { DEFAULT_IMAGES, ENGINE_BINARIES } from "../constants";

/** The engine a deployment runs, resolved once from `engine` and `image`. */
export interface EngineSettings {
    /** redis or valkey, and its version: the image tag's, else the engine's default image's. */
    target: EngineVersion;
    /** Whether `target.version` was read from the image's tag (else the engine's default version is assumed). */
    versionFromImage: boolean;
    /** The binaries the pod scripts run, on the image's PATH. */
    serverBinary: string;
    cliBinary: string;
}

/** The oldest version of each engine the package runs: maxmemory-clients and shutdown-on-sigterm need Redis 7.0. */
const MINIMUM_VERSION: Record<Engine, [number, number]> = { redis: [7, 0], valkey: [7, 2] };

/**
 * The engine and the image. `engine` defaults to the engine the image names, else redis; the
 * image defaults to the engine's official image of the version the tests run. An image that
 * names the other engine is refused, as is one older than the package supports.
 */
export function resolveEngine(check: ArgumentChecker, engineArg: unknown, imageArg: unknown): { engine: EngineSettings; image: string } {
    const image = imageArg === undefined ? undefined : check.image("image", imageArg);
    const named = image === undefined ? undefined : engineOfImage(image);
    const kind = check.oneOf("engine", engineArg, Engine, named?.engine ?? Engine.Redis);
    if (named !== undefined && named.engine !== kind) {
        check.fail(
            "image",
            image,
            `is a ${named.engine} ${named.version} image, but engine is "${kind}"`,
            `use a ${kind} image (the default is "${DEFAULT_IMAGES[kind]}"), or set engine to "${named.engine}"`,
        );
    }
    const resolvedImage = image ?? DEFAULT_IMAGES[kind];
    const fromImage = engineOfImage(resolvedImage);
    const target = fromImage ?? engineOfImage(DEFAULT_IMAGES[kind])!;
    const [major, minor] = target.version.split(".").map(Number);
    const [minMajor, minMinor] = MINIMUM_VERSION[kind];
    if (major < minMajor || (major === minMajor && (minor ?? 0) < minMinor)) {
        check.fail(
            "image",
            image,
            `is ${kind} ${target.version}, older than this package supports (maxmemory-clients and shutdown-on-sigterm need Redis 7.0)`,
            `use ${kind} ${minMajor}.${minMinor} or later, such as "${DEFAULT_IMAGES[kind]}"`,
        );
    }
    const binaries = ENGINE_BINARIES[kind];
    return {
        engine: { target, versionFromImage: fromImage !== undefined, serverBinary: binaries.server, cliBinary: binaries.cli },
        image: resolvedImage,
    };
}
