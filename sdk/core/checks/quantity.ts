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
