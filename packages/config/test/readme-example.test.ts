import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const examplePath = fileURLToPath(new URL('../examples/readme-config.ts', import.meta.url));
const TOKEN = 'whk_0123456789abcdefghij';

function run(env: Record<string, string>, args: string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', examplePath, ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('the README example', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('is in the README verbatim', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(['```ts', readFileSync(examplePath, 'utf8').trimEnd(), '```'].join('\n'));
  });

  it('starts with a valid config, printing it with sources and the secret redacted', () => {
    const tokenFile = temp.file('token', `${TOKEN}\n`);
    const configFile = temp.file('config.json', JSON.stringify({ serverPort: 9000, greeting: 'Hi' }));
    const result = run({ MCP_CONFIG_FILE: configFile, MCP_WEBHOOK_TOKEN_FILE: tokenFile }, [
      '--server-port',
      '9100',
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^serverPort +9100 +flag --server-port$/m);
    expect(result.stderr).toMatch(new RegExp(`^greeting +"Hi" +file ${configFile} key greeting$`, 'm'));
    expect(result.stderr).toMatch(
      new RegExp(`^webhookToken +"\\[REDACTED\\]" +env MCP_WEBHOOK_TOKEN_FILE \\(file ${tokenFile}\\)$`, 'm'),
    );
    expect(result.stderr).toContain('Hi on 127.0.0.1:9100, token [REDACTED]');
    expect(result.stderr).toContain('authorization header ready: true');
    expect(result.stderr).not.toContain(TOKEN);
  }, 30_000);

  it('refuses to start, listing every problem, for typos and a secret on the command line', () => {
    const result = run({ MCP_GREETNG: 'x', MCP_SERVER_PORT: '0x50' }, [`--webhook-token=${TOKEN}`]);
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('invalid configuration: 3 problems');
    expect(result.stderr).toContain('did you mean MCP_GREETING?');
    expect(result.stderr).toContain('serverPort (env MCP_SERVER_PORT): expected a decimal number');
    expect(result.stderr).toContain('[ERR_CONFIG_SECRET_ON_COMMAND_LINE]');
    expect(result.stderr).not.toContain(TOKEN);
  }, 30_000);
});
