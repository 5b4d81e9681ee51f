import { h, s } from './dom.ts';
import type { TopicTimeline } from './types.ts';

/*
 * The topic timeline as an inline SVG bar chart drawn here (no chart library): one bar per bucket, a y axis with
 * its maximum and midpoint, x labels at the start, middle and end. Every bar has a <title> (hover tooltip) and the
 * numbers are also in a table for screen readers and copy-paste.
 */

const W = 720;
const H = 180;
const PAD = { left: 34, right: 8, top: 10, bottom: 26 };

function label(iso: string, bucket: 'hour' | 'day'): string {
  const d = new Date(iso);
  const day = d.toISOString().slice(5, 10);
  return bucket === 'hour' ? `${day} ${d.toISOString().slice(11, 13)}h` : day;
}

/** A "nice" axis maximum ≥ `n` (1, 2, 5 × 10^k). */
function niceMax(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

/**
 * The chart of a timeline. The full chart is drawn at the width it gets on screen (one SVG unit = one CSS pixel,
 * so labels keep their size on a phone) and redrawn when that width changes.
 * @param opts.compact a small sparkline without axes (topic list)
 */
export function timelineChart(t: TopicTimeline, opts: { compact?: boolean } = {}): HTMLElement {
  if (opts.compact) return h('div', { class: 'chart-wrap compact' }, drawChart(t, 240, true));
  const figure = figureFor(t);
  let drawn = 0;
  const draw = (width: number) => {
    const w = Math.max(280, Math.round(width));
    if (Math.abs(w - drawn) < 24) return;
    drawn = w;
    figure.querySelector('svg')?.replaceWith(drawChart(t, w, false));
  };
  figure.prepend(drawChart(t, W, false));
  drawn = W;
  new ResizeObserver((entries) => {
    const width = entries[0]?.contentRect.width;
    if (width) draw(width);
  }).observe(figure);
  return figure;
}

function drawChart(t: TopicTimeline, width: number, compact: boolean): SVGSVGElement {
  const height = compact ? 48 : H;
  const pad = compact ? { left: 0, right: 0, top: 2, bottom: 2 } : PAD;
  const max = niceMax(Math.max(0, ...t.buckets.map((b) => b.count)));
  // Counts are whole numbers: a half-way line only where it is one.
  const ticks = max % 2 === 0 ? [max, max / 2] : [max];
  const n = t.buckets.length;
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const step = plotW / Math.max(1, n);
  const barW = Math.max(1, step * 0.8);
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;

  const bars = t.buckets.map((b, i) =>
    s(
      'rect',
      {
        class: b.count > 0 ? 'bar' : 'bar empty',
        x: (pad.left + i * step + (step - barW) / 2).toFixed(2),
        y: (b.count > 0 ? y(b.count) : pad.top + plotH - 1).toFixed(2),
        width: barW.toFixed(2),
        height: (b.count > 0 ? (b.count / max) * plotH : 1).toFixed(2),
        'data-start': b.start,
        'data-count': b.count,
      },
      s('title', null, `${label(b.start, t.bucket)}: ${b.count} ${b.count === 1 ? 'match' : 'matches'}`),
    ),
  );
  const axes = compact
    ? []
    : [
        s('line', { class: 'axis', x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0) }),
        ...ticks.map((v) => [
          s('line', { class: 'grid', x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }),
          s('text', { class: 'tick', x: pad.left - 4, y: y(v) + 4, 'text-anchor': 'end' }, String(v)),
        ]),
        ...[0, Math.floor((n - 1) / 2), n - 1]
          .filter((i, j, all) => i >= 0 && all.indexOf(i) === j)
          .map((i) =>
            s(
              'text',
              {
                class: 'tick',
                x: pad.left + i * step + step / 2,
                y: height - 8,
                'text-anchor': i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle',
              },
              label(t.buckets[i]!.start, t.bucket),
            ),
          ),
      ];
  return s(
    'svg',
    {
      class: compact ? 'chart compact' : 'chart',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': summaryOf(t),
      width,
      height,
    },
    s('title', null, summaryOf(t)),
    axes,
    bars,
  );
}

function summaryOf(t: TopicTimeline): string {
  return `${t.total} ${t.total === 1 ? 'match' : 'matches'} of ${t.topic.name} per ${t.bucket} over ${t.days} days`;
}

/** The figure around the chart: caption and the numbers as a table. */
function figureFor(t: TopicTimeline): HTMLElement {
  const summary = summaryOf(t);
  const nonEmpty = t.buckets.filter((b) => b.count > 0);
  return h(
    'figure',
    { class: 'chart-wrap' },
    h(
      'figcaption',
      null,
      summary,
      t.truncated ? ' (more matches than one request counts; the newest were counted)' : '',
    ),
    h(
      'details',
      null,
      h('summary', null, 'Numbers'),
      nonEmpty.length === 0
        ? h('p', { class: 'muted' }, 'No matches in this window.')
        : h(
            'table',
            { class: 'data' },
            h(
              'thead',
              null,
              h('tr', null, h('th', null, t.bucket === 'hour' ? 'Hour (UTC)' : 'Day (UTC)'), h('th', null, 'Matches')),
            ),
            h(
              'tbody',
              null,
              nonEmpty.map((b) =>
                h('tr', null, h('td', null, label(b.start, t.bucket)), h('td', { class: 'num' }, b.count)),
              ),
            ),
          ),
    ),
  );
}
