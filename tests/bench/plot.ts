/** A series of measurements drawn as one column of points, with its median and a target line. */
export interface Column {
    label: string;
    valuesSeconds: number[];
    targetSeconds?: { median?: number; max?: number };
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A dot plot as a standalone SVG: one column per series, every run a dot, the median a bar, the
 * targets dashed lines. No library: the figure is simple and must render on GitHub as is.
 */
export function dotPlotSvg(title: string, columns: Column[]): string {
    const width = 220 * columns.length + 80;
    const height = 360;
    const top = 50;
    const bottom = 300;
    const left = 60;
    const all = columns.flatMap((c) => [...c.valuesSeconds, c.targetSeconds?.max ?? 0, c.targetSeconds?.median ?? 0]);
    const ceiling = Math.max(1, Math.ceil(Math.max(...all) + 0.5));
    const y = (seconds: number) => bottom - ((bottom - top) * seconds) / ceiling;
    const parts: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
        `<rect width="100%" height="100%" fill="white"/>`,
        `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escape(title)}</text>`,
        `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
        `<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">seconds</text>`,
    ];
    for (let tick = 0; tick <= ceiling; tick++) {
        parts.push(
            `<line x1="${left - 4}" y1="${y(tick)}" x2="${width - 20}" y2="${y(tick)}" stroke="#eee"/>`,
            `<text x="${left - 8}" y="${y(tick) + 4}" text-anchor="end">${tick}</text>`,
        );
    }
    columns.forEach((column, index) => {
        const center = left + 110 + 220 * index;
        const values = column.valuesSeconds;
        values.forEach((value, i) => {
            const jitter = ((i * 37) % 61) - 30;
            parts.push(`<circle cx="${center + jitter}" cy="${y(value)}" r="4" fill="#2a6fdb" fill-opacity="0.75"/>`);
        });
        if (values.length > 0) {
            const m = median(values);
            parts.push(
                `<line x1="${center - 45}" y1="${y(m)}" x2="${center + 45}" y2="${y(m)}" stroke="#111" stroke-width="3"/>`,
                `<text x="${center + 50}" y="${y(m) + 4}">median ${m.toFixed(2)}</text>`,
            );
        }
        for (const [kind, value, color] of [
            ["median target", column.targetSeconds?.median, "#1a9c3e"],
            ["max target", column.targetSeconds?.max, "#d0342c"],
        ] as const) {
            if (value !== undefined) {
                parts.push(
                    `<line x1="${center - 80}" y1="${y(value)}" x2="${center + 80}" y2="${y(value)}" stroke="${color}" stroke-dasharray="6 4"/>`,
                    `<text x="${center - 80}" y="${y(value) - 4}" fill="${color}">${kind} ${value} s</text>`,
                );
            }
        }
        parts.push(
            `<text x="${center}" y="${bottom + 22}" text-anchor="middle">${escape(column.label)}</text>`,
            `<text x="${center}" y="${bottom + 40}" text-anchor="middle" fill="#555">n = ${values.length}, max ${values.length ? Math.max(...values).toFixed(2) : "-"}</text>`,
        );
    });
    parts.push("</svg>");
    return parts.join("\n") + "\n";
}
