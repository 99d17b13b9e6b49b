// npm run render -- --stack <name> [--show-secrets]
// Prints, as multi-document YAML, every Kubernetes object `pulumi up` on that stack would create.
import { renderStack, toYaml } from "./render";
import { stackNames } from "./stack-config";

function usage(message: string): never {
    process.stderr.write(`${message}\nusage: npm run render -- --stack <${stackNames().join("|")}> [--show-secrets]\n`);
    process.exit(2);
}

async function main(argv: string[]): Promise<void> {
    let stack: string | undefined;
    let showSecrets = false;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack") {
            stack = argv[++i] ?? usage("--stack needs a stack name");
        } else if (argv[i] === "--show-secrets") {
            showSecrets = true;
        } else {
            usage(`unknown argument ${argv[i]}`);
        }
    }
    if (!stack) {
        usage("--stack is required");
    }
    process.stdout.write(toYaml(await renderStack(stack, { showSecrets })));
}

main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`render: ${error.message}\n`);
    process.exit(1);
});
