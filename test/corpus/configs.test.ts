/**
 * The bad-input corpus for the deployment config: every case is config/example.json with one change, and must be
 * refused by the schema that `config validate`, synth and every handler share, naming the field. New entry points
 * (jobs, fields) add their cases to configs.json; the big ones are generated there, not typed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../lib/config';

interface Case {
  readonly name: string;
  /** Dotted paths (as the error names them) and the value to put there. */
  readonly set: Record<string, unknown>;
  /** The field the error must name, and a part of its message. */
  readonly path: string;
  readonly message: string;
}

const cases = JSON.parse(readFileSync(join(__dirname, 'configs.json'), 'utf8')) as Case[];
const example = () => JSON.parse(readFileSync(join(__dirname, '../../config/example.json'), 'utf8'));

function setPath(target: Record<string, any>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) at = at[key] ??= {};
  at[keys[keys.length - 1]] = value;
}

describe('config corpus: each bad config is refused naming the field', () => {
  it('the unchanged example is valid', () => {
    expect(() => parseConfig(example())).not.toThrow();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const raw = example();
    for (const [path, value] of Object.entries(c.set)) setPath(raw, path, value);
    let error: unknown;
    try {
      parseConfig(raw, 'corpus');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues).toEqual(expect.arrayContaining([{ path: c.path, message: expect.stringContaining(c.message) }]));
  });
});
