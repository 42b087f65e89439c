import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { RouteHandler } from './http-server.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Nothing from elsewhere: scripts, styles and connections to this server only; no framing (the command form). */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

interface StaticFile {
  body: Buffer;
  type: string;
  /** Vite names assets after their content hash: they never change under their name. */
  immutable: boolean;
}

/** Where `npm run build` puts the console (vite's outDir). */
export function consoleDirectory(): string {
  return join(packageRoot(), 'dist', 'console');
}

/**
 * The web console's static files, served at `/` without a token: they hold no data (everything the page
 * shows comes from `/api/`, which asks for the token). Only the files the build wrote are served, read
 * once; no path from a request ever reaches the file system.
 */
export function consoleFiles(directory = consoleDirectory()): RouteHandler {
  let files: Map<string, StaticFile> | undefined;
  return (request, response, url) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    files ??= readBuild(directory);
    const file = files.get(url.pathname === '/' ? '/index.html' : url.pathname);
    if (!file) {
      if (url.pathname !== '/' || files.size > 0) return false;
      response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(`The web console is not built (no ${directory}): run \`npm run build\`.\n`);
      return true;
    }
    response.writeHead(200, {
      'Content-Type': file.type,
      'Content-Length': file.body.length,
      'Cache-Control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...PAGE_HEADERS,
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
    return true;
  };
}

function readBuild(directory: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(directory)) return files;
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (TYPES[extname(entry.name)]) {
        const name = `/${relative(directory, path).split(sep).join('/')}`;
        files.set(name, {
          body: readFileSync(path),
          type: TYPES[extname(entry.name)] as string,
          immutable: name.startsWith('/assets/'),
        });
      }
    }
  };
  walk(directory);
  return files;
}
