import type { CycleSummary } from '../types.ts';
import type { MetricName, MetricsPort } from './ports.ts';

/** In-memory `MetricsPort` that can render the `run --once --json` summary. */
export class CycleCounters implements MetricsPort {
  private readonly values = new Map<MetricName, number>();

  count(name: MetricName, value = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + value);
  }

  get(name: MetricName): number {
    return this.values.get(name) ?? 0;
  }

  /** The summary object; `feeds.total` is the number of feeds polled in the cycle. */
  summary(): CycleSummary {
    const g = (n: MetricName) => this.get(n);
    return {
      feeds: {
        total: g('feedsPolled'),
        ok: g('feedsOk'),
        notModified: g('feedsNotModified'),
        failed: g('feedsFailed'),
      },
      entries: { seen: g('entriesSeen'), new: g('entriesNew') },
      articles: { extracted: g('articlesExtracted'), fallback: g('articlesFallback'), failed: g('articlesFailed') },
      items: { stored: g('itemsStored'), tagged: g('itemsTagged') },
      alerts: {
        sent: g('alertsSent'),
        failed: g('alertsFailed'),
        suppressed: g('alertsSuppressed'),
        deferred: g('alertsDeferred'),
      },
      pages: {
        retried: g('pagesRetried'),
        rechecked: g('pagesRechecked'),
        notModified: g('pagesNotModified'),
        gaveUp: g('pagesGaveUp'),
      },
    };
  }
}
