// npm run emulate -- --stack <name>
// Renders the stack as `npm run render` does, runs its pods in the pod emulator with the host's
// redis-server, prints one line of JSON when every pod is Ready, and tears everything down on
// SIGINT/SIGTERM. Progress and logs go to stderr.
import { Emulator } from ".";
import { RedisConnection } from "../../sdk/index";
import { KubeObject, renderStackWithOutputs } from "../../tools/render";
import { parseStackArgs } from "../../tools/cli-args";

async function main(): Promise<void> {
    const { stack } = parseStackArgs("emulate", process.argv.slice(2));
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const { objects, outputs } = await renderStackWithOutputs(stack, { showSecrets: true });
    log(`emulate: ${objects.length} objects rendered for stack ${stack}`);
    const emulator = await Emulator.start(objects, { log });
    let stopping = false;
    const stop = async (signal: string) => {
        if (stopping) {
            return;
        }
        stopping = true;
        log(`emulate: ${signal}: stopping`);
        await emulator.stop();
        process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));

    try {
        process.stdout.write(`${JSON.stringify(await readyReport(emulator, objects, outputs.connection))}\n`);
    } catch (error) {
        await emulator.stop();
        throw error;
    }
}

/**
 * Waits for every StatefulSet, then describes the pods and how to connect from the host: the
 * stack's own `connection` output, with its Service name turned into the address the emulator
 * gives it.
 */
async function readyReport(emulator: Emulator, objects: KubeObject[], connection: RedisConnection) {
    for (const sts of objects.filter((o) => o.kind === "StatefulSet")) {
        await emulator.waitReady(sts.metadata.name, { namespace: sts.metadata.namespace, timeoutMs: 120000 });
    }
    const service = connection.host.slice(0, connection.host.indexOf("."));
    const [host] = emulator.serviceAddresses(service, connection.namespace);
    return {
        ready: true,
        pods: Object.fromEntries(emulator.pods().map((pod) => [pod.name, pod.ip])),
        connection: { host, port: connection.port, password: connection.password },
    };
}

main().catch((error: Error) => {
    process.stderr.write(`emulate: ${error.stack ?? error.message}\n`);
    process.exit(1);
});
