import { stackNames } from "./stack-config";

/**
 * The arguments the repository's commands share: `--stack <name>` (required) and the boolean
 * flags a command accepts. A mistake prints the usage and exits 2.
 */
export function parseStackArgs(command: string, argv: string[], flags: string[] = []): { stack: string; flags: Set<string> } {
    const usage = (message: string): never => {
        const flagText = flags.map((flag) => ` [${flag}]`).join("");
        process.stderr.write(`${message}\nusage: npm run ${command} -- --stack <${stackNames().join("|")}>${flagText}\n`);
        process.exit(2);
    };
    let stack: string | undefined;
    const given = new Set<string>();
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack") {
            stack = argv[++i] ?? usage("--stack needs a stack name");
        } else if (flags.includes(argv[i])) {
            given.add(argv[i]);
        } else {
            usage(`unknown argument ${argv[i]}`);
        }
    }
    return { stack: stack ?? usage("--stack is required"), flags: given };
}
