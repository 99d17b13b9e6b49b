import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

const LIB = path.join(__dirname, "..", "..", "sdk", "scripts", "lib", "sentinel.sh");
const PEERS = ["ha-0", "ha-1", "ha-2"].map((pod) => `${pod}.data.svc.cluster.local`);

/** Runs `current_host HOST` of lib-sentinel.sh in sh, as the pod's scripts do. */
function currentHost(host: string): string {
    return execFileSync("sh", ["-c", '. "$0" && current_host "$1"', LIB, host], {
        env: {
            PATH: process.env.PATH,
            SENTINEL_PORT: "26379",
            MASTER_NAME: "ha",
            POD_NAME: "ha-1",
            PEER_DOMAIN: "data.svc.cluster.local",
            PEER_HOSTS: PEERS.join(" "),
        },
        encoding: "utf8",
    }).trimEnd();
}

describe("lib-sentinel.sh: a saved state's names mapped to the deployment's current ones", () => {
    it("names a pod by its Service's host name, whatever name an earlier version saved it under", () => {
        assert.equal(currentHost("ha-2.ha-headless.data.svc.cluster.local"), PEERS[2]);
        assert.equal(currentHost(PEERS[0]), PEERS[0]);
        assert.equal(currentHost("ha-1"), PEERS[1]);
    });

    it("leaves a name of no pod of the deployment as it is", () => {
        assert.equal(currentHost("ha-10.data.svc.cluster.local"), "ha-10.data.svc.cluster.local");
        assert.equal(currentHost("other-0.data.svc.cluster.local"), "other-0.data.svc.cluster.local");
        assert.equal(currentHost(""), "");
    });
});
