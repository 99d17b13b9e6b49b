// One linter for the whole repository: sdk, tools, tests and examples.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

// The pure core decides what to deploy from plain data; only the shell (sdk/redis.ts) talks to Pulumi.
const pulumiAtRuntime = {
    patterns: [{ group: ["@pulumi/*"], allowTypeImports: true, message: "the core and the renderers are pure: import Pulumi types only (import type)" }],
};

export default tseslint.config(
    { ignores: ["node_modules/", "**/node_modules/", "sdk/bin/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    prettier,
    {
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            eqeqeq: ["error", "always"],
        },
    },
    {
        files: ["sdk/core/**/*.ts", "sdk/render/**/*.ts", "sdk/api/**/*.ts"],
        rules: { "@typescript-eslint/no-restricted-imports": ["error", pulumiAtRuntime] },
    },
    {
        files: ["tools/**/*.ts"],
        rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["**/tests/**"], message: "shipped commands never import from tests/" }] }] },
    },
);
