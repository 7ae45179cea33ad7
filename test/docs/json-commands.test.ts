// docs/json.md's ntk commands run as written (the rules: test/docs/commands.ts).
import { testPages } from './commands.js';

testPages(['docs/json.md']);
