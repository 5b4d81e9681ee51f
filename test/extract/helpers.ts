import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads a fixture of test/fixtures/extract/ as bytes. */
export function fixture(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../fixtures/extract/${name}`, import.meta.url)));
}

/** Absolute path of a fixture of test/fixtures/extract/. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/extract/${name}`, import.meta.url));
}
