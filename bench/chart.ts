/**
 * The chart for BENCHMARKS.md: stage time against table size on log-log axes, drawn as SVG and
 * rendered to PNG with resvg (a prebuilt binary from the npm registry; system fonts for the text).
 */
import { Resvg } from '@resvg/resvg-js';

export interface ChartPoint {
  /** services + real servers: the number of objects (and of `-S -n` lines) in the table */
  readonly x: number;
  readonly ms: number;
}

export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  /** connected by a line (the ×4 family) */
  readonly line: readonly ChartPoint[];
  /** other table shapes, drawn as markers only */
  readonly extra: readonly { readonly point: ChartPoint; readonly shape: 'square' | 'triangle' }[];
}

export interface ChartSpec {
  readonly title: string;
  readonly subtitle: string;
  readonly series: readonly ChartSeries[];
  /** marker legend for the extra table shapes */
  readonly shapes: readonly { readonly shape: 'square' | 'triangle' | 'circle'; readonly label: string }[];
  /** a dotted reference line of slope 1 through this point ("linear growth") */
  readonly linearFrom?: ChartPoint;
}

const W = 1100;
const H = 700;
const M = { left: 90, right: 270, top: 80, bottom: 70 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function marker(shape: 'square' | 'triangle' | 'circle', x: number, y: number, color: string): string {
  if (shape === 'square') return `<rect x="${x - 5}" y="${y - 5}" width="10" height="10" fill="white" stroke="${color}" stroke-width="2.2"/>`;
  if (shape === 'triangle') return `<path d="M ${x} ${y - 6.5} L ${x + 6} ${y + 4.5} L ${x - 6} ${y + 4.5} Z" fill="white" stroke="${color}" stroke-width="2.2"/>`;
  return `<circle cx="${x}" cy="${y}" r="4.5" fill="${color}"/>`;
}

export function chartSvg(spec: ChartSpec): string {
  const all = spec.series.flatMap((s) => [...s.line, ...s.extra.map((e) => e.point)]).filter((p) => p.ms > 0);
  const xMin = 10 ** Math.floor(Math.log10(Math.min(...all.map((p) => p.x))));
  const xMax = 10 ** Math.ceil(Math.log10(Math.max(...all.map((p) => p.x))));
  const yMin = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...all.map((p) => p.ms)))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...all.map((p) => p.ms))));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number): number => M.left + ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * pw;
  const sy = (ms: number): number => M.top + ph - ((Math.log10(Math.max(ms, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${M.left}" y="34" font-size="21" font-weight="bold" fill="#222">${esc(spec.title)}</text>`);
  out.push(`<text x="${M.left}" y="58" font-size="14" fill="#555">${esc(spec.subtitle)}</text>`);
  // grid and ticks
  for (let e = Math.log10(xMin); e <= Math.log10(xMax); e++) {
    for (let k = 1; k < 10; k++) {
      const v = k * 10 ** e;
      if (v > xMax) break;
      const x = sx(v);
      out.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="${k === 1 ? '#ccc' : '#eee'}" stroke-width="1"/>`);
      if (k === 1) out.push(`<text x="${x}" y="${M.top + ph + 22}" font-size="13" text-anchor="middle" fill="#333">${v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : v}</text>`);
    }
  }
  for (let e = Math.log10(yMin); e <= Math.log10(yMax); e++) {
    for (let k = 1; k < 10; k++) {
      const v = k * 10 ** e;
      if (v > yMax) break;
      const y = sy(v);
      out.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="${k === 1 ? '#ccc' : '#eee'}" stroke-width="1"/>`);
      if (k === 1) out.push(`<text x="${M.left - 10}" y="${y + 4}" font-size="13" text-anchor="end" fill="#333">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`);
    }
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 18}" font-size="14" text-anchor="middle" fill="#222">table size: services + real servers (log)</text>`);
  out.push(`<text transform="translate(24 ${M.top + ph / 2}) rotate(-90)" font-size="14" text-anchor="middle" fill="#222">median time per pass (log)</text>`);
  if (spec.linearFrom) {
    const p = spec.linearFrom;
    const x2 = xMax;
    const y2 = p.ms * (x2 / p.x);
    out.push(`<line x1="${sx(p.x)}" y1="${sy(p.ms)}" x2="${sx(x2)}" y2="${sy(Math.min(y2, yMax))}" stroke="#999" stroke-width="1.5" stroke-dasharray="2 5"/>`);
  }
  // series
  for (const s of spec.series) {
    const pts = s.line.filter((p) => p.ms > 0);
    if (pts.length > 1) {
      const d = pts.map((p, i) => `${i ? 'L' : 'M'} ${sx(p.x).toFixed(1)} ${sy(p.ms).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="8 5"' : ''}/>`);
    }
    for (const p of pts) out.push(marker('circle', sx(p.x), sy(p.ms), s.color));
    for (const e of s.extra) if (e.point.ms > 0) out.push(marker(e.shape, sx(e.point.x), sy(e.point.ms), s.color));
  }
  // legend
  let ly = M.top + 10;
  const lx = M.left + pw + 24;
  for (const s of spec.series) {
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 30}" y2="${ly}" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="8 5"' : ''}/>`);
    out.push(`<text x="${lx + 40}" y="${ly + 5}" font-size="14" fill="#222">${esc(s.name)}</text>`);
    ly += 26;
  }
  if (spec.linearFrom) {
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 30}" y2="${ly}" stroke="#999" stroke-width="1.5" stroke-dasharray="2 5"/>`);
    out.push(`<text x="${lx + 40}" y="${ly + 5}" font-size="14" fill="#222">linear growth</text>`);
    ly += 26;
  }
  ly += 14;
  for (const sh of spec.shapes) {
    out.push(marker(sh.shape, lx + 15, ly, '#444'));
    out.push(`<text x="${lx + 40}" y="${ly + 5}" font-size="14" fill="#222">${esc(sh.label)}</text>`);
    ly += 26;
  }
  out.push('</svg>');
  return out.join('\n');
}

export function renderPng(svg: string): Buffer {
  const resvg = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' });
  return resvg.render().asPng();
}
