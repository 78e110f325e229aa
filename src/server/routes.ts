// The server's two entry points: plain HTTP requests (the page, behind the Host/Origin and token
// checks) and WebSocket upgrades on /ws (the same checks, then the broadcast loop).

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { CONTROL_TOKEN_META, type ConnectParams, connectParamsSchema } from '../protocol/client-messages.js';
import type { Broadcaster } from './broadcaster.js';
import { type ClientContext, handleClientMessage } from './client-handler.js';
import { checkRequest, type RequestPolicy, tokensMatch } from './security.js';
import { serveStatic } from './static-files.js';

/** What the routes need. */
export interface RouteContext {
  readonly policy: RequestPolicy;
  readonly token: string | undefined;
  /** Whether control is on; then the page carries `controlToken`. */
  readonly control: boolean;
  readonly controlToken: string;
  readonly staticDir: string;
  readonly wss: WebSocketServer;
  readonly broadcaster: Broadcaster;
  readonly client: ClientContext;
  readonly metricsCsv: ((runId: string) => string | undefined) | undefined;
}

const METRICS_CSV = /^\/runs\/([^/]+)\/metrics\.csv$/;

/** `/runs/<id>/metrics.csv`: a run's metrics from the store, at full resolution. */
function serveMetricsCsv(ctx: RouteContext, encodedId: string, res: ServerResponse): void {
  let runId: string;
  try {
    runId = decodeURIComponent(encodedId);
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('malformed run id');
    return;
  }
  let csv: string | undefined;
  try {
    csv = ctx.metricsCsv?.(runId);
  } catch (error) {
    // A store that cannot be read (damaged, gone) answers one line, never a trace.
    res.writeHead(503, { 'content-type': 'text/plain' }).end((error as Error).message.split('\n')[0]);
    return;
  }
  if (csv === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`no stored metrics for run ${runId}`);
    return;
  }
  const filename = `${runId.replace(/[^\w.-]+/g, '_')}.csv`;
  res
    .writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
    })
    .end(csv);
}

/**
 * The request target as a URL, or undefined when it is none (`GET //`, `GET //[`: `new URL` throws on
 * them, and a throw in a request listener is uncaught — it took the server, and its run, down).
 */
export function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://x');
  } catch {
    return undefined;
  }
}

/** The `<meta>` that hands the page the control token (HTML-escaped: a given token may hold any text). */
function controlTokenMeta(token: string): string {
  const escaped = token.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<meta name="${CONTROL_TOKEN_META}" content="${escaped}" />`;
}

/**
 * Serves the page; the page itself (not its public scripts and styles) needs the token when there is
 * one, and carries the control token when control is on.
 */
export function requestHandler(ctx: RouteContext): RequestListener {
  return (req, res) => {
    const problem = checkRequest(req, ctx.policy);
    if (problem) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(problem);
      return;
    }
    const url = requestUrl(req.url);
    if (!url) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('malformed request target');
      return;
    }
    const isPage = url.pathname === '/' || url.pathname === '/index.html';
    const csv = METRICS_CSV.exec(url.pathname);
    if (
      (isPage || csv) &&
      ctx.token !== undefined &&
      !tokensMatch(url.searchParams.get('token') ?? undefined, ctx.token)
    ) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('a valid ?token= is required');
      return;
    }
    if (csv && req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('GET only');
      return;
    }
    if (csv) return serveMetricsCsv(ctx, csv[1], res);
    const head = isPage && ctx.control ? controlTokenMeta(ctx.controlToken) : undefined;
    void serveStatic(req, res, ctx.staticDir, head);
  };
}

function rejectUpgrade(socket: Duplex, status: string): void {
  socket.on('error', () => {});
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function connectParams(url: URL): ConnectParams | undefined {
  const parsed = connectParamsSchema.safeParse(Object.fromEntries(url.searchParams));
  return parsed.success ? parsed.data : undefined;
}

/** Accepts a socket on /ws after the Host/Origin, query and token checks, and hands it to the loop. */
export function upgradeHandler(
  ctx: RouteContext,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const url = requestUrl(req.url);
    if (!url) return rejectUpgrade(socket, '400 Bad Request');
    if (url.pathname !== '/ws') return rejectUpgrade(socket, '404 Not Found');
    if (checkRequest(req, ctx.policy)) return rejectUpgrade(socket, '403 Forbidden');
    const params = connectParams(url);
    if (!params) return rejectUpgrade(socket, '400 Bad Request');
    if (ctx.token !== undefined && !tokensMatch(params.token, ctx.token)) {
      return rejectUpgrade(socket, '401 Unauthorized');
    }
    ctx.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      // A failing client is dropped; it never throws into the server (or training).
      ws.on('error', () => ws.terminate());
      ws.on('message', (data, isBinary) => handleClientMessage(ws, data, isBinary, ctx.client));
      ctx.wss.emit('connection', ws, req);
      const { session, since } = params;
      ctx.broadcaster.add(ws, session !== undefined && since !== undefined ? { session, since } : undefined);
    });
  };
}
