// The chart of a run: for every workload, one bar per peer showing @lsm/engine's ops/s
// divided by that peer's, on a log2 axis so that 2x faster and 2x slower are the same
// height, with bars growing up or down from the 1.0 line (parity). Plain SVG, no
// dependencies, deterministic for the same input.

import { ENGINE_TITLES } from './adapters/index.js';
import { ratio as fmtRatio } from './format.js';
import { PEERS, type PeerName, type WorkloadRatios } from './ratios.js';

const COLORS: Record<PeerName, string> = { 'classic-level': '#4e79a7', rocksdb: '#f28e2b', lmdb: '#59a14f' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An SVG document of the ratios; `subtitle` describes the run (keys, sizes, date). */
export function ratioChart(ratios: readonly WorkloadRatios[], peers: readonly PeerName[], title: string, subtitle: string): string {
  const shown = PEERS.filter((p) => peers.includes(p));
  const values = ratios.flatMap((r) => shown.map((p) => r.vs[p])).filter((v): v is number => v !== null && v > 0);
  const lo = Math.min(-2, Math.floor(Math.log2(Math.min(1, ...values))));
  const hi = Math.max(2, Math.ceil(Math.log2(Math.max(1, ...values))));
  const left = 60;
  const top = 70;
  const plotH = 320;
  const groupW = Math.max(60, shown.length * 22 + 24);
  const plotW = Math.max(1, ratios.length) * groupW;
  const width = left + plotW + 20;
  const height = top + plotH + 120;
  const y = (r: number): number => top + ((hi - Math.log2(r)) / (hi - lo)) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="${left}" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text x="${left}" y="44" fill="#555">${esc(subtitle)}</text>`);
  for (let e = lo; e <= hi; e++) {
    const r = 2 ** e;
    const yy = y(r).toFixed(1);
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${yy}" y2="${yy}" stroke="${e === 0 ? '#000' : '#ddd'}" stroke-width="${e === 0 ? 1.5 : 1}"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(r) + 4).toFixed(1)}" text-anchor="end">${r >= 1 ? r : `1/${1 / r}`}x</text>`);
  }
  parts.push(`<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">@lsm/engine ops/s ÷ peer ops/s (log scale)</text>`);
  ratios.forEach((r, gi) => {
    const gx = left + gi * groupW + 12;
    shown.forEach((p, pi) => {
      const v = r.vs[p];
      const x = gx + pi * 22;
      if (v === null || !(v > 0)) {
        parts.push(`<text x="${x + 9}" y="${(y(1) - 4).toFixed(1)}" text-anchor="middle" fill="#999" font-size="10">–</text>`);
        return;
      }
      const clamped = Math.min(2 ** hi, Math.max(2 ** lo, v));
      const y0 = y(1);
      const y1 = y(clamped);
      const yTop = Math.min(y0, y1);
      const h = Math.max(1, Math.abs(y1 - y0));
      parts.push(`<rect x="${x}" y="${yTop.toFixed(1)}" width="18" height="${h.toFixed(1)}" fill="${COLORS[p]}"><title>${esc(`${r.workload}: lsm ÷ ${ENGINE_TITLES[p]} = ${fmtRatio(v)}`)}</title></rect>`);
      const ly = v >= 1 ? yTop - 3 : yTop + h + 10;
      parts.push(`<text x="${x + 9}" y="${ly.toFixed(1)}" text-anchor="middle" font-size="9">${esc(fmtRatio(v))}</text>`);
    });
    const cx = gx + (shown.length * 22) / 2 - 2;
    parts.push(`<text x="${cx}" y="${top + plotH + 16}" text-anchor="end" transform="rotate(-35 ${cx} ${top + plotH + 16})">${esc(r.workload)}</text>`);
  });
  shown.forEach((p, i) => {
    const lx = left + i * 150;
    const ly = height - 14;
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[p]}"/>`);
    parts.push(`<text x="${lx + 16}" y="${ly}">vs ${esc(ENGINE_TITLES[p])}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
