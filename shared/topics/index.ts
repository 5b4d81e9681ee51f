/**
 * Topic detection: rule language, matcher, score and evidence, evaluation and backtest.
 * Public entry of shared/topics; see README.md#topic-rules for the rule language.
 */
export {
  compileTopics,
  type TopicSet,
  type TopicExplanation,
  type FailedClause,
  type SignalHit,
} from './compile.ts';
export { parseRule, RuleSyntaxError, type RuleNode } from './rules.ts';
export {
  analyse,
  tokenize,
  sentenceSpans,
  paragraphStarts,
  foldWord,
  type Token,
  type Sentence,
  type AnalysedText,
} from './text.ts';
export {
  evaluateTopics,
  parseLabelledJsonl,
  type LabelledDoc,
  type EvalReport,
  type EvalError,
  type TopicCounts,
} from './eval.ts';
export { backtestTopic, type BacktestPort, type BacktestReport, type BacktestChange } from './backtest.ts';
export {
  aliasesSchema,
  topicSchema,
  signalSchema,
  type AliasConfig,
  type TopicConfig,
  type SignalConfig,
} from './config-schema.ts';
