// socketkit: Python's socket and socketserver for TypeScript on Node.js, over real Linux kernel sockets, and the
// deployment layer above them (socketkit/deploy). Every name of the three entry points, from one import.

// The published declarations use Node's types (Buffer, node:util); this pulls them in for a consumer whose tsconfig
// lists no `types` (tsc --init's default). tsc keeps the directive in the .d.ts only when it says preserve.
/// <reference types="node" preserve="true" />
export * from "./socket/index.js";
export * from "./server/index.js";
export * from "./deploy/index.js";
