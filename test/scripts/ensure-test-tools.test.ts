import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/ensure-test-tools.sh', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the pretest script with the given environment (nothing inherited but what is passed). */
function ensure(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile('/bin/bash', [SCRIPT], { env }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stderr, ms: performance.now() - started });
    });
  });
}

/** A folder to use as the whole PATH, holding the given executable scripts. */
function binFolder(scripts: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'wiotp-tools-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/bash\n${text}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('scripts/ensure-test-tools.sh (npm pretest)', () => {
  it('says nothing and takes no time when every tool the tests run is installed', async () => {
    const { code, stderr, ms } = await ensure({ PATH: process.env.PATH });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(2000);
  });

  it('names what is missing and the command that installs it, when there is no apt-get', async () => {
    const { code, stderr } = await ensure({ PATH: binFolder(), WIOTP_TEST_TOOLS: 'socat:socat redis-server:redis-server' });
    expect(stderr).toBe(
      'ensure-test-tools: the tests need socat redis-server, missing here: install socat redis-server with your ' +
        'package manager (Debian, Ubuntu: `sudo apt-get install socat redis-server`)\n',
    );
    expect(code).toBe(0);
  });

  it('fails on CI when it cannot install them', async () => {
    const { code, stderr } = await ensure({ PATH: binFolder(), WIOTP_TEST_TOOLS: 'socat:socat', CI: 'true' });
    expect(stderr).toMatch(/^ensure-test-tools: the tests need socat, missing here/);
    expect(code).toBe(1);
  });

  it('installs a missing tool with apt-get as root, fetching the package lists first on a fresh machine', async () => {
    // apt-get stands in here so that the test installs nothing on this machine: like a fresh Debian image,
    // it cannot find any package before `apt-get update`, and "installing" socat puts a socat on the PATH.
    const bin = binFolder({
      id: 'echo 0',
      'apt-get': [
        'dir="$PATH" # PATH is this one folder',
        'echo "$*" >> "$dir/apt.log"',
        '[ "$1" = update ] && { : > "$dir/lists"; exit 0; }',
        '[ -e "$dir/lists" ] || { echo "E: Unable to locate package" >&2; exit 100; }',
        'for pkg; do :; done # the last argument: the package',
        'printf "#!/bin/bash\\n" > "$dir/$pkg"; /bin/chmod +x "$dir/$pkg"',
      ].join('\n'),
    });
    const env = { PATH: bin, WIOTP_TEST_TOOLS: 'socat:socat' };
    const first = await ensure(env);
    expect(first.stderr).toBe('ensure-test-tools: installing socat for socat\n');
    expect(first.code).toBe(0);
    expect(existsSync(join(bin, 'socat'))).toBe(true);
    expect(readFileSync(join(bin, 'apt.log'), 'utf8').split('\n')).toEqual([
      'install -y -q --no-install-recommends socat',
      'update -q',
      'install -y -q --no-install-recommends socat',
      '',
    ]);
    expect(await ensure(env)).toMatchObject({ code: 0, stderr: '' });
  });

  it('says how to install what apt-get could not', async () => {
    const bin = binFolder({ id: 'echo 0', 'apt-get': 'exit 100' });
    const { code, stderr } = await ensure({ PATH: bin, WIOTP_TEST_TOOLS: 'socat:socat' });
    expect(stderr.split('\n').at(-2)).toBe(
      'ensure-test-tools: the tests need socat, missing here: apt-get could not install them: run `sudo apt-get install socat` to see why',
    );
    expect(code).toBe(0);
  });
});
