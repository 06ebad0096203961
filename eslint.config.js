// ESLint for socketkit: typescript-eslint's recommended rules with type information, so that a promise nobody
// awaits (no-floating-promises) and `any` (no-explicit-any) are errors. Run with `npm run lint`.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["node_modules/", "coverage/", "dist/", "docs/api/"] },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test() returns a promise the runner itself tracks.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", name: ["test", "it", "describe", "suite"], package: "node:test" },
          ],
        },
      ],
      "@typescript-eslint/no-explicit-any": "error",
      // Unused names are tsc's job (noUnusedLocals, noUnusedParameters); `_name` marks one kept on purpose.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // The ANSI and control-character escapes in the CLI's output and log code are the point of those regexes.
      "no-control-regex": "off",
    },
  },
);
