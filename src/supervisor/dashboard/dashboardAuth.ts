/**
 * Who may read the dashboard. It listens on 127.0.0.1, but any local process and any web page
 * the user opens can reach that address, so two checks guard every request:
 * - the Host header must be 127.0.0.1 or localhost on the dashboard's port: a page on another
 *   origin that rebinds its DNS name to 127.0.0.1 still sends its own name (403);
 * - the request must carry the daemon's token: in the URL `relay dashboard` prints (once; the
 *   page then moves it into an HttpOnly SameSite=Strict cookie and drops it from the address
 *   bar) or in that cookie (401 otherwise). SameSite=Strict keeps another site's links and
 *   forms from riding on the cookie.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, URL-safe. */
export function newDashboardToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only the loopback names, on our port: anything else is a rebinding attempt or a mistake. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.trim().toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

/** The cookie's name carries the port: cookies are per host, not per port, and two homes may each run a dashboard. */
export function cookieName(port: number): string {
  return `relay_dashboard_${port}`;
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Constant-time comparison, so the token cannot be guessed a byte at a time from response times. */
export function sameToken(given: string | undefined | null, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
