import type { ProgressFn } from './progress.js';

/**
 * Turns debootstrap's status lines (its stdout; the full log goes to a file) into progress
 * events. It never prints how many packages it will install, and with a warm cache it does
 * not even print a "Retrieving" line per package; but every package is fetched before any
 * is unpacked, and debootstrap lists them (one per line) in <target>/debootstrap/debpaths,
 * so from the first unpack on, `countPackages` gives the unpack and configure phases a
 * real total.
 */
export class DebootstrapProgress {
  private readonly retrieved = new Set<string>();
  private extracted = 0;
  private unpacked = 0;
  private configured = 0;
  private readonly recent: string[] = [];

  private total: number | undefined;

  constructor(
    private readonly progress: ProgressFn,
    private readonly countPackages: () => number | undefined = () => undefined,
  ) {}

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
        this.progress({ message: `Unpacking ${name}`, ...this.counted(this.unpacked) });
        return;
      case 'Configuring':
        this.configured++;
        this.progress({ message: `Configuring ${name}`, ...this.counted(this.configured) });
        return;
      default:
        this.progress({ message: text });
    }
  }

  private counted(done: number): { done: number; total?: number } {
    this.total ??= this.countPackages() ?? (this.retrieved.size > 0 ? this.retrieved.size : undefined);
    return this.total !== undefined && this.total >= done ? { done, total: this.total } : { done };
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > 20) this.recent.shift();
  }
}
