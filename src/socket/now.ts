// The keys of a Socket's calls that never wait, whatever its timeout: symbols, so that they stay off Python's
// surface while the server framework and the forking worker reach them. socket.ts implements and re-exports them.

/**
 * For the server framework: a socket's accept() that never waits, so that a serving loop that was told "readable"
 * cannot be held by a connection another process took first, while the listener keeps Python's timeout (None).
 */
export const acceptNow = Symbol("socketkit.acceptNow");

/** Likewise for a datagram server's recvfrom(). */
export const recvfromNow = Symbol("socketkit.recvfromNow");

/**
 * recvmsg_into() that never waits and is done when it returns, not a promise: for a message queued before the
 * process started, read inside a constructor (the forking worker's hello).
 */
export const recvmsgNow = Symbol("socketkit.recvmsgNow");
