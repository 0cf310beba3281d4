import type { Argv } from 'yargs';

import type { InfoReport } from '@iza/engine';

import type { CommandModule } from '../command.js';
import { engineFor } from '../engine-from-globals.js';

const info: CommandModule = {
  command: 'info',
  describe: 'Show what this host offers containers: kernel, cgroups, OverlayFS, namespaces',
  builder: (y: Argv) =>
    y
      .option('format', {
        type: 'string',
        choices: ['table', 'json'],
        default: 'table',
        describe: 'Output format',
      })
      .example('iza info', 'Show the host report')
      .example('iza info --format json', 'The same report as JSON'),

  async handler(argv, ctx) {
    const report = await engineFor(ctx).info();
    if (argv.format === 'json') {
      ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }

    const lines = [
      `Version: ${report.version}`,
      `Kernel Version: ${report.kernel}`,
      `Operating System: ${report.operatingSystem}`,
      `Architecture: ${report.architecture}`,
      `CPUs: ${report.cpus}`,
      `Total Memory: ${(report.memoryBytes / 2 ** 30).toFixed(2)}GiB`,
      `Running as root: ${report.root ? 'yes' : 'no'}`,
      `Storage Root: ${report.storage.root}`,
      `Storage Driver: ${report.storage.driver}`,
      `OverlayFS: ${report.storage.overlay.supported ? 'supported' : `not available (${report.storage.overlay.reason ?? 'unknown'})`}`,
      `Cgroups: ${report.cgroups.mode}`,
    ];
    for (const [name, c] of Object.entries(report.cgroups.controllers)) {
      if (c.version === 0) {
        lines.push(`  ${name.padEnd(8)} not available`);
        continue;
      }
      const use = c.delegatable ? 'iza can use it' : 'iza cannot use it (not writable)';
      lines.push(`  ${name.padEnd(8)} v${c.version}  ${c.mountPoint.padEnd(24)} ${use}`);
    }
    const ns = Object.entries(report.namespaces);
    lines.push(
      `Namespaces: ${ns
        .filter(([, ok]) => ok)
        .map(([n]) => n)
        .join(' ')}`,
    );
    const missing = ns.filter(([, ok]) => !ok).map(([n]) => n);
    if (missing.length) lines.push(`Namespaces missing: ${missing.join(' ')}`);
    lines.push(...settingsLines(report));
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};

/** The settings part of the report, in the shape of docker info's registry lines. */
function settingsLines(report: InfoReport): string[] {
  const { config, registry } = report;
  const lines = [
    config.found
      ? `Config File: ${config.path ?? ''}`
      : `Config File: none${config.path ? ` (${config.path} not found)` : ''}`,
  ];
  const mirrors = Object.entries(registry.mirrors);
  lines.push(`Registry Mirrors:${mirrors.length ? '' : ' none'}`);
  for (const [name, urls] of mirrors) lines.push(`  ${name}: ${urls.join(' ')}`);
  lines.push('Insecure Registries:');
  for (const entry of registry.insecureRegistries) lines.push(`  ${entry}`);
  lines.push('  localhost, 127.0.0.0/8, ::1 (always)');
  return lines;
}

export default info;
