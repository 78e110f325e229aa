// Who may talk to the dashboard server: tokens, loopback detection, and the Host/Origin checks that
// stop other web pages (including DNS-rebinding ones) from reading or steering a run.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** A fresh random token (128 bits, URL-safe). */
export function generateToken(): string {
  return randomBytes(16).toString('base64url');
}

/** Compares a presented token with the expected one in constant time. */
export function tokensMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True for host names and addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host name of a `Host` header value (`[::1]:8080` → `[::1]`, `a.b:80` → `a.b`). */
function hostName(hostHeader: string): string {
  return hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.split(':')[0];
}

/** What {@link checkRequest} needs to know about the server. */
export interface RequestPolicy {
  /** The server is bound to loopback and has no token. */
  readonly loopbackOnly: boolean;
  /** Origins allowed besides the page's own (e.g. a dev server), like `http://localhost:5173`. */
  readonly allowedOrigins: readonly string[];
}

/**
 * Why a request must be refused, or undefined to accept it. A loopback-only server also requires a
 * loopback `Host`: a DNS-rebinding page has its own name there. A browser's `Origin` must be the page's
 * own or an allowed one; clients that send none (not browsers) pass.
 */
export function checkRequest(req: IncomingMessage, policy: RequestPolicy): string | undefined {
  const host = req.headers.host;
  if (host === undefined) return 'missing Host header';
  if (policy.loopbackOnly && !isLoopback(hostName(host))) return `Host ${host} is not a loopback name`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  if (origin === `http://${host}` || origin === `https://${host}`) return undefined;
  if (policy.allowedOrigins.includes(origin)) return undefined;
  return `Origin ${origin} is not allowed`;
}
