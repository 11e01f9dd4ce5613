import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  expandPathVariables,
  findOnSearchPath,
  INSTALL_COMMAND,
  LaunchSettings,
  resolveServerCommand,
  ServerLookup,
} from '../src/serverCommand';

const variables = { home: '/home/ada', workspaceFolder: '/work/project' };

/** A machine with the given executables; records which Pythons were probed for ssot_ls. */
function fakeMachine(options: {
  executables?: string[];
  searchPath?: string;
  selectedPython?: string;
  pythonsWithSsotLs?: string[];
  platform?: NodeJS.Platform;
}): ServerLookup & { probed: string[] } {
  const executables = new Set(options.executables ?? []);
  const probed: string[] = [];
  return {
    platform: options.platform ?? 'linux',
    searchPath: options.searchPath ?? '/usr/local/bin:/usr/bin',
    pathExtensions: '.EXE;.CMD',
    isExecutableFile: (file) => executables.has(file),
    selectedPythonInterpreter: async () => options.selectedPython,
    pythonHasSsotLs: async (python) => {
      probed.push(python);
      return (options.pythonsWithSsotLs ?? []).includes(python);
    },
    probed,
  };
}

const noSettings: LaunchSettings = { path: [], interpreter: '' };

describe('resolveServerCommand', () => {
  it('uses ssot-ls.path first, appending "server" to the extra arguments', async () => {
    const machine = fakeMachine({ executables: ['/opt/bin/ssot-ls', '/usr/bin/ssot-ls', '/usr/bin/python3'] });
    const result = await resolveServerCommand(
      { path: ['/opt/bin/ssot-ls', '--verbose'], interpreter: '/usr/bin/python3' },
      variables,
      machine,
    );
    assert.deepEqual(result, {
      ok: true,
      server: { command: '/opt/bin/ssot-ls', args: ['--verbose', 'server'], source: 'ssot-ls.path' },
    });
  });

  it('does not add a second "server" argument', async () => {
    const machine = fakeMachine({ executables: ['/opt/bin/ssot-ls'] });
    const result = await resolveServerCommand({ path: ['/opt/bin/ssot-ls', 'server'], interpreter: '' }, variables, machine);
    assert.ok(result.ok);
    assert.deepEqual(result.server.args, ['server']);
  });

  it('expands ${workspaceFolder} and ~ in ssot-ls.path', async () => {
    const machine = fakeMachine({ executables: ['/work/project/.venv/bin/ssot-ls'] });
    const result = await resolveServerCommand(
      { path: ['${workspaceFolder}/.venv/bin/ssot-ls'], interpreter: '' },
      variables,
      machine,
    );
    assert.ok(result.ok);
    assert.equal(result.server.command, '/work/project/.venv/bin/ssot-ls');
  });

  it('looks a bare executable name in ssot-ls.path up on PATH', async () => {
    const machine = fakeMachine({ executables: ['/usr/bin/ssot-ls'] });
    const result = await resolveServerCommand({ path: ['ssot-ls'], interpreter: '' }, variables, machine);
    assert.ok(result.ok);
    assert.equal(result.server.command, '/usr/bin/ssot-ls');
  });

  it('reports a missing ssot-ls.path executable instead of falling through', async () => {
    const machine = fakeMachine({ executables: ['/usr/bin/ssot-ls'] });
    const result = await resolveServerCommand({ path: ['/nowhere/ssot-ls'], interpreter: '' }, variables, machine);
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /"ssot-ls\.path" names \/nowhere\/ssot-ls/);
  });

  it('runs `<python> -m ssot_ls server` for ssot-ls.interpreter', async () => {
    const machine = fakeMachine({ executables: ['/home/ada/venv/bin/python', '/usr/bin/ssot-ls'] });
    const result = await resolveServerCommand(
      { path: [], interpreter: '~/venv/bin/python' },
      variables,
      machine,
    );
    assert.deepEqual(result, {
      ok: true,
      server: { command: '/home/ada/venv/bin/python', args: ['-m', 'ssot_ls', 'server'], source: 'ssot-ls.interpreter' },
    });
  });

  it('reports a missing interpreter', async () => {
    const result = await resolveServerCommand({ path: [], interpreter: '/no/python' }, variables, fakeMachine({}));
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /"ssot-ls\.interpreter" names \/no\/python/);
  });

  it('finds ssot-ls on PATH without settings, before asking the Python extension', async () => {
    const machine = fakeMachine({
      executables: ['/usr/bin/ssot-ls', '/venv/bin/python'],
      selectedPython: '/venv/bin/python',
      pythonsWithSsotLs: ['/venv/bin/python'],
    });
    const result = await resolveServerCommand(noSettings, variables, machine);
    assert.deepEqual(result, { ok: true, server: { command: '/usr/bin/ssot-ls', args: ['server'], source: 'PATH' } });
    assert.deepEqual(machine.probed, []);
  });

  it("uses the ssot-ls script beside the Python extension's interpreter", async () => {
    const machine = fakeMachine({
      executables: ['/venv/bin/python', '/venv/bin/ssot-ls'],
      selectedPython: '/venv/bin/python',
    });
    const result = await resolveServerCommand(noSettings, variables, machine);
    assert.deepEqual(result, {
      ok: true,
      server: { command: '/venv/bin/ssot-ls', args: ['server'], source: 'Python extension' },
    });
  });

  it("runs the Python extension's interpreter with -m when it has ssot_ls but no script", async () => {
    const machine = fakeMachine({
      executables: ['/venv/bin/python'],
      selectedPython: '/venv/bin/python',
      pythonsWithSsotLs: ['/venv/bin/python'],
    });
    const result = await resolveServerCommand(noSettings, variables, machine);
    assert.deepEqual(result, {
      ok: true,
      server: { command: '/venv/bin/python', args: ['-m', 'ssot_ls', 'server'], source: 'Python extension' },
    });
    assert.deepEqual(machine.probed, ['/venv/bin/python']);
  });

  it('gives one message with the install command when nothing is found', async () => {
    const machine = fakeMachine({ executables: ['/venv/bin/python'], selectedPython: '/venv/bin/python' });
    const result = await resolveServerCommand(noSettings, variables, machine);
    assert.equal(result.ok, false);
    const message = !result.ok ? result.message : '';
    assert.ok(message.includes(INSTALL_COMMAND), message);
    assert.ok(message.includes('ssot-ls.path') && message.includes('ssot-ls.interpreter'), message);
    assert.ok(!message.includes('\n'), 'one line, not a stack trace');
  });

  it('treats an empty ssot-ls.path entry as unset', async () => {
    const machine = fakeMachine({ executables: ['/usr/bin/ssot-ls'] });
    const result = await resolveServerCommand({ path: ['  '], interpreter: ' ' }, variables, machine);
    assert.ok(result.ok);
    assert.equal(result.server.source, 'PATH');
  });
});

