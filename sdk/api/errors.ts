/** What an error prints instead of a value that may be a secret. */
export const REDACTED = "[secret]";

/**
 * Whether a name (an argument, a redis.conf directive, an object key) may hold a secret: a
 * password, an ACL rule, a user, a token. Errors never print the value under such a name.
 */
export function isSecretName(name: string): boolean {
    return /pass|auth|user|acl|secret|token|cred|key-file/i.test(name);
}

/** Options of a RedisArgumentError. */
export interface RedisArgumentErrorOptions {
    /** The value may be a secret: the error shows "[secret]" instead, and keeps no copy of it. */
    secret?: boolean;
}

/**
 * The error every bad argument produces: it names the resource, the argument path and the value,
 * says what is wrong and what would be right. It is thrown before any resource is registered.
 *
 * A value that may be a secret is never printed nor kept on the error (where a logger that
 * prints the error's properties would find it): when the checker marks it secret, when the
 * argument's own name is secret-bearing (`config["requirepass"]`, `auth.password`), and, inside
 * an object value, under every secret-bearing key.
 */
export class RedisArgumentError extends Error {
    /** The value as printed: redacted where it may be secret. */
    readonly value: unknown;

    constructor(
        readonly resourceName: string,
        readonly argument: string,
        value: unknown,
        problem: string,
        fix: string,
        options: RedisArgumentErrorOptions = {},
    ) {
        const shown = options.secret || isSecretName(lastSegment(argument)) ? redactWhole(value) : redactKeys(value);
        super(`Redis "${resourceName}": ${argument}${describeValue(shown)} ${problem}; ${fix}`);
        this.name = "RedisArgumentError";
        this.value = shown;
    }
}

/** `requirepass` of `config["requirepass"]`, `password` of `auth.password`. */
function lastSegment(argument: string): string {
    const bracket = /\["([^"]*)"\]$/.exec(argument);
    return bracket ? bracket[1] : argument.slice(argument.lastIndexOf(".") + 1);
}

function redactWhole(value: unknown): unknown {
    return value === undefined ? undefined : REDACTED;
}

/** A plain copy of the value with every secret-bearing key's value redacted. */
function redactKeys(value: unknown): unknown {
    if (value === undefined) {
        return undefined;
    }
    try {
        const text = JSON.stringify(value, (key, v) => (key !== "" && isSecretName(key) && v !== undefined ? REDACTED : v));
        return text === undefined ? String(value) : JSON.parse(text);
    } catch {
        return "[unprintable]";
    }
}

function describeValue(value: unknown): string {
    if (value === undefined) {
        return "";
    }
    const text = JSON.stringify(value);
    return ` = ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}
