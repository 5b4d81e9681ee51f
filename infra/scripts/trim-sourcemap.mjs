// Trims a Source Map v3 file (https://tc39.es/ecma426/) to the mappings whose source is NOT under node_modules:
// stack traces of wirewatch's own code (shared/, functions/) stay mapped, third-party code keeps its minified
// positions. This cuts a Lambda bundle's .map from megabytes to tens of kilobytes.
//
// Usage (an esbuild `afterBundling` command hook, run by plain `node`, hence .mjs):
//   node infra/scripts/trim-sourcemap.mjs <path/to/index.mjs.map>
// Rewrites the file in place and prints "<file>: <before> -> <after> bytes" to stderr. Exits 1 on bad input.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/** Decodes one Base64 VLQ segment (comma-free) into its integer fields. */
export function decodeSegment(text) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = B64_INDEX.get(ch);
    if (digit === undefined) throw new Error(`invalid base64 VLQ character "${ch}"`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  if (shift !== 0) throw new Error('truncated base64 VLQ segment');
  return out;
}

/** Encodes integers as Base64 VLQ. */
export function encodeSegment(fields) {
  let out = '';
  for (const field of fields) {
    let vlq = field < 0 ? (-field << 1) | 1 : field << 1;
    do {
      let digit = vlq & 31;
      vlq >>>= 5;
      if (vlq > 0) digit |= 32;
      out += B64[digit];
    } while (vlq > 0);
  }
  return out;
}

/**
 * Keeps only the mappings whose source passes `keep(sourcePath)`; compacts `sources`, `sourcesContent` and `names`.
 * @param map a parsed Source Map v3 object (not an index map)
 * @returns a new map object
 */
export function trimSourceMap(map, keep) {
  if (map.version !== 3 || typeof map.mappings !== 'string' || !Array.isArray(map.sources)) {
    throw new Error('not a version 3 source map with mappings');
  }
  const sourceIndex = new Map();
  const sources = [];
  const sourcesContent = [];
  map.sources.forEach((src, i) => {
    if (keep(src)) {
      sourceIndex.set(i, sources.length);
      sources.push(src);
      sourcesContent.push(map.sourcesContent?.[i] ?? null);
    }
  });
  const nameIndex = new Map();
  const names = [];
  // absolute state of the input, and the last values written to the output (fields 2-5 are file-relative)
  let src = 0,
    srcLine = 0,
    srcCol = 0,
    name = 0;
  let outSrc = 0,
    outLine = 0,
    outCol = 0,
    outName = 0;
  const lines = map.mappings.split(';').map((line) => {
    let genCol = 0;
    let outGenCol = 0;
    const kept = [];
    for (const seg of line.split(',')) {
      if (seg === '') continue;
      const f = decodeSegment(seg);
      genCol += f[0];
      if (f.length < 4) continue;
      src += f[1];
      srcLine += f[2];
      srcCol += f[3];
      if (f.length >= 5) name += f[4];
      const newSrc = sourceIndex.get(src);
      if (newSrc === undefined) continue;
      const fields = [genCol - outGenCol, newSrc - outSrc, srcLine - outLine, srcCol - outCol];
      outGenCol = genCol;
      outSrc = newSrc;
      outLine = srcLine;
      outCol = srcCol;
      if (f.length >= 5) {
        let n = nameIndex.get(name);
        if (n === undefined) {
          n = names.length;
          nameIndex.set(name, n);
          names.push(map.names[name]);
        }
        fields.push(n - outName);
        outName = n;
      }
      kept.push(encodeSegment(fields));
    }
    return kept.join(',');
  });
  const out = { ...map, sources, names, mappings: lines.join(';') };
  if (map.sourcesContent) out.sourcesContent = sourcesContent;
  else delete out.sourcesContent;
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const file = process.argv[2];
  try {
    if (!file) throw new Error('usage: trim-sourcemap.mjs <file.map>');
    const before = readFileSync(file, 'utf8');
    const trimmed = JSON.stringify(trimSourceMap(JSON.parse(before), (s) => !/(^|\/)node_modules\//.test(s)));
    writeFileSync(file, trimmed);
    process.stderr.write(`${file}: ${before.length} -> ${trimmed.length} bytes\n`);
  } catch (err) {
    process.stderr.write(`trim-sourcemap: ${file ?? ''}: ${err.message}\n`);
    process.exit(1);
  }
}
