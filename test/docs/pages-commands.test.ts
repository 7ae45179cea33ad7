// The ntk commands of the other docs/ pages run as written (the rules: test/docs/commands.ts); the first half of
// them here, the second in pages2-commands.test.ts (each file stays within the runner's 5-minute limit).
import { otherPages, testPages } from './commands.js';

testPages(otherPages(0));
