import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

/*
 * The web dashboard's static files, served by the API itself (same origin, so no CORS and the bearer token never
 * leaves it): `GET /` is the page, `GET /assets/<file>` its script, style sheet and icon. They are built from web/
 * by esbuild (web/build.mjs) — into the API Lambda's bundle at CDK bundling time, in memory at `wirewatch serve`'s
 * start — and never committed. These two paths need no token: the files hold no data; every data request of the
 * page carries `Authorization: Bearer` and goes through the same checks as any other client's.
 */

/** One static file. `body` is UTF-8 text (every dashboard file is text: HTML, JS, CSS, SVG). */
export interface DashboardFile {
  body: string;
  contentType: string;
}

/** Where the dashboard's files come from. */
export interface DashboardAssets {
  /** The page (`index.html`), or null when the dashboard was not built. */
  page(): Promise<DashboardFile | null>;
  /** An asset by file name (`app-<hash>.js`), or null when there is none of that name. */
  asset(name: string): Promise<DashboardFile | null>;
}

/**
 * Response headers of every dashboard file (OWASP Secure Headers): a Content Security Policy that allows only this
 * origin's own script and style sheet — no inline script, no inline style, no `eval` — and requires Trusted Types
 * with no policy, so no string can reach an HTML sink (`innerHTML`) even by mistake (W3C Trusted Types); data
 * requests only to this origin; no framing (`frame-ancestors 'none'`, and `X-Frame-Options` for old browsers); no
 * forms submitted anywhere (the sign-in form is handled by script, so a token can never end up in a URL); no
 * MIME sniffing; no referrer.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** Security headers shared by every dashboard response (see {@link DASHBOARD_CSP}). */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/** An asset file name as the build writes them: no directories, no dot files. */
const ASSET_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,100}(?:\.[A-Za-z0-9]{1,8}){1,2}$/;

/** Which dashboard file a request path names: `page`, an asset, or null when the path is not the dashboard's. */
export function dashboardTarget(path: string): { kind: 'page' } | { kind: 'asset'; name: string } | null {
  if (path === '/' || path === '/index.html') return { kind: 'page' };
  const m = /^\/assets\/([^/]*)$/.exec(path);
  if (!m) return null;
  return { kind: 'asset', name: m[1]! };
}

/** The content type of a dashboard file by its name's extension (`application/octet-stream` otherwise). */
export function dashboardContentType(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** Whether `name` can be a built asset's file name (used before any file-system access). */
export function isAssetName(name: string): boolean {
  return ASSET_NAME_RE.test(name);
}

/**
 * Dashboard files from a directory laid out as web/build.mjs writes it: `<dir>/index.html` and
 * `<dir>/assets/<file>`. Read once, at the first request (not at cold start), then kept in memory; a directory
 * that does not exist serves nothing (the API answers 404 for the dashboard paths).
 * @param dir absolute directory, e.g. `/var/task/web` in the API Lambda
 */
export function dashboardFromDir(dir: string): DashboardAssets {
  let loaded: Promise<Map<string, DashboardFile> | null> | undefined;
  const load = async (): Promise<Map<string, DashboardFile> | null> => {
    let page: string;
    try {
      page = await readFile(join(dir, 'index.html'), 'utf8');
    } catch {
      return null;
    }
    const files = new Map<string, DashboardFile>([
      ['', { body: page, contentType: dashboardContentType('index.html') }],
    ]);
    const names = await readdir(join(dir, 'assets')).catch(() => [] as string[]);
    for (const name of names) {
      if (!isAssetName(name)) continue;
      files.set(name, {
        body: await readFile(join(dir, 'assets', name), 'utf8'),
        contentType: dashboardContentType(name),
      });
    }
    return files;
  };
  const files = () => {
    loaded ??= load();
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };
  return {
    async page() {
      return (await files())?.get('') ?? null;
    },
    async asset(name) {
      if (!isAssetName(name)) return null;
      return (await files())?.get(name) ?? null;
    },
  };
}

/**
 * Dashboard files held in memory (the local runtime builds them at start).
 * @param files `index.html` and `assets/<file>` paths → text
 */
export function dashboardFromFiles(files: ReadonlyMap<string, string>): DashboardAssets {
  const page = files.get('index.html');
  return {
    async page() {
      return page === undefined ? null : { body: page, contentType: dashboardContentType('index.html') };
    },
    async asset(name) {
      if (!isAssetName(name)) return null;
      const body = files.get(`assets/${name}`);
      return body === undefined ? null : { body, contentType: dashboardContentType(name) };
    },
  };
}
