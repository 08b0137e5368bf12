import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorText, type Log } from '../log.js';
import { parseDefinition, type ServiceDefinition } from './definition.js';

const SUFFIX = '.json';

/**
 * Service definitions, one JSON file each, in a directory of the sprite's own root: checkpoints,
 * restores and forks carry them as they carry every other file. Only root reads the directory,
 * since definitions may hold secrets in `env`.
 */
export class DefinitionStore {
  constructor(
    private readonly dir: string,
    private readonly log: Log,
  ) {}

  /** Every valid definition; a file that does not parse (edited by hand) is logged and left out. */
  load(): ServiceDefinition[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const definitions: ServiceDefinition[] = [];
    for (const file of names.filter((entry) => entry.endsWith(SUFFIX)).sort()) {
      try {
        definitions.push(parseDefinition(file.slice(0, -SUFFIX.length), JSON.parse(readFileSync(join(this.dir, file), 'utf8')), 'file'));
      } catch (err) {
        this.log('service_definition_invalid', { file, error: errorText(err) });
      }
    }
    return definitions;
  }

  /** Written aside and renamed into place: a crash leaves the old definition or the new one, never half of one. */
  save(definition: ServiceDefinition): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const { name, ...fields } = definition;
    const path = join(this.dir, `${name}${SUFFIX}`);
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(fields, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, path);
  }

  remove(name: string): void {
    rmSync(join(this.dir, `${name}${SUFFIX}`), { force: true });
  }
}
