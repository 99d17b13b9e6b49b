import type { Engine } from "../../api/args";
import { DEFAULT_IMAGE } from "../constants";

export type { Engine } from "../../api/args";

/** An engine and its version, such as redis 7.0.15. */
export interface EngineVersion {
    engine: Engine;
    /** "7.0.15" or "7.0": only major.minor selects a table. */
    version: string;
}

/**
 * The directive names one engine version accepts in its configuration file, generated from the
 * binary by `npm run directives:generate` (tools/generate-directives.ts), one file per
 * `<engine>-<major>.<minor>` in ./directives. Generated as TypeScript rather than JSON so that the
 * package build compiles it into bin/ with the code that reads it.
 */
export interface DirectiveTable {
    engine: Engine;
    /** major.minor */
    version: string;
    /** What `<binary> --version` printed. */
    binaryVersion: string;
    /** How the table was made. */
    generatedBy: string;
    /** Every name `CONFIG GET *` lists, aliases included (slaveof, replicaof, ...). */
    parameters: string[];
    /** Parameters only an exact `CONFIG GET <name>` returns (test and debug knobs). */
    hidden: string[];
    /** Directives of the configuration file that are not CONFIG parameters (include, rename-command, ...). */
    fileOnly: string[];
    /** Deprecated directives the file still accepts and ignores. */
    ignored: string[];
}

/** The engine and version of the image the package deploys when none is given. */
export const DEFAULT_ENGINE: EngineVersion = engineOfImage(DEFAULT_IMAGE) ?? { engine: "redis", version: "8.0.2" };

/**
 * The engine and version an image reference names, from its repository and tag
 * ("docker.io/library/redis:8.0.2-bookworm" is redis 8.0.2, "valkey/valkey:8.1.1" valkey 8.1.1), or undefined when the tag names
 * no version (a digest, "alpine").
 */
export function engineOfImage(image: string): EngineVersion | undefined {
    const match = /(?:^|\/)(redis|valkey)(?:-server)?:v?([0-9]+\.[0-9]+(?:\.[0-9]+)?)(?:[-_.][^/]*)?$/.exec(image);
    return match ? { engine: match[1] as Engine, version: match[2] } : undefined;
}

/** `redis-7.0` for redis 7.0.15. */
export function tableKey(target: EngineVersion): string {
    const [major, minor] = target.version.split(".");
    return `${target.engine}-${major}.${minor ?? "0"}`;
}
