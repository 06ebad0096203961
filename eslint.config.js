// ESLint for socketkit: typescript-eslint's type-checked recommended rules, so that a promise nobody awaits
// (no-floating-promises), `any` and where it leaks (no-unsafe-*) are errors, and the layering of src/ as rules.
// Run with `npm run lint`; test/lint/layering.test.ts shows that a forbidden import fails.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/**
 * Which folders of src/ each folder may import (its own always): the architecture of docs/architecture.md.
 * libc ← socket ← server ← deploy ← cli; libc ← kernel ← lab ← cli; sim, process and bench stand alone.
 */
export const LAYERS = {
  libc: [],
  process: [],
  sim: [],
  bench: [],
  socket: ["libc"],
  server: ["socket", "process"],
  deploy: ["server", "socket", "process"],
  kernel: ["libc"],
  lab: ["kernel", "libc", "sim", "socket", "process"],
};

/** A relative import that climbs out of its folder into one of src/'s folders that `allowed` does not name. */
function layerRule(folder, allowed) {
  const permitted = [folder, ...allowed].join("|");
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: folder === "libc" ? [] : [{ name: "koffi", message: "Only src/libc binds libc; use its sys table." }],
          patterns: [
            {
              regex: `^(\\.\\./)+(?!(${permitted})/)[a-z-]+/`,
              message: `src/${folder} may import only ${allowed.length ? allowed.map((a) => `src/${a}`).join(", ") : "itself"} (docs/architecture.md).`,
            },
            { regex: "^(\\.\\./)+index\\.js$", message: "src/index.ts is the package's entry point, not a layer." },
          ],
        },
      ],
    },
  };
}

export default defineConfig(
  { ignores: ["node_modules/", "coverage/", "dist/", "docs/api/"] },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
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
      // A promise chain forwards what it caught (unknown) as the rejection, as an async function would.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      // AddressFamily and SocketKind are Python's IntEnums: numbers by design, compared with number settings.
      "@typescript-eslint/no-unsafe-enum-comparison": "off",
    },
  },
  // Tests write async callbacks and hooks that await nothing on purpose: throwing in one is how they reject.
  {
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/require-await": "off" },
  },
  // Functions short enough to read at once: about 40 lines is the aim, more than 50 (comments included) an error.
  {
    files: ["src/**/*.ts"],
    rules: { "max-lines-per-function": ["error", { max: 50, skipBlankLines: false, skipComments: false }] },
  },
  // Outside src/libc nothing binds libc; the CLI and the entry point may import any layer.
  {
    files: ["src/cli/**/*.ts", "src/index.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [{ name: "koffi", message: "Only src/libc binds libc." }] }] },
  },
  ...Object.entries(LAYERS).map(([folder, allowed]) => layerRule(folder, allowed)),
);
