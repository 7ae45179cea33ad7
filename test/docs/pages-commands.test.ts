// The ntk commands of every other docs/ page run as written (the rules: test/docs/commands.ts).
import { PAGES, testPages } from './commands.js';

testPages(PAGES.filter((p) => p !== 'README.md' && p !== 'docs/experiments.md'));
