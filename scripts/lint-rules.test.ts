import { describe, it } from 'node:test';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import hob from './lint-rules.js';

// RuleTester makes one node:test case per sample.
RuleTester.describe = describe;
RuleTester.it = it;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });

function rule(name: string) {
  const found = hob.rules?.[name];
  if (found === undefined) throw new Error(`no rule ${name}`);
  return found;
}

tester.run('assertion-needs-why', rule('assertion-needs-why'), {
  valid: [
    'const a = b as string; // the caller checked',
    '// rows come from SELECT *\nconst a = b as string;',
    '// the query fixes the shape\nconst row = db\n  .prepare(sql)\n  .get() as { n: number };',
    'const a = [1, 2] as const;',
    'const a = JSON.parse(text) as unknown;',
    'const a = { list: [] as string[] };',
    'f(b!); // set in the constructor',
  ],
  invalid: [
    { code: 'const a = b as string;', errors: [{ messageId: 'missing' }] },
    { code: 'const a = <string>b;', errors: [{ messageId: 'missing' }] },
    { code: 'f(b!);', errors: [{ messageId: 'missing' }] },
    { code: 'const a = [b] as string[];', errors: [{ messageId: 'missing' }] },
    { code: '// unrelated\n\nconst a = b as string;', errors: [{ messageId: 'missing' }] },
    { code: 'const a = 1;\nconst b = c as string;\n// a comment about what follows', errors: [{ messageId: 'missing' }] },
  ],
});

tester.run('disable-needs-why', rule('disable-needs-why'), {
  valid: [
    '// eslint-disable-next-line no-console -- the CLI prints\nconsole.log(1);',
    '/* eslint-disable no-console -- this file is the CLI */',
    '// a comment that mentions eslint-disable in passing',
  ],
  invalid: [
    { code: '// eslint-disable-next-line no-console\nconsole.log(1);', errors: [{ messageId: 'missing' }] },
    { code: '/* eslint-disable no-console */', errors: [{ messageId: 'missing' }] },
    { code: 'f(); // eslint-disable-line no-console', errors: [{ messageId: 'missing' }] },
  ],
});
