// The local endpoints answer only requests addressed to a loopback host. A
// web page the user opens can make the browser send requests to 127.0.0.1
// under a name of its own that resolves there (DNS rebinding); such a request
// carries that name in its Host header, and is refused before anything else
// is done with it.
import type { IncomingMessage, ServerResponse } from 'node:http';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** True when `host` (a Host header) names a loopback address and the endpoint's own port. */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const name = host.toLowerCase();
  return LOOPBACK_NAMES.some((n) => name === `${n}:${port}` || (port === 80 && name === n));
}

/**
 * Answers 421 Misdirected Request, and true, when `req` is addressed to
 * another host than a loopback one on `port`: the caller then does nothing
 * else with it.
 */
export function refusedAsMisdirected(req: IncomingMessage, res: ServerResponse, port: number): boolean {
  if (isLoopbackHost(req.headers.host, port)) return false;
  res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end(
    `Misdirected request: this local endpoint answers only requests to 127.0.0.1, localhost or [::1] on port ${port}\n`,
  );
  return true;
}
