import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/**
 * The variables src/config.ts (and the sections it hands to src/config-*.ts) reads: `parse(env,
 * 'NAME'`, `optional(env, 'NAME'` and `env.NAME`.
 */
function variablesReadByConfig(): string[] {
  const source = ['src/config.ts', 'src/config-limits.ts'].map(read).join('\n');
  const names = [
    ...[...source.matchAll(/(?:parse|optional)\(\s*env,\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!),
    ...[...source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!),
  ];
  return [...new Set(names)].sort();
}

function variablesIn(envFile: string): Record<string, string> {
  const entries = envFile
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => [m[1]!, m[2]!] as const);
  return Object.fromEntries(entries);
}

/** The rows of docs/CONFIGURATION.md's tables: variable -> its Default cell. */
function documentedVariables(doc: string): Record<string, string> {
  const rows = [...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|/gm)].map(
    (m) => [m[1]!, m[2]!.trim()] as const,
  );
  return Object.fromEntries(rows);
}

describe('.env.example', () => {
  const example = variablesIn(read('.env.example'));

  it('lists every variable src/config.ts reads, and no other', () => {
    const read = variablesReadByConfig();
    expect(read.length).toBeGreaterThan(20);
    expect(Object.keys(example).sort()).toEqual(read);
  });

  it('is a valid configuration as it stands, equal to the defaults', () => {
    expect(loadConfig(example)).toEqual(loadConfig({}));
  });
});

describe('docs/CONFIGURATION.md', () => {
  const documented = documentedVariables(read('docs/CONFIGURATION.md'));
  const example = variablesIn(read('.env.example'));

  it('has one row for every variable src/config.ts reads, and no other', () => {
    expect(Object.keys(documented).sort()).toEqual(variablesReadByConfig());
  });

  it('states the default that .env.example sets, for every variable given a value there', () => {
    const disagreeing = Object.entries(example)
      .filter(([name, value]) => value !== '' && !documented[name]?.startsWith(`\`${value}\``))
      .map(([name, value]) => `${name}: .env.example ${value}, docs ${documented[name]}`);
    expect(disagreeing).toEqual([]);
  });
});
