/** `ntk list [--json]`: the presets, what they reproduce, and their expected run times. */
import { parseArgs } from 'node:util';
import { listPresets } from '../experiments/preset.js';
import '../experiments/presets/index.js';
import type { Command } from './command.js';

export const list: Command = {
  usage: 'ntk list [--json]\n\nLists the presets that `ntk run <preset>` accepts.',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, strict: true });
    const presets = listPresets();
    if (values.json) {
      const rows = presets.map((p) => ({
        name: p.name,
        title: p.title,
        reproduces: p.reproduces,
        command: p.header.command,
        expectedTime: p.header.expectedTime,
      }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const lines: string[] = [];
    for (const p of presets) {
      lines.push(`${p.name}: ${p.title}`);
      lines.push(`  reproduces: ${p.reproduces}`);
      lines.push(`  command:    ${p.header.command}`);
      lines.push(`  time:       quick ${p.header.expectedTime.quick}, full ${p.header.expectedTime.full}`);
      lines.push('');
    }
    process.stdout.write(lines.join('\n'));
    return 0;
  },
};
