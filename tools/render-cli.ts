// npm run render -- --stack <name> [--show-secrets]
// Prints, as multi-document YAML, every Kubernetes object `pulumi up` on that stack would create.
import { parseStackArgs } from "./cli-args";
import { renderStack, toYaml } from "./render";

async function main(): Promise<void> {
    const { stack, flags } = parseStackArgs("render", process.argv.slice(2), ["--show-secrets"]);
    process.stdout.write(toYaml(await renderStack(stack, { showSecrets: flags.has("--show-secrets") })));
}

main().catch((error: Error) => {
    process.stderr.write(`render: ${error.message}\n`);
    process.exit(1);
});
