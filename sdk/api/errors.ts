/**
 * The error every bad argument produces: it names the resource, the argument path and the value,
 * says what is wrong and what would be right. It is thrown before any resource is registered.
 */
export class RedisArgumentError extends Error {
    constructor(
        readonly resourceName: string,
        readonly argument: string,
        readonly value: unknown,
        problem: string,
        fix: string,
    ) {
        super(`Redis "${resourceName}": ${argument}${describeValue(value)} ${problem}; ${fix}`);
        this.name = "RedisArgumentError";
    }
}

function describeValue(value: unknown): string {
    if (value === undefined) {
        return "";
    }
    const text = JSON.stringify(value);
    return ` = ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}
