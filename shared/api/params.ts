import type { z } from 'zod';
import { InputError } from '../errors.ts';
import { shownName } from './query.ts';

/**
 * Validates a route's query parameters with a strict zod object schema (every value a string as received): an
 * unknown name is a 400 `unknown_parameter`, a bad value a 400 `invalid_parameter` whose message names the parameter
 * and what it accepts. Never throws anything else, whatever the input.
 * @returns the parsed (defaulted) parameters
 * @throws InputError
 */
export function zodParams<T extends z.ZodObject>(schema: T, query: Record<string, string>): z.infer<T> {
  const allowed = Object.keys(schema.shape);
  for (const name of Object.keys(query)) {
    if (!allowed.includes(name)) {
      throw new InputError(
        'unknown_parameter',
        `parameter ${shownName(name)}: not accepted here${allowed.length ? ` (accepted: ${allowed.join(', ')})` : ''}`,
      );
    }
  }
  // A plain object copy: the parsed query has no prototype, which zod accepts, but keep the input untouched.
  const result = schema.safeParse({ ...query });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? 'query');
  const options = issue && 'values' in issue && Array.isArray(issue.values) ? issue.values.join(', ') : null;
  throw new InputError(
    'invalid_parameter',
    `parameter ${shownName(name)}: ${options ? `must be one of ${options}` : (issue?.message ?? 'invalid')}`,
  );
}
