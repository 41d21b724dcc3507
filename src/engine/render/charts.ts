// Geometry for the site's inline SVG charts, computed at build time: bars per workspace and growth over time from history.

import { formatBytes } from './format.ts';

export interface Bar {
  label: string;
  href?: string;
  value: number;
  text: string;
  /** 0..100: the bar's length relative to the longest. */
  width: number;
  muted: boolean;
}

export function bars(items: Array<{ label: string; href?: string; value: number; text: string; muted?: boolean }>): Bar[] {
  const max = Math.max(1, ...items.map((i) => i.value));
  return items.map((i) => ({ ...i, muted: i.muted ?? false, width: round((i.value / max) * 100) }));
}

/** One change to the totals: a document appearing, changing size, or being deleted. */
export interface GrowthEvent {
  t: number;
  docs: number;
  bytes: number;
}

export interface GrowthChart {
  /** SVG `points` of the area under each series, in a 0..100 × 0..40 box. */
  bytesArea: string;
  docsArea: string;
  bytesLine: string;
  docsLine: string;
  from: string;
  to: string;
  maxBytes: string;
  maxDocs: string;
  nowBytes: string;
  nowDocs: string;
}

const W = 100;
const H = 40;

/** Cumulative totals sampled at `samples` evenly spaced times; undefined when there is nothing to draw. */
export function growthChart(events: GrowthEvent[], end: number, samples = 60): GrowthChart | undefined {
  if (events.length === 0) return undefined;
  const sorted = [...events].sort((a, b) => a.t - b.t);
  const start = sorted[0]!.t;
  const stop = Math.max(end, sorted[sorted.length - 1]!.t, start + 86_400_000);
  const points: Array<{ t: number; docs: number; bytes: number }> = [];
  let i = 0;
  let docs = 0;
  let bytes = 0;
  for (let s = 0; s <= samples; s++) {
    const t = start + ((stop - start) * s) / samples;
    while (i < sorted.length && sorted[i]!.t <= t) {
      docs += sorted[i]!.docs;
      bytes += sorted[i]!.bytes;
      i++;
    }
    points.push({ t, docs, bytes });
  }
  const maxDocs = Math.max(1, ...points.map((p) => p.docs));
  const maxBytes = Math.max(1, ...points.map((p) => p.bytes));
  const line = (f: (p: { docs: number; bytes: number }) => number, max: number) =>
    points.map((p, k) => `${round((k / samples) * W)},${round(H - (Math.max(0, f(p)) / max) * (H - 1))}`).join(' ');
  const bytesLine = line((p) => p.bytes, maxBytes);
  const docsLine = line((p) => p.docs, maxDocs);
  const last = points[points.length - 1]!;
  return {
    bytesLine,
    docsLine,
    bytesArea: `0,${H} ${bytesLine} ${W},${H}`,
    docsArea: `0,${H} ${docsLine} ${W},${H}`,
    from: new Date(start).toISOString().slice(0, 10),
    to: new Date(stop).toISOString().slice(0, 10),
    maxBytes: formatBytes(maxBytes),
    maxDocs: String(maxDocs),
    nowBytes: formatBytes(last.bytes),
    nowDocs: String(last.docs),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
