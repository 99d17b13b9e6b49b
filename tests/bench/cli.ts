// npm run bench -- failover [runs] | down-after [crashes] [soakSeconds]
// Benchmarks on the local cluster (tools/cluster/cluster.sh up first); see each bench's file.
import { benchDownAfter } from "./down-after";
import { benchFailover } from "./failover";

const BENCHES: Record<string, (args: string[]) => Promise<void>> = {
    failover: (args) => benchFailover(args[0] === undefined ? 10 : Number(args[0])),
    "down-after": (args) => benchDownAfter(args[0] === undefined ? 6 : Number(args[0]), args[1] === undefined ? 120 : Number(args[1])),
};

async function main(): Promise<void> {
    const [name, ...args] = process.argv.slice(2);
    const bench = BENCHES[name ?? ""];
    if (!bench) {
        throw new Error(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [arguments]`);
    }
    await bench(args);
}

main().catch((error: Error) => {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(1);
});
