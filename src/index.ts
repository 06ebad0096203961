// socketkit: Python's socket and socketserver for TypeScript on Node.js, over real Linux kernel sockets.
export * from "./socket/index.js";
export * from "./server/index.js";
