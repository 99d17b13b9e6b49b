import { clusterUnavailable } from "../e2e/harness/cluster";

/**
 * Skips the suite, loudly, when no local cluster runs (tools/cluster/cluster.sh up); in CI (CI
 * set) it fails instead, so that a cluster that did not start cannot turn into a green run.
 */
export async function requireCluster(context: Mocha.Context): Promise<void> {
    const reason = await clusterUnavailable();
    if (!reason) {
        return;
    }
    if (process.env.CI) {
        throw new Error(reason);
    }
    console.warn(`\n  !!! SKIPPED "${context.test?.parent?.title}": ${reason}\n`);
    context.skip();
}
