import { RedisArgumentError, RedisArgumentErrorOptions } from "../../api/errors";
import { formatBytes, parseByteQuantity, parseQuantity, quantityHint } from "./quantity";

/**
 * Table of the argument checks shared by the settings resolver. Each check throws a
 * RedisArgumentError naming the argument path; none of them has side effects.
 */
export class ArgumentChecker {
    constructor(readonly resourceName: string) {}

    /** Throws the error of a bad argument. With `secret`, the error never prints nor keeps the value. */
    fail(argument: string, value: unknown, problem: string, fix: string, options?: RedisArgumentErrorOptions): never {
        throw new RedisArgumentError(this.resourceName, argument, value, problem, fix, options);
    }

    /** Rejects keys that no argument has: a typo must not be silently ignored. */
    knownKeys(argument: string, value: object | undefined, known: Record<string, true>): void {
        if (value === undefined) {
            return;
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            this.fail(argument || "args", value, "is not an object", "pass an object of named arguments");
        }
        for (const key of Object.keys(value)) {
            if (!Object.hasOwn(known, key)) {
                const path = argument ? `${argument}.${key}` : key;
                this.fail(path, undefined, "is not an argument", `the accepted ones are: ${Object.keys(known).join(", ")}`);
            }
        }
    }

    oneOf<T extends string>(argument: string, value: unknown, accepted: Record<string, T>, fallback: T): T {
        if (value === undefined) {
            return fallback;
        }
        const values = Object.values(accepted) as string[];
        if (typeof value !== "string" || !values.includes(value)) {
            this.fail(argument, value, "is not accepted", `use one of: ${values.map((v) => `"${v}"`).join(", ")}`);
        }
        return value as T;
    }

    boolean(argument: string, value: unknown, fallback: boolean): boolean {
        if (value === undefined) {
            return fallback;
        }
        if (typeof value !== "boolean") {
            this.fail(argument, value, "is not a boolean", "use true or false");
        }
        return value;
    }

    integer(argument: string, value: unknown, fallback: number, min: number, max: number): number {
        if (value === undefined) {
            return fallback;
        }
        if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
            this.fail(argument, value, "is out of range", `use a whole number from ${min} to ${max}`);
        }
        return value;
    }

    /** A DNS-1123 label: Namespace and Service names, and the component's own name. */
    dnsLabel(argument: string, value: unknown, maxLength = 63): string {
        if (typeof value !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
            this.fail(
                argument,
                value,
                "is not a DNS-1123 label",
                "use lower-case letters, digits and '-', starting and ending with a letter or digit",
            );
        }
        if (value.length > maxLength) {
            this.fail(argument, value, `is ${value.length} characters long`, `use at most ${maxLength}`);
        }
        return value;
    }

    /** A DNS-1123 subdomain: names of StorageClasses, Secrets, nodes, PriorityClasses. */
    dnsSubdomain(argument: string, value: unknown): string {
        const label = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
        if (typeof value !== "string" || value.length > 253 || !new RegExp(`^${label}(\\.${label})*$`).test(value)) {
            this.fail(argument, value, "is not a DNS-1123 subdomain", "use at most 253 lower-case letters, digits, '-' and '.'");
        }
        return value;
    }

    /** A positive Kubernetes quantity of anything but bytes (CPU), with its value in base units. Bytes: `bytes()`. */
    quantity(argument: string, value: unknown): { text: string; value: number } {
        const parsed = typeof value === "string" ? parseQuantity(value) : undefined;
        if (typeof value !== "string" || parsed === undefined) {
            this.fail(argument, value, "is not a Kubernetes quantity", `use ${quantityHint(String(value))}`);
        }
        if (!(parsed > 0)) {
            this.fail(argument, value, "is not positive", "use a quantity above zero");
        }
        return { text: value, value: parsed };
    }

    /**
     * A positive Kubernetes quantity of whole bytes, exactly (no floating point), at most
     * Number.MAX_SAFE_INTEGER (8 PiB) so that every later computation is exact, and at least
     * `min` when given.
     */
    bytes(argument: string, value: unknown, min?: number): { text: string; value: number } {
        const parsed = typeof value === "string" ? parseByteQuantity(value) : undefined;
        if (typeof value !== "string" || parsed === undefined) {
            this.fail(argument, value, "is not a Kubernetes quantity", `use ${quantityHint(String(value))}`);
        }
        if (parsed.kind === "not-positive") {
            this.fail(argument, value, "is not positive", "use a quantity above zero");
        }
        if (parsed.kind === "fraction") {
            this.fail(argument, value, parsed.problem, parsed.fix);
        }
        if (parsed.kind === "too-large") {
            this.fail(
                argument,
                value,
                "is more than 2^53 - 1 bytes (about 8Pi), the most this package computes with exactly",
                "use a smaller quantity",
            );
        }
        if (min !== undefined && parsed.bytes < min) {
            this.fail(argument, value, `is below ${formatBytes(min)}`, `use at least "${formatBytes(min)}"`);
        }
        return { text: value, value: parsed.bytes };
    }

    /** A map of Kubernetes label or annotation keys to string values. */
    stringMap(argument: string, value: unknown, kind: "label" | "annotation"): Record<string, string> {
        if (value === undefined) {
            return {};
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            this.fail(argument, value, "is not a map", "use an object of string keys to string values");
        }
        const name = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
        const key = new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${name}$`);
        for (const [k, v] of Object.entries(value)) {
            if (!key.test(k) || k.length > 316) {
                this.fail(
                    `${argument}["${k}"]`,
                    undefined,
                    `is not a valid ${kind} key`,
                    "use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.'",
                );
            }
            if (typeof v !== "string") {
                this.fail(`${argument}["${k}"]`, v, "is not a string", "quote the value");
            }
            if (kind === "label" && !(v === "" || (v.length <= 63 && new RegExp(`^${name}$`).test(v)))) {
                this.fail(
                    `${argument}["${k}"]`,
                    v,
                    "is not a valid label value",
                    "use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
                );
            }
        }
        return { ...(value as Record<string, string>) };
    }

    /** An IPv4 or IPv6 CIDR such as "10.0.0.0/8". */
    cidr(argument: string, value: unknown): string {
        const v4 = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\/([0-9]|[12][0-9]|3[0-2])$/;
        const v6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;
        if (typeof value !== "string" || !(v4.test(value) || v6.test(value))) {
            this.fail(argument, value, "is not a CIDR", 'use an address and prefix length, such as "10.0.0.0/8"');
        }
        return value;
    }

    /** A container image reference pinned by tag or digest, never `latest`. */
    image(argument: string, value: unknown): string {
        if (typeof value !== "string" || value.trim() === "" || /\s/.test(value)) {
            this.fail(argument, value, "is not an image reference", 'use a pinned image such as "docker.io/library/redis:8.0.2-bookworm"');
        }
        if (/@sha256:[0-9a-f]{64}$/.test(value)) {
            return value;
        }
        const lastSegment = value.slice(value.lastIndexOf("/") + 1);
        const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "";
        if (tag === "" || tag === "latest") {
            this.fail(
                argument,
                value,
                tag === "" ? "has no tag" : "uses the moving tag 'latest'",
                'pin a version tag or a digest, such as "redis:8.0.2-bookworm"',
            );
        }
        return value;
    }
}
