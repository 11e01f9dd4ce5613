// The real `ServerLookup`: the file system, PATH, the Python extension and a Python probe.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { ServerLookup } from './serverCommand';

const PYTHON_EXTENSION_ID = 'ms-python.python';
const PROBE_TIMEOUT_MS = 20_000;

/** The part of the Python extension's public API that we use. */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(environment: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (process.platform !== 'win32') {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

async function pythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (extension === undefined) {
    return undefined;
  }
  return extension.isActive ? extension.exports : await extension.activate();
}

export async function selectedPythonInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  try {
    const environments = (await pythonExtensionApi())?.environments;
    if (environments === undefined) {
      return undefined;
    }
    const resolved = await environments.resolveEnvironment(environments.getActiveEnvironmentPath(resource));
    return resolved?.executable.uri?.fsPath;
  } catch {
    // A broken or older Python extension is the same as none: fall through to the error message.
    return undefined;
  }
}

/** Subscribes to interpreter changes in the Python extension, if it is installed. */
export async function onPythonInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  try {
    const event = (await pythonExtensionApi())?.environments?.onDidChangeActiveEnvironmentPath;
    return event?.(() => listener());
  } catch {
    return undefined;
  }
}

function pythonHasSsotLs(python: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import ssot_ls'], { timeout: PROBE_TIMEOUT_MS }, (error) => resolve(error === null));
  });
}

export function machineLookup(resource?: vscode.Uri): ServerLookup {
  return {
    platform: process.platform,
    searchPath: process.env.PATH,
    pathExtensions: process.env.PATHEXT,
    isExecutableFile,
    selectedPythonInterpreter: () => selectedPythonInterpreter(resource),
    pythonHasSsotLs,
  };
}
