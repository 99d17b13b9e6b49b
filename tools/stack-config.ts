import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** The repository root: where Pulumi.yaml and the stack files live. */
export const REPO_ROOT = path.resolve(__dirname, "..");

export interface StackConfig {
    project: string;
    /** Full keys ("project:key") to values as Pulumi hands them to a program: strings, objects as JSON. */
    config: Record<string, string>;
    secretKeys: string[];
}

/** The stacks that have a Pulumi.<stack>.yaml in the repository. */
export function stackNames(root = REPO_ROOT): string[] {
    return fs
        .readdirSync(root)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
}

/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI passes them to a program.
 * Encrypted (`secure:`) values cannot be decrypted without the stack's secrets provider; they
 * are replaced by `secureValue` and reported as secret.
 */
export function loadStackConfig(stack: string, root = REPO_ROOT, secureValue = "<secure value: not decrypted offline>"): StackConfig {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`no stack "${stack}": ${file} does not exist; the stacks are: ${stackNames(root).join(", ")}`);
    }
    const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).name as string;
    const document = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries<unknown>(document.config ?? {})) {
        const fullKey = key.includes(":") ? key : `${project}:${key}`;
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            config[fullKey] = secureValue;
            secretKeys.push(fullKey);
        } else {
            config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { project, config, secretKeys };
}
