// npm run render -- --stack <name> [--show-secrets]
// Prints, as multi-document YAML, every Kubernetes object `pulumi up` on that stack would create.
import { parseStackArgs } from "./cli-args";
import { renderStack, toYaml } from "./render";

async function main(): Promise<void> {
    const { stack, flags } = parseStackArgs("render", process.argv.slice(2), ["--show-secrets"]);
    const showSecrets = flags.has("--show-secrets");
    const objects = await renderStack(stack, { showSecrets });
    if (!showSecrets) {
        process.stderr.write(
            "render: Secrets are left out (they hold the password); add --show-secrets to print them, or create them yourself\n",
        );
    }
    if (objects.some((object) => (object.spec as { template?: { spec?: { hostAliases?: unknown } } })?.template?.spec?.hostAliases)) {
        process.stderr.write(
            "render: the pods' hostAliases hold made-up cluster IPs: the real ones exist only once the Services do (`pulumi up` fills them in)\n",
        );
    }
    process.stdout.write(toYaml(objects));
}

main().catch((error: Error) => {
    process.stderr.write(`render: ${error.message}\n`);
    process.exit(1);
});