describe('findOnSearchPath', () => {
  it('takes the first PATH directory that has the executable', () => {
    const machine = fakeMachine({
      executables: ['/b/ssot-ls', '/c/ssot-ls'],
      searchPath: '/a::/b:/c',
    });
    assert.equal(findOnSearchPath('ssot-ls', machine), '/b/ssot-ls');
  });

  it('tries PATHEXT extensions on Windows', () => {
    const machine = fakeMachine({
      platform: 'win32',
      executables: ['C:\\Python\\Scripts\\ssot-ls.EXE'],
      searchPath: 'C:\\Windows;C:\\Python\\Scripts',
    });
    assert.equal(findOnSearchPath('ssot-ls', machine), 'C:\\Python\\Scripts\\ssot-ls.EXE');
  });

  it('returns undefined without PATH', () => {
    assert.equal(findOnSearchPath('ssot-ls', { ...fakeMachine({}), searchPath: undefined }), undefined);
  });
});

describe('expandPathVariables', () => {
  it('expands ~, ${userHome} and ${workspaceFolder}', () => {
    assert.equal(expandPathVariables('~/x', variables), '/home/ada/x');
    assert.equal(expandPathVariables('~', variables), '/home/ada');
    assert.equal(expandPathVariables('${userHome}/y', variables), '/home/ada/y');
    assert.equal(expandPathVariables('${workspaceFolder}/z', variables), '/work/project/z');
  });

  it('leaves ${workspaceFolder} alone without a folder, and ~ inside a path', () => {
    assert.equal(expandPathVariables('${workspaceFolder}/z', { home: '/h' }), '${workspaceFolder}/z');
    assert.equal(expandPathVariables('/a/~/b', variables), '/a/~/b');
  });
});
