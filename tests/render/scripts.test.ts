import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SCRIPT_FILES } from "../../sdk/core/constants";
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

    it("ships every pod script the manifests name", () => {
        for (const file of Object.values(SCRIPT_FILES)) {
            assert.ok(fs.existsSync(path.join(ROOT, "sdk", "scripts", file)), file);
        }
    });

    it("passes shellcheck, every one of them", () => {
        const scripts = shellScripts();
        assert.ok(scripts.length >= Object.keys(SCRIPT_FILES).length + 1, scripts.join(", "));
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
