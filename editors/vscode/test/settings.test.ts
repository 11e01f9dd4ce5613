import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfigurationPath, serverSettings } from '../src/settings';

const variables = { home: '/home/ada', workspaceFolder: '/work/project' };

function reader(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

describe('serverSettings', () => {
  it('has the defaults when nothing is set', () => {
    assert.deepEqual(serverSettings(reader({}), variables), {
      enable: true,
      configuration: null,
      markdown: { enable: true },
      unsafeFixes: false,
      logLevel: 'info',
    });
  });

  it('passes the user settings in the server shape', () => {
    const settings = serverSettings(
      reader({
        enable: false,
        configuration: 'tools/ssot-ls.toml',
        'markdown.enable': false,
        unsafeFixes: true,
        logLevel: 'debug',
      }),
      variables,
    );
    assert.deepEqual(settings, {
      enable: false,
      configuration: '/work/project/tools/ssot-ls.toml',
      markdown: { enable: false },
      unsafeFixes: true,
      logLevel: 'debug',
    });
  });

  it('ignores values of the wrong type or outside the enum', () => {
    const settings = serverSettings(reader({ enable: 'no', 'markdown.enable': 0, unsafeFixes: 'yes', logLevel: 'verbose' }), variables);
    assert.equal(settings.enable, true);
    assert.equal(settings.markdown.enable, true);
    assert.equal(settings.unsafeFixes, false);
    assert.equal(settings.logLevel, 'info');
  });
});

describe('resolveConfigurationPath', () => {
  it('is null for an empty setting', () => {
    assert.equal(resolveConfigurationPath('', variables), null);
    assert.equal(resolveConfigurationPath('  ', variables), null);
    assert.equal(resolveConfigurationPath(undefined, variables), null);
  });

  it('keeps absolute paths and expands variables', () => {
    assert.equal(resolveConfigurationPath('/etc/ssot-ls.toml', variables), '/etc/ssot-ls.toml');
    assert.equal(resolveConfigurationPath('~/ssot-ls.toml', variables), '/home/ada/ssot-ls.toml');
    assert.equal(resolveConfigurationPath('${workspaceFolder}/a.toml', variables), '/work/project/a.toml');
  });

  it('leaves a relative path relative when there is no workspace folder', () => {
    assert.equal(resolveConfigurationPath('a.toml', { home: '/h' }), 'a.toml');
  });
});
