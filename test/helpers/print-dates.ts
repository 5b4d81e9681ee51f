// Prints toIsoUtc() for each JSON-encoded argument, as one JSON array: run under different TZ values.
import { toIsoUtc } from '../../shared/text/date.ts';

process.stdout.write(JSON.stringify(process.argv.slice(2).map((a) => toIsoUtc(JSON.parse(a) as string))));
