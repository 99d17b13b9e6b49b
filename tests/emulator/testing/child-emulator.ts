// A separate Node process running an emulator, for tests of what happens when its process is
// signalled, killed or crashes. Prints "ready <instance id>" once its pod is Ready.
// Usage: child-emulator.ts wait|throw
import { Emulator } from "../emulator";
import { redisContainer, statefulSet } from "./fixtures";

async function main(): Promise<void> {
    const then = process.argv[2] ?? "wait";
    const emulator = await Emulator.start([statefulSet({ name: "child", containers: [redisContainer()] })]);
    await emulator.waitReady("child");
    process.stdout.write(`ready ${emulator.id}\n`);
    if (then === "throw") {
        setTimeout(() => {
            throw new Error("a crash the exit handler has to clean up after");
        }, 100);
    } else {
        setInterval(() => undefined, 60_000);
    }
}

main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(2);
});
