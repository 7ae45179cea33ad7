// Every example in `ntk <command> --help` runs as written (issue #16; the rules: test/docs/commands.ts).
import { testHelpExamples } from './commands.js';

testHelpExamples();
