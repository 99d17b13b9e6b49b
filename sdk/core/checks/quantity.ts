/**
 * Kubernetes resource quantities (`resource.Quantity`): parsing and formatting, so that sizes
 * and limits are checked at preview instead of being refused by the API server at deploy.
 */

const BINARY_SUFFIXES: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

const DECIMAL_SUFFIXES: Record<string, number> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
};

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The value of a quantity in base units (bytes, cores), or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
    const match = QUANTITY.exec(text);
    if (!match) {
        return undefined;
    }
    const [, number, exponent, suffix] = match;
    const base = Number(number);
    if (exponent !== undefined) {
        return base * 10 ** Number(exponent.slice(1));
    }
    const multiplier = suffix === undefined ? 1 : (BINARY_SUFFIXES[suffix] ?? DECIMAL_SUFFIXES[suffix]);
    return base * multiplier;
}

/** A hint for a common mistake, such as "8GB" or "512mb", to put after "use ...". */
export function quantityHint(text: string): string {
    const unit = /^([0-9.]+)\s*([kmgtpe])i?b?$/i.exec(text.trim());
    if (unit) {
        return `"${unit[1]}${unit[2].toUpperCase()}i"`;
    }
    return `a number with an optional suffix, such as "512Mi" or "8Gi"`;
}

/** Bytes as a human-readable binary quantity, for messages. */
export function formatBytes(bytes: number): string {
    for (const suffix of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
        const unit = BINARY_SUFFIXES[suffix];
        if (bytes >= unit && bytes % unit === 0) {
            return `${bytes / unit}${suffix}`;
        }
    }
    return `${bytes} bytes`;
}

const BINARY_EXPONENTS: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** A byte quantity, exactly: whole bytes, or why not. */
export type ByteQuantity =
    | { kind: "bytes"; bytes: number }
    | { kind: "not-positive" }
    | { kind: "fraction"; problem: string; fix: string }
    | { kind: "too-large" };

/**
 * The exact value of a quantity of bytes, computed with integers so that "1.1Gi", "1e9" or
 * "8Ei" are neither rounded nor approximated: a fraction of a byte ("200m", "0.5", "1.0000001Ki")
 * is refused, not floored to zero, and values beyond Number.MAX_SAFE_INTEGER are refused rather
 * than rounded. Undefined when the text is not a quantity.
 */
export function parseByteQuantity(text: string): ByteQuantity | undefined {
    const match = QUANTITY.exec(text);
    if (!match) {
        return undefined;
    }
    const [, signed, exponentText, suffix] = match;
    if (signed.startsWith("-")) {
        return { kind: "not-positive" };
    }
    const number = signed.replace(/^\+/, "");
    const [whole, fraction = ""] = number.split(".");
    const digits = BigInt(`${whole}${fraction}` || "0");
    if (digits === 0n) {
        return { kind: "not-positive" };
    }
    // value = digits * 2^binary * 10^(decimal - fraction.length)
    let binary = 0n;
    let decimal = -fraction.length;
    if (exponentText !== undefined) {
        // Bounded before any power is computed: digits >= 1, so 10^41 is already too large; and
        // below 10^-(length of the digits) the value is a fraction of a byte.
        const exponent = Number(exponentText.slice(1));
        if (exponent > 40) {
            return { kind: "too-large" };
        }
        if (exponent + decimal < -(whole.length + fraction.length) - 1) {
            return { kind: "fraction", problem: "is not a whole number of bytes", fix: "use a whole number of bytes" };
        }
        decimal += exponent;
    } else if (suffix !== undefined && suffix in BINARY_EXPONENTS) {
        binary = BINARY_EXPONENTS[suffix];
    } else {
        decimal += DECIMAL_EXPONENTS[suffix ?? ""];
    }
    let numerator = digits * 2n ** binary;
    let denominator = 1n;
    if (decimal >= 0) {
        numerator *= 10n ** BigInt(decimal);
    } else {
        denominator = 10n ** BigInt(-decimal);
    }
    if (numerator % denominator !== 0n) {
        const floor = numerator / denominator;
        const mebibytes = floor / 2n ** 20n;
        const instead = floor === 0n ? "" : mebibytes > 0n ? ` such as "${mebibytes}Mi" or "${floor}"` : ` such as "${floor}"`;
        const fix =
            suffix === "m" || suffix === "u" || suffix === "n"
                ? `"${suffix}" is a fraction (milli, micro, nano), not mega: use "${number}Mi" or "${number}M"`
                : `use a whole number of bytes${instead} (Ki, Mi, Gi are 1024-based; k, M, G 1000-based)`;
        return { kind: "fraction", problem: "is not a whole number of bytes", fix };
    }
    const bytes = numerator / denominator;
    if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
        return { kind: "too-large" };
    }
    return { kind: "bytes", bytes: Number(bytes) };
}
