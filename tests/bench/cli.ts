// npm run bench -- failover [runs]
// Benchmarks on the local cluster (tools/cluster/cluster.sh up first); see each bench's file.
import { benchFailover } from "./failover";

const BENCHES: Record<string, (args: string[]) => Promise<void>> = {
    failover: (args) => benchFailover(args[0] === undefined ? 10 : Number(args[0])),
};

async function main(): Promise<void> {
    const [name, ...args] = process.argv.slice(2);
    const bench = BENCHES[name ?? ""];
    if (!bench) {
        throw new Error(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [runs]`);
    }
    await bench(args);
}

main().catch((error: Error) => {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(1);
});
