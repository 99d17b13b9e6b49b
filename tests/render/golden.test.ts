import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { GOLDEN_DIR, goldenCases } from "../../tools/golden";

describe("golden renders (update with `npm run golden:update` when a change is intended)", function () {
    this.timeout(30000);
    for (const golden of goldenCases()) {
        it(`${golden.file} is rendered byte for byte`, async () => {
            const file = path.join(GOLDEN_DIR, golden.file);
            assert.ok(fs.existsSync(file), `${file} is missing: run npm run golden:update`);
            assert.equal(await golden.render(), fs.readFileSync(file, "utf8"));
        });
    }

    it("has no golden file that no case renders", () => {
        const expected = new Set(goldenCases().map((golden) => golden.file));
        assert.deepEqual(
            fs.readdirSync(GOLDEN_DIR).filter((file) => !expected.has(file)),
            [],
        );
    });
});
