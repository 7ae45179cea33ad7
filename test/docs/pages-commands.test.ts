// The ntk commands of every other docs/ page run as written (the rules: test/docs/commands.ts).
import { PAGES, testPages } from './commands.js';

const OWN_FILE = ['README.md', 'docs/experiments.md', 'docs/json.md']; // each has its own *-commands.test.ts
testPages(PAGES.filter((p) => !OWN_FILE.includes(p)));
