// The README's commands run as written (the rules: test/docs/commands.ts).
import { testPages } from './commands.js';

testPages(['README.md']);
