// npm run golden:update
// Rewrites the golden renders (tests/render/golden/) from the current code. The golden test
// compares against them; run this only when a change of the rendered objects is intended, and
// review the diff.
import * as fs from "fs";
import * as path from "path";
import { GOLDEN_DIR, goldenCases } from "./golden";

async function main(): Promise<void> {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    for (const golden of goldenCases()) {
        const file = path.join(GOLDEN_DIR, golden.file);
        const text = await golden.render();
        const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        fs.writeFileSync(file, text);
        process.stderr.write(`golden: ${golden.file} ${before === text ? "unchanged" : before === undefined ? "created" : "updated"}\n`);
    }
}

main().catch((error: Error) => {
    process.stderr.write(`golden: ${error.stack ?? error.message}\n`);
    process.exit(1);
});
