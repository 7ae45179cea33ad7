// The ntk commands of the other docs/ pages run as written, second half (see pages-commands.test.ts).
import { otherPages, testPages } from './commands.js';

testPages(otherPages(1));
