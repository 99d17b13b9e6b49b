import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SCRIPTS } from "../../sdk/core/constants";
import { requireTools } from "../support/requirements";

const ROOT = path.join(__dirname, "..", "..");

/** Every shell script in the repository outside node_modules. */
function shellScripts(dir = ROOT): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            return ["node_modules", ".git", "bin"].includes(entry.name) ? [] : shellScripts(full);
        }
        return entry.name.endsWith(".sh") || full.endsWith(path.join(".ci", "run")) ? [full] : [];
    });
}

describe("shell scripts", function () {
    this.timeout(30000);
    before(function () {
        requireTools(this, ["shellcheck"]);
    });

    it("ships every pod script the manifests name, each in its role's folder, and no other", () => {
        const listed = Object.values(SCRIPTS).map(({ role, file }) => path.join(role, file));
        const shipped = shellScripts(path.join(ROOT, "sdk", "scripts")).map((file) =>
            path.relative(path.join(ROOT, "sdk", "scripts"), file),
        );
        assert.deepEqual(shipped.sort(), listed.sort());
    });

    it("loads the library by its ConfigMap key, next to the script, as the container lays them out", () => {
        for (const script of Object.values(SCRIPTS).filter(({ role }) => role !== "lib")) {
            const text = fs.readFileSync(path.join(ROOT, "sdk", "scripts", script.role, script.file), "utf8");
            assert.match(
                text,
                new RegExp(`# shellcheck source=../lib/common.sh\\n\\. "\\$\\(dirname "\\$0"\\)/${SCRIPTS.common.key}"\\n`),
                script.key,
            );
        }
    });

    it("passes shellcheck, every one of them", () => {
        const scripts = shellScripts();
        assert.ok(scripts.length >= Object.keys(SCRIPTS).length + 1, scripts.join(", "));
        const result = (() => {
            try {
                return execFileSync("shellcheck", ["--severity=style", "--external-sources", "--source-path=SCRIPTDIR", ...scripts], {
                    encoding: "utf8",
                });
            } catch (error) {
                return (error as { stdout: string }).stdout || String(error);
            }
        })();
        assert.equal(result, "");
    });
});
