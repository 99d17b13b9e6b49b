import * as fs from "fs";
import * as path from "path";
import { PATHS, PodPaths, PodScript, REDIS_PORT, SCRIPTS } from "../core/constants";
import { EngineSettings } from "../core/settings";

/**
 * The shell scripts the pod runs, read from `scripts/<role>/<file>` and keyed `<role>-<file>`.
 * They are shipped in the ConfigMap next to redis.conf; the build copies the role folders next to
 * the compiled module.
 */
export function podScripts(): Record<string, string> {
    const directory = path.join(__dirname, "..", "scripts");
    const scripts: Record<string, string> = {};
    for (const script of Object.values(SCRIPTS)) {
        scripts[script.key] = fs.readFileSync(path.join(directory, script.role, script.file), "utf8");
    }
    return scripts;
}

/** The path of a script inside the container, where the scripts sit flat under their keys. */
export function scriptPath(script: PodScript, paths: PodPaths = PATHS): string {
    return `${paths.scriptsDir}/${script.key}`;
}

/**
 * The environment through which the scripts learn the facts defined in constants.ts and the
 * settings: the engine's binaries (ENGINE_SERVER, ENGINE_CLI), the port and the paths. Tests that
 * run the scripts outside a container give their own paths and port.
 */
export function scriptEnv(
    engine: Pick<EngineSettings, "serverBinary" | "cliBinary">,
    paths: PodPaths = PATHS,
    port: number = REDIS_PORT,
): { name: string; value: string }[] {
    return [
        { name: "ENGINE_SERVER", value: engine.serverBinary },
        { name: "ENGINE_CLI", value: engine.cliBinary },
        { name: "REDIS_PORT", value: String(port) },
        { name: "REDIS_CONF", value: paths.configFile },
        { name: "REDIS_PASSWORD_FILE", value: paths.passwordFile },
        { name: "REDIS_AUTH_CONF", value: paths.authConf },
    ];
}
