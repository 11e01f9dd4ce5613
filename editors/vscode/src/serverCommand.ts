// Finds the command that starts the ssot-ls language server. Pure: everything that touches the
// machine (file checks, the Python extension, running Python) comes in through `ServerLookup`,
// so the order of the fallbacks is unit-tested without VS Code.
import * as path from 'node:path';

export const INSTALL_COMMAND = 'pip install ssot-ls';

/** The settings that decide how the server is started. */
export interface LaunchSettings {
  /** `ssot-ls.path`: an `ssot-ls` executable followed by extra arguments. */
  path: readonly string[];
  /** `ssot-ls.interpreter`: a Python that has the `ssot_ls` package. */
  interpreter: string;
}

/** Where the server command came from; shown in the log so users see which one ran. */
export type CommandSource = 'ssot-ls.path' | 'ssot-ls.interpreter' | 'PATH' | 'Python extension';

export interface ServerCommand {
  command: string;
  args: string[];
  source: CommandSource;
}

export type Resolution =
  | { ok: true; server: ServerCommand }
  | { ok: false; message: string };

/** Variables allowed in path settings, as VS Code users know them from tasks and launch configs. */
export interface PathVariables {
  home: string;
  workspaceFolder?: string;
}

export interface ServerLookup {
  platform: NodeJS.Platform;
  /** The value of the PATH environment variable. */
  searchPath: string | undefined;
  /** PATHEXT on Windows (".EXE;.CMD;…"); ignored elsewhere. */
  pathExtensions?: string;
  isExecutableFile(file: string): boolean;
  /** The Python extension's selected interpreter for the workspace, if that extension is installed. */
  selectedPythonInterpreter(): Promise<string | undefined>;
  /** Whether `python -c "import ssot_ls"` succeeds. */
  pythonHasSsotLs(python: string): Promise<boolean>;
}

const SERVER_ARGUMENT = 'server';
const EXECUTABLE_NAME = 'ssot-ls';

/** Expands `~`, `${userHome}` and `${workspaceFolder}` in a path setting. */
export function expandPathVariables(value: string, variables: PathVariables): string {
  let expanded = value.replaceAll('${userHome}', variables.home);
  if (variables.workspaceFolder !== undefined) {
    expanded = expanded.replaceAll('${workspaceFolder}', variables.workspaceFolder);
  }
  if (expanded === '~') {
    return variables.home;
  }
  if (expanded.startsWith('~/') || expanded.startsWith('~\\')) {
    return path.join(variables.home, expanded.slice(2));
  }
  return expanded;
}

function looksLikePath(value: string, platform: NodeJS.Platform): boolean {
  return value.includes('/') || (platform === 'win32' && value.includes('\\'));
}

/** Finds `name` in the PATH directories, the way a shell would; undefined if it is not there. */
export function findOnSearchPath(name: string, lookup: ServerLookup): string | undefined {
  const delimiter = lookup.platform === 'win32' ? ';' : ':';
  const pathApi = lookup.platform === 'win32' ? path.win32 : path.posix;
  const extensions = lookup.platform === 'win32'
    ? ['', ...(lookup.pathExtensions ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)]
    : [''];
  for (const directory of (lookup.searchPath ?? '').split(delimiter)) {
    if (directory === '') {
      continue;
    }
    for (const extension of extensions) {
      const candidate = pathApi.join(directory, name + extension);
      if (lookup.isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** An executable named in a setting: a path must exist; a bare name is looked up on PATH. */
function locateExecutable(value: string, lookup: ServerLookup): string | undefined {
  if (looksLikePath(value, lookup.platform)) {
    return lookup.isExecutableFile(value) ? value : undefined;
  }
  return findOnSearchPath(value, lookup);
}

/** The `ssot-ls` script installed next to a Python interpreter (its `bin/` or `Scripts\`). */
function scriptBesideInterpreter(python: string, lookup: ServerLookup): string | undefined {
  const pathApi = lookup.platform === 'win32' ? path.win32 : path.posix;
  const name = lookup.platform === 'win32' ? `${EXECUTABLE_NAME}.exe` : EXECUTABLE_NAME;
  const candidate = pathApi.join(pathApi.dirname(python), name);
  return lookup.isExecutableFile(candidate) ? candidate : undefined;
}

function withServerArgument(args: readonly string[]): string[] {
  // Users who copy a full command line may already end it with "server".
  return args.at(-1) === SERVER_ARGUMENT ? [...args] : [...args, SERVER_ARGUMENT];
}

export function notFoundMessage(): string {
  return (
    'ssot-ls: the ssot-ls language server was not found. Install it into the Python ' +
    `environment VS Code uses with \`${INSTALL_COMMAND}\`, or set "ssot-ls.path" ` +
    '(the ssot-ls executable) or "ssot-ls.interpreter" (a Python that has ssot_ls).'
  );
}

/**
 * Resolves the server command in this order: `ssot-ls.path`, `ssot-ls.interpreter`,
 * `ssot-ls` on PATH, the Python extension's selected interpreter. A setting that names
 * something missing is an error of its own rather than a silent fall-through, so a typo in
 * the settings is reported instead of quietly running some other ssot-ls.
 */
export async function resolveServerCommand(
  settings: LaunchSettings,
  variables: PathVariables,
  lookup: ServerLookup,
): Promise<Resolution> {
  const pathSetting = settings.path.map((part) => part.trim()).filter((part) => part !== '');
  if (pathSetting.length > 0) {
    const [executable, ...extraArgs] = pathSetting.map((part) => expandPathVariables(part, variables));
    const located = locateExecutable(executable, lookup);
    if (located === undefined) {
      return {
        ok: false,
        message: `ssot-ls: "ssot-ls.path" names ${executable}, which is not an executable file. ` +
          `Fix the setting, or install the server with \`${INSTALL_COMMAND}\`.`,
      };
    }
    return { ok: true, server: { command: located, args: withServerArgument(extraArgs), source: 'ssot-ls.path' } };
  }

  const interpreterSetting = settings.interpreter.trim();
  if (interpreterSetting !== '') {
    const python = expandPathVariables(interpreterSetting, variables);
    const located = locateExecutable(python, lookup);
    if (located === undefined) {
      return {
        ok: false,
        message: `ssot-ls: "ssot-ls.interpreter" names ${python}, which is not an executable file.`,
      };
    }
    return { ok: true, server: { command: located, args: ['-m', 'ssot_ls', SERVER_ARGUMENT], source: 'ssot-ls.interpreter' } };
  }

  const onPath = findOnSearchPath(EXECUTABLE_NAME, lookup);
  if (onPath !== undefined) {
    return { ok: true, server: { command: onPath, args: [SERVER_ARGUMENT], source: 'PATH' } };
  }

  const selectedPython = await lookup.selectedPythonInterpreter();
  if (selectedPython !== undefined && selectedPython !== '') {
    const script = scriptBesideInterpreter(selectedPython, lookup);
    if (script !== undefined) {
      return { ok: true, server: { command: script, args: [SERVER_ARGUMENT], source: 'Python extension' } };
    }
    if (await lookup.pythonHasSsotLs(selectedPython)) {
      return {
        ok: true,
        server: { command: selectedPython, args: ['-m', 'ssot_ls', SERVER_ARGUMENT], source: 'Python extension' },
      };
    }
  }

  return { ok: false, message: notFoundMessage() };
}
