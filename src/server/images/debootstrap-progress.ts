import type { ProgressFn } from './progress.js';

/**
 * Turns debootstrap's status lines (its stdout; the full log goes to a file) into progress
 * events. It never prints how many packages it will fetch, but every package is retrieved
 * before any is unpacked, so once downloads end the count is known and the unpack and
 * configure phases get a real done/total.
 */
export class DebootstrapProgress {
  private readonly retrieved = new Set<string>();
  private extracted = 0;
  private unpacked = 0;
  private configured = 0;
  private readonly recent: string[] = [];

  constructor(private readonly progress: ProgressFn) {}

  /** The last status lines seen, for error messages when no log file survived. */
  tail(): string {
    return this.recent.join('\n');
  }

  line(raw: string): void {
    const line = raw.trimEnd();
    if (line === '') return;
    this.remember(line);
    const status = /^([IWE]): (.*)$/.exec(line);
    if (status === null) return;
    const [, level = '', text = ''] = status;
    if (level !== 'I') {
      // Warnings and errors go through verbatim: they are what a user needs to act on.
      this.progress({ message: line });
      return;
    }
    // Per-package lines name exactly one package ("Unpacking bash...", "Retrieving bash
    // 5.2-2"); phase lines ("Unpacking the base system...", "Retrieving Packages") do not.
    const fetch = /^(Retrieving|Validating) (\S+) (\S+)$/.exec(text);
    const step = /^(Extracting|Unpacking|Configuring) (\S+)\.\.\.$/.exec(text);
    const [, verb = '', name = ''] = fetch ?? step ?? [];
    const total = this.retrieved.size;
    switch (verb) {
      case 'Retrieving':
        this.retrieved.add(name);
        this.progress({ message: `Downloading ${name}`, done: this.retrieved.size });
        return;
      case 'Validating':
        return; // One per download; repeating it only doubles the noise.
      case 'Extracting':
        this.extracted++;
        this.progress({ message: `Extracting ${name}`, done: this.extracted });
        return;
      case 'Unpacking':
        this.unpacked++;
        this.progress({ message: `Unpacking ${name}`, ...counted(this.unpacked, total) });
        return;
      case 'Configuring':
        this.configured++;
        this.progress({ message: `Configuring ${name}`, ...counted(this.configured, total) });
        return;
      default:
        this.progress({ message: text });
    }
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > 20) this.recent.shift();
  }
}

function counted(done: number, total: number): { done: number; total?: number } {
  return total >= done ? { done, total } : { done };
}
