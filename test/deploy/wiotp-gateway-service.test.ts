import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NO_RESTART_EXIT_CODES } from '../../src/cli/exit-codes.js';
import { BIN } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UNIT = readFileSync(join(ROOT, 'deploy/wiotp-gateway.service'), 'utf8');
const CONFIG = '/etc/wiotp-gateway/gateway.yaml';
const run = promisify(execFile);

/** Every value of `key=` in the unit, comments left out. */
function values(key: string): string[] {
  return UNIT.split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

async function hasTool(name: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${name}`]).then(
    () => true,
    () => false,
  );
}

describe('deploy/wiotp-gateway.service', () => {
  it('passes systemd-analyze verify', async (context) => {
    if (!(await hasTool('systemd-analyze'))) {
      context.skip('systemd-analyze is not installed here, so the unit was NOT verified (apt-get install systemd)');
    }
    // verify checks that ExecStart exists: point it at this checkout's CLI instead of /usr/bin, nothing else changes.
    const dir = mkdtempSync(join(tmpdir(), 'wiotp-unit-'));
    try {
      const unit = join(dir, 'wiotp-gateway.service');
      writeFileSync(unit, UNIT.replace('ExecStart=/usr/bin/wiotp-gateway ', `ExecStart=${BIN} `));
      const { stdout, stderr } = await run('systemd-analyze', ['verify', unit]);
      expect(`${stdout}${stderr}`).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not restart on the exit codes that a restart cannot fix, and restarts on any other failure', () => {
    expect(values('Restart')).toEqual(['on-failure']);
    expect(values('RestartPreventExitStatus')).toEqual([NO_RESTART_EXIT_CODES.join(' ')]);
  });

  it('runs the daemon with the one config location, as a dedicated user with only the BLE capabilities', () => {
    expect(values('ExecStart')).toEqual([`/usr/bin/wiotp-gateway run --config ${CONFIG}`]);
    expect(values('User')).toEqual(['wiotp-gateway']);
    expect(values('SupplementaryGroups')).toEqual(['dialout']);
    expect(values('StateDirectory')).toEqual(['wiotp-gateway']);
    expect(values('AmbientCapabilities')).toEqual(['CAP_NET_RAW CAP_NET_ADMIN']);
    expect(values('CapabilityBoundingSet')).toEqual(['CAP_NET_RAW CAP_NET_ADMIN']);
    for (const key of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp']) expect(values(key)).toEqual(['yes']);
    expect(values('ProtectSystem')).toEqual(['strict']);
  });

  it('is the only config location the README and docs name', () => {
    const documents = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)];
    for (const document of documents) {
      const text = readFileSync(join(ROOT, document), 'utf8');
      const configs = text.match(/\/etc\/wiotp[\w-]*\/[\w./-]*\.(?:ya?ml|json)\b/g) ?? [];
      expect({ document, configs: [...new Set(configs)] }).toEqual({ document, configs: configs.length ? [CONFIG] : [] });
      expect({ document, folders: text.match(/\/etc\/wiotp(?!-gateway)\b[\w/.-]*/g) ?? [] }).toEqual({ document, folders: [] });
    }
  });
});
