// Seeded generator of realistic small records for the dictionary benchmark: JSON documents
// (user profiles, orders, events) and web-server / application log lines, keyed like an
// application would key them and packed into 4 KiB data blocks with the table's own block
// builder, so the samples are exactly what a table writer compresses. Same seed, same bytes.

import { BlockBuilder } from '../src/block-builder.js';
import { encodeInternalKey, ValueType } from '@lsm/base';

/** xorshift32 PRNG: small, fast, deterministic. */
export class Rng {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.x = x;
    return x;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  /** Zipf-ish skew: small indices are more common. */
  skewed<T>(a: readonly T[]): T {
    const r = this.next() / 2 ** 32;
    return a[Math.floor(r * r * a.length)]!;
  }
}

const FIRST = ['Alice', 'Bob', 'Carla', 'Dmitri', 'Eve', 'Farah', 'Gustavo', 'Hana', 'Ivan', 'Jun', 'Kofi', 'Lena', 'Mateo', 'Noor', 'Olga', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Viktor', 'Wen', 'Ximena', 'Yusuf', 'Zoe'];
const LAST = ['Anderson', 'Brown', 'Chen', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kim', 'Lopez', 'Müller', 'Nguyen', 'Okafor', 'Petrov', 'Rossi', 'Silva', 'Tanaka', 'Usman', 'Virtanen', 'Wang', 'Yilmaz', 'Zhang'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'gmail.com', 'outlook.com', 'proton.me'];
const CITIES = ['Berlin', 'Lisbon', 'Osaka', 'Toronto', 'Nairobi', 'Austin', 'Melbourne', 'São Paulo', 'Oslo', 'Pune'];
const COUNTRIES = ['DE', 'PT', 'JP', 'CA', 'KE', 'US', 'AU', 'BR', 'NO', 'IN'];
const TAGS = ['premium', 'beta', 'newsletter', 'churn-risk', 'enterprise', 'trial', 'verified', 'mobile', 'vip', 'partner'];
const STATUS = ['active', 'pending', 'suspended', 'deleted'];
const PRODUCTS = ['SKU-1001', 'SKU-1002', 'SKU-2040', 'SKU-3300', 'SKU-4711', 'SKU-5150', 'SKU-6502', 'SKU-8086'];
const EVENTS = ['page_view', 'click', 'add_to_cart', 'checkout', 'login', 'logout', 'search', 'signup'];
const PATHS = ['/api/v1/users', '/api/v1/orders', '/api/v1/products', '/api/v2/search', '/healthz', '/static/app.js', '/login', '/api/v1/cart'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const CODES = [200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 404, 500, 503];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'curl/8.4.0',
  'okhttp/4.12.0',
];
const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const SERVICES = ['api-gateway', 'order-service', 'auth', 'billing', 'search-indexer'];
const MESSAGES = [
  'request completed',
  'cache miss, loading from database',
  'retrying upstream call',
  'token refreshed',
  'payment authorized',
  'slow query detected',
  'connection reset by peer',
];

const BASE_TIME = Date.UTC(2026, 10, 24, 8, 0, 0);

function hexId(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[r.int(16)];
  return s;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function userDoc(r: Rng, id: number): string {
  const first = r.skewed(FIRST);
  const last = r.skewed(LAST);
  const city = r.int(CITIES.length);
  const tags: string[] = [];
  for (let i = r.int(4); i > 0; i--) tags.push(r.pick(TAGS));
  return JSON.stringify({
    id,
    name: `${first} ${last}`,
    email: `${first.toLowerCase()}.${last.toLowerCase()}${r.int(100)}@${r.skewed(DOMAINS)}`,
    status: r.skewed(STATUS),
    created_at: iso(BASE_TIME - r.int(3 * 365 * 86400) * 1000),
    address: { city: CITIES[city], country: COUNTRIES[city], zip: String(10000 + r.int(89999)) },
    tags,
    settings: { theme: r.pick(['dark', 'light', 'system']), notifications: r.int(2) === 0, locale: r.pick(['en-US', 'de-DE', 'pt-BR', 'ja-JP']) },
    login_count: r.int(5000),
  });
}

function orderDoc(r: Rng, id: number): string {
  const items = [];
  for (let i = 1 + r.int(3); i > 0; i--) items.push({ sku: r.skewed(PRODUCTS), qty: 1 + r.int(4), price_cents: 199 + r.int(20000) });
  return JSON.stringify({
    order_id: `ord_${hexId(r, 12)}`,
    user_id: id,
    state: r.pick(['created', 'paid', 'shipped', 'delivered', 'refunded']),
    items,
    currency: r.pick(['USD', 'EUR', 'JPY']),
    placed_at: iso(BASE_TIME + r.int(86400) * 1000),
    shipping: { method: r.pick(['standard', 'express', 'pickup']), carrier: r.pick(['DHL', 'UPS', 'FedEx', 'USPS']) },
  });
}

function eventDoc(r: Rng, id: number): string {
  return JSON.stringify({
    event: r.skewed(EVENTS),
    user_id: id,
    session: hexId(r, 16),
    ts: BASE_TIME + r.int(86400000),
    page: r.pick(PATHS),
    device: { os: r.pick(['iOS', 'Android', 'Windows', 'macOS', 'Linux']), app_version: `3.${r.int(20)}.${r.int(10)}` },
    referrer: r.int(3) === 0 ? null : `https://${r.pick(DOMAINS)}/`,
  });
}

function accessLog(r: Rng, t: number): string {
  const ip = `${10 + r.int(200)}.${r.int(256)}.${r.int(256)}.${r.int(256)}`;
  const path = r.skewed(PATHS) + (r.int(2) === 0 ? `/${r.int(100000)}` : '');
  return `${ip} - - [${iso(t)}] "${r.skewed(METHODS)} ${path} HTTP/1.1" ${r.skewed(CODES)} ${r.int(20000)} "-" "${r.skewed(AGENTS)}" rt=${(r.int(5000) / 1000).toFixed(3)}`;
}

function appLog(r: Rng, t: number): string {
  return `${iso(t)} ${r.skewed(LEVELS)} [${r.skewed(SERVICES)}] request_id=${hexId(r, 16)} user=${r.int(100000)} msg="${r.skewed(MESSAGES)}" latency_ms=${r.int(2000)}`;
}

/** One record: key and value, for record number `i` (keys ascend with i). */
export function record(r: Rng, i: number): { key: string; value: string } {
  const kind = r.int(5);
  const id = 100000 + r.int(900000);
  const t = BASE_TIME + i * 37;
  const k = `rec:${String(i).padStart(10, '0')}`;
  switch (kind) {
    case 0:
      return { key: `${k}/doc/user`, value: userDoc(r, id) };
    case 1:
      return { key: `${k}/doc/order`, value: orderDoc(r, id) };
    case 2:
      return { key: `${k}/doc/event`, value: eventDoc(r, id) };
    case 3:
      return { key: `${k}/log/access`, value: accessLog(r, t) };
    default:
      return { key: `${k}/log/app`, value: appLog(r, t) };
  }
}

/**
 * `count` data blocks of about `blockSize` bytes each, built from seeded records with the
 * table's block builder (internal keys, restart interval 16), as a table writer cuts them.
 */
export function makeBlocks(seed: number, count: number, blockSize = 4096): Uint8Array[] {
  const r = new Rng(seed);
  const enc = new TextEncoder();
  const b = new BlockBuilder(16, blockSize * 2);
  const out: Uint8Array[] = [];
  let i = 0;
  while (out.length < count) {
    const rec = record(r, i);
    const key = encodeInternalKey(enc.encode(rec.key), i + 1, ValueType.Value);
    b.add(key, key.length, enc.encode(rec.value));
    i++;
    if (b.estimatedSize() >= blockSize) {
      out.push(b.finish().slice());
      b.reset();
    }
  }
  return out;
}
