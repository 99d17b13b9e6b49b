// npm run emulate -- --stack <name>
// Renders the stack as `npm run render` does, runs its pods in the pod emulator with the host's
// redis-server, prints one line of JSON when every pod is Ready, and tears everything down on
// SIGINT/SIGTERM. Progress and logs go to stderr.
import { Emulator } from ".";
import { KubeObject, renderStack } from "../../tools/render";
import { parseStackArgs } from "../../tools/cli-args";
import { Loose } from "../support/loose";

async function main(): Promise<void> {
    const { stack } = parseStackArgs("emulate", process.argv.slice(2));
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const objects = await renderStack(stack, { showSecrets: true });
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
        process.stdout.write(`${JSON.stringify(await readyReport(emulator, objects))}\n`);
    } catch (error) {
        await emulator.stop();
        throw error;
    }
}

/** Waits for every StatefulSet, then describes the pods and how to connect from the host. */
async function readyReport(emulator: Emulator, objects: KubeObject[]) {
    for (const sts of objects.filter((o) => o.kind === "StatefulSet")) {
        await emulator.waitReady(sts.metadata.name, { namespace: sts.metadata.namespace, timeoutMs: 120000 });
    }
    const secret = objects.find((o) => o.kind === "Secret") as Loose;
    const client = objects.find((o) => o.kind === "Service" && (o as Loose).spec.clusterIP !== "None") as Loose;
    const [host] = emulator.serviceAddresses(client.metadata.name, client.metadata.namespace);
    return {
        ready: true,
        pods: Object.fromEntries(emulator.pods().map((pod) => [pod.name, pod.ip])),
        connection: { host, port: client.spec.ports[0].port as number, password: Object.values<string>(secret.stringData)[0] },
    };
}

main().catch((error: Error) => {
    process.stderr.write(`emulate: ${error.stack ?? error.message}\n`);
    process.exit(1);
});
