import * as fs from "fs";
import * as path from "path";
import { PATHS, REDIS_PORT, SCRIPT_FILES } from "../core/constants";

/**
 * The shell scripts the pod runs, read from `scripts/`, keyed by file name. They are shipped in
 * the ConfigMap next to redis.conf. The build copies them next to the compiled module.
 */
export function podScripts(): Record<string, string> {
    const directory = path.join(__dirname, "..", "scripts");
    const scripts: Record<string, string> = {};
    for (const file of Object.values(SCRIPT_FILES)) {
        scripts[file] = fs.readFileSync(path.join(directory, file), "utf8");
    }
    return scripts;
}

/** The path of a script inside the container. */
export function scriptPath(file: string): string {
    return `${PATHS.scriptsDir}/${file}`;
}

/** The environment through which the scripts learn the facts defined in constants.ts. */
export function scriptEnv(): { name: string; value: string }[] {
    return [
        { name: "REDIS_PORT", value: String(REDIS_PORT) },
        { name: "REDIS_CONF", value: PATHS.configFile },
        { name: "REDIS_PASSWORD_FILE", value: PATHS.passwordFile },
        { name: "REDIS_AUTH_CONF", value: PATHS.authConf },
    ];
}
