/*
 * The pipeline's use-cases, one per stage. Data flows one way:
 *   schedule → selectDueFeeds → (feed queue) → pollFeedStage → (article queue) → processArticleStage
 *   → store (conditional write) → (alert queue) → deliverAlertStage
 * Lambda handlers (functions/) and the local runtime (local/) call these and nothing else. Handlers import the
 * stage's own module, so each bundle carries only what its stage needs; this module gathers them for the rest.
 */
export { selectDueFeeds, selectDuePages, newCorrelationId, feedById } from './schedule.ts';
export { pollFeedStage, indexCatalogStage } from './poll.ts';
export { chooseCanonicalUrl, processArticleStage } from './article.ts';
export { deliverAlertStage } from './deliver.ts';
